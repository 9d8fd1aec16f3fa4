from django.apps import AppConfig


class AssessmentsConfig(AppConfig):
    name = "tocsin.web.assessments"
    label = "assessments"
    verbose_name = "National assessments"
