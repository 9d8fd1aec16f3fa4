"""Every command of the `tocsin --help` tree takes --home, as the README says (issue 14).

The forecast commands keep no state: they accept --home for uniformity, read and write
only the files named, and leave the home alone (not even created).
"""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from tocsin.cli import app, main

DATA = Path(__file__).parents[1] / "src/tocsin/forecast/data"


def leaf_commands():
    import typer.main

    def walk(cmd, path):
        if hasattr(cmd, "commands"):  # a group
            for name, sub in sorted(cmd.commands.items()):
                yield from walk(sub, [*path, name])
        else:
            yield " ".join(path), cmd

    return list(walk(typer.main.get_command(app), []))


def test_every_command_takes_home():
    commands = leaf_commands()
    names = [name for name, _ in commands]
    assert {"forecast score", "forecast train", "warn validate", "events ingest",
            "serve", "demo"} <= set(names)
    missing = [name for name, cmd in commands
               if "--home" not in {o for p in cmd.params for o in getattr(p, "opts", [])}]
    assert missing == []


def test_forecast_help_says_it_keeps_no_state(capsys):
    forecast = [(n, c) for n, c in leaf_commands() if n.startswith("forecast ")]
    assert len(forecast) == 5
    for name, cmd in forecast:
        [home] = [p for p in cmd.params if "--home" in getattr(p, "opts", [])]
        assert "forecast commands keep no state" in home.help, name
        assert main([*name.split(), "--help"]) == 0
        assert "--home" in capsys.readouterr().out


def _forecast_and_outcomes(tmp_path):
    """A `predict`-format forecast of base year 2020 for the bundled countries and a
    made-up outcome file (synthetic onsets, not EWP's held-out years)."""
    with open(DATA / "predictors-2024.csv", encoding="utf-8", newline="") as f:
        codes = [int(float(r["ccode"])) for r in csv.DictReader(f)]
    forecast, outcomes = tmp_path / "forecast.csv", tmp_path / "outcomes.csv"
    forecast.write_text("ccode,year,probability\n" + "".join(
        f"{c},2020,{(i % 50 + 1) / 1000}\n" for i, c in enumerate(codes)), encoding="utf-8")
    outcomes.write_text("ccode,year,mk_onset\n" + "".join(
        f"{c},{y},{int(i % 40 == 0 and y == 2021)}\n" for i, c in enumerate(codes)
        for y in (2021, 2022)), encoding="utf-8")
    return forecast, outcomes


def test_forecast_commands_run_with_home_and_leave_it_alone(tmp_path, capsys):
    home = tmp_path / "home"
    forecast, outcomes = _forecast_and_outcomes(tmp_path)
    assert main(["forecast", "score", str(forecast), "--outcomes", str(outcomes),
                 "--year", "2020", "--home", str(home)]) == 0
    assert "base year 2020, target mk_onset_1or2: 168 countries scored" in capsys.readouterr().out
    out = tmp_path / "forecast-2024.csv"
    assert main(["forecast", "predict", "--model", str(DATA / "model-2024.json"), "--data",
                 str(DATA / "predictors-2024.csv"), "--year", "2024", "-o", str(out),
                 "--home", str(home)]) == 0
    assert out.exists()
    assert main(["forecast", "explain", "--model", str(DATA / "model-2024.json"), "--data",
                 str(DATA / "predictors-2024.csv"), "--year", "2024", "--country", "MMR",
                 "--home", str(home)]) == 0
    capsys.readouterr()
    # train and backtest parse --home too (and then meet the missing data file)
    for args in (["train", "--until", "2014", "-o", str(tmp_path / "m.json")],
                 ["backtest", "--from", "2013", "--to", "2014"]):
        code = main(["forecast", *args, "--data", str(tmp_path / "absent.csv"),
                     "--home", str(home)])
        err = capsys.readouterr().err
        assert code == 2 and "No such option" not in err and "absent.csv" in err, err
    assert not home.exists()


def test_warn_validate_takes_home(tmp_path, capsys):
    rules = Path(__file__).parents[1] / "src/tocsin/warning/rules"
    shipped = sorted(rules.glob("*.yaml")) if rules.is_dir() else []
    if not shipped:
        pytest.skip(f"no shipped rule files in {rules}")
    assert main(["warn", "validate", str(shipped[0]), "--home", str(tmp_path / "h")]) == 0
    assert "valid" in capsys.readouterr().out
