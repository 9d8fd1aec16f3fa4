"""Alerts of the early-warning strand in the site's database, and what people do with
them: their lifecycle, the inbox, assignments and comments, alerts used as evidence,
subscriptions and deliveries.

Detection is plain Python (``tocsin.warning``); this app stores what it found
(``store``: the one code path for the command line, the site and a scheduler),
sends it (``delivery``), and shows it (``views``). The rules of an alert's life are
the warning strand's (``tocsin.warning.lifecycle``); who may act on an alert is
``tocsin.web.policy``'s.
"""
