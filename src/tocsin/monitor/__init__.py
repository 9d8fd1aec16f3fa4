"""Monitoring that runs by itself: scheduled feeds that keep the event store current and
run the warning pipeline, for the deployments that may reach the sources.

Every feed is off until ``<home>/feeds.yaml`` (or ``TOCSIN_FEEDS``) names it, so an
air-gapped deployment works exactly as before: without the file, ``tocsin monitor``
does nothing and makes no network call. One module per part:

- ``config``: the feeds file, validated with file and line;
- ``fetch``: HTTP with time-outs, retries (exponential backoff with jitter, 429 and 5xx,
  ``Retry-After``), downloads to a temporary file verified by size and MD5, secrets
  scrubbed from every message;
- ``cursors``: each feed's cursor and status in ``<home>/monitor/feeds/<id>.json``,
  written atomically after the ingest that stored what the cursor points past;
- ``gdelt``, ``acled``, ``ucdp``, ``folder``: one module per source;
- ``lock``: one monitor per home (flock);
- ``alerting``: the e-mail to administrators about a feed that keeps failing;
- ``run``: one pass over the due feeds and the warning pipeline, and the loop;
- ``status``: what ``tocsin monitor status`` and the site's page show.

The core never imports the site: the edge (``tocsin monitor``) passes in the keeper of
alerts (``tocsin.warning.run.AlertKeeper``) and, if it likes, who the administrators are.
Method and deployment: docs/monitoring.md.
"""
