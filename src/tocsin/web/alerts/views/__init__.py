"""The alerts pages, one module per concept:

- ``inbox``: the list of alerts (filtered) and one alert with its events;
- ``actions``: what people do with an alert: change its status, assign it, comment
  on it, use it as evidence in an assessment;
- ``subscription``: a person's own alert notifications.

Who may do what is ``tocsin.web.policy``'s (``can_act_on_alert``,
``can_comment_on_alert``, ``alert_evidence_targets``), asked by these pages and by
the API alike.
"""
