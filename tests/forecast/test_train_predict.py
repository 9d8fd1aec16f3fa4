"""Train, predict, explain and the model file, through the command line."""

from __future__ import annotations

import json

import pandas as pd

from tocsin.cli import main


def test_model_file_records_provenance(model_2014):
    doc = json.loads(model_2014.read_text())
    assert doc["format"] == "tocsin-forecast-model"
    assert doc["target"] == "mk_onset_1or2" and doc["base_year"] == 2014
    assert doc["train_until"] == 2012
    assert len(doc["data"]["sha256"]) == 64
    assert {"numpy", "scikit-learn", "lightgbm", "pandas", "python"} <= set(doc["libraries"])
    from tocsin.forecast.estimators import CHOSEN

    assert doc["model"]["kind"] == CHOSEN == "rank"  # the chosen model
    assert len(doc["model"]["boosters"]) == doc["model"]["params"]["n_seeds"] == 5
    assert doc["model"]["params"]["objective"] == "lambdarank"
    assert doc["format_version"] == 2  # a rank model needs this Tocsin's format


def test_train_defaults_to_the_chosen_model():
    import inspect

    from tocsin.cli.forecast import train
    from tocsin.forecast.estimators import CHOSEN
    from tocsin.forecast.workflow import train as fit

    assert inspect.signature(train).parameters["model"].default.default.value == CHOSEN
    assert inspect.signature(fit).parameters["kind"].default == CHOSEN


def test_predict_writes_one_row_per_country_with_drivers(model_2014, data_csv, tmp_path,
                                                         capsys):
    out = tmp_path / "forecast.csv"
    assert main(["forecast", "predict", "--model", str(model_2014), "--data", str(data_csv),
                 "--year", "2024", "-o", str(out)]) == 0
    table = pd.read_csv(out, keep_default_na=False)
    assert list(table.columns[:3]) == ["country", "year", "probability"]
    assert {"up_1", "down_1", "rank", "ewp_name"} <= set(table.columns)
    assert len(table) == 168 and table["country"].is_unique
    assert table["country"].str.fullmatch(r"[A-Z]{3}").all()
    assert table["probability"].between(0, 1).all()
    assert table["probability"].is_monotonic_decreasing
    # a driver names a predictor, its value and its push
    assert table["up_1"].str.fullmatch(r"[\w.]+=[^ ]+ \(\+\d+\.\d\d\)").all()
    assert "wrote" in capsys.readouterr().out


def test_explain_one_country(model_2014, data_csv, capsys):
    assert main(["forecast", "explain", "--model", str(model_2014), "--data", str(data_csv),
                 "--year", "2024", "--country", "SDN", "--format", "json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["country"] == "SDN" and 0 < doc["probability"] < 1
    assert doc["up"] and all(d["contribution"] > 0 for d in doc["up"])
    assert all(d["contribution"] < 0 for d in doc["down"])


def test_demo_forecast_needs_no_shared_data(tmp_path):
    from tocsin.forecast import demo_forecast

    out = demo_forecast(tmp_path)
    table = pd.read_csv(out, keep_default_na=False)
    assert out.name == "forecast-2024.csv"
    assert len(table) == 168 and (table["year"] == 2024).all()


def test_predict_warns_when_the_forecast_is_not_out_of_sample(model_2014, data_csv, tmp_path,
                                                              capsys):
    out = tmp_path / "f.csv"
    args = ["forecast", "predict", "--model", str(model_2014), "--data", str(data_csv),
            "-o", str(out)]
    assert main([*args, "--year", "2014"]) == 0
    assert "warning" not in capsys.readouterr().err
    assert main([*args, "--year", "2010"]) == 0  # the model learnt rows up to 2012
    assert "not out-of-sample" in capsys.readouterr().err
