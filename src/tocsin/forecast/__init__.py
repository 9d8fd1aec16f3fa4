"""Statistical risk of mass-killing onset, from the Early Warning Project's data.

Modules: ``panel`` (the data and the no-look-ahead rule), ``models`` (estimators),
``backtest`` (rolling-origin evaluation), ``calibration`` (the chart), ``explain``
(drivers per country), ``modelfile`` (the JSON model file), ``workflow`` (train,
predict, the demo) and ``cli``. Nothing here imports Django.
"""

from __future__ import annotations


def demo_forecast(out_dir):
    """Write ``forecast-2024.csv`` into ``out_dir`` from the bundled model; return its path."""
    from tocsin.forecast.workflow import demo_forecast as run

    return run(out_dir)


__all__ = ["demo_forecast"]
