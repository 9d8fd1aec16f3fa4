"""Bad input: a clear message naming the file (and line), exit 2, nothing written."""

from __future__ import annotations

import json

import pandas as pd

from tocsin.cli import main


def _run(args, capsys):
    code = main(args)
    return code, capsys.readouterr().err


def _copy(data_csv, tmp_path, edit):
    raw = pd.read_csv(data_csv, dtype=str, keep_default_na=False)
    raw = edit(raw)
    out = tmp_path / "edited.csv"
    raw.to_csv(out, index=False)
    return out


def test_missing_column(data_csv, tmp_path, capsys):
    bad = _copy(data_csv, tmp_path, lambda r: r.drop(columns=["popsize.log2", "mk_onset_2"]))
    model = tmp_path / "m.json"
    code, err = _run(["forecast", "train", "--data", str(bad), "--until", "2000",
                      "-o", str(model)], capsys)
    assert code == 2
    assert f"error: {bad}:1: missing column(s): popsize.log2, mk_onset_2" in err
    assert not model.exists()


def test_wrong_type_names_the_line(data_csv, tmp_path, capsys):
    def edit(r):
        r.loc[10, "efindex"] = "high"
        return r

    bad = _copy(data_csv, tmp_path, edit)
    code, err = _run(["forecast", "backtest", "--data", str(bad), "--from", "2000",
                      "--to", "2000"], capsys)
    assert code == 2
    assert f"{bad}:12: column 'efindex': expected a number, got 'high'" in err


def test_base_year_without_rows(data_csv, tmp_path, capsys):
    code, err = _run(["forecast", "backtest", "--data", str(data_csv), "--from", "2015",
                      "--to", "2015"], capsys)
    assert code == 2 and "base year 2015 has no rows with a known mk_onset_1or2" in err
    code, err = _run(["forecast", "train", "--data", str(data_csv), "--until", "1961",
                      "-o", str(tmp_path / "m.json")], capsys)
    assert code == 2 and "no usable training rows for base year 1961" in err


def test_predict_year_without_rows(model_2014, data_csv, tmp_path, capsys):
    out = tmp_path / "out.csv"
    code, err = _run(["forecast", "predict", "--model", str(model_2014), "--data",
                      str(data_csv), "--year", "1950", "-o", str(out)], capsys)
    assert code == 2 and "no rows for year 1950 (the file covers 1960-2024)" in err
    assert not out.exists()


def test_unreadable_and_mismatched_models(model_2014, data_csv, tmp_path, capsys):
    out = tmp_path / "out.csv"
    args = ["forecast", "predict", "--data", str(data_csv), "--year", "2014", "-o", str(out)]

    garbage = tmp_path / "garbage.json"
    garbage.write_bytes(b"\x80\x04\x95 a pickle, not a model file")
    code, err = _run([*args, "--model", str(garbage)], capsys)
    assert code == 2 and "not a Tocsin forecast model file" in err

    doc = json.loads(model_2014.read_text())
    newer = tmp_path / "newer.json"
    newer.write_text(json.dumps({**doc, "format_version": 99}))
    code, err = _run([*args, "--model", str(newer)], capsys)
    assert code == 2 and "model file format 99 is newer" in err

    other_lib = tmp_path / "other.json"
    other_lib.write_text(json.dumps({**doc, "libraries": {**doc["libraries"],
                                                          "lightgbm": "3.3.5"}}))
    code, err = _run([*args, "--model", str(other_lib)], capsys)
    assert code == 2 and "made with LightGBM 3.3.5" in err and "retrain" in err

    # a data file without the model's predictors
    slim = tmp_path / "slim.csv"
    pd.read_csv(data_csv).drop(columns=["discrimpop"]).to_csv(slim, index=False)
    code, err = _run(["forecast", "predict", "--model", str(model_2014), "--data", str(slim),
                      "--year", "2014", "-o", str(out)], capsys)
    assert code == 2 and "missing column(s): discrimpop" in err
    assert not out.exists()


def test_usage_errors(data_csv, capsys):
    code, err = _run(["forecast", "backtest", "--data", str(data_csv), "--from", "2000",
                      "--to", "2001", "--models", "ewp,magic"], capsys)
    assert code == 2 and "unknown model(s) magic" in err
    code, _ = _run(["forecast", "backtest", "--data", str(data_csv), "--from", "2000",
                    "--to", "2001", "--target", "3"], capsys)
    assert code == 2
