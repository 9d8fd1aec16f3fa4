"""Conflict-event data: readers for ACLED, UCDP GED, GDELT 1.0/2.0 and mapped CSV,
one canonical event table, the taxonomy that links events to the framework, and
the analytical store (DuckDB by default, Spark when configured).

The core never imports Django; heavy libraries are imported where used.
"""
