"""The event taxonomy as data (data/taxonomy.yaml).

Source codes (ACLED event/sub-event types, CAMEO codes, UCDP violence types)
map to canonical event classes; each class names the framework indicators
(`un-foa-2014:<id>`) and triggers (`sg-2013:<id>`) it bears on. Readers apply
the mapping in SQL, from the lookup tables `register()` creates.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cache
from importlib.resources import files

from tocsin.errors import InputError
from tocsin.yamlsource import parse_yaml


@dataclass(frozen=True)
class EventClass:
    id: str
    name: str
    bears_on: tuple[str, ...] = ()
    triggers: tuple[str, ...] = ()
    effect: str = "risk"  # or "mitigating"


@dataclass
class Taxonomy:
    id: str
    version: str
    mass_killing_threshold: int
    classes: dict[str, EventClass]
    acled: list[dict]
    acled_rules: dict
    cameo: dict[str, str]
    cameo_rules: dict
    ucdp: dict[str, str]
    raw: dict = field(repr=False, default_factory=dict)

    def refs(self) -> list[tuple[str, str]]:
        """Every (class id, framework reference) pair, for checking they resolve."""
        return [(c.id, ref) for c in self.classes.values() for ref in c.bears_on + c.triggers]

    def class_for_cameo(self, code: str) -> str:
        for n in range(len(code), 1, -1):
            if code[:n] in self.cameo:
                return self.cameo[code[:n]]
        return "other"


CLASS_KEYS = {"id", "name", "bears_on", "triggers", "effect"}


@cache
def load() -> Taxonomy:
    text = files("tocsin.events").joinpath("data", "taxonomy.yaml").read_text(encoding="utf-8")
    # The strict reader: a duplicate key, or an unquoted comma in a flow mapping that
    # splits a name into stray keys, is an error, not a silently shortened name.
    doc = parse_yaml(text, "tocsin/events/data/taxonomy.yaml")
    raw = doc.data
    for i, c in enumerate(raw["classes"]):
        stray = set(c) - CLASS_KEYS
        if stray:
            raise InputError(doc.problem(("classes", i), f"unexpected keys {sorted(stray)} "
                                                         "(quote a name that has commas)"))
    classes = {
        c["id"]: EventClass(c["id"], c["name"], tuple(c.get("bears_on", ())),
                            tuple(c.get("triggers", ())), c.get("effect", "risk"))
        for c in raw["classes"]
    }
    tx = Taxonomy(
        id=raw["id"], version=str(raw["version"]),
        mass_killing_threshold=int(raw["mass_killing_threshold"]),
        classes=classes, acled=raw["acled"], acled_rules=raw["acled_rules"],
        cameo={str(k): v for k, v in raw["cameo"].items()}, cameo_rules=raw["cameo_rules"],
        ucdp={str(k): v for k, v in raw["ucdp"].items()}, raw=raw,
    )
    used = ([r["class"] for r in tx.acled] + list(tx.cameo.values()) + list(tx.ucdp.values())
            + [tx.cameo_rules["civilian_target_to"]] + list(tx.cameo_rules["civilian_target_from"]))
    unknown = sorted(set(used) - set(classes))
    if unknown:  # a packaging error, not user input
        raise ValueError(f"taxonomy.yaml maps to undefined classes: {unknown}")
    return tx


def register(con) -> None:
    """Create temp lookup tables tx_acled(event_type, sub_event_type, event_class),
    tx_cameo(code, event_class) and tx_ucdp(code, event_class) on a DuckDB connection."""
    from tocsin.events.sqlparts import create_table

    tx = load()
    tables = {
        "tx_acled": {
            # Matching is on lower-cased text: exports differ in capitalisation.
            "event_type": [r["event_type"].lower() for r in tx.acled],
            "sub_event_type": [r.get("sub_event_type", "").lower() for r in tx.acled],
            "event_class": [r["class"] for r in tx.acled],
        },
        "tx_cameo": {"code": list(tx.cameo), "event_class": list(tx.cameo.values())},
        "tx_ucdp": {"code": list(tx.ucdp), "event_class": list(tx.ucdp.values())},
        "tx_classes": {"event_class": list(tx.classes)},
    }
    for name, columns in tables.items():
        create_table(con, name, columns)
