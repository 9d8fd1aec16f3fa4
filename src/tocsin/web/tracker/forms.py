from django import forms
from django.utils.translation import gettext_lazy as _

from tocsin.web.tracker.models import STATUSES


class RecommendationForm(forms.Form):
    status = forms.ChoiceField(label=_("Status"), choices=list(STATUSES.items()))
    date = forms.DateField(label=_("Date"), required=False,
                           widget=forms.DateInput(attrs={"type": "date"}))
    evidence = forms.CharField(label=_("Evidence"), required=False, max_length=4000,
                               widget=forms.Textarea(attrs={"rows": 2}))
    url = forms.URLField(label=_("Source URL"), required=False, max_length=500,
                         assume_scheme="https")
