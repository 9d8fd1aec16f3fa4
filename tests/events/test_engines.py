"""The weekly series expressions production runs (``tocsin.warning.series``) give
identical results on DuckDB and on Spark, and as the DuckDB SQL the site and the
alerts' evidence run (``series.duckdb_sql``), over all the real samples at hand."""

from __future__ import annotations

import duckdb
import pandas as pd
import pytest

from tests.events.conftest import EVENTS, SAMPLES
from tocsin.events import engine, samples, store
from tocsin.events.ingest import ingest
from tocsin.warning import series

# Every expression `tocsin warn run` materialises (signals.refresh), by name.
EXPRESSIONS = ("weekly_signals", "daily_fatalities", "week_counts", "coverage",
               "weekly_events")


@pytest.fixture(scope="module")
def lake(tmp_path_factory):
    """All real samples at hand (shared ones if present, else the bundled ones) in a store."""
    home = tmp_path_factory.mktemp("engines") / "home"
    paths = [EVENTS / rel for rel, _, _ in SAMPLES if (EVENTS / rel).exists()] or samples.paths()
    ingest(home, paths, echo=lambda s: None)
    return str(store.snapshot_paths(home)["events"])


def normalise(df: pd.DataFrame) -> pd.DataFrame:
    """Same values, same dtypes, same order: engines differ in date and integer
    representations and in row order only."""
    out = df.copy()
    for c in out.columns:
        s = out[c]
        if c in ("week", "day", "event_date", "date_end") or \
                pd.api.types.is_datetime64_any_dtype(s):
            out[c] = pd.to_datetime(s).dt.strftime("%Y-%m-%d").where(s.notna(), None)
        elif pd.api.types.is_numeric_dtype(s) and s.isna().any():
            # with NULLs one engine gives floats, another nullable integers
            out[c] = s.astype("Float64").astype("object").where(s.notna(), None)
        elif pd.api.types.is_integer_dtype(s):
            out[c] = s.astype("int64")
        elif pd.api.types.is_float_dtype(s):
            out[c] = s.astype("float64")
        else:
            out[c] = s.astype("object").where(s.notna(), None)
    keys = ["uid"] if "uid" in out.columns else list(out.columns)
    return out.sort_values(keys, na_position="first").reset_index(drop=True)


def run(name: str, table) -> pd.DataFrame:
    return normalise(getattr(series, name)(table).to_pandas())


def test_the_weekly_events_are_those_the_rule_lets_in(lake):
    t = engine.events_table(engine="duckdb", source=lake)
    total = t.count().execute()
    weekly = series.weekly_events(t)
    left_out = t.filter(~series.fits_a_week(t) | t.country.isnull() | t.event_date.isnull())
    assert 0 < weekly.count().execute() < total
    assert weekly.count().execute() + left_out.count().execute() == total
    # What the rule leaves out on the real samples: events dated only to a span longer
    # than a month (UCDP's aggregation events, precision 4), and events with no country.
    out = left_out.filter(left_out.country.notnull()).to_pandas()
    assert set(out["date_precision"]) == {4}
    assert ((out["date_end"] - out["event_date"]).dt.days > series.MAX_SPAN_DAYS).all()
    # Every weekly event is counted once, at the country level, in the signals.
    sig = series.weekly_signals(t)
    country = sig.filter(sig.level == "country")
    assert country.events.sum().execute() == weekly.count().execute()


def test_the_compiled_sql_is_the_expression(lake):
    ibis_duck = engine.events_table(engine="duckdb", source=lake)
    con = duckdb.connect()
    con.execute(f"CREATE VIEW events AS SELECT * FROM read_parquet('{lake}')")
    for name in EXPRESSIONS:
        compiled = normalise(con.execute(series.duckdb_sql(name)).df())
        expected = run(name, ibis_duck)
        assert len(expected) > 0, name
        pd.testing.assert_frame_equal(compiled, expected, check_dtype=True, obj=name)


@pytest.mark.spark
@pytest.mark.slow
def test_duckdb_and_spark_agree(lake, spark):
    duck = engine.events_table(engine="duckdb", source=lake)
    sprk = engine.events_table(engine="spark", spark=spark, source=lake)
    assert duck.count().execute() == sprk.count().execute()
    for name in EXPRESSIONS:
        a, b = run(name, duck), run(name, sprk)
        assert list(a.columns) == list(b.columns), name
        assert len(a) > 0, name
        pd.testing.assert_frame_equal(a, b, check_dtype=True, obj=name)
