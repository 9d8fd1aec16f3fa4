"""The aggregate queries give identical results on DuckDB and on Spark."""

from __future__ import annotations

import pandas as pd
import pytest

from tests.events.conftest import EVENTS, SAMPLES
from tocsin.events import engine, queries, samples, store


@pytest.fixture(scope="module")
def lake(tmp_path_factory):
    """All real samples at hand (shared ones if present, else the bundled ones) in a store."""
    home = tmp_path_factory.mktemp("engines") / "home"
    paths = [EVENTS / rel for rel, _, _ in SAMPLES if (EVENTS / rel).exists()] or samples.paths()
    store.ingest(home, paths, echo=lambda s: None)
    return str(store.snapshot_paths(home)["events"])


def normalise(df: pd.DataFrame) -> pd.DataFrame:
    """Same values, same dtypes: engines differ in date and integer representations only."""
    out = df.copy()
    for c in out.columns:
        s = out[c]
        if c in ("week", "first_date", "last_date") or pd.api.types.is_datetime64_any_dtype(s):
            out[c] = pd.to_datetime(s).dt.strftime("%Y-%m-%d")
        elif pd.api.types.is_integer_dtype(s):
            out[c] = s.astype("int64")
        else:
            out[c] = s.astype("object").where(s.notna(), None)
    return out.reset_index(drop=True)


def test_duckdb_queries_run(lake):
    t = engine.events_table(engine="duckdb", source=lake)
    for name, q in queries.ALL.items():
        df = q(t).execute()
        assert len(df) > 0, name
    weekly = queries.weekly(t).execute()
    # Long-span events (UCDP aggregations) are left out of weekly series.
    n_imprecise = queries.imprecise(t).count().execute()
    assert weekly["events"].sum() + n_imprecise == t.count().execute()


@pytest.mark.spark
def test_duckdb_and_spark_agree(lake, spark):
    duck = engine.events_table(engine="duckdb", source=lake)
    sprk = engine.events_table(engine="spark", spark=spark, source=lake)
    assert duck.count().execute() == sprk.count().execute()
    for name, q in queries.ALL.items():
        a = normalise(q(duck).execute())
        b = normalise(q(sprk).execute())
        assert list(a.columns) == list(b.columns), name
        assert len(a) > 0, name
        pd.testing.assert_frame_equal(a, b, check_dtype=True, obj=name)
