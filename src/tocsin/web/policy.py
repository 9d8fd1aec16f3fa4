"""Who may do what. Every view asks here; nothing else decides access.

- administrator (site): accounts, roles, invitations, the audit log; reads
  assessments but never sensitive evidence.
- focal point (a country): owns that country's assessments: creates, imports,
  invites, reviews, signs off, exports, sees sensitive evidence.
- assessor (an assessment): rates and adds evidence while it is a draft.
- contributor (an assessment): adds evidence and comments, no levels.
- viewer (a country): reads assessments and reports, no sensitive evidence.

The full matrix is in docs/site.md and is enforced by tests/web/test_web_authz.py.

Sensitive evidence is visible to the assessment's owners (the country's focal
points) and to the person who added it, and to nobody else.
"""

from __future__ import annotations

from tocsin.web.accounts.models import CountryRole


def is_admin(user) -> bool:
    return bool(user.is_authenticated and user.is_active and user.is_superuser)


def countries(user, role: str) -> set[str]:
    if not user.is_authenticated:
        return set()
    return set(CountryRole.objects.filter(user=user, role=role).values_list("country", flat=True))


def is_focal_point(user, country: str | None = None) -> bool:
    if not user.is_authenticated:
        return False
    q = CountryRole.objects.filter(user=user, role="focal_point")
    if country is not None:
        q = q.filter(country=country)
    return q.exists()


def entry_for(user, assessment):
    """The user's own assessor entry in the assessment, if any."""
    if not user.is_authenticated:
        return None
    return assessment.assessors.filter(user=user).first()


def is_owner(user, assessment) -> bool:
    return is_focal_point(user, assessment.country)


def can_view(user, assessment) -> bool:
    if not user.is_authenticated or not user.is_active:
        return False
    if is_admin(user) or entry_for(user, assessment) is not None:
        return True
    return CountryRole.objects.filter(user=user, country=assessment.country).exists()


def can_manage(user, assessment) -> bool:
    return is_owner(user, assessment)


def can_rate(user, assessment, entry=None) -> bool:
    """May set levels: an assessor on their own entry, while the assessment is a draft."""
    entry = entry or entry_for(user, assessment)
    return bool(assessment.editable and entry is not None and entry.user_id == user.pk
                and entry.role == "assessor")


def can_contribute(user, assessment, entry=None) -> bool:
    """May add evidence and comments on their own entry while it is a draft."""
    entry = entry or entry_for(user, assessment)
    return bool(assessment.editable and entry is not None and entry.user_id == user.pk)


def can_see_evidence(user, evidence) -> bool:
    a = evidence.assessment
    if not can_view(user, a):
        return False
    if not evidence.sensitive:
        return True
    return is_owner(user, a) or (user.is_authenticated and evidence.added_by_id == user.pk)


def can_change_evidence(user, evidence) -> bool:
    a = evidence.assessment
    return bool(a.editable and user.is_authenticated
                and (evidence.rating.entry.user_id == user.pk or is_owner(user, a)))


def visible_assessments(user):
    from django.db.models import Q

    from tocsin.web.assessments.models import Assessment

    if not user.is_authenticated:
        return Assessment.objects.none()
    if is_admin(user):
        return Assessment.objects.all()
    ctry = CountryRole.objects.filter(user=user).values_list("country", flat=True)
    return Assessment.objects.filter(Q(country__in=ctry) | Q(assessors__user=user)).distinct()


def roles_of(user) -> list[str]:
    """The user's roles, for display (``administrator``, ``focal_point``, ...)."""
    if not user.is_authenticated:
        return []
    roles = ["administrator"] if is_admin(user) else []
    roles += sorted(set(CountryRole.objects.filter(user=user).values_list("role", flat=True)))
    roles += sorted(set(user.assessor_entries.values_list("role", flat=True)))
    return roles


def may_use_two_factor(user) -> bool:
    return is_admin(user) or is_focal_point(user)
