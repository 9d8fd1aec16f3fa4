"""Alerts tied to the frameworks: indicators, triggers and preventive options."""

from __future__ import annotations

from pathlib import Path

from tocsin.framework.models import Trigger
from tocsin.warning.rules import Rule, indicators_for, triggers_for


class FrameworkLinks:
    """What an alert of a rule points to in the frameworks: the indicators it is
    evidence for, the triggers, and the preventive options (resilience measures with
    their state practice) that answer those indicators' risk factors. Cached per rule."""

    def __init__(self, home: Path | None = None):
        from tocsin.framework import load_framework

        self.foa = load_framework("un-foa-2014", home)
        try:
            self.sg = load_framework("sg-2013", home)
        except Exception:  # the triggers are also reachable through the FoA's includes
            self.sg = self.foa
        self._cache: dict[str, tuple] = {}

    def indicator(self, ref: str) -> dict:
        try:
            ind = self.foa.resolve(ref)
        except KeyError:
            return {"ref": ref, "text": None, "risk_factor": None}
        rf = ind.risk_factor
        return {"ref": ref, "text": ind.text, "verification": ind.verification,
                "risk_factor": f"un-foa-2014:{rf}",
                "risk_factor_name": self.foa.risk_factor(rf).name}

    def trigger(self, ref: str) -> dict:
        for fw in (self.sg, self.foa):
            try:
                item = fw.resolve(ref)
            except KeyError:
                continue
            if isinstance(item, Trigger):
                return {"ref": ref, "name": item.name}
        return {"ref": ref, "name": None}

    def options(self, risk_factors: list[str]) -> list[dict]:
        seen: dict[str, dict] = {}
        for rf in risk_factors:
            for m in self.foa.measures_for(self.foa.own(rf)):
                entry = seen.setdefault(m.id, {
                    "id": m.id, "name": m.name, "heading": m.heading,
                    "answers": [],
                    "state_practice": [{"states": list(sp.states), "text": sp.text}
                                       for sp in m.state_practice]})
                if rf not in entry["answers"]:
                    entry["answers"].append(rf)
        return list(seen.values())

    def for_rule(self, rule: Rule) -> tuple[list[dict], list[dict], list[dict]]:
        if rule.id not in self._cache:
            inds = [self.indicator(r) for r in indicators_for(rule)]
            trigs = [self.trigger(r) for r in triggers_for(rule)]
            rfs = list(dict.fromkeys(i["risk_factor"] for i in inds if i["risk_factor"]))
            self._cache[rule.id] = (inds, trigs, self.options(rfs))
        return self._cache[rule.id]
