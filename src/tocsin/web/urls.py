from django.urls import include, path

from tocsin.web.shell import views as shell

urlpatterns = [
    path("favicon.ico", shell.favicon, name="favicon"),
    path("accounts/", include("tocsin.web.accounts.urls")),
    path("audit/", include("tocsin.web.audit.urls")),
    path("countries/", include("tocsin.web.countries.urls")),
    path("inbox/", include("tocsin.web.alerts.urls")),
    path("tracker/", include("tocsin.web.tracker.urls")),
    path("api/", include("tocsin.web.api.urls")),
    path("monitoring/", include("tocsin.web.monitoring.urls")),
    # The language switch of the footer (Django's set_language view: POST, with CSRF).
    path("i18n/", include("django.conf.urls.i18n")),
    path("", include("tocsin.web.assessments.urls")),
]

handler400 = "tocsin.web.shell.views.bad_request"
handler403 = "tocsin.web.shell.views.forbidden"
handler404 = "tocsin.web.shell.views.not_found"
handler500 = "tocsin.web.shell.views.server_error"
