from django.urls import path

from tocsin.web.countries import views

app_name = "countries"
urlpatterns = [
    path("", views.watch_list, name="watch_list"),
    path("<str:iso3>/", views.country, name="country"),
]
