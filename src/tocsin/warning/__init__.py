"""Early warning: weekly signals from the event store, escalation detection, alert
rules as data, alerts tied to the framework's indicators, triggers and preventive
options, their lifecycle, notifications and the alert backtest.

Everything here except ``lifecycle`` (which stores alerts in the site's database)
is plain Python and never imports Django.
"""
