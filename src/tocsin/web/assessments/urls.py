from django.urls import path

from tocsin.web.assessments import views

app_name = "assessments"
urlpatterns = [
    path("", views.home, name="home"),
    path("assessments/new/", views.new, name="new"),
    path("assessments/import/", views.import_file, name="import"),
    path("assessments/<int:pk>/", views.detail, name="detail"),
    path("assessments/<int:pk>/scores/", views.scores, name="scores"),
    path("assessments/<int:pk>/gaps/", views.gaps, name="gaps"),
    path("assessments/<int:pk>/rate/", views.rate, name="rate"),
    path("assessments/<int:pk>/rate/<str:section>/", views.rate, name="rate_section"),
    path("assessments/<int:pk>/items/<str:kind>/<str:item_id>/rating/", views.rate_item,
         name="rate_item"),
    path("assessments/<int:pk>/items/<str:kind>/<str:item_id>/evidence/", views.add_evidence,
         name="add_evidence"),
    path("assessments/<int:pk>/members/", views.members, name="members"),
    path("assessments/<int:pk>/status/", views.status, name="status"),
    path("assessments/<int:pk>/revise/", views.revise, name="revise"),
    path("assessments/<int:pk>/delete/", views.delete, name="delete"),
    path("assessments/<int:pk>/export.yaml", views.export, name="export"),
    path("assessments/<int:pk>/versions/<int:number>.yaml", views.version_file, name="version"),
    path("assessments/<int:pk>/report.<str:fmt>", views.report, name="report"),
    path("evidence/<int:pk>/file/", views.evidence_file, name="evidence_file"),
    path("evidence/<int:pk>/delete/", views.evidence_delete, name="evidence_delete"),
]
