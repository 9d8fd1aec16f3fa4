"""Alerts of the early-warning area and their lifecycle, in the site's database.

Detection is plain Python (``tocsin.warning``); this app only stores what it found
and what people did with it. The command line reaches it through
``tocsin.warning.lifecycle``, the same code the site uses. Pages are issue 8's.
"""
