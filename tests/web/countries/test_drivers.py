"""Every predictor of the forecast has a label in words, in English (the core's, which
``tocsin forecast explain`` prints) and in French (the site's catalogue), and the
country page and the command line use it."""

from __future__ import annotations

import json
from importlib.resources import files

from django.utils import translation

from tocsin.forecast import explain
from tocsin.forecast.panel import EWP_PREDICTORS
from tocsin.web.countries import predictors


def _model_features() -> list[str]:
    text = files("tocsin.forecast").joinpath("data", "model-2024.json").read_text()
    return json.loads(text)["features"]


def test_every_predictor_of_the_bundled_model_and_of_ewp_has_a_label():
    for name in [*_model_features(), *EWP_PREDICTORS]:
        assert name in explain.LABELS, name
        label = explain.LABELS[name]
        assert label != name and label[0].isupper() and "_" not in label, (name, label)
    assert explain.label("partyban.new.0") == "Ban on all opposition parties"
    assert explain.label("efindex") == "Ethnic fractionalisation"
    assert explain.label("not-a-column") == "not-a-column"


def test_site_labels_are_the_cores_and_translated():
    assert set(predictors.LABELS) == set(explain.LABELS)
    with translation.override("en"):
        for name, text in explain.LABELS.items():
            assert predictors.label(name) == text
    with translation.override("fr"):
        untranslated = [n for n, text in explain.LABELS.items()
                        if predictors.label(n) == text]
        assert not untranslated, untranslated
        assert predictors.label("efindex") == "Fractionnement ethnique"


def test_command_line_line_keeps_its_shape_and_adds_the_label():
    line = explain.driver_line({"predictor": "discrimpop", "value": 0.0605,
                                "contribution": 0.48})
    assert line == ("  +0.48  discrimpop = 0.0605  "
                    "Share of the population in politically discriminated ethnic groups")
    assert explain.driver_line({"predictor": "efindex", "value": None,
                                "contribution": -0.04}).startswith("  -0.04  efindex = NA  ")
