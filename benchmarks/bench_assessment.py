"""Benchmark: scoring and reporting a national assessment.

Builds an assessment with 10 assessors rating the whole of un-foa-2014 (124
indicators, 16 measures, 8 triggers; seeded, so every run scores the same
file), writes it as YAML and times:

- baseline: reading and validating the file (``load_assessment``),
- scoring it (``score``: consensus, risk factors, resilience, divergence, gaps),
- rendering the HTML report and the PDF report.

Each figure is printed with its ratio to the baseline measured in the same run,
so the numbers mean something on any machine. Run: ``python benchmarks/bench_assessment.py``
(or ``make bench``).
"""

from __future__ import annotations

import random
import statistics
import sys
import time
from pathlib import Path

HERE = Path(__file__).parent
WORK = HERE / ".work"
ASSESSORS = 10


def build(fw):
    from tocsin.assessment.io import new_assessment
    from tocsin.assessment.model import (
        Assessor,
        Evidence,
        IndicatorRating,
        MeasureRating,
        Scenario,
        TriggerObservation,
        WatchPoint,
    )

    rng = random.Random(20140)
    affiliations = ["government", "government", "government", "civil-society",
                    "civil-society", "civil-society", "academia", "nhri", "international",
                    "other"]
    base = {i: rng.choice([0, 0, 1, 1, 1, 2, 2, 3]) for i in fw.indicators}
    assessors = []
    for n in range(ASSESSORS):
        shift = -1 if affiliations[n] == "government" else 0
        indicators = {}
        for i, level in base.items():
            value = max(0, min(3, level + shift + rng.choice([-1, 0, 0, 0, 1])))
            evidence = ([Evidence(text=f"Source {n}-{i}", url="https://example.org/report",
                                  sensitive=rng.random() < 0.1)]
                        if rng.random() < 0.2 else [])
            indicators[i] = IndicatorRating(
                level="unknown" if rng.random() < 0.05 else value,
                confidence=rng.choice(["low", "medium", "high"]),
                trend=rng.choice(["worsening", "stable", "improving"]), evidence=evidence)
        measures = {m.id: MeasureRating(status=rng.choice(["absent", "partial", "in-place"]),
                                        effectiveness=rng.choice(["none", "low", "medium",
                                                                  "high", "unknown"]))
                    for m in fw.resilience_measures}
        triggers = {t.id: TriggerObservation(observed=rng.random() < 0.4) for t in fw.triggers}
        assessors.append(Assessor(id=f"a{n:02d}", name=f"Assessor {n}",
                                  affiliation=affiliations[n], indicators=indicators,
                                  measures=measures, triggers=triggers))
    a = new_assessment(fw, "GHA", assessors=assessors)
    a.scenarios = [Scenario(id="s1", title="Scenario", perpetrators="P", targets="T", means="M",
                            triggers=["hate-speech"], indicators=["8.7"],
                            watch_points=[WatchPoint(id="w1", text="W", indicators=["7.14"])])]
    return a


def timed(fn, repeat: int) -> tuple[float, object]:
    times, result = [], None
    for _ in range(repeat):
        start = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times), result


def main() -> int:
    from tocsin.assessment.io import dump_assessment, load_assessment
    from tocsin.assessment.scoring import score
    from tocsin.framework import load_framework
    from tocsin.reports.assessment import render_html, render_pdf

    fw = load_framework("un-foa-2014")
    WORK.mkdir(exist_ok=True)
    path = WORK / "assessment-10x124.yaml"
    path.write_text(dump_assessment(build(fw)), encoding="utf-8")
    size = path.stat().st_size

    load_assessment(path)  # warm imports and the framework cache
    baseline, a = timed(lambda: load_assessment(path), 5)
    t_score, card = timed(lambda: score(a, fw), 5)
    # The first chart render starts vl-convert's engine; report it apart from warm runs.
    t_html_cold, _ = timed(lambda: render_html(a, fw), 1)
    t_html, html = timed(lambda: render_html(a, fw), 2)
    t_pdf, pdf = timed(lambda: render_pdf(a, fw), 2)

    rows = [
        ("load + validate (baseline)", baseline),
        ("score", t_score),
        ("render HTML, first (engine start)", t_html_cold),
        ("render HTML", t_html),
        ("render PDF", t_pdf),
    ]
    print(f"assessment: {ASSESSORS} assessors x {len(fw.indicators)} indicators, "
          f"{len(fw.resilience_measures)} measures, {len(fw.triggers)} triggers "
          f"({size / 1024:.0f} KiB YAML); overall {card.overall.level} "
          f"{card.overall.score}, {len(card.gaps)} gaps; PDF {len(pdf) / 1024:.0f} KiB, "
          f"HTML {len(html) / 1024:.0f} KiB")
    print(f"{'step':<36} {'seconds':>9} {'x baseline':>11}")
    for name, seconds in rows:
        print(f"{name:<36} {seconds:>9.3f} {seconds / baseline:>11.3g}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
