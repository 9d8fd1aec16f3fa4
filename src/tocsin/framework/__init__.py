"""The atrocity-prevention frameworks as versioned data: models, loader, validator."""

from tocsin.framework.loader import find_framework, list_frameworks, load_framework
from tocsin.framework.models import Framework, Indicator, ResilienceMeasure, RiskFactor, Trigger

__all__ = [
    "Framework", "Indicator", "ResilienceMeasure", "RiskFactor", "Trigger",
    "find_framework", "list_frameworks", "load_framework",
]
