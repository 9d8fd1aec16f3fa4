"""The event classes of the taxonomy (``tocsin/events/data/taxonomy.yaml``) in words, in
the interface's language, for the legends of the signal charts. The class ids stay
the key; a class without a name here is shown as its id in words
(tests/web/countries/test_signal_charts.py keeps the table complete)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

NAMES = {
    "armed-clash": _("Armed clash"),
    "territory-change": _("Change of territorial control"),
    "remote-violence": _("Remote violence (air strikes, shelling, explosives)"),
    "prohibited-weapons": _("Use of prohibited weapons"),
    "violence-against-civilians": _("Violence against civilians"),
    "mass-killing": _("Mass killing"),
    "sexual-violence": _("Sexual violence"),
    "abduction-disappearance": _("Abduction or enforced disappearance"),
    "assault": _("Physical assault (target not known to be civilian)"),
    "assassination": _("Assassination or attempted assassination"),
    "protest": _("Protest"),
    "riot": _("Riot or mob violence"),
    "repression": _("Repression of protest or violent repression"),
    "arrests": _("Arrests or detentions"),
    "coup": _("Coup or unconstitutional change of government"),
    "displacement": _("Displacement, expulsion or deportation"),
    "destruction-looting": _("Looting or destruction of property"),
    "armed-group-activity": _("Armed group formed, strengthened or based"),
    "emergency-restrictions": _("Emergency measures, curfews or limits on speech"),
    "restriction-of-access": _("Expulsion of, or limits on, observers and aid agencies"),
    "blockade-siege": _("Blockade or restriction of movement"),
    "threat": _("Threat of force or repression"),
    "force-posture": _("Show of force or mobilisation"),
    "sanctions": _("Sanctions or reduced relations"),
    "coercion": _("Other coercion"),
    "agreement": _("Agreement or diplomatic cooperation"),
    "humanitarian-aid": _("Provision of aid"),
    "investigation": _("Investigation or accountability act"),
    "verbal-conflict": _("Demand, disapproval or rejection"),
    "verbal-cooperation": _("Statement, appeal or consultation"),
    "material-cooperation": _("Material cooperation or yielding"),
    "other": _("Other event"),
    "unclassified": _("Unclassified"),
}


def name(code: str) -> str:
    """The class in words; an unknown id as words ('new-class': 'New class')."""
    found = NAMES.get(code or "unclassified")
    if found is not None:
        return str(found)
    text = (code or "").replace("-", " ").replace("_", " ")
    return text[:1].upper() + text[1:]
