"""The panel: EWP's columns as published, the two targets, and the timing rule."""

from __future__ import annotations

import numpy as np

from tocsin.forecast.panel import (
    EWP_PREDICTORS,
    TARGETS,
    base_year_rows,
    evaluation_rows,
    training_rows,
)


def test_reads_the_published_file_with_its_column_names(panel):
    assert len(EWP_PREDICTORS) == 39
    assert {"partyban.new.0", "popsize.log2", "coup.try.5yr"} <= set(panel.columns)
    assert panel["year"].min() == 1960 and panel["year"].max() == 2024
    # missing predictors stay missing (models decide what to do with them)
    assert panel["gdppcgrowth"].isna().sum() == 125


def test_training_rows_stop_at_the_cutoff_and_need_observed_outcomes(panel):
    two, one = TARGETS["1or2"], TARGETS["1"]
    rows = training_rows(panel, 2014, two)
    assert rows["year"].max() == 2012
    assert rows[["mk_onset_1", "mk_onset_2", "mk_onset_1or2"]].notna().all().all()
    rows1 = training_rows(panel, 2014, one)
    assert rows1["year"].max() == 2013
    # held-out years never reach a model, whatever the base year
    assert training_rows(panel, 2024, two)["year"].max() == 2014
    assert training_rows(panel, 2024, one)["year"].max() == 2015


def test_evaluation_and_base_year_rows(panel):
    two = TARGETS["1or2"]
    assert len(base_year_rows(panel, 2024)) == 168
    ev = evaluation_rows(panel, 2014, two)
    assert ev["year"].eq(2014).all() and ev["mk_onset_1or2"].notna().all()
    assert evaluation_rows(panel, 2015, two).empty  # outcomes held out from 2015
    assert set(np.unique(ev["mk_onset_1or2"])) <= {0.0, 1.0}
