"""What the country pages read: forecasts, alerts, assessments (site database) and
weekly signals (analytical store).

Signals come from the warning strand's published Parquet snapshot
(``<home>/warning/snapshot/``, see ``tocsin.warning.signals``), read by an in-memory
DuckDB: the site never opens ``signals.duckdb``, so a page never holds up
``tocsin warn run`` and a run never makes a page fail; a page sees the last
published state until the next run publishes. Before the first run has published
signals, the same series is computed from the events store's snapshot (also
Parquet) by the same expression (``tocsin.warning.series.weekly_signals``), so a
page shows the same figures before and after the first run. Results are cached per
process, keyed by the identity of the files they were read from (each publication
is a new directory).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import threading
from collections import OrderedDict
from pathlib import Path

from django.conf import settings

from tocsin import countries
from tocsin.warning import severity
from tocsin.warning.lifecycle import OPEN_STATUSES


def country_names() -> dict[str, str]:
    return countries.names()


def country_name(iso3: str) -> str:
    return countries.name(iso3)


def home() -> Path:
    return Path(settings.HOME)


class _Cache:
    """A small LRU cache shared by the threads of one process."""

    def __init__(self, size: int = 256):
        self.size, self.data, self.lock = size, OrderedDict(), threading.Lock()

    def get(self, key):
        with self.lock:
            if key in self.data:
                self.data.move_to_end(key)
                return self.data[key]
        return None

    def put(self, key, value):
        with self.lock:
            self.data[key] = value
            self.data.move_to_end(key)
            while len(self.data) > self.size:
                self.data.popitem(last=False)
        return value


_cache = _Cache()


# --- forecasts -------------------------------------------------------------------------------

def latest_forecasts() -> dict[str, object]:
    """country -> its Forecast row of the latest year (highest probability if several models).

    Cached per process and re-read when the table changes (one aggregate query tells):
    every page of the site shows it, and it changes only on an import."""
    from django.db.models import Count, Max

    from tocsin.web.countries.models import Forecast

    stamp = tuple(Forecast.objects.aggregate(n=Count("id"), last=Max("id"),
                                             at=Max("imported_at")).values())
    hit = _cache.get(("forecasts", stamp))
    if hit is not None:
        return hit
    latest = dict(Forecast.objects.values_list("country").annotate(y=Max("year")))
    out = {}
    for f in (Forecast.objects.filter(year__in=set(latest.values()))
              .order_by("country", "-year", "-probability")):
        if f.year == latest.get(f.country):
            out.setdefault(f.country, f)
    return _cache.put(("forecasts", stamp), out)


# --- signals ---------------------------------------------------------------------------------



def _stamp(path: Path) -> tuple | None:
    try:
        st = path.stat()
    except OSError:
        return None
    return (str(path), st.st_mtime_ns, st.st_size)


def _events_generation() -> Path | None:
    """The event store's current directory, renamed with every commit: a cache key."""
    from tocsin.events.store import snapshot_paths

    paths = snapshot_paths(home())
    return paths["generation"] if paths else None


def signals_snapshot() -> Path | None:
    """The published signals' Parquet file, or None before the first ``warn run``."""
    from tocsin.warning.signals import snapshot_paths

    paths = snapshot_paths(home())
    return paths["signals"] if paths else None


@contextlib.contextmanager
def signals_reader(country: str | None = None):
    """An in-memory DuckDB connection with a view ``signals`` (one thread: one request,
    one core; many run at once): the published snapshot, or before the first
    ``warn run`` the same series computed from the event store's snapshot (``country``
    only, if given); None if nothing was ingested either."""
    from tocsin.warning.signals import connect_computed, connect_snapshot

    if signals_snapshot() is not None:
        con = connect_snapshot(home(), threads=1)
    else:
        con = connect_computed(home(), country, threads=1)
    if con is None:
        yield None
        return
    try:
        yield con
    finally:
        con.close()


def _query_signals(sql: str, params: list, country: str) -> list:
    """Rows of the weekly signals of ``country`` (see ``signals_reader``)."""
    with signals_reader(country) as con:
        return [] if con is None else con.execute(sql, params).fetchall()


def _query_snapshot(sql: str, params: list):
    """Rows of ``sql`` with ``EVENTS`` read as the event store's current generation
    (resolved again if it vanishes under the query); [] if nothing was ingested."""
    import duckdb

    from tocsin.events import store
    from tocsin.events.sqlparts import q

    def run(generation: Path | None) -> list:
        if generation is not None and not generation.exists():
            raise FileNotFoundError(generation)  # pruned since CURRENT was read: retried
        paths = store.generation_paths(generation)
        if paths is None:
            return []
        con = duckdb.connect()
        try:
            con.execute("SET threads = 1")  # one request, one core: many run at once
            source = f"read_parquet({q(str(paths['events']))})"
            return con.execute(sql.replace("EVENTS", source), params).fetchall()
        finally:
            con.close()

    return store.generations(home()).read(run)


def _key(kind: str, *args):
    return (kind, _stamp(signals_snapshot() or Path("/nonexistent")),
            _stamp(_events_generation() or Path("/nonexistent")), *args)


def weekly_by_class(country: str, weeks: int | None = None) -> list[dict]:
    """Weekly events and fatalities by event class (country level): every week with
    data, or the last ``weeks`` weeks up to the latest week with data. Each source keeps
    its own series."""
    key = _key("weekly", country, weeks)
    hit = _cache.get(key)
    if hit is not None:
        return hit
    window = "" if weeks is None else \
        "WHERE week > (SELECT max(week) FROM s) - INTERVAL (? * 7) DAY"
    rows = _query_signals(
        f"""WITH s AS (SELECT * FROM signals WHERE country = ? AND level = 'country')
           SELECT source, week, event_class, events, fatalities FROM s {window}
           ORDER BY week, source, event_class""",
        [country] + ([] if weeks is None else [weeks]), country)
    out = [{"source": s, "week": w.isoformat() if isinstance(w, dt.date) else str(w),
            "event_class": c or "unclassified", "events": int(n), "fatalities": int(f or 0)}
           for s, w, c, n, f in rows]
    return _cache.put(key, out)


def subnational(country: str, weeks: int = 26) -> list[dict]:
    """First-level units: events and fatalities of each source over its own last
    ``weeks`` weeks with data (sources are never added together), the largest first."""
    key = _key("admin1", country, weeks)
    hit = _cache.get(key)
    if hit is not None:
        return hit
    rows = _query_signals(
        """WITH s AS (SELECT * FROM signals WHERE country = ? AND level = 'admin1'),
                m AS (SELECT source, max(week) AS last FROM s GROUP BY source)
           SELECT s.source, unit, sum(events), sum(fatalities), sum(civilian_fatalities),
                  min(week), max(week) FROM s JOIN m ON s.source = m.source
           WHERE week > m.last - INTERVAL (? * 7) DAY
           GROUP BY s.source, unit ORDER BY 3 DESC, 1, 2 LIMIT 40""", [country, weeks], country)
    out = [{"source": src, "unit": u, "events": int(n), "fatalities": int(f or 0),
            "civilian_fatalities": int(c or 0), "first_week": str(a), "last_week": str(b)}
           for src, u, n, f, c, a, b in rows]
    return _cache.put(key, out)


def events(country: str | None = None, source: str | None = None,
           event_class: str | None = None, date_from: dt.date | None = None,
           date_to: dt.date | None = None, uids: list[str] | None = None,
           offset: int = 0, limit: int = 100) -> tuple[int, list[dict]]:
    """A page of events from the published snapshot, newest first, and the total."""
    from tocsin.events.schema import NAMES

    where, params = ["TRUE"], []
    for col, value in (("country", country), ("source", source), ("event_class", event_class)):
        if value:
            where.append(f"{col} = ?")
            params.append(value)
    if date_from:
        where.append("event_date >= ?")
        params.append(date_from)
    if date_to:
        where.append("event_date <= ?")
        params.append(date_to)
    if uids is not None:
        if not uids:
            return 0, []
        where.append("uid IN (SELECT unnest(?::VARCHAR[]))")
        params.append(list(uids))
    cond = " AND ".join(where)
    cols = [n for n in NAMES if n != "batch_id"]
    total = _query_snapshot(f"SELECT count(*) FROM EVENTS WHERE {cond}", params)
    total = int(total[0][0]) if total else 0
    rows = _query_snapshot(
        f"SELECT {', '.join(cols)} FROM EVENTS WHERE {cond} "
        f"ORDER BY event_date DESC NULLS LAST, uid LIMIT ? OFFSET ?", [*params, limit, offset])
    return total, [dict(zip(cols, r, strict=True)) for r in rows]


# --- alerts and assessments ------------------------------------------------------------------

def alert_summary() -> dict[str, dict]:
    """country -> open alert count, highest open severity, latest week with an alert."""
    from django.db.models import Count, Max

    from tocsin.web.alerts.models import Alert

    out: dict[str, dict] = {}
    for row in (Alert.objects.filter(baseline=False).values("country")
                .annotate(n=Count("id"), last=Max("week"))):
        out[row["country"]] = {"alerts": row["n"], "open": 0, "top": "", "last_week": row["last"]}
    for row in (Alert.objects.filter(baseline=False, status__in=OPEN_STATUSES)
                .values("country", "severity").annotate(n=Count("id"))):
        d = out[row["country"]]
        d["open"] += row["n"]
        d["top"] = severity.highest([d["top"], row["severity"]])
    return out


_score_cache = _Cache(512)


def assessment_level(a) -> dict:
    """The overall risk level and score of an assessment (cached by its last change)."""
    key = ("level", a.pk, a.updated_at.isoformat(), a.status)
    hit = _score_cache.get(key)
    if hit is not None:
        return hit
    from tocsin.assessment.scoring import score
    from tocsin.web.assessments import convert

    try:
        card = score(convert.to_model(a), convert.framework(a.framework_id))
        value = {"level": card.overall.level, "score": card.overall.score,
                 "provisional": card.overall.provisional, "date": card.date}
    except Exception:  # an assessment the library cannot score yet (e.g. empty) shows no level
        value = {"level": "not-rated", "score": None, "provisional": True, "date": None}
    return _score_cache.put(key, value)


def latest_assessments(user) -> dict[str, dict]:
    """country -> the latest assessment this user may see, with its level."""
    from tocsin.web import policy

    out = {}
    for a in policy.visible_assessments(user).order_by("country", "-version", "-updated_at"):
        if a.country not in out:
            out[a.country] = {"assessment": a, **assessment_level(a)}
    return out
