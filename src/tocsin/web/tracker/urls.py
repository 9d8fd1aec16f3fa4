from django.urls import path

from tocsin.web.tracker import views

app_name = "tracker"
urlpatterns = [
    path("", views.overview, name="overview"),
    path("<str:iso3>/", views.country, name="country"),
    path("<str:iso3>/row/", views.row, name="row"),
]
