from django.urls import path

from tocsin.web.alerts.views import actions, inbox, subscription

app_name = "alerts"
urlpatterns = [
    path("", inbox.inbox, name="list"),
    path("subscription/", subscription.subscription, name="subscription"),
    path("<int:pk>/", inbox.detail, name="detail"),
    path("<int:pk>/status/", actions.status, name="status"),
    path("<int:pk>/assign/", actions.assign, name="assign"),
    path("<int:pk>/comment/", actions.comment, name="comment"),
    path("<int:pk>/evidence/", actions.use_as_evidence, name="evidence"),
]
