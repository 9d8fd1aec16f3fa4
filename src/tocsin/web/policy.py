"""Who may do what. Every view and every API operation asks here; nothing else decides
access.

- administrator (site): accounts, roles, invitations, the audit log; reads
  assessments but never sensitive evidence.
- focal point (a country): owns that country's assessments: creates, imports,
  invites, reviews, signs off, exports, sees sensitive evidence; acts on the
  country's alerts and records its progress on the recommendations.
- assessor (an assessment): rates and adds evidence while it is a draft.
- contributor (an assessment): adds evidence and comments, no levels.
- viewer (a country): reads assessments and reports, no sensitive evidence.

Alerts, forecasts, the watch list and the tracker come from public data: any
signed-in user reads them. Acting on an alert (acknowledge, escalate, dismiss,
close, assign) is for administrators and the focal points of its country;
commenting also for anyone with a role in that country (viewer, or member of one
of its assessments); using it as evidence is for members of a draft assessment of
that country, into their own entry.

The full matrix is in docs/site.md and is enforced by tests/web/test_authz.py (the
assessment pages) and tests/web/test_authz_watch.py with tests/web/api/test_authz.py
(the countries, alerts and tracker pages, and the API).

Sensitive evidence is visible to the assessment's owners (the country's focal
points) and to the person who added it, and to nobody else.
"""

from __future__ import annotations

from tocsin.assessment import workflow
from tocsin.web.accounts.models import CountryRole, Invitation

# --- people and their roles --------------------------------------------------------------


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


def has_role_in(user, country: str) -> bool:
    """Any role in the country: a country role, or membership of one of its assessments."""
    if not user.is_authenticated:
        return False
    return (CountryRole.objects.filter(user=user, country=country).exists()
            or user.assessor_entries.filter(assessment__country=country).exists())


def roles_of(user) -> list[str]:
    """The user's roles, for display (``administrator``, ``focal_point``, ...)."""
    if not user.is_authenticated:
        return []
    roles = ["administrator"] if is_admin(user) else []
    roles += sorted(set(CountryRole.objects.filter(user=user).values_list("role", flat=True)))
    roles += sorted(set(user.assessor_entries.values_list("role", flat=True)))
    return roles


def can_manage_people(user) -> bool:
    """May list accounts, grant and remove country roles, (de)activate accounts."""
    return is_admin(user)


def invitable_roles(user) -> list[str]:
    """The roles the user may invite people to from the invitations page (assessors and
    contributors are invited from an assessment's members page)."""
    if is_admin(user):
        return ["administrator", "focal_point", "viewer"]
    if is_focal_point(user):
        return ["viewer"]
    return []


def can_invite(user, role: str, country: str) -> bool:
    """May invite someone as ``role`` (for ``country``): administrators any role they may
    invite; focal points viewers of their own countries only."""
    if role not in invitable_roles(user):
        return False
    return is_admin(user) or country in countries(user, "focal_point")


def visible_invitations(user):
    """The invitations the user sees on the invitations page: all of them for
    administrators, else those they sent."""
    if is_admin(user):
        return Invitation.objects.all()
    return Invitation.objects.filter(invited_by=user) if user.is_authenticated else \
        Invitation.objects.none()


def may_use_two_factor(user) -> bool:
    return is_admin(user) or is_focal_point(user)


def two_factor_due(user, session: bool = True) -> str | None:
    """Where two-factor is required (``settings.TWO_FACTOR_REQUIRED``, on in production),
    what an administrator or focal point must do before anything else: ``"set_up"`` an
    authenticator if they have none confirmed, ``"verify"`` (log in with a code) if this
    session has not used it (``session``: the request has a session; an API token has
    none, and its owner need only have set it up); None if nothing."""
    from django.conf import settings

    if not settings.TWO_FACTOR_REQUIRED or not user.is_authenticated:
        return None
    if not may_use_two_factor(user):
        return None
    from django_otp import user_has_device

    if not user_has_device(user, confirmed=True):
        return "set_up"
    if session and not (getattr(user, "is_verified", None) and user.is_verified()):
        return "verify"
    return None


def can_read_audit_log(user) -> bool:
    return is_admin(user)


# --- assessments ---------------------------------------------------------------------------


def countries_to_assess(user) -> set[str]:
    """The countries for which the user may create or import assessments."""
    return countries(user, "focal_point")


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


# --- an assessment's members ------------------------------------------------------------
# An assessor entry is a seat in the file (a name, an affiliation). Linking an account to
# it lets that account rate in its name. Civil society's entries are rated independently
# of the government (the divergence analysis compares the two): a focal point of the
# country is never linked to one. An entry already linked to a person is re-linked to
# someone else by an administrator only (audited, with a notice); the person it is taken
# from keeps the evidence they added (``can_see_evidence``).

CIVIL_SOCIETY = "civil-society"


def can_link_members(user, assessment) -> bool:
    """May use the members page's "link an account" form: the owners, and the
    administrators (to re-link an entry that is already someone's)."""
    return bool(assessment.status != workflow.SIGNED
                and (is_owner(user, assessment) or is_admin(user)))


def can_invite_members(user, assessment) -> bool:
    return bool(assessment.status != workflow.SIGNED and is_owner(user, assessment))


def link_refusal(user, assessment, entry, person) -> str | None:
    """Why ``user`` may not link the account ``person`` to ``entry`` of ``assessment``
    (a sentence for the form), or None if they may."""
    from django.utils.translation import gettext as _

    if not can_link_members(user, assessment):
        return _("You may not change this assessment's members.")
    if entry.affiliation == CIVIL_SOCIETY and is_focal_point(person, assessment.country):
        return _("A focal point of the country cannot rate as civil society: civil "
                 "society's ratings are independent of the government's.")
    # What nobody may do before what only an administrator may.
    if assessment.assessors.filter(user=person).exclude(pk=entry.pk).exists():
        return _("That account already rates this assessment as another assessor.")
    if entry.user_id is not None and entry.user_id != person.pk and not is_admin(user):
        return _("This assessor is already linked to another account; only an administrator "
                 "can link someone else in their place.")
    return None


def can_rate(user, assessment, entry=None) -> bool:
    """May set levels: an assessor on their own entry, while the assessment is a draft."""
    entry = entry or entry_for(user, assessment)
    return bool(assessment.editable and entry is not None and entry.user_id == user.pk
                and entry.role == "assessor")


def can_contribute(user, assessment, entry=None) -> bool:
    """May add evidence and comments on their own entry while it is a draft."""
    entry = entry or entry_for(user, assessment)
    return bool(assessment.editable and entry is not None and entry.user_id == user.pk)


def can_see_all_evidence(user, assessment) -> bool:
    """May see every piece of evidence of the assessment, sensitive included (in its
    pages, its file and its reports): its owners."""
    return is_owner(user, assessment)


def can_see_evidence(user, evidence) -> bool:
    """The assessment's readers see its evidence (sensitive: as ``sees_evidence``); the
    person who added a piece always sees it, even after they left the assessment (their
    entry was given to someone else)."""
    if user.is_authenticated and user.is_active and evidence.added_by_id == user.pk:
        return True
    a = evidence.assessment
    if not can_view(user, a):
        return False
    return sees_evidence(user, evidence, can_see_all_evidence(user, a))


def own_evidence(user):
    """The evidence the user added, in every assessment (they may see all of it)."""
    from tocsin.web.assessments.models import Evidence

    if not user.is_authenticated or not user.is_active:
        return Evidence.objects.none()
    return Evidence.objects.filter(added_by=user)


def sees_evidence(user, evidence, sees_all: bool) -> bool:
    """``can_see_evidence`` for a reader of the assessment already checked, with
    ``sees_all`` its ``can_see_all_evidence``: asked once, not for every row."""
    if not evidence.sensitive or sees_all:
        return True
    return bool(user.is_authenticated and evidence.added_by_id == user.pk)


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


# --- alerts --------------------------------------------------------------------------------


def can_act_on_alert(user, alert) -> bool:
    """May acknowledge, escalate, dismiss, close and assign the alert."""
    return is_admin(user) or is_focal_point(user, alert.country)


def can_comment_on_alert(user, alert) -> bool:
    return can_act_on_alert(user, alert) or has_role_in(user, alert.country)


def alert_evidence_targets(user, alert) -> list:
    """The draft assessments of the alert's country into which the user may add the
    alert as evidence (into their own entry)."""
    from tocsin.web.assessments.models import Assessment

    if not user.is_authenticated:
        return []
    qs = Assessment.objects.filter(country=alert.country, status=workflow.EDITABLE,
                                   assessors__user=user).distinct()
    return [a for a in qs if can_contribute(user, a)]


def can_use_as_evidence(user, alert, assessment) -> bool:
    return assessment is not None and assessment in alert_evidence_targets(user, alert)


def alert_assignees(alert):
    """The people an alert may be assigned to: active accounts with a role in its country,
    and the administrators."""
    from django.contrib.auth import get_user_model
    from django.db.models import Q

    return (get_user_model().objects.filter(is_active=True)
            .filter(Q(is_superuser=True) | Q(country_roles__country=alert.country)
                    | Q(assessor_entries__assessment__country=alert.country))
            .distinct().order_by("username"))


# --- the recommendations tracker -------------------------------------------------------------


def can_edit_tracker(user, country: str) -> bool:
    """May record the country's progress on the recommendations."""
    return is_admin(user) or is_focal_point(user, country)
