"""`tocsin forecast score` reads every EWP result file published since the 2018 edition
as it is, and scores consecutive editions pooled in one command (issue 14).

EWP's result files are not in ../shared, and the outcomes after 2016 are held out
there, so these tests build both:

* edition files with the exact header layout of each published file (taken from
  EWP's repositories, listed in EDITIONS), written as R's write.csv writes them, with
  made-up probabilities;
* a *synthetic* outcome file in the layout of EWP's basedata2025: random onsets,
  made up for the test, not a reconstruction of the held-out years.

The countries are the 168 of the bundled 2024 predictors.
"""

from __future__ import annotations

import csv
import json
import random
from pathlib import Path

import numpy as np
import pytest
from sklearn.metrics import roc_auc_score

from tocsin.cli import main

# Predictor columns as each published file has them, after its forecast columns.
OLD_2018 = ("anymk.ongoing,anymk.ever,reg.afr,reg.eap,reg.eur,reg.mna,reg.sca,countryage.ln,"
            "popsize.ln.combined,imr.sqrt,gdppcgrowth.combined,ios.iccpr1,includesnonstate,"
            "durable.ln,minorityrule,elf.ethnic,battledeaths.ln,candidaterestriction,partyban,"
            "judicialreform,religiousfreedom,pol_killing_approved,freemove_men4,freemove_women4,"
            "freediscussion,social_inequality,even_civilrights,repress_civilsoc,"
            "social_power_dist,tradeshare.ln.combined,coup.try.5yr,polity2.fl.2,polity2.fl.3")
OLD_2019 = OLD_2018.replace("social_power_dist,", "social_power_dist,ses_power_dist,")
OLD_2020 = (OLD_2019.replace("includesnonstate,durable.ln,", "includesnonstate,")
            .replace(",polity2.fl.2,polity2.fl.3", ""))
NEW_2023 = ("mean_mk_onset,mk_onset_prev_year,year,year_sq,mk_ever,mk_ongoing_count_log,"
            "newcountry,widetargeting,narrowtargeting,reg.afr,reg.eap,reg.eur,reg.mna,reg.sca,"
            "countryage_new_ln,wdi.popsize.log2,gdppcgrowth.combined,ios.iccpr1,"
            "includesnonstate,minorityrule,battledeaths.ln2,judicialreform,religiousfreedom,"
            "pol_killing_approved,freediscussion,social_inequality,even_civilrights,"
            "repress_civilsoc,social_power_dist,ses_power_dist,tradeshare.log2.combined,"
            "coup.try.5yr,efindex,discrimpop,partyban.new.0,partyban.new.1,partyban.new.2,"
            "v2csgender_binary,v2mecenefm_binary,imr.fwd.fill.sqrt,ccode,year_l1,year_sq_l1,"
            "reg.na")
NEW_2024 = ("widetargeting,narrowtargeting,v2csgender_binary,v2mecenefm_binary,partyban.new.0,"
            "partyban.new.1,partyban.new.2,minorityrule,judicialreform,religiousfreedom,"
            "pol_killing_approved,freediscussion,social_inequality,even_civilrights,"
            "repress_civilsoc,social_power_dist,ses_power_dist,popsize.log2,gdppcgrowth,"
            "un_imr_sqrt,efindex,discrimpop,reg.na,reg.eap,reg.sca,reg.mna,reg.eur,ios.iccpr1,"
            "battledeaths.log2,coup.try.5yr,mk_ongoing_count_log2,mean_mk_onset_interaction,"
            "mk_onset_prev_year,newcountry,mk_ever,year_sq,year,countryage.new.log2,"
            "includesnonstate,ccode")


def _old(b: int, two_year: str, rest: str, row_names: bool) -> str:
    head = '"",' if row_names else ""
    return f"{head}country,SFTGcode,COW,risk_in_{b + 1},{two_year},{rest}"


def _new(b: int, name: str, rest: str, rank_from: int | None = None) -> str:
    r = rank_from or b
    return (f'"",{name},risk.{b + 1}and{b + 2}.from{b},rank.{b + 1}and{b + 2}.from{r},'
            f"risk.{b + 1}only.from{b},riskrank.{b + 1}only.from{b},"
            f"risk.{b}and{b + 1}.from{b - 1},rank.{b}and{b + 1}.from{b - 1},{rest}")


# edition -> (base year, file name in EWP's repository, header)
EDITIONS = {
    "2018": (2017, "sortedrisk_2017based_1and2yr_15Oct2018.csv",
             _old(2017, "risk_2018_19", OLD_2018, True)),
    "2018-2016based": (2016, "sortedrisk_2016based_1and2yr_15Oct2018.csv",
                       _old(2016, "risk_2017_18", OLD_2018, True)),
    "2019": (2018, "base2018-run-2019-09-19.csv", _old(2018, "risk_in_2019_20", OLD_2019, False)),
    "2020": (2019, "base2019-run-2020-08-18.csv", _old(2019, "risk_in_2020_21", OLD_2020, False)),
    "2021": (2020, "base2020-run-2021-08-18.csv", _old(2020, "risk_in_2021_22", OLD_2020, False)),
    "2022": (2021, "base2021-run-2022-09-30.csv", _old(2021, "risk_in_2022_23", OLD_2020, False)),
    "2023": (2022, "final_forecasts_data_9Nov_hackregion.csv", _new(2022, "country", NEW_2023)),
    "2024": (2023, "final_forecasts_data_10Oct2024.csv", _new(2023, "ewp_name", NEW_2024)),
    # EWP's 2025 file names its rank column ...from2025 (sic)
    "2025": (2024, "final_forecasts_data_3Sep2025.csv",
             _new(2024, "ewp_name", NEW_2024, rank_from=2025)),
}
POOLED = ["2018", "2019", "2020", "2021", "2022", "2023"]  # base years 2017-2022
BASEDATA_HEADER = ("year,country,ccode,datastartyear,dataendyear,independence_year,"
                   "mk_onset_count,mk_offset_count,mk_ongoing_count,mk_location_ever,"
                   "mk_responsible_ever,mk_ongoing_widescope,mk_ongoing_code,mk_ethnicflag,"
                   "mk_ongoing,mk_onset,mk_offset,widetargeting,narrowtargeting,ewp_name")


def countries() -> list[tuple[int, str]]:
    path = Path(__file__).parents[2] / "src/tocsin/forecast/data/predictors-2024.csv"
    with open(path, encoding="utf-8", newline="") as f:
        return [(int(float(r["ccode"])), r["ewp_name"]) for r in csv.DictReader(f)]


def write_r_csv(path: Path, header: str, rows: list[list]) -> None:
    """As R's write.csv: every name and text quoted, numbers bare, NA bare."""
    def cell(v):
        if isinstance(v, str) and v != "NA":
            return '"' + v.replace('"', '""') + '"'
        return str(v)
    names = next(csv.reader([header]))
    assert all(len(r) == len(names) for r in rows)
    lines = [",".join(cell(n) for n in names)] + [",".join(cell(v) for v in r) for r in rows]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def _p(seed: str, ccode: int) -> float:
    return random.Random(f"{seed}-{ccode}").uniform(0.001, 0.2)


class World:
    """Synthetic onsets 2015-2024 and the edition files made from them."""

    def __init__(self, root: Path):
        self.root, self.countries = root, countries()
        rng = random.Random(14)
        codes = [c for c, _ in self.countries]
        self.onsets = {y: set(rng.sample(codes, 3)) for y in range(2015, 2025)}
        self.outcomes = root / "basedata-synthetic.csv"
        rows = []
        for c, name in self.countries:
            for y in range(2014, 2025):
                onset = int(c in self.onsets.get(y, ()))
                row = dict.fromkeys(BASEDATA_HEADER.split(","), "")
                row.update(year=y, country=name, ccode=c, mk_onset=onset, ewp_name=name)
                rows.append(row)
        with open(self.outcomes, "w", encoding="utf-8", newline="") as f:
            w = csv.DictWriter(f, BASEDATA_HEADER.split(","))
            w.writeheader()
            w.writerows(rows)
        self.files = {e: self.write(e) for e in EDITIONS}

    def outcome(self, base: int, horizon: int, ccode: int) -> int:
        years = range(base + 1, base + horizon + 1)
        return int(any(ccode in self.onsets.get(y, ()) for y in years))

    def ex_ante(self, edition: str, ccode: int, horizon: int = 2) -> float:
        return float(f"{_p(edition, ccode) / (1 if horizon == 2 else 2):.4g}")

    def rerun(self, base: int, ccode: int) -> float:
        """The re-runs know the answer: scoring one instead of the ex-ante forecast would
        show as a perfect AUC."""
        return 0.9 if self.outcome(base, 2, ccode) else 0.001

    def write(self, edition: str) -> Path:
        base, name, header = EDITIONS[edition]
        names = next(csv.reader([header]))
        rows = []
        by_risk = sorted(self.countries, key=lambda c: -self.ex_ante(edition, c[0]))
        for i, (c, country) in enumerate(by_risk, start=1):
            two, one = self.ex_ante(edition, c), self.ex_ante(edition, c, 1)
            row = dict.fromkeys(names, 0)
            row.update({"": str(i), "country": country, "ewp_name": country, "COW": c,
                        "SFTGcode": country[:3].upper(), "ccode": c, "year": base,
                        "year_l1": base - 1})
            for n in names:
                if n.startswith(f"risk.{base + 1}and{base + 2}.") or n.startswith("risk_20") \
                        or n == f"risk_in_{base + 1}_{(base + 2) % 100:02d}":
                    row[n] = two
                elif n in (f"risk.{base + 1}only.from{base}", f"risk_in_{base + 1}"):
                    row[n] = one
                elif n == f"risk.{base}and{base + 1}.from{base - 1}":
                    row[n] = self.rerun(base - 1, c)
                elif n.startswith(("rank.", "riskrank.")):
                    row[n] = i
            rows.append([row[n] for n in names])
        path = self.root / edition / name
        path.parent.mkdir()
        write_r_csv(path, header, rows)
        return path

    def expected(self, editions: list[str], horizon: int = 2):
        """(outcomes, probabilities, per-year top-30 onsets) of the ex-ante forecasts."""
        ys, ps, top30 = [], [], 0
        for e in editions:
            base = EDITIONS[e][0]
            codes = [c for c, _ in self.countries]
            y = np.array([self.outcome(base, horizon, c) for c in codes])
            p = np.array([self.ex_ante(e, c, horizon) for c in codes])
            order = np.lexsort((codes, -p))
            top30 += int(y[order[:30]].sum())
            ys.append(y)
            ps.append(p)
        return np.concatenate(ys), np.concatenate(ps), top30


@pytest.fixture(scope="module")
def world(tmp_path_factory) -> World:
    return World(tmp_path_factory.mktemp("editions"))


def _score(capsys, *args):
    code = main(["forecast", "score", *map(str, args)])
    out, err = capsys.readouterr()
    return code, out, err


@pytest.mark.parametrize("edition", list(EDITIONS))
def test_each_edition_is_read_as_published(edition, world):
    """Every edition's file is read without naming a column, for both targets, and
    knows the base year it was made from."""
    from tocsin.forecast.panel import TARGETS
    from tocsin.forecast.score import read_forecasts

    base, name, header = EDITIONS[edition]
    path = world.files[edition]
    assert path.read_text(encoding="utf-8").splitlines()[0] == ",".join(
        f'"{n}"' for n in next(csv.reader([header])))
    [two] = read_forecasts(str(path), [base], TARGETS["1or2"])
    [one] = read_forecasts(str(path), [base], TARGETS["1"])
    assert two.edition == one.edition == base and two.ex_ante and one.ex_ante
    assert len(two.probability) == len(world.countries) == 168
    c = world.countries[0][0]
    assert two.probability[c] == world.ex_ante(edition, c)
    assert one.probability[c] == world.ex_ante(edition, c, 1)
    assert two.names[c] == world.countries[0][1]


@pytest.mark.parametrize("edition", ["2023", "2024", "2025"])
def test_the_rerun_of_the_previous_base_year_is_known_as_one(edition, world):
    from tocsin.forecast.panel import TARGETS
    from tocsin.forecast.score import read_forecasts

    base = EDITIONS[edition][0]
    rerun, own = read_forecasts(str(world.files[edition]), [base - 1, base], TARGETS["1or2"])
    assert (rerun.base_year, rerun.column) == (base - 1, f"risk.{base}and{base + 1}.from{base - 1}")
    assert (rerun.edition, rerun.ex_ante, own.ex_ante) == (base, False, True)


def _pooled_args(world, editions, order=1):
    specs = [f"ewp={world.files[e]}" for e in editions][::order]
    years = [a for e in editions for a in ("--year", EDITIONS[e][0])]
    return [*specs, "--outcomes", world.outcomes, *years]


@pytest.mark.parametrize("order", [1, -1], ids=["oldest-first", "newest-first"])
def test_pooled_2018_to_2023_editions_over_base_years_2017_to_2022(order, world, capsys):
    """One command. The 2023 edition's re-run for 2021 is set aside for the 2022
    edition's forecast made from 2021, whatever the order of the files."""
    code, out, err = _score(capsys, *_pooled_args(world, POOLED, order), "--format", "json")
    assert code == 0, err
    card = json.loads(out)
    assert card["base_years"] == list(range(2017, 2023))
    scored = {f["base_year"]: (Path(f["file"]).parent.name, f["column"], f["ex_ante"])
              for f in card["forecasts"]}
    assert scored == {
        2017: ("2018", "risk_2018_19", True), 2018: ("2019", "risk_in_2019_20", True),
        2019: ("2020", "risk_in_2020_21", True), 2020: ("2021", "risk_in_2021_22", True),
        2021: ("2022", "risk_in_2022_23", True), 2022: ("2023", "risk.2023and2024.from2022", True)}
    [aside] = card["set_aside"]
    assert (Path(aside["file"]).parent.name, aside["base_year"], aside["column"],
            aside["edition_base_year"]) == ("2023", 2021, "risk.2022and2023.from2021", 2022)
    y, p, top30 = world.expected(POOLED)
    got = card["scores"]["ewp"]
    assert card["countries"] == len(y) == 6 * 168
    assert got["onsets"] == int(y.sum())
    assert got["auc"] == pytest.approx(roc_auc_score(y, p), abs=1e-12)
    assert got["auc"] < 0.9  # the re-run (which knows the outcomes) was not scored
    assert got["top30"] == top30
    assert got["brier"] == pytest.approx(float(np.mean((p - y) ** 2)), abs=1e-12)


def test_pooled_table_says_what_was_set_aside(world, capsys):
    code, out, err = _score(capsys, *_pooled_args(world, POOLED))
    assert code == 0, err
    assert "pooled over 6 base years:" in out
    assert (f"note: ewp: base year 2021 is scored from {world.files['2022']} (risk_in_2022_23); "
            f"the re-run in {world.files['2023']} (risk.2022and2023.from2021), made from base "
            "year 2022, is set aside") in out


def test_pooled_one_year_target_and_all_editions_to_2025(world, capsys):
    editions = POOLED + ["2024"]
    code, out, err = _score(capsys, *_pooled_args(world, editions), "--target", "1",
                            "--format", "json")
    assert code == 0, err
    card = json.loads(out)
    assert card["set_aside"] == []  # no edition re-runs its 1-year forecast
    y, p, top30 = world.expected(editions, horizon=1)
    assert card["scores"]["ewp"]["auc"] == pytest.approx(roc_auc_score(y, p), abs=1e-12)
    assert card["scores"]["ewp"]["top30"] == top30
    # 2-year, 2018-2025 editions: base years to 2024 need outcomes to 2026, which even
    # the synthetic file does not have; to 2022 it does
    code, out, err = _score(capsys, *_pooled_args(world, POOLED + ["2024", "2025"]))
    assert code == 2 and "no country has a known mk_onset for 2024-2025" in err


def test_a_rerun_alone_is_scored_and_marked(world, capsys):
    code, out, err = _score(capsys, f"ewp={world.files['2023']}", "--outcomes",
                            world.outcomes, "--year", 2021, "--format", "json")
    assert code == 0, err
    [f] = json.loads(out)["forecasts"]
    assert (f["column"], f["ex_ante"], f["edition_base_year"]) == (
        "risk.2022and2023.from2021", False, 2022)
    code, out, err = _score(capsys, f"ewp={world.files['2023']}", "--outcomes",
                            world.outcomes, "--year", 2021)
    assert "is a re-run made from base year 2022, not the forecast published from 2021" in out


def test_two_forecasts_of_one_kind_are_still_refused(world, capsys):
    code, _, err = _score(capsys, f"ewp={world.files['2022']}", f"ewp={world.files['2022']}",
                          "--outcomes", world.outcomes, "--year", 2021)
    assert code == 2
    assert (f"ewp has a forecast from base year 2021 in {world.files['2022']} already (an "
            "ex-ante forecast in both)") in err


def test_an_old_layout_mkl_file_is_refused_with_the_reason(world, tmp_path, capsys):
    old = tmp_path / "mkl_data.csv"
    old.write_text("country_name,sftgcode,year,mkl.start,mkl.end,mkl.ongoing,mkl.ever,"
                   "nonstatemk.start,nonstatemk.end,nonstatemk.ongoing,nonstatemk.ever\n"
                   "Afghanistan,AFG,2018,0,0,0,1,0,0,1,1\n", encoding="utf-8")
    code, _, err = _score(capsys, world.files["2019"], "--outcomes", old, "--year", 2018)
    assert code == 2
    assert f"{old}:1: is an mkl_data.csv of EWP's 2018-2022 layout" in err
    assert "mkl.start counts state-led onsets only" in err


def test_the_2023_mkl_data_counts_non_state_led_onsets_too():
    """What docs/forecast.md says about the outcome files, checked on the real ones:
    the 2023 mkl_data.csv's mk_onset counts non-state-led onsets (episode codes with
    'ns'), and agrees with the 2025 base data's mk_onset wherever both have a value."""
    import pandas as pd

    from .conftest import EWP

    mkl, base = EWP / "mkl_data.csv", EWP / "basedata2025_4august2025.csv"
    if not (mkl.exists() and base.exists()):
        pytest.skip(f"EWP mass-killing files not found in {EWP}")
    m = pd.read_csv(mkl).sort_values(["ccode", "year"])
    codes = m["mk_ongoing_code"].fillna("").map(
        lambda s: {c.strip() for c in s.split(";") if c.strip()})
    before = codes.groupby(m["ccode"]).shift(1).map(lambda v: v if isinstance(v, set) else set())
    new = [a - b for a, b in zip(codes, before, strict=True)]
    ns_only = [bool(n) and all("ns" in c for c in n) for n in new]
    assert ((m["mk_onset"] == 1) & pd.Series(ns_only, index=m.index)).sum() >= 10
    both = m.merge(pd.read_csv(base), on=["ccode", "year"], suffixes=("_mkl", "_base"))
    both = both.dropna(subset=["mk_onset_mkl", "mk_onset_base"])
    assert len(both) > 9000 and (both["mk_onset_mkl"] == both["mk_onset_base"]).all()


def test_each_rerun_is_set_aside_for_its_own_edition(world, capsys):
    """2022-2024 editions over base years 2021-2022: the 2023 edition's re-run of 2021
    and the 2024 edition's re-run of 2022 are both set aside."""
    code, out, err = _score(capsys, *[f"ewp={world.files[e]}" for e in ("2024", "2023", "2022")],
                            "--outcomes", world.outcomes, "--year", 2021, "--year", 2022,
                            "--format", "json")
    assert code == 0, err
    card = json.loads(out)
    assert sorted((a["base_year"], Path(a["file"]).parent.name) for a in card["set_aside"]) == [
        (2021, "2023"), (2022, "2024")]
    assert sorted((f["base_year"], Path(f["file"]).parent.name) for f in card["forecasts"]) == [
        (2021, "2022"), (2022, "2023")]
    y, p, top30 = world.expected(["2022", "2023"])
    assert card["scores"]["ewp"]["auc"] == pytest.approx(roc_auc_score(y, p), abs=1e-12)
