"""Backtest scoring, onset files, and incremental signals (equal to a full rebuild)."""

import datetime as dt
import json

import pytest

from tests.warning.conftest import EVENTS, need
from tocsin.warning import backtest as bt


def test_score_counts_leads_recall_and_false_alarms():
    d = dt.date
    onsets = [bt.Onset("AAA", d(2020, 6, 15), 2), bt.Onset("AAA", d(2021, 6, 14), 3),
              bt.Onset("BBB", d(2020, 6, 15), 4)]
    covered = {"AAA": {d(2019, 1, 7) + dt.timedelta(weeks=k) for k in range(156)},
               "BBB": set()}
    alerts = {"AAA": [(d(2020, 4, 6), "r1"),  # 10 weeks before the first onset
                      (d(2021, 6, 7), "r2"),  # 1 week before the second
                      (d(2019, 3, 4), "r1")]}  # outside every window: a false alarm
    s = bt.score(alerts, onsets, covered)
    first, second, third = s["onsets"]
    assert first["detected"] and first["lead_weeks"] == 10
    assert second["detected"] and second["lead_weeks"] == 1
    assert not third["scorable"]
    assert s["overall"]["recall_at_4_weeks"] == 0.5
    assert s["overall"]["median_lead_weeks"] == 5.5
    assert s["overall"]["false_alarm_weeks"] == 1


def test_onset_file_problems_name_the_line(tmp_path):
    from tocsin.errors import InputError

    f = tmp_path / "onsets.csv"
    f.write_text("country,date\nMMR,2021-02-01\nXXX,2021-02-01\nSDN,25/10/2021\n")
    with pytest.raises(InputError) as exc:
        bt.read_onsets(f)
    text = str(exc.value)
    assert f"{f}:3: 'XXX' is not an ISO 3166-1" in text and f"{f}:4: date" in text
    f.write_text("land,when\n")
    with pytest.raises(InputError, match="header lacks country, date"):
        bt.read_onsets(f)


def test_backtest_command_on_the_samples(sample_home, run, tmp_path):
    code, out, err = run("warn", "backtest", "--home", sample_home, "--format", "json",
                         "--chart", tmp_path / "bt.png")
    assert code == 0, err
    r = json.loads(out)
    names = [s["name"] for s in r["systems"]]
    assert names == ["tocsin", "tocsin-surprise", "baseline"]
    base = r["systems"][2]
    assert base["rules"] == ["hdx-armed-conflict"]
    sdn = [o for o in base["onsets"] if o["country"] == "SDN"]
    assert sdn and not sdn[0]["scorable"]  # the sample starts on the day of the coup
    assert (tmp_path / "bt.png").read_bytes()[:4] == b"\x89PNG"
    code, out, _ = run("warn", "backtest", "--home", sample_home)
    assert code == 0 and "recall@4w" in out and "baseline" in out


def test_incremental_refresh_equals_a_full_rebuild(tmp_path):
    from tocsin.events.ingest import ingest
    from tocsin.warning import signals

    a = need(EVENTS / "acled" / "acled_sudan_2021-10-25_to_2021-12-31.csv")
    b = need(EVENTS / "acled" / "acled_sudan_2023-04-11_to_2023-04-12.csv")
    inc, full = tmp_path / "inc", tmp_path / "full"
    ingest(inc, [a], echo=lambda s: None)
    first = signals.refresh(inc)
    assert first.full
    ingest(inc, [b], echo=lambda s: None)
    second = signals.refresh(inc)
    assert not second.full and second.new_batches == 1
    assert second.dirty_weeks == 1  # only the April 2023 week was recomputed
    ingest(full, [a, b], echo=lambda s: None)
    signals.refresh(full)
    order = "ORDER BY ALL"
    assert signals.read_signals(inc, f"TRUE {order}").equals(
        signals.read_signals(full, f"TRUE {order}"))
    assert signals.refresh(inc).new_batches == 0


def test_a_gdelt_file_covers_only_its_publication_week(tmp_path):
    # The bundled GDELT 2.0 file is 15 minutes of 24 October 2019; a few of its rows
    # date events weeks earlier. Those weeks must be unknown, not quiet, or the
    # publication week reads as a surge against a baseline of zeros.
    from tocsin.events.engine import events_table
    from tocsin.events.ingest import ingest
    from tocsin.events.samples import paths
    from tocsin.warning.series import coverage, coverage_spans

    gdelt2 = [p for p in paths() if p.name.startswith("gdelt2")]
    ingest(tmp_path, gdelt2)
    events = events_table(tmp_path)
    counts = coverage(events).to_pandas()
    assert counts["week"].nunique() > 1  # the file does date some events earlier
    spans = coverage_spans(counts)
    assert (spans["first_week"] == spans["last_week"]).all()
    assert {str(w)[:10] for w in spans["first_week"]} == {"2019-10-21"}
