"""The Tocsin site: a Django project inside the package.

Settings come from the environment (see ``settings.py`` and docs/site.md); the
apps are ``accounts`` (people, roles, invitations, two-factor), ``workspace``
(assessments, ratings, evidence, sign-off) and ``audit`` (the append-only log).
Scoring and reports are the assessment library's; the site only stores state
and converts it to the library's model (``workspace/convert.py``).
"""
