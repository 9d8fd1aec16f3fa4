"""The weekly series, written once as Ibis expressions: what ``tocsin warn run``
materialises (``tocsin.warning.signals``), what the site shows before the first run,
and what the engine-equivalence tests run on DuckDB and on Spark.

A signal row is one (source, country, level, unit, ISO week, event class) with four
figures: events, fatalities, civilian fatalities and distinct actors. ``level`` is
"country" (unit "") or "admin1" (unit = the source's admin1 name). Each source
keeps its own series: ACLED and UCDP report many of the same events, so adding
them would double-count, and each has its own coverage. Weeks start on Monday
(``truncate("W")``, the same on DuckDB and Spark).

The expressions take any Ibis table with the canonical event columns
(``tocsin.events.schema``), so the same code runs on DuckDB and on Spark.

Which events go into a week (``fits_a_week``): those whose date is known to within
a month, by both of the two things a source can say about it:

* ``date_precision`` at most 3 (1 day, 2 week, 3 month; 4 is longer: UCDP's
  year-long "aggregation" events), or not given;
* ``date_end`` at most 30 days after ``event_date`` (a calendar month), or not
  given.

Either alone misses events: ACLED gives a precision but its ``date_end`` is always
``event_date`` (a month-precision ACLED event spans 0 days), and a mapped CSV gives
an end date but no precision (a monthly summary row would otherwise be piled onto
its first day). On every source Tocsin reads, the two agree (UCDP precision 3 spans
7-30 days, precision 4 spans 31 days or more), so the rule is the one the alert
rules were tuned with. A stricter "within a week" (precision at most 2 or a span
of at most 6 days) was not chosen: it would drop UCDP's month-dated events from
every series (in the Myanmar GED sample 340 of 7,374 events, 3,728 deaths). A month-dated event
sits in the week of its first day (UCDP ``date_start``, ACLED's ``event_date``).
The same rule picks the events behind an alert (``tocsin.warning.alerts``).

Civilian fatalities: UCDP's ``deaths_civilians`` as given; ACLED gives no civilian
toll, so in the classes where civilians are the target by definition its fatalities
are civilians.
"""

from __future__ import annotations

import functools

MAX_DATE_PRECISION = 3  # 3: known to the month
MAX_SPAN_DAYS = 30  # date_end - event_date: one calendar month at most
CIVILIAN_TARGET_CLASSES = ("violence-against-civilians", "mass-killing", "sexual-violence",
                           "abduction-disappearance", "repression")
KEYS = ["source", "country", "level", "unit", "week", "event_class"]
MEASURES = ["events", "fatalities", "civilian_fatalities", "actors"]


def fits_a_week(e):
    """True for an event that can be put in a week (the rule of the module docstring)."""
    span = e.date_end.epoch_days() - e.event_date.epoch_days()
    return ((e.date_precision.isnull() | (e.date_precision <= MAX_DATE_PRECISION))
            & (span.isnull() | (span <= MAX_SPAN_DAYS)))


def weekly_events(events):
    """The events of the weekly series: dated, in a country, fitting a week."""
    e = events
    return e.filter(e.event_date.notnull(), e.country.notnull(), fits_a_week(e))


def week_of(date):
    """The Monday of the ISO week of a date column, as a date."""
    return date.truncate("W").cast("date")


def _weekly_base(events):
    """The weekly events with the columns the signals need."""
    import ibis

    e = weekly_events(events)
    fat = e.fatalities_best.fill_null(0)
    civ = ibis.coalesce(
        e.civilian_fatalities,
        ibis.cases((e.event_class.isin(CIVILIAN_TARGET_CLASSES), fat), else_=0))
    return e.select(
        source=e.source, country=e.country, admin1=e.admin1, week=week_of(e.event_date),
        event_class=e.event_class, fat=fat.cast("int64"), civ=civ.cast("int64"),
        actor1=e.actor1, actor2=e.actor2)


def _aggregate(base, level: str):
    import ibis

    if level == "country":
        t = base.mutate(level=ibis.literal("country"), unit=ibis.literal(""))
    else:
        t = base.filter(base.admin1.notnull() & (base.admin1 != ""))
        t = t.mutate(level=ibis.literal("admin1"), unit=t.admin1)
    figures = t.group_by(KEYS).aggregate(
        events=t.count(), fatalities=t.fat.sum(), civilian_fatalities=t.civ.sum())
    # Distinct actors: actor1 and actor2 stacked, then counted once each.
    a1 = t.select(*KEYS, actor=t.actor1)
    a2 = t.select(*KEYS, actor=t.actor2)
    stacked = a1.union(a2, distinct=False)
    stacked = stacked.filter(stacked.actor.notnull() & (stacked.actor != ""))
    actors = stacked.group_by(KEYS).aggregate(actors=stacked.actor.nunique())
    joined = figures.left_join(actors, KEYS)
    return joined.select(*[figures[k] for k in KEYS],
                         figures.events.cast("int64").name("events"),
                         figures.fatalities.cast("int64").name("fatalities"),
                         figures.civilian_fatalities.cast("int64").name("civilian_fatalities"),
                         actors.actors.fill_null(0).cast("int64").name("actors"))


def weekly_signals(events):
    """The weekly signals (KEYS + MEASURES) over an Ibis table of canonical events."""
    base = _weekly_base(events)
    return _aggregate(base, "country").union(_aggregate(base, "admin1"), distinct=False)


def daily_fatalities(events):
    """Fatalities per source, country and day of the weekly events (HDX's rolling
    30-day rule needs days)."""
    e = weekly_events(events)
    e = e.select(source=e.source, country=e.country, day=e.event_date,
                 fat=e.fatalities_best.fill_null(0).cast("int64"))
    return e.group_by(["source", "country", "day"]).aggregate(fatalities=e.fat.sum())


def _dated(events):
    """Every event with a date and a country, whether or not it fits a week: what a
    file covers and what changed are about all its events."""
    e = events.filter(events.event_date.notnull(), events.country.notnull())
    return e.mutate(week=week_of(e.event_date))


def week_counts(events):
    """Events per source, country and week (all dated events): a refresh compares them
    with the stored ones to find weeks a replaced event moved out of."""
    e = _dated(events)
    return e.group_by(["source", "country", "week"]).aggregate(events=e.count().cast("int64"))


def coverage(events):
    """Events per source, ingest batch, country and week: what ``coverage_spans`` reads."""
    e = _dated(events)
    return e.group_by(["source", "batch_id", "country", "week"]).aggregate(
        events=e.count().cast("int64"))


# A file's span starts where its first 1% of events lie: ACLED's legacy
# "Jan-May 2016" export holds late-coded events back to 2014, which would
# otherwise make 2014-15 look covered (and empty).
COVERAGE_TAIL = 0.01

# GDELT exports are slices of publication time (a day, or 15 minutes): the rows
# a file dates earlier are late reports of older events, so the file says
# nothing about those weeks being quiet. Such a batch covers only its busiest
# week, its publication week; otherwise one 15-minute file looks like months of
# calm followed by a "surge" (seen on the bundled GDELT samples).
PUBLICATION_SLICE_SOURCES = frozenset({"gdelt1", "gdelt2"})


def coverage_spans(counts):
    """(source, country, batch_id, first_week, last_week) from ``coverage`` counts: a
    batch covers, for every country in it, the weeks from where its first 1% of events
    lie to its last event; a GDELT batch covers its publication week only."""
    import pandas as pd

    df = counts.to_pandas() if hasattr(counts, "to_pandas") else counts
    rows = []
    for (src, batch), g in df.groupby(["source", "batch_id"]):
        per_week = g.groupby("week")["events"].sum().sort_index()
        if src in PUBLICATION_SLICE_SOURCES:
            first = last = per_week.idxmax()
        else:
            share = per_week.cumsum() / per_week.sum()
            first = share.index[int((share >= COVERAGE_TAIL).to_numpy().argmax())]
            last = per_week.index.max()
        for ctry in g["country"].unique():
            rows.append((src, ctry, batch, first, last))
    return pd.DataFrame(rows, columns=["source", "country", "batch_id", "first_week",
                                       "last_week"])


# DuckDB's names for the types these expressions produce.
DUCKDB_TYPES = {"string": "VARCHAR", "date": "DATE", "int64": "BIGINT", "int32": "INTEGER",
                "int16": "SMALLINT", "float64": "DOUBLE"}


@functools.cache
def duckdb_sql(name: str, table: str = "events") -> str:
    """One of these expressions (``weekly_signals``, ``weekly_events``, ...) over a
    table ``table`` of canonical events, compiled by Ibis to DuckDB SQL: for readers
    that work in DuckDB SQL (the site, the events behind an alert), so that they run
    the expression itself, not a copy of it. Ibis leaves out casts its own types
    make redundant (it casts results when it runs an expression), so the columns are
    cast here to the expression's types: the rows and their types are those Ibis
    gives."""
    import ibis

    from tocsin.events.schema import ibis_schema

    expr = globals()[name](ibis.table(ibis_schema(), name=table))
    cols = ", ".join(f'CAST("{n}" AS {DUCKDB_TYPES[str(t).removeprefix("!")]}) AS "{n}"'
                     for n, t in expr.schema().items())
    return f"SELECT {cols} FROM (\n{ibis.to_sql(expr, dialect='duckdb')}\n)"
