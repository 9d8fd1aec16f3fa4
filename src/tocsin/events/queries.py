"""Aggregate queries over the canonical events table, written once as Ibis
expressions and run on DuckDB or Spark (engine.py).

Every function takes an Ibis table with the canonical columns and returns an
expression; call `.execute()` (pandas) or `.to_pyarrow()`. Results are sorted
so that two engines give identical frames.

Weekly series use Monday-start ISO weeks of `event_date`. Events whose dates
span more than a week (UCDP aggregation events, monthly summaries) are left
out of weekly series: piling a year's summary onto its first day would forge
an escalation. `imprecise()` returns them for separate reporting.
"""

from __future__ import annotations

MAX_SPAN_DAYS = 6


def _span_days(t):
    return (t.date_end.epoch_days() - t.event_date.epoch_days())


def weekly_assignable(t):
    """Events that fall within one week (date_end NULL counts as one day)."""
    span = _span_days(t)
    return t.filter(span.isnull() | (span <= MAX_SPAN_DAYS))


def imprecise(t):
    return t.filter(_span_days(t) > MAX_SPAN_DAYS)


def with_week(t):
    """Add `week`: the Monday of the event's ISO week, as a date."""
    return t.mutate(week=t.event_date.truncate("W").cast("date"))


def _measures(t):
    return dict(
        events=t.count(),
        fatalities=t.fatalities_best.sum().coalesce(0).cast("int64"),
        civilian_fatalities=t.civilian_fatalities.sum().coalesce(0).cast("int64"),
    )


def events_by_country(t):
    return (t.group_by("country")
            .aggregate(**_measures(t), first_date=t.event_date.min(),
                       last_date=t.event_date.max())
            .order_by(["country"]))


def events_by_class(t):
    return t.group_by("event_class").aggregate(**_measures(t)).order_by(["event_class"])


def events_by_country_class(t):
    return (t.group_by(["country", "event_class"]).aggregate(**_measures(t))
            .order_by(["country", "event_class"]))


def weekly(t, by: tuple[str, ...] = ("country",)):
    """Events and fatalities per week and `by` (default: per country-week).

    The natural input for early-warning signals: one row per (by..., week) that
    has at least one event; weeks without events are absent (fill with 0).
    """
    w = with_week(weekly_assignable(t))
    keys = [*by, "week"]
    return w.group_by(keys).aggregate(**_measures(w)).order_by(keys)


def weekly_by_class(t):
    return weekly(t, ("country", "event_class"))


def fatalities_by_country_year(t):
    y = t.mutate(year=t.event_date.year().cast("int32"))
    return (y.group_by(["country", "year"])
            .aggregate(events=y.count(),
                       fatalities=y.fatalities_best.sum().coalesce(0).cast("int64"),
                       fatalities_low=y.fatalities_low.sum().coalesce(0).cast("int64"),
                       fatalities_high=y.fatalities_high.sum().coalesce(0).cast("int64"),
                       civilian_fatalities=y.civilian_fatalities.sum().coalesce(0).cast("int64"))
            .order_by(["country", "year"]))


# name -> query; the engine-equivalence test runs every one of these.
ALL = {
    "events_by_country": events_by_country,
    "events_by_class": events_by_class,
    "events_by_country_class": events_by_country_class,
    "weekly_by_country": weekly,
    "weekly_by_class": weekly_by_class,
    "fatalities_by_country_year": fatalities_by_country_year,
}
