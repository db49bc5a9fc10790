"""Reads for the referral endpoints of the API.

A token sees its organisation's inbox: the referrals addressed to it (a partner's referrals from the IDOs; a
library's expected visitors). The visitor's details are shown to the receiving organisation only, while they
exist; the views record every reading of them through `services.read_referral`.
"""

from django.db.models import Prefetch, QuerySet

from ido.referrals import rules, selectors, services
from ido.referrals.models import Referral, ReferralEvent


def referral_inbox(actor) -> QuerySet[Referral]:
    """The referrals addressed to the actor's organisation, newest first."""
    return selectors.inbox(actor).order_by("-created_at", "-id")


def with_timeline(referrals: QuerySet[Referral]) -> QuerySet[Referral]:
    return referrals.prefetch_related(
        Prefetch("events", queryset=ReferralEvent.objects.select_related("organisation").order_by("at", "id"))
    )


def shows_visitor(actor, referral: Referral) -> bool:
    """The visitor's details go to the organisation the referral is addressed to, and only until they are
    deleted (on schedule, on request, or when consent is withdrawn)."""
    return services.side_of(actor, referral) == rules.RECEIVER and referral.personal_data_deleted_at is None
