from django.urls import path

from tocsin.web.alerts import views

app_name = "alerts"
urlpatterns = [
    path("", views.inbox, name="list"),
    path("subscription/", views.subscription, name="subscription"),
    path("<int:pk>/", views.detail, name="detail"),
    path("<int:pk>/status/", views.status, name="status"),
    path("<int:pk>/assign/", views.assign, name="assign"),
    path("<int:pk>/comment/", views.comment, name="comment"),
    path("<int:pk>/evidence/", views.use_as_evidence, name="evidence"),
]
