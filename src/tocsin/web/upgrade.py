"""Carry a database made by an earlier layout of the site forward, before migrating.

Tocsin 0.1 named two apps differently: ``workspace`` held the assessments (now the
``assessments`` app) and ``inbox`` held assignments, notes, evidence links and
subscriptions of alerts (now part of the ``alerts`` app). Their tables, migration
records and content types are renamed in one transaction, so the data stay where they
are and the migrations then see a database of the current layout:

- a renamed app keeps its migrations under its new label;
- a merged app's models are created in the app it joined by one migration
  (``alerts.0002_inbox``), which is recorded as applied instead of its own.

It runs from the site's ``migrate`` command (``shell/management/commands``), which every
path that migrates goes through. On a new or an already current database it does
nothing.
"""

from __future__ import annotations

from django.db import connections, transaction
from django.utils import timezone

RENAMED = {"workspace": "assessments"}
MERGED = {"inbox": ("alerts", "0002_inbox")}


def carry_forward(connection=None) -> list[str]:
    """Rename what the earlier layout left; return what was done, one line per step."""
    connection = connection or connections["default"]
    tables = set(connection.introspection.table_names())
    if "django_migrations" not in tables:
        return []
    with connection.cursor() as cur:
        cur.execute("SELECT app, name FROM django_migrations")
        applied: dict[str, set[str]] = {}
        for app, name in cur.fetchall():
            applied.setdefault(app, set()).add(name)
    steps: list[str] = []
    with transaction.atomic(using=connection.alias), connection.cursor() as cur:
        for old, new in RENAMED.items():
            if old in applied and new not in applied:
                steps += _rename_tables(cur, connection, tables, old, new)
                cur.execute("UPDATE django_migrations SET app = %s WHERE app = %s", [new, old])
                steps += _content_types(cur, tables, old, new)
        for old, (new, migration) in MERGED.items():
            if old in applied and migration not in applied.get(new, set()):
                steps += _rename_tables(cur, connection, tables, old, new)
                cur.execute("DELETE FROM django_migrations WHERE app = %s", [old])
                cur.execute("INSERT INTO django_migrations (app, name, applied) "
                            "VALUES (%s, %s, %s)", [new, migration, timezone.now()])
                steps += _content_types(cur, tables, old, new)
    return steps


def _rename_tables(cur, connection, tables, old: str, new: str) -> list[str]:
    q = connection.ops.quote_name
    done = []
    for table in sorted(t for t in tables if t.startswith(old + "_")):
        target = new + table[len(old):]
        cur.execute(f"ALTER TABLE {q(table)} RENAME TO {q(target)}")
        done.append(f"table {table} -> {target}")
    return done


def _content_types(cur, tables, old: str, new: str) -> list[str]:
    if "django_content_type" not in tables:
        return []
    cur.execute("UPDATE django_content_type SET app_label = %s WHERE app_label = %s", [new, old])
    return [f"content types {old} -> {new}"]
