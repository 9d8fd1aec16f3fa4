"""The monitor's page for administrators: per feed its last success, last error, cursor,
files and events ingested, next run, read from the home through
``tocsin.monitor.status`` (the core module ``tocsin monitor status`` prints)."""
