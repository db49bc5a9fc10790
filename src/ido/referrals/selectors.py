"""Reads for referrals, scoped to the one who asks: only the sending and the receiving organisation see a
referral; the municipality and the coordinator see anonymous figures."""

from datetime import date, datetime, time, timedelta
from statistics import median
from typing import NamedTuple

from django.db.models import Count, Exists, OuterRef, Q, QuerySet
from django.utils import timezone

from ido.locations.models import Location, LocationStatus
from ido.organisations.models import Organisation, OrganisationKind
from ido.referrals import rules
from ido.referrals.models import Direction, Referral, ReferralAgreement, ReferralEvent, ReferralStatus
from ido.referrals.network_selectors import in_force, valid_agreements
from ido.registrations.models import Topic

# Statuses a referral only reaches after the receiver accepted it.
ACCEPTED_OR_LATER = (
    ReferralStatus.ACCEPTED,
    ReferralStatus.CONTACTED,
    ReferralStatus.APPOINTMENT_MADE,
    ReferralStatus.COMPLETED,
    ReferralStatus.NOT_REACHED,
)


def referrals_visible_to(actor) -> QuerySet[Referral]:
    if not actor.has_perm("referrals.view"):
        return Referral.objects.none()
    return Referral.objects.select_related(
        "sender", "receiver", "topic", "receiver_location", "session__course", "session__location"
    ).filter(Q(sender=actor.organisation) | Q(receiver=actor.organisation))


def inbox(actor) -> QuerySet[Referral]:
    """Referrals addressed to the actor's organisation: for a partner its referrals from IDOs; for a library the
    visitors other organisations referred to it (expected visitors)."""
    return referrals_visible_to(actor).filter(receiver=actor.organisation)


def sent(actor) -> QuerySet[Referral]:
    return referrals_visible_to(actor).filter(sender=actor.organisation)


def expected_visitors(actor) -> QuerySet[Referral]:
    """Citizens referred to the library's IDO locations who have not been dealt with yet."""
    return inbox(actor).filter(direction=Direction.TO_IDO).exclude(status__in=rules.CLOSED)


def is_overdue(referral: Referral, now: datetime | None = None) -> bool:
    return rules.is_overdue(
        status=referral.status,
        response_due_at=referral.response_due_at,
        first_reaction_at=referral.first_reaction_at,
        now=now or timezone.now(),
    )


def figures_scope(actor) -> QuerySet[Referral]:
    """The referrals to partners whose anonymous figures the actor sees: a library those it sent; a municipality
    those sent from IDO locations on its territory."""
    if not actor.has_perm("referrals.figures"):
        return Referral.objects.none()
    organisation = actor.organisation
    to_partners = Referral.objects.filter(direction=Direction.TO_PARTNER)
    if organisation.kind == OrganisationKind.MUNICIPALITY:
        return to_partners.filter(sender_location__municipality=organisation.municipality_id)
    return to_partners.filter(sender=organisation)


# Cells of fewer referrals than this are not shown to a municipality: a count of one can point at a person.
SMALL_NUMBER = 5


def figures(actor, start: date, end: date) -> dict:
    """Referrals by partner and topic, acceptance rate, time to first reaction and outcome. Only the anonymous
    skeleton is read, so the figures survive the deletion of personal data."""
    tz = timezone.get_current_timezone()
    since = datetime.combine(start, time.min, tzinfo=tz)
    until = datetime.combine(end + timedelta(days=1), time.min, tzinfo=tz)
    referrals = figures_scope(actor).filter(created_at__gte=since, created_at__lt=until)
    # Accepted once, also when withdrawn later: read from the timeline, not from the current status.
    referrals = referrals.annotate(
        was_accepted=Exists(ReferralEvent.objects.filter(referral=OuterRef("pk"), name="referrals.referral.accepted"))
    )
    by_receiver = list(
        referrals.values("receiver__name", "topic__label_nl", "topic__label_en")
        .annotate(
            total=Count("id"),
            accepted=Count("id", filter=Q(was_accepted=True)),
            declined=Count("id", filter=Q(status=ReferralStatus.DECLINED)),
            completed=Count("id", filter=Q(status=ReferralStatus.COMPLETED)),
        )
        .order_by("receiver__name", "topic__label_nl")
    )
    outcomes = dict(referrals.values_list("status").annotate(n=Count("id")).order_by())
    reactions = [
        (reacted - created).total_seconds() / 3600
        for created, reacted in referrals.filter(first_reaction_at__isnull=False).values_list(
            "created_at", "first_reaction_at"
        )
    ]
    accepted = referrals.filter(was_accepted=True).count()
    decided = accepted + outcomes.get(ReferralStatus.DECLINED, 0)
    suppress = actor.organisation.kind == OrganisationKind.MUNICIPALITY
    for row in by_receiver:
        row["suppressed"] = suppress and row["total"] < SMALL_NUMBER
    return {
        "total": sum(outcomes.values()),
        "by_receiver": by_receiver,
        "outcomes": outcomes,
        "acceptance_percent": round(100 * accepted / decided) if decided else None,
        "median_hours_to_reaction": round(median(reactions), 1) if reactions else None,
    }


class Choice(NamedTuple):
    """An organisation the actor can refer this topic to (and, into the IDO, the location)."""

    receiver: Organisation
    location: Location | None
    response_days: int | None
    delivery: str


def receivers_for(actor, *, topic: Topic) -> list[Choice]:
    """Where the actor can refer a visitor with this topic: a library to the partners it has an agreement with
    for the topic; a partner to the IDO locations of the libraries it has an agreement with; a municipality to
    the IDO locations of the libraries serving it."""
    if not actor.has_perm("referrals.create"):
        return []
    organisation = actor.organisation
    if organisation.kind == OrganisationKind.LIBRARY:
        choices: dict[int, Choice] = {}
        for agreement in valid_agreements(organisation, topic).select_related("partner").order_by("response_days"):
            if agreement.partner_id not in choices:
                delivery = agreement.get_delivery_display()
                choices[agreement.partner_id] = Choice(agreement.partner, None, agreement.response_days, delivery)
        return sorted(choices.values(), key=lambda choice: choice.receiver.name)
    if organisation.kind == OrganisationKind.MUNICIPALITY:
        libraries = Organisation.objects.filter(served_municipalities=organisation.municipality_id, is_active=True)
    else:
        in_force_now = in_force(ReferralAgreement.objects.filter(partner=organisation), timezone.localdate())
        libraries = Organisation.objects.filter(pk__in=in_force_now.values("library_id"), is_active=True)
    locations = (
        Location.objects.filter(library__in=libraries, status=LocationStatus.OPEN)
        .select_related("library")
        .order_by("library__name", "name")
    )
    return [Choice(location.library, location, None, "") for location in locations]
