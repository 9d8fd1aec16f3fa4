"""The forecast's predictors in words, in the interface's language.

The English labels are ``tocsin.forecast.explain.LABELS`` (the core, which the command
line prints); they are repeated here as literals so that the translation catalogue
has them (tests/web/countries/test_drivers.py keeps the two equal).
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

LABELS = {
    "year": _("Year (time trend)"),
    "year_sq": _("Year squared (time trend)"),
    "includesnonstate": _("Mass killings by non-state groups counted (from 1989)"),
    "widetargeting": _("Mass killing under way, not aimed at one ethnic group"),
    "narrowtargeting": _("Mass killing under way, aimed at one ethnic group"),
    "mk_onset_prev_year": _("A mass killing began the year before"),
    "mk_ever": _("Mass killing in the country's past"),
    "mk_ongoing_count_log2": _("Mass killings under way (log scale)"),
    "mean_mk_onset_interaction": _("Mass killings begun in the country so far"),
    "v2csgender_binary": _("Women kept out of civil society"),
    "v2mecenefm_binary": _("Government censorship of the media"),
    "partyban.new.0": _("Ban on all opposition parties"),
    "partyban.new.1": _("Ban on some political parties"),
    "partyban.new.2": _("No ban on political parties"),
    "minorityrule": _("Political power held by a minority group"),
    "social_power_dist": _("Political power monopolised by social groups"),
    "ses_power_dist": _("Political power shared across rich and poor (higher: more even)"),
    "judicialreform": _("Judicial reform (0 weakened, 1 no change, 2 strengthened)"),
    "religiousfreedom": _("Freedom of religion (0 none to 4 full)"),
    "pol_killing_approved": _("Political killings approved by the country's leaders"),
    "freediscussion": _("Freedom of discussion (0 to 1)"),
    "social_inequality": _("Some social groups have far fewer civil liberties"),
    "even_civilrights": _("Civil liberties respected evenly across regions"),
    "repress_civilsoc": _("Government represses civil society"),
    "popsize.log2": _("Population size (log scale)"),
    "gdppcgrowth": _("Economic growth per person (% a year)"),
    "un_imr_sqrt": _("Infant mortality (square root)"),
    "efindex": _("Ethnic fractionalisation"),
    "discrimpop": _("Share of the population in politically discriminated ethnic groups"),
    "reg.na": _("Region: the Americas"),
    "reg.eap": _("Region: East Asia and the Pacific"),
    "reg.sca": _("Region: South and Central Asia"),
    "reg.mna": _("Region: Middle East and North Africa"),
    "reg.eur": _("Region: Europe"),
    "ios.iccpr1": _("Party to the ICCPR's First Optional Protocol (individual complaints)"),
    "battledeaths.log2": _("Battle deaths in internal armed conflict (log scale)"),
    "coup.try.5yr": _("Coup attempt in the last five years"),
    "newcountry": _("New state (two years or less since independence)"),
    "countryage.new.log2": _("Years since independence (log scale)"),
}


def label(predictor: str) -> str:
    """The predictor in words, translated; the core's label, else the column name."""
    from tocsin.forecast.explain import label as english

    found = LABELS.get(predictor)
    return str(found) if found is not None else english(predictor)
