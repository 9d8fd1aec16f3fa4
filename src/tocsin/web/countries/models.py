"""Forecasts imported into the site's database, one row per country and year.

``tocsin forecast predict`` writes ``country,year,probability,rank,...`` plus driver
columns (``up_1..``, ``down_1..``). The site keeps them in its own database, not
by reading the CSV on each request: the watch list joins them with alerts and
assessments, and a forecast that was shown stays reproducible (file hash kept).
Re-importing a year replaces that year's rows for the same model.
"""

from __future__ import annotations

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Forecast(models.Model):
    country = models.CharField(max_length=3, db_index=True)
    year = models.PositiveIntegerField(db_index=True)
    probability = models.FloatField()
    rank = models.PositiveIntegerField(null=True, blank=True)
    name = models.CharField(max_length=200, blank=True)  # the data's own name (ewp_name)
    # [{"side": "up"|"down", "predictor": ..., "value": ..., "contribution": ...}]
    drivers = models.JSONField(default=list, blank=True)
    model = models.CharField(max_length=200, blank=True)
    source_file = models.CharField(max_length=500, blank=True)
    sha256 = models.CharField(max_length=64, blank=True)
    imported_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-year", "-probability", "country"]
        constraints = [models.UniqueConstraint(fields=["country", "year", "model"],
                                               name="one_forecast_per_country_year_model")]
        verbose_name = _("forecast")

    def __str__(self):
        return f"{self.country} {self.year}: {self.probability:.3f}"
