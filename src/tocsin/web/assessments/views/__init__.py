"""The assessment pages, one module per concept:

- ``home``: the list of assessments, a new one from a framework, an imported file;
- ``overview``: an assessment's page, its score panel, its gaps;
- ``rating``: the rating pages and the rating of one item;
- ``evidence``: evidence added to a rating, its file, its removal;
- ``members``: the assessors and contributors, invitations, linked accounts;
- ``workflow``: the status steps (review, sign-off), a revision, deleting a draft;
- ``files``: the assessment file, its signed versions, its reports.

Who may do what is ``tocsin.web.policy``'s; ``common`` holds what the pages share.
"""
