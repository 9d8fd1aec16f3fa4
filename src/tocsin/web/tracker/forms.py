"""The tracker's forms: one per state, for its nine rows (the country page), and the
statuses alone (a row of the matrix edited in place)."""

from django import forms
from django.utils.translation import gettext_lazy as _

from tocsin.web.tracker.models import ITEMS, SHORT_STATUSES, STATUSES

FIELDS = ("status", "date", "evidence", "url")


def _fields(key: str, statuses_only: bool) -> dict[str, forms.Field]:
    names = SHORT_STATUSES if statuses_only else STATUSES
    out = {f"{key}-status": forms.ChoiceField(label=_("Status"), choices=list(names.items()))}
    if statuses_only:
        return out
    out[f"{key}-date"] = forms.DateField(label=_("Date"), required=False,
                                         widget=forms.DateInput(attrs={"type": "date"}))
    out[f"{key}-evidence"] = forms.CharField(label=_("Evidence"), required=False,
                                             max_length=4000,
                                             widget=forms.Textarea(attrs={"rows": 1}))
    out[f"{key}-url"] = forms.URLField(label=_("Source URL"), required=False, max_length=500,
                                       assume_scheme="https")
    return out


class ProgressForm(forms.Form):
    """The state's rows in one form: ``<item>-status`` (and, unless ``statuses_only``,
    ``<item>-date``, ``-evidence``, ``-url``) for each item in ``items``. Its initial
    values are what is stored (``rows`` from ``progress_for``), so the form shows what
    the table shows."""

    def __init__(self, *args, rows=(), items=None, statuses_only=False, **kwargs):
        super().__init__(*args, **kwargs)
        self.items = [k for k in ITEMS if items is None or k in items]
        self.statuses_only = statuses_only
        for key in self.items:
            self.fields.update(_fields(key, statuses_only))
        for r in rows:
            if r["item"] not in self.items:
                continue
            key = r["item"]
            self.initial[f"{key}-status"] = r["status"] if r["status"] in STATUSES else "unknown"
            if not statuses_only:
                self.initial[f"{key}-date"] = r["date"]
                self.initial[f"{key}-evidence"] = r["evidence"]
                self.initial[f"{key}-url"] = r["url"]

    def bound(self, key: str) -> dict:
        """The item's fields (bound fields by name: status, date, evidence, url)."""
        return {f: self[f"{key}-{f}"] for f in FIELDS if f"{key}-{f}" in self.fields}

    def values(self, key: str) -> dict:
        d = self.cleaned_data
        return {f: d[f"{key}-{f}"] for f in FIELDS if f"{key}-{f}" in d}
