"""Reads of the partner network (directory of partner services, referral agreements, white spots), scoped to the
one who asks (a Membership)."""

from dataclasses import dataclass
from datetime import date

from django.db.models import F, Prefetch, Q, QuerySet
from django.db.models.functions import Coalesce
from django.utils import timezone

from ido.locations.models import SPOKEN_LANGUAGES, Location
from ido.organisations.models import Municipality, Organisation
from ido.organisations.roles import OrganisationKind
from ido.referrals import network_rules
from ido.referrals.models import PartnerService, ReferralAgreement
from ido.registrations.models import Topic

TOPICS_WITH_MAIN = Prefetch("topics", queryset=Topic.objects.select_related("parent"))


def topics_in_use(on: date, *, keep=()) -> QuerySet[Topic]:
    """Topics not retired on `on`, each main topic followed by its subtopics; `keep`: topic ids to list anyway
    (those a record already has, so editing it does not drop them)."""
    in_use = Q(Q(retired_on__isnull=True) | Q(retired_on__gt=on)) & Q(
        Q(parent__isnull=True) | Q(parent__retired_on__isnull=True) | Q(parent__retired_on__gt=on)
    )
    return (
        Topic.objects.filter(in_use | Q(pk__in=list(keep)))
        .select_related("parent")
        .order_by(
            Coalesce("parent__sort_order", "sort_order"),
            Coalesce("parent__label_nl", "label_nl"),
            Coalesce("parent_id", "id"),
            F("parent_id").asc(nulls_first=True),
            "sort_order",
            "label_nl",
        )
    )


def topic_label(topic: Topic) -> str:
    """A subtopic with its main topic in front, so a list of both reads well."""
    return f"{topic.parent.label}: {topic.label}" if topic.parent is not None else topic.label


def language_labels(codes) -> list[str]:
    labels = dict(SPOKEN_LANGUAGES)
    return [str(labels.get(code, code)) for code in codes]


def active_partners() -> QuerySet[Organisation]:
    """Organisations a library can make a referral agreement with."""
    return Organisation.objects.filter(kind=OrganisationKind.PARTNER, is_active=True).order_by("name")


# Partner services (the directory)


def _services() -> QuerySet[PartnerService]:
    return PartnerService.objects.select_related("organisation").prefetch_related(TOPICS_WITH_MAIN, "municipalities")


def _managed_services(actor) -> Q:
    """The services the actor may change: partner staff those of their own organisation, a national
    administrator those of every partner organisation."""
    if not actor.has_perm("network.manage_services"):
        return Q(pk__in=[])
    if actor.has_perm("network.view_all"):
        return Q(organisation__kind=OrganisationKind.PARTNER)
    return Q(organisation=actor.organisation)


def partner_services_visible_to(actor) -> QuerySet[PartnerService]:
    """The directory: every active service of an active organisation, for everyone with `network.view`."""
    if not actor.has_perm("network.view"):
        return PartnerService.objects.none()
    return _services().filter(is_active=True).filter(organisation__is_active=True)


def partner_services_readable_by(actor) -> QuerySet[PartnerService]:
    """The directory, plus the actor's own services that are no longer active (so they can be switched back on)."""
    if not actor.has_perm("network.view"):
        return PartnerService.objects.none()
    in_directory = Q(is_active=True, organisation__is_active=True)
    return _services().filter(in_directory | _managed_services(actor))


def partner_services_manageable_by(actor) -> QuerySet[PartnerService]:
    if not actor.has_perm("network.manage_services"):
        return PartnerService.objects.none()
    return _services().filter(_managed_services(actor))


def service_organisations_for(actor) -> QuerySet[Organisation]:
    """For whom the actor may add a service: their own partner organisation, or (national) any active partner."""
    if not actor.has_perm("network.manage_services"):
        return Organisation.objects.none()
    if actor.has_perm("network.view_all"):
        return active_partners()
    return active_partners().filter(pk=actor.organisation.pk)


def filter_directory(
    services: QuerySet[PartnerService], *, topic: Topic | None = None, municipality: Municipality | None = None
) -> QuerySet[PartnerService]:
    """Narrow the directory to a topic (its main topic and subtopics count too) and to a municipality (services
    for the whole country count too). Subqueries, so a service matching twice is listed once."""
    if topic is not None:
        related = {topic.pk, *Topic.objects.filter(parent=topic).values_list("pk", flat=True)}
        if topic.parent_id is not None:
            related.add(topic.parent_id)
        through = PartnerService.topics.through.objects.filter(topic_id__in=related)
        services = services.filter(pk__in=through.values("partnerservice_id"))
    if municipality is not None:
        through = PartnerService.municipalities.through.objects.filter(municipality=municipality)
        services = services.filter(Q(nationwide=True) | Q(pk__in=through.values("partnerservice_id")))
    return services


# Referral agreements


def _agreements() -> QuerySet[ReferralAgreement]:
    return ReferralAgreement.objects.select_related("library", "location", "partner").prefetch_related(TOPICS_WITH_MAIN)


def on_territory_of(municipality_id: int) -> Q:
    """Agreements that apply in a municipality: those of a location there, and the library-wide agreements of the
    libraries serving it. A subquery, so an agreement of a library serving several municipalities is listed once."""
    serving = Organisation.objects.filter(served_municipalities=municipality_id).values("pk")
    return Q(location__municipality_id=municipality_id) | Q(location__isnull=True, library__in=serving)


def agreements_visible_to(actor) -> QuerySet[ReferralAgreement]:
    """A library sees its own agreements, a partner those it is party to, a municipality those on its territory,
    the national level all of them."""
    agreements = _agreements()
    if actor.has_perm("network.view_all"):
        return agreements
    if not actor.has_perm("network.view"):
        return agreements.none()
    organisation = actor.organisation
    if organisation.kind == OrganisationKind.LIBRARY:
        return agreements.filter(library=organisation)
    if organisation.kind == OrganisationKind.PARTNER:
        return agreements.filter(partner=organisation)
    if organisation.kind == OrganisationKind.MUNICIPALITY and organisation.municipality_id is not None:
        return agreements.filter(on_territory_of(organisation.municipality_id))
    return agreements.none()


def agreements_manageable_by(actor) -> QuerySet[ReferralAgreement]:
    """A library coordinator manages the agreements of their own library."""
    if not actor.has_perm("network.manage_agreements"):
        return ReferralAgreement.objects.none()
    return _agreements().filter(library=actor.organisation)


def agreement_locations_for(actor) -> QuerySet[Location]:
    """The locations an agreement of the actor's library can be limited to."""
    if not actor.has_perm("network.manage_agreements"):
        return Location.objects.none()
    return Location.objects.filter(library=actor.organisation).order_by("name")


def in_force(agreements: QuerySet[ReferralAgreement], on: date) -> QuerySet[ReferralAgreement]:
    """Agreements whose validity period includes `on` (both ends count)."""
    return agreements.filter(valid_from__lte=on).filter(Q(valid_until__isnull=True) | Q(valid_until__gte=on))


def valid_agreements(
    library: Organisation, topic: Topic, on: date | None = None, *, location: Location | None = None
) -> QuerySet[ReferralAgreement]:
    """The agreements of `library` in force on `on` (default today) with an active partner that cover `topic`: an
    agreement about a main topic covers its subtopics. With `location`: the library-wide agreements and those of
    that location; without: all of the library's agreements. For the desk's referral form."""
    on = on or timezone.localdate()
    covering = network_rules.covering_topic_ids(topic.pk, topic.parent_id)
    through = ReferralAgreement.topics.through.objects.filter(topic_id__in=covering)
    agreements = (
        in_force(_agreements(), on)
        .filter(library=library)
        .filter(partner__is_active=True)
        .filter(pk__in=through.values("referralagreement_id"))
    )
    if location is not None:
        agreements = agreements.filter(Q(location__isnull=True) | Q(location=location))
    return agreements.order_by("partner__name", "pk")


# White spots


@dataclass(frozen=True)
class TopicCoverage:
    """One row of a municipality's network overview: a topic and the partners with an agreement about it."""

    topic: Topic
    agreements: int
    partners: tuple[Organisation, ...]

    @property
    def is_white_spot(self) -> bool:
        return self.agreements == 0

    @property
    def is_subtopic(self) -> bool:
        return self.topic.parent_id is not None

    @property
    def label(self) -> str:
        return topic_label(self.topic)


def agreements_on_territory(municipality: Municipality, on: date) -> QuerySet[ReferralAgreement]:
    """The agreements in force on `on` that apply in the municipality, of active libraries with active partners."""
    return (
        in_force(_agreements(), on)
        .filter(on_territory_of(municipality.pk))
        .filter(library__is_active=True)
        .filter(partner__is_active=True)
        .order_by("partner__name", "library__name", "pk")
    )


def white_spots(municipality: Municipality, on: date | None = None) -> list[TopicCoverage]:
    """Every topic in use (main topics and subtopics) with the number of agreements in force that cover it in the
    municipality and their partners; topics without any partner (white spots) first, then in vocabulary order.
    Three queries (topics, agreements, their topics), however many there are."""
    on = on or timezone.localdate()
    topics = list(topics_in_use(on))
    agreements = list(agreements_on_territory(municipality, on))
    by_id = {agreement.pk: agreement for agreement in agreements}
    covered = network_rules.coverage(
        [network_rules.TopicRef(topic.pk, topic.parent_id) for topic in topics],
        [
            network_rules.AgreementRef(
                agreement.pk, agreement.partner_id, frozenset(topic.pk for topic in agreement.topics.all())
            )
            for agreement in agreements
        ],
    )
    rows = []
    for topic in topics:
        refs = covered[topic.pk]
        partners = {by_id[ref.id].partner_id: by_id[ref.id].partner for ref in refs}
        rows.append(
            TopicCoverage(
                topic=topic,
                agreements=len(refs),
                partners=tuple(sorted(partners.values(), key=lambda partner: partner.name)),
            )
        )
    # A stable sort: within each group the vocabulary order of `topics_in_use` stays.
    return sorted(rows, key=lambda row: not row.is_white_spot)


def overview_municipalities() -> QuerySet[Municipality]:
    """Municipalities with at least one active library serving them: those a network overview is about."""
    serving = Organisation.objects.filter(kind=OrganisationKind.LIBRARY, is_active=True)
    return Municipality.objects.filter(pk__in=serving.values("served_municipalities")).order_by("name")
