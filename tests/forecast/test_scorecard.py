"""`tocsin forecast score`: forecast files as published, scored against what happened.

On the real EWP files: forecasts for base year 2012 written by `forecast predict`
(and one rewritten in the layout of EWP's 2020-edition result files) are scored
against EWP's mass-killing base data, and must give exactly the figures the
backtest gives the same models for base year 2012, whose outcomes come from the
predictors file instead.
"""

from __future__ import annotations

import json

import pandas as pd
import pytest

from tocsin.cli import main

from .conftest import EWP

BASEDATA = EWP / "basedata2025_4august2025.csv"
YEAR = 2012


@pytest.fixture(scope="module")
def basedata():
    if not BASEDATA.exists():
        pytest.skip(f"EWP base data not found at {BASEDATA}")
    return BASEDATA


@pytest.fixture(scope="module")
def forecasts(data_csv, tmp_path_factory):
    """Tocsin's ewp and gbm forecasts from base year 2012, as `forecast predict` writes
    them, and the gbm one again in the layout of EWP's published 2020-edition files."""
    d = tmp_path_factory.mktemp("score")
    out = {}
    for kind in ("ewp", "gbm"):
        model, csv = d / f"{kind}.json", d / f"{kind}-{YEAR}.csv"
        assert main(["forecast", "train", "--data", str(data_csv), "--until", str(YEAR),
                     "--model", kind, "-o", str(model)]) == 0
        assert main(["forecast", "predict", "--model", str(model), "--data", str(data_csv),
                     "--year", str(YEAR), "-o", str(csv)]) == 0
        out[kind] = csv
    ours = pd.read_csv(out["gbm"])
    published = pd.DataFrame({
        "country": ours["ewp_name"], "SFTGcode": "", "COW": ours["ccode"],
        "risk_in_2013": (ours["probability"] / 2).round(6),
        "risk_in_2013_14": ours["probability"],
    })
    out["published"] = d / "ewp-layout.csv"
    published.to_csv(out["published"], index=False)
    return out


def _score(args, capsys):
    code = main(["forecast", "score", *args])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_matches_the_backtest_on_the_same_year(panel, basedata, forecasts, capsys):
    from tocsin.forecast.backtest import run_backtest
    from tocsin.forecast.panel import TARGETS

    code, out, err = _score([str(forecasts["ewp"]), str(forecasts["published"]),
                             "--outcomes", str(basedata), "--year", str(YEAR),
                             "--format", "json"], capsys)
    assert code == 0, err
    card = json.loads(out)
    result = run_backtest(panel, [YEAR], TARGETS["1or2"], ("ewp", "gbm"))
    expected = {k: v[YEAR] for k, v in result.per_year().items()}
    got = {"ewp": card["scores"][str(forecasts["ewp"])],
           "gbm": card["scores"][str(forecasts["published"])]}
    # the outcomes derived from mk_onset of 2013 and 2014 are the file's mk_onset_1or2
    assert card["countries"] == expected["ewp"]["rows"]
    assert len(card["onsets"]) == expected["ewp"]["onsets"] == 4
    for kind in ("ewp", "gbm"):
        # `predict` writes probabilities to 6 decimals: the ranking is intact, the
        # probability-based scores move in the 7th digit
        for metric, tolerance in (("auc", 1e-12), ("average_precision", 1e-12),
                                  ("brier", 1e-7), ("log_loss", 1e-5)):
            assert got[kind][metric] == pytest.approx(expected[kind][metric],
                                                      abs=tolerance), metric
        assert (got[kind]["top10"], got[kind]["top30"]) == (expected[kind]["top10"],
                                                           expected[kind]["top30"])
    # the published layout was found by its EWP column name for a 2-year forecast
    assert card["forecasts"][1]["column"] == "risk_in_2013_14"
    versus = card["versus_first"][str(forecasts["published"])]
    assert versus["top30_diff"] == expected["gbm"]["top30"] - expected["ewp"]["top30"]
    lo, hi = versus["auc_diff_90"]
    assert lo <= versus["auc_diff"] <= hi


def test_table_names_the_onsets_and_the_column_can_be_chosen(basedata, forecasts, capsys):
    spec = f"{forecasts['published']}:risk_in_2013"
    code, out, err = _score([str(forecasts["ewp"]), spec, "--outcomes", str(basedata),
                             "--year", str(YEAR), "--target", "1"], capsys)
    assert code == 0, err
    first = out.splitlines()[0]
    assert first.startswith(f"base year {YEAR}, target mk_onset_1: ")
    # onsets of 2013 only (Iraq's, in 2014, is outside the 1-year window), by name
    assert first.endswith("166 countries scored, 3 with an onset (Central African Republic, "
                          "South Sudan, Egypt)")
    assert f"versus {forecasts['ewp']}" in out


@pytest.mark.parametrize("edit, message", [
    (lambda f: f.drop(columns=["ccode"]),
     ":1: no country code column (expected one of ccode, COW)"),
    (lambda f: f.drop(columns=["probability"]),
     ":1: no column with a 2-year forecast from base year 2012 (looked for probability, "
     "risk.2013and2014.from2012, risk_in_2013_14, risk_in_2013_2014); name it as"),
    (lambda f: f.assign(probability=f["probability"].where(f.index != 4, 1.5)),
     ":6: column 'probability': expected a probability between 0 and 1, got '1.5'"),
    (lambda f: pd.concat([f, f.iloc[[0]]]),
     "appears twice (first on line 2)"),
    (lambda f: f.assign(year=2011),
     ": the forecast is for base year 2011, not 2012"),
])
def test_bad_forecast_files(basedata, forecasts, tmp_path, capsys, edit, message):
    bad = tmp_path / "bad.csv"
    edit(pd.read_csv(forecasts["ewp"])).to_csv(bad, index=False)
    code, out, err = _score([str(bad), "--outcomes", str(basedata), "--year", str(YEAR)],
                            capsys)
    assert code == 2 and out == ""
    assert f"error: {bad}" in err and message in err


def test_held_out_years_are_refused(basedata, forecasts, capsys):
    # EWP's file of an edition whose years are held out here, scored on them
    spec = f"{forecasts['published']}:risk_in_2013_14"
    code, _, err = _score([spec, "--outcomes", str(basedata), "--year", "2016"], capsys)
    assert code == 2
    assert "no country has a known mk_onset for 2017-2018" in err


def test_outcomes_must_be_a_mass_killing_file(basedata, forecasts, tmp_path, capsys):
    code, _, err = _score([str(forecasts["ewp"]), "--outcomes", str(forecasts["gbm"]),
                           "--year", str(YEAR)], capsys)
    assert code == 2
    assert f"{forecasts['gbm']}:1: missing column(s): mk_onset (expected an EWP" in err
    frame = pd.read_csv(basedata, dtype=str, keep_default_na=False)
    row = frame.index[frame["year"] == "2013"][0]
    frame.loc[row, "mk_onset"] = "2"
    bad = tmp_path / "outcomes.csv"
    frame.to_csv(bad, index=False)
    code, _, err = _score([str(forecasts["ewp"]), "--outcomes", str(bad), "--year",
                           str(YEAR)], capsys)
    assert code == 2
    assert f"{bad}:{row + 2}: column 'mk_onset': an outcome must be 0 or 1, got '2'" in err


def test_finds_the_column_of_each_ewp_edition(forecasts, tmp_path):
    """EWP's 2025 edition names its columns risk.<years>.from<base>; a file in that
    layout is read for either target without naming the column."""
    from tocsin.forecast.panel import TARGETS
    from tocsin.forecast.scorecard import read_forecast

    ours = pd.read_csv(forecasts["ewp"])
    layout = tmp_path / "final_forecasts_data.csv"
    pd.DataFrame({"ewp_name": ours["ewp_name"],
                  "risk.2013and2014.from2012": ours["probability"],
                  "rank.2013and2014.from2013": ours["rank"],
                  "risk.2013only.from2012": (ours["probability"] / 2).round(6),
                  "ccode": ours["ccode"]}).to_csv(layout)  # with R's unnamed row numbers
    two = read_forecast(str(layout), YEAR, TARGETS["1or2"])
    one = read_forecast(str(layout), YEAR, TARGETS["1"])
    assert (two.column, one.column) == ("risk.2013and2014.from2012", "risk.2013only.from2012")
    assert two.probability[625] == pytest.approx(2 * one.probability[625], abs=1e-6)
    assert two.labels[625] == "Sudan" and len(two.probability) == 166


def test_countries_without_a_forecast_are_left_out_of_every_score(basedata, forecasts,
                                                                  tmp_path, capsys):
    """R writes NA where a country has no forecast: not an error, and no forecast is
    scored on that country, so all are still judged on one list."""
    frame = pd.read_csv(forecasts["published"], dtype=str, keep_default_na=False)
    frame.loc[frame["COW"].isin(["625", "2"]), "risk_in_2013_14"] = "NA"  # Sudan, USA
    with_na = tmp_path / "with-na.csv"
    frame.to_csv(with_na, index=False)
    code, out, err = _score([str(forecasts["ewp"]), str(with_na), "--outcomes",
                             str(basedata), "--year", str(YEAR), "--format", "json"], capsys)
    assert code == 0, err
    card = json.loads(out)
    assert card["countries"] == 164
    assert card["forecasts"][1]["no_forecast"] == [2, 625]
    assert card["forecasts"][0]["dropped"] == [2, 625]  # in the reference, not scored
