from django.urls import path

from tocsin.web.alerts.views import actions, bulletin, inbox, silences, situations, subscription

app_name = "alerts"
urlpatterns = [
    path("", inbox.inbox, name="list"),
    path("alerts/", inbox.alerts, name="alerts"),
    path("subscription/", subscription.subscription, name="subscription"),
    path("<int:pk>/", inbox.detail, name="detail"),
    path("<int:pk>/status/", actions.status, name="status"),
    path("<int:pk>/assign/", actions.assign, name="assign"),
    path("<int:pk>/comment/", actions.comment, name="comment"),
    path("<int:pk>/evidence/", actions.use_as_evidence, name="evidence"),
    path("situations/<int:pk>/", situations.detail, name="situation"),
    path("situations/<int:pk>/status/", situations.status, name="situation_status"),
    path("situations/<int:pk>/owner/", situations.owner, name="situation_owner"),
    path("situations/<int:pk>/evidence/", situations.use_as_evidence,
         name="situation_evidence"),
    path("silences/", silences.silences, name="silences"),
    path("silences/<int:pk>/expire/", silences.expire, name="silence_expire"),
    path("bulletin/<str:iso3>/", bulletin.bulletin, name="bulletin"),
]
