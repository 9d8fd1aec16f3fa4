"""``tocsin warn run``'s refresh on Spark publishes exactly what it publishes on DuckDB:
the same expressions (``tocsin.warning.series``), the full build and an incremental
one. (Each expression alone is compared over all samples in
tests/events/test_engines.py.)"""

from __future__ import annotations

import shutil

import pytest

from tests.warning.conftest import EVENTS, GED_MYANMAR, SUDAN_2021, need

pytestmark = [pytest.mark.spark, pytest.mark.slow]
SUDAN_2023 = EVENTS / "acled" / "acled_sudan_2023-04-11_to_2023-04-12.csv"


def published(home) -> dict:
    from tocsin.warning import signals

    db = signals.connect_snapshot(home)
    try:
        return {t: db.execute(f"SELECT * FROM {t} ORDER BY ALL").df()
                for t in signals.SNAPSHOT_TABLES}
    finally:
        db.close()


def test_a_refresh_on_spark_publishes_what_one_on_duckdb_does(tmp_path, spark):
    from tocsin.events.ingest import ingest
    from tocsin.warning import signals

    duck, sprk = tmp_path / "duckdb", tmp_path / "spark"

    def same_events():  # the same batches (and batch ids) in both homes
        shutil.rmtree(sprk / "events", ignore_errors=True)
        shutil.copytree(duck / "events", sprk / "events")

    ingest(duck, [need(SUDAN_2021), need(GED_MYANMAR)], echo=lambda s: None)
    same_events()
    full = signals.refresh(duck, "duckdb"), signals.refresh(sprk, "spark", spark)
    assert full[0] == full[1] and full[0].full
    ingest(duck, [need(SUDAN_2023)], echo=lambda s: None)
    same_events()
    step = signals.refresh(duck, "duckdb"), signals.refresh(sprk, "spark", spark)
    assert step[0] == step[1] and not step[0].full and step[0].new_batches == 1
    a, b = published(duck), published(sprk)
    for table in signals.SNAPSHOT_TABLES:
        assert len(a[table]) > 0, table
        assert a[table].equals(b[table]), table
    sig = b["signals"]
    assert len(sig) > 5000
    coup = sig[(sig.event_class == "coup") & (sig.level == "country")]
    assert [str(w)[:10] for w in coup["week"]] == ["2021-10-25"]
