"""The atrocity-prevention frameworks as versioned data: models, loader, validator.

Names are imported on first use so that importing a sub-module (the CLI) does
not pay for Pydantic model construction.
"""

from importlib import import_module

_EXPORTS = {
    "Framework": "tocsin.framework.models",
    "Indicator": "tocsin.framework.models",
    "ResilienceMeasure": "tocsin.framework.models",
    "RiskFactor": "tocsin.framework.models",
    "Trigger": "tocsin.framework.models",
    "find_framework": "tocsin.framework.loader",
    "list_frameworks": "tocsin.framework.loader",
    "load_framework": "tocsin.framework.loader",
    "split_ref": "tocsin.framework.models",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str):
    if name in _EXPORTS:
        return getattr(import_module(_EXPORTS[name]), name)
    raise AttributeError(f"module 'tocsin.framework' has no attribute {name!r}")
