"""The API's operations, one router per resource: ``countries`` (and forecasts),
``alerts``, ``assessments``, ``events``, ``export``. They are put together, with the
authentication and the error handlers, in ``tocsin.web.api.api``."""
