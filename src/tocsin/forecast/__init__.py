"""Statistical risk of mass-killing onset, from the Early Warning Project's data.

Modules: ``panel`` (the data and the no-look-ahead rule), ``estimators`` (the
models, one module per kind, and their registry), ``metrics`` (AUC, top-k and the
rest, with the paired bootstrap), ``backtest`` (rolling-origin evaluation),
``score`` (published forecast files scored against what happened),
``calibration`` (the chart), ``explain`` (drivers per country), ``modelfile`` (the
JSON model file) and ``workflow`` (train, predict, the demo). The commands are in
``tocsin.cli.forecast``. Nothing here imports Django or the command line.
"""

from __future__ import annotations


def demo_forecast(out_dir):
    """Write ``forecast-2024.csv`` into ``out_dir`` from the bundled model; return its path."""
    from tocsin.forecast.workflow import demo_forecast as run

    return run(out_dir)


__all__ = ["demo_forecast"]
