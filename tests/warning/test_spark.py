"""The signal expressions give the same rows on Spark as on DuckDB."""

import pytest

pytestmark = pytest.mark.spark


def test_weekly_signals_agree_on_duckdb_and_spark(sample_home, spark):
    from tocsin.warning import signals

    def frame(engine):
        con, events, _ = signals.open_events(sample_home, engine, spark)
        df = signals.weekly_signals(events).to_pandas()
        df["week"] = df["week"].astype("datetime64[s]").dt.date.astype(str)
        for m in signals.MEASURES:
            df[m] = df[m].astype("int64")
        return df.sort_values(signals.KEYS).reset_index(drop=True)[signals.KEYS
                                                                    + signals.MEASURES]

    duck, sp = frame("duckdb"), frame("spark")
    assert len(duck) > 5000
    assert duck.equals(sp)
    coup = sp[(sp.event_class == "coup") & (sp.level == "country")]
    assert coup["week"].tolist() == ["2021-10-25"]
