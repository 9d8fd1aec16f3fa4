from django.urls import include, path

urlpatterns = [
    path("accounts/", include("tocsin.web.accounts.urls")),
    path("audit/", include("tocsin.web.audit.urls")),
    path("", include("tocsin.web.workspace.urls")),
]

handler403 = "tocsin.web.workspace.views.forbidden"
handler404 = "tocsin.web.workspace.views.not_found"
