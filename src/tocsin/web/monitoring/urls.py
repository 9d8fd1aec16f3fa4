from django.urls import path

from tocsin.web.monitoring import views

app_name = "monitoring"
urlpatterns = [
    path("", views.status, name="status"),
]
