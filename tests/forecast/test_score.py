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
    """Tocsin's ewp and gbm forecasts from base years 2011 and 2012, as `forecast
    predict` writes them, and the gbm one of 2012 again in the layout of EWP's
    published 2020-edition files."""
    d = tmp_path_factory.mktemp("score")
    out = {}
    for year in (YEAR - 1, YEAR):
        for kind in ("ewp", "gbm"):
            model, csv = d / f"{kind}-{year}.json", d / f"{kind}-{year}.csv"
            assert main(["forecast", "train", "--data", str(data_csv), "--until", str(year),
                         "--model", kind, "-o", str(model)]) == 0
            assert main(["forecast", "predict", "--model", str(model), "--data",
                         str(data_csv), "--year", str(year), "-o", str(csv)]) == 0
            out[kind if year == YEAR else f"{kind}-{year}"] = csv
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
    assert len(card["onsets"][str(YEAR)]) == expected["ewp"]["onsets"] == 4
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
     "risk.2013and2014.from2012, risk_in_2013_14, risk_in_2013_2014, risk_2013_14); name "
     "it as"),
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
    """EWP's 2025 edition names its columns risk.<years>.from<base> and carries the
    previous base year's 2-year forecast too; a file in that layout is read for
    either target and either base year without naming a column."""
    from tocsin.forecast.panel import TARGETS
    from tocsin.forecast.score import read_forecasts

    ours = pd.read_csv(forecasts["ewp"])
    before = pd.read_csv(forecasts["ewp-2011"]).set_index("ccode")["probability"]
    layout = tmp_path / "final_forecasts_data.csv"
    pd.DataFrame({"ewp_name": ours["ewp_name"],
                  "risk.2013and2014.from2012": ours["probability"],
                  "rank.2013and2014.from2013": ours["rank"],
                  "risk.2013only.from2012": (ours["probability"] / 2).round(6),
                  "risk.2012and2013.from2011": ours["ccode"].map(before),
                  "year": YEAR,  # a predictor's year, as in EWP's file
                  "ccode": ours["ccode"]}).to_csv(layout)  # with R's unnamed row numbers
    [two] = read_forecasts(str(layout), [YEAR], TARGETS["1or2"])
    [one] = read_forecasts(str(layout), [YEAR], TARGETS["1"])
    assert (two.column, one.column) == ("risk.2013and2014.from2012", "risk.2013only.from2012")
    assert two.probability[625] == pytest.approx(2 * one.probability[625], abs=1e-6)
    assert two.names[625] == "Sudan" and len(two.probability) == 166
    earlier, later = read_forecasts(str(layout), [YEAR - 1, YEAR], TARGETS["1or2"])
    assert (earlier.base_year, earlier.column) == (YEAR - 1, "risk.2012and2013.from2011")
    assert earlier.probability[625] == pytest.approx(before[625])
    assert later.probability == two.probability


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


def test_pooled_over_base_years_matches_the_backtest(panel, basedata, forecasts, tmp_path,
                                                      capsys):
    """Two editions per forecaster: ewp's two years in one file (predict outputs put
    together), gbm's in two files under one label. Pooled and per-year figures are
    the backtest's over the same two base years."""
    from tocsin.forecast.backtest import run_backtest
    from tocsin.forecast.panel import TARGETS

    both = tmp_path / "ewp-2011-2012.csv"
    pd.concat([pd.read_csv(forecasts["ewp-2011"]), pd.read_csv(forecasts["ewp"])]).to_csv(
        both, index=False)
    code, out, err = _score([f"ewp={both}", f"gbm={forecasts['gbm-2011']}",
                             f"gbm={forecasts['published']}", "--outcomes", str(basedata),
                             "--year", str(YEAR - 1), "--year", str(YEAR), "--format", "json"],
                            capsys)
    assert code == 0, err
    card = json.loads(out)
    result = run_backtest(panel, [YEAR - 1, YEAR], TARGETS["1or2"], ("ewp", "gbm"))
    pooled, per_year = result.pooled(), result.per_year()
    assert card["base_years"] == [YEAR - 1, YEAR]
    assert card["countries"] == pooled["ewp"]["rows"]
    for kind in ("ewp", "gbm"):
        got = card["scores"][kind]
        assert got["auc"] == pytest.approx(pooled[kind]["auc"], abs=1e-12)
        assert got["brier"] == pytest.approx(pooled[kind]["brier"], abs=1e-7)
        assert (got["onsets"], got["top10"], got["top30"]) == (
            pooled[kind]["onsets"], pooled[kind]["top10"], pooled[kind]["top30"])
        for year in (YEAR - 1, YEAR):
            assert card["per_year"][kind][str(year)]["top30"] == per_year[kind][year]["top30"]
    assert [(f["label"], f["base_year"]) for f in card["forecasts"]] == [
        ("ewp", YEAR - 1), ("ewp", YEAR), ("gbm", YEAR - 1), ("gbm", YEAR)]
    assert card["forecasts"][3]["column"] == "risk_in_2013_14"
    d = card["versus_first"]["gbm"]
    assert d["top30_diff"] == pooled["gbm"]["top30"] - pooled["ewp"]["top30"]
    # the table says the bootstrap is over base years now
    code, out, _ = _score([f"ewp={both}", f"gbm={forecasts['gbm-2011']}",
                           f"gbm={forecasts['published']}", "--outcomes", str(basedata),
                           "--year", str(YEAR - 1), "--year", str(YEAR)], capsys)
    assert "pooled over 2 base years:" in out
    assert "paired bootstrap over base years" in out


def test_a_forecaster_needs_one_forecast_per_base_year(basedata, forecasts, capsys):
    code, _, err = _score([f"gbm={forecasts['published']}", "--outcomes", str(basedata),
                           "--year", str(YEAR - 1), "--year", str(YEAR)], capsys)
    assert code == 2 and "error: gbm: no forecast from base year 2011" in err
    code, _, err = _score([f"gbm={forecasts['gbm']}", f"gbm={forecasts['published']}",
                           "--outcomes", str(basedata), "--year", str(YEAR)], capsys)
    assert code == 2
    assert f"gbm has a forecast from base year {YEAR} in {forecasts['gbm']} already" in err
