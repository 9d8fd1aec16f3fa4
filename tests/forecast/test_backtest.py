"""The rolling backtest through the command line, on real data."""

from __future__ import annotations

import json

import pandas as pd

from tocsin.cli import main
from tocsin.forecast.metrics import score


def test_backtest_json_has_every_model_on_the_same_folds(data_csv, tmp_path, capsys):
    chart = tmp_path / "calibration.png"
    preds = tmp_path / "preds.csv"
    code = main(["forecast", "backtest", "--data", str(data_csv), "--from", "2013", "--to",
                 "2014", "--format", "json", "--jobs", "2", "--chart", str(chart),
                 "--predictions", str(preds)])
    out = capsys.readouterr().out
    assert code == 0
    doc = json.loads(out)
    assert doc["target"] == "mk_onset_1or2" and (doc["from"], doc["to"]) == (2013, 2014)
    assert doc["models"] == ["no-skill", "ewp", "gbm", "ensemble", "rank", "rank-ensemble"]
    assert len(doc["data"]["sha256"]) == 64
    for kind in doc["models"]:
        pooled = doc["pooled"][kind]
        assert set(pooled) >= {"auc", "average_precision", "brier", "log_loss", "top10",
                               "top30", "recall_top30", "onsets", "rows"}
        assert set(doc["per_year"][kind]) == {"2013", "2014"}
        assert pooled["onsets"] == doc["pooled"]["ewp"]["onsets"]  # same folds
    # folds obey the rule: base year B trained on years <= B-2
    assert [f["train_until"] for f in doc["folds"]] == [2011, 2012]
    for kind in doc["versus_ewp"]:
        assert 0 <= doc["versus_ewp"][kind]["p_beats_both"] <= 1
    assert chart.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    table = pd.read_csv(preds)
    assert table.groupby("model").size().nunique() == 1


def test_one_year_target_table(data_csv, capsys):
    code = main(["forecast", "backtest", "--data", str(data_csv), "--from", "2015", "--to",
                 "2015", "--target", "1", "--models", "no-skill,gbm"])
    out = capsys.readouterr().out
    assert code == 0
    assert "mk_onset_1" in out and "gbm" in out and "AUC" in out


def test_top_k_counts_onsets_among_the_highest_ranked():
    frame = pd.DataFrame({"ccode": range(40), "outcome": [1] + [0] * 29 + [1] * 10,
                          "probability": [0.9] + [0.5] * 29 + [0.1] * 10})
    s = score(frame)
    assert (s["top10"], s["top30"], s["onsets"]) == (1, 1, 11)
    assert abs(s["recall_top30"] - 1 / 11) < 1e-12
