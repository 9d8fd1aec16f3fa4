from django.urls import path

from tocsin.web.assessments.views import (
    evidence,
    files,
    home,
    members,
    overview,
    rating,
    workflow,
)

app_name = "assessments"
urlpatterns = [
    path("", home.home, name="home"),
    path("assessments/new/", home.new, name="new"),
    path("assessments/import/", home.import_file, name="import"),
    path("assessments/<int:pk>/", overview.detail, name="detail"),
    path("assessments/<int:pk>/scores/", overview.scores, name="scores"),
    path("assessments/<int:pk>/gaps/", overview.gaps, name="gaps"),
    path("assessments/<int:pk>/rate/", rating.rate, name="rate"),
    path("assessments/<int:pk>/rate/<str:section>/", rating.rate, name="rate_section"),
    path("assessments/<int:pk>/items/<str:kind>/<str:item_id>/rating/", rating.rate_item,
         name="rate_item"),
    path("assessments/<int:pk>/items/<str:kind>/<str:item_id>/evidence/",
         evidence.add_evidence, name="add_evidence"),
    path("assessments/<int:pk>/members/", members.members, name="members"),
    path("assessments/<int:pk>/status/", workflow.status, name="status"),
    path("assessments/<int:pk>/revise/", workflow.revise, name="revise"),
    path("assessments/<int:pk>/delete/", workflow.delete, name="delete"),
    path("assessments/<int:pk>/export.yaml", files.export, name="export"),
    path("assessments/<int:pk>/versions/<int:number>.yaml", files.version_file,
         name="version"),
    path("assessments/<int:pk>/report.<str:fmt>", files.report, name="report"),
    path("evidence/<int:pk>/file/", evidence.evidence_file, name="evidence_file"),
    path("evidence/<int:pk>/delete/", evidence.evidence_delete, name="evidence_delete"),
]
