"""Writes of the partner network: partner services in the directory and referral agreements between a library
(or one of its IDO locations) and a partner. Typed, atomic, audited; bad input raises a ValidationError naming the
field and changes nothing."""

import re
from dataclasses import dataclass
from datetime import date
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.validators import URLValidator, validate_email
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from ido.core import audit
from ido.locations.models import SPOKEN_LANGUAGES, Location
from ido.organisations.models import Membership, Municipality, Organisation
from ido.organisations.roles import OrganisationKind
from ido.referrals import network_rules
from ido.referrals.models import DeliveryMethod, PartnerService, ReferralAgreement
from ido.registrations.models import Topic

PHONE_CHARACTERS = re.compile(r"^\+?[0-9 ()\-]+$")


@dataclass(frozen=True)
class PartnerServiceInput:
    name: str
    topics: tuple[Topic, ...] = ()
    municipalities: tuple[Municipality, ...] = ()
    nationwide: bool = False
    description: str = ""
    how_to_reach: str = ""
    phone: str = ""
    email: str = ""
    website: str = ""
    languages: tuple[str, ...] = ()


SERVICE_FIELDS = ("name", "description", "nationwide", "how_to_reach", "phone", "email", "website", "languages")


@dataclass(frozen=True)
class AgreementInput:
    partner: Organisation
    topics: tuple[Topic, ...]
    valid_from: date
    valid_until: date | None = None
    location: Location | None = None
    delivery: str = DeliveryMethod.PLATFORM
    response_days: int = 5
    contact_name: str = ""
    contact_email: str = ""
    contact_phone: str = ""
    notification_email: str = ""


AGREEMENT_FIELDS = (
    "partner",
    "location",
    "delivery",
    "response_days",
    "contact_name",
    "contact_email",
    "contact_phone",
    "notification_email",
    "valid_from",
    "valid_until",
)


# Shared checks


def _check_phone(field: str, value: str) -> str:
    value = value.strip()
    digits = sum(character.isdigit() for character in value)
    if value and (not PHONE_CHARACTERS.match(value) or not 3 <= digits <= 15):
        raise ValidationError({field: _("This is not a phone number. Use digits, spaces, + and - only.")})
    return value


def _check_email(field: str, value: str) -> str:
    value = value.strip()
    if value:
        try:
            validate_email(value)
        except ValidationError:
            raise ValidationError({field: _("This is not an e-mail address.")}) from None
    return value


def _check_website(value: str) -> str:
    value = value.strip()
    if value:
        try:
            URLValidator(schemes=["http", "https"])(value)
        except ValidationError:
            raise ValidationError(
                {
                    "website": _(
                        "This is not a web address. It starts with https://, for example https://www.example.nl."
                    )
                }
            ) from None
    return value


def _check_topics(topics, *, already: frozenset[int] = frozenset(), on: date) -> None:
    """Topics no longer in use cannot be added; ones the record already had may stay."""
    for topic in topics:
        if topic.pk not in already and topic.retired_on is not None and topic.retired_on <= on:
            raise ValidationError(
                {"topics": _("The topic “%(topic)s” is no longer in use. Choose another.") % {"topic": topic.label}}
            )


def _changes(before: dict[str, Any], after: dict[str, Any]) -> dict[str, list[str]]:
    return {name: [str(before[name]), str(value)] for name, value in after.items() if before[name] != value}


# Partner services


def _check_may_manage_service(actor: Membership, organisation: Organisation) -> None:
    """Partner staff manage their own organisation's services; a national administrator those of any partner."""
    if not actor.has_perm("network.manage_services"):
        raise PermissionDenied
    if not actor.has_perm("network.view_all") and organisation.pk != actor.organisation.pk:
        raise PermissionDenied


def _check_service(
    organisation: Organisation, data: PartnerServiceInput, *, pk: int | None = None, topics_before=frozenset()
) -> dict[str, Any]:
    if organisation.kind != OrganisationKind.PARTNER or not organisation.is_active:
        raise ValidationError({"organisation": _("Only an active partner organisation can have services here.")})
    name = data.name.strip()
    if not name:
        raise ValidationError({"name": _("Give the service a name.")})
    same_name = PartnerService.objects.filter(organisation=organisation, name__iexact=name)
    if pk is not None:
        same_name = same_name.exclude(pk=pk)
    if same_name.exists():
        raise ValidationError({"name": _("This organisation already has a service with this name.")})
    if not data.topics:
        raise ValidationError({"topics": _("Choose at least one topic, so the desk can find the service.")})
    _check_topics(data.topics, already=topics_before, on=timezone.localdate())
    if not data.nationwide and not data.municipalities:
        raise ValidationError(
            {"municipalities": _("Choose the municipalities where the service helps, or tick “Whole country”.")}
        )
    known_languages = {code for code, _label in SPOKEN_LANGUAGES}
    if any(code not in known_languages for code in data.languages):
        raise ValidationError({"languages": _("Choose the languages from the list.")})
    fields = {
        "name": name,
        "description": data.description.strip(),
        "nationwide": data.nationwide,
        "how_to_reach": data.how_to_reach.strip(),
        "phone": _check_phone("phone", data.phone),
        "email": _check_email("email", data.email),
        "website": _check_website(data.website),
        "languages": list(dict.fromkeys(data.languages)),
    }
    if not any(fields[name] for name in ("how_to_reach", "phone", "email", "website")):
        raise ValidationError(
            {
                "how_to_reach": _(
                    "Say how to reach the service: a phone number, e-mail address, website or a description."
                )
            }
        )
    return fields


def _service_detail(service: PartnerService) -> dict[str, Any]:
    return {
        "topics": sorted(topic.code for topic in service.topics.all()),
        "municipalities": sorted(municipality.cbs_code for municipality in service.municipalities.all()),
        "nationwide": service.nationwide,
    }


@transaction.atomic
def create_partner_service(
    *, actor: Membership, organisation: Organisation, data: PartnerServiceInput
) -> PartnerService:
    _check_may_manage_service(actor, organisation)
    fields = _check_service(organisation, data)
    service = PartnerService.objects.create(organisation=organisation, **fields)
    service.topics.set(data.topics)
    # A service for the whole country names no municipalities: the list would only get out of date.
    service.municipalities.set([] if data.nationwide else data.municipalities)
    audit.record(
        actor=actor.user,
        organisation=organisation,
        action="referrals.partner_service.created",
        target=service,
        detail=_service_detail(service),
    )
    return service


@transaction.atomic
def update_partner_service(*, actor: Membership, service: PartnerService, data: PartnerServiceInput) -> PartnerService:
    _check_may_manage_service(actor, service.organisation)
    topics_before = frozenset(service.topics.values_list("pk", flat=True))
    fields = _check_service(service.organisation, data, pk=service.pk, topics_before=topics_before)
    before = {name: getattr(service, name) for name in SERVICE_FIELDS}
    detail_before = _service_detail(service)
    for name, value in fields.items():
        setattr(service, name, value)
    service.save()
    service.topics.set(data.topics)
    service.municipalities.set([] if data.nationwide else data.municipalities)
    detail_after = _service_detail(service)
    changed = _changes(before, fields)
    changed |= {
        name: [", ".join(map(str, detail_before[name])), ", ".join(map(str, detail_after[name]))]
        for name in ("topics", "municipalities")
        if detail_before[name] != detail_after[name]
    }
    audit.record(
        actor=actor.user,
        organisation=service.organisation,
        action="referrals.partner_service.updated",
        target=service,
        detail={"changed": changed},
    )
    return service


@transaction.atomic
def deactivate_partner_service(*, actor: Membership, service: PartnerService) -> PartnerService:
    """Take a service out of the directory. It stays, so it can be switched on again."""
    _check_may_manage_service(actor, service.organisation)
    if not service.is_active:
        raise ValidationError({"is_active": _("This service is already out of the directory.")})
    service.is_active = False
    service.save(update_fields=["is_active"])
    audit.record(
        actor=actor.user,
        organisation=service.organisation,
        action="referrals.partner_service.deactivated",
        target=service,
    )
    return service


@transaction.atomic
def reactivate_partner_service(*, actor: Membership, service: PartnerService) -> PartnerService:
    _check_may_manage_service(actor, service.organisation)
    if service.is_active:
        raise ValidationError({"is_active": _("This service is already in the directory.")})
    if not service.organisation.is_active:
        raise ValidationError({"organisation": _("Only an active partner organisation can have services here.")})
    service.is_active = True
    service.save(update_fields=["is_active"])
    audit.record(
        actor=actor.user,
        organisation=service.organisation,
        action="referrals.partner_service.reactivated",
        target=service,
    )
    return service


# Referral agreements


def _check_may_manage_agreements(actor: Membership, library: Organisation) -> None:
    """The coordinator of the library makes its agreements."""
    if not actor.has_perm("network.manage_agreements") or library.pk != actor.organisation.pk:
        raise PermissionDenied


def _check_agreement(library: Organisation, data: AgreementInput, *, topics_before=frozenset()) -> dict[str, Any]:
    if library.kind != OrganisationKind.LIBRARY:
        raise ValidationError({"library": _("A referral agreement belongs to a library.")})
    if data.location is not None and data.location.library_id != library.pk:
        raise ValidationError({"location": _("Choose one of your library's locations, or none for all of them.")})
    partner = data.partner
    if partner is None or partner.kind != OrganisationKind.PARTNER or not partner.is_active:
        raise ValidationError({"partner": _("Choose an active partner organisation.")})
    if not data.topics:
        raise ValidationError({"topics": _("Choose at least one topic the partner takes referrals about.")})
    _check_topics(data.topics, already=topics_before, on=timezone.localdate())
    if data.delivery not in DeliveryMethod.values:
        raise ValidationError({"delivery": _("Choose how referrals reach the partner.")})
    if not 1 <= data.response_days <= network_rules.MAX_RESPONSE_DAYS:
        raise ValidationError(
            {
                "response_days": _("Give a number of working days from 1 to %(max)s.")
                % {"max": network_rules.MAX_RESPONSE_DAYS}
            }
        )
    if data.valid_until is not None and data.valid_until < data.valid_from:
        raise ValidationError({"valid_until": _("The end date cannot be before the start date.")})
    fields = {
        "partner": partner,
        "location": data.location,
        "delivery": data.delivery,
        "response_days": data.response_days,
        "contact_name": data.contact_name.strip(),
        "contact_email": _check_email("contact_email", data.contact_email),
        "contact_phone": _check_phone("contact_phone", data.contact_phone),
        "notification_email": _check_email("notification_email", data.notification_email),
        "valid_from": data.valid_from,
        "valid_until": data.valid_until,
    }
    if data.delivery == DeliveryMethod.EMAIL and not (fields["notification_email"] or fields["contact_email"]):
        raise ValidationError(
            {
                "notification_email": _(
                    "Referrals by e-mail need an address: fill in the shared mailbox or the contact's e-mail address."
                )
            }
        )
    if data.delivery == DeliveryMethod.PHONE and not fields["contact_phone"]:
        raise ValidationError({"contact_phone": _("Referrals by phone need the contact's phone number.")})
    return fields


def _agreement_detail(agreement: ReferralAgreement) -> dict[str, Any]:
    return {
        "partner": agreement.partner.name,
        "location": agreement.location.name if agreement.location else "",
        "topics": sorted(topic.code for topic in agreement.topics.all()),
        "delivery": agreement.delivery,
        "valid_from": agreement.valid_from.isoformat(),
        "valid_until": agreement.valid_until.isoformat() if agreement.valid_until else "",
    }


@transaction.atomic
def create_agreement(*, actor: Membership, library: Organisation, data: AgreementInput) -> ReferralAgreement:
    _check_may_manage_agreements(actor, library)
    fields = _check_agreement(library, data)
    agreement = ReferralAgreement.objects.create(library=library, **fields)
    agreement.topics.set(data.topics)
    audit.record(
        actor=actor.user,
        organisation=library,
        action="referrals.agreement.created",
        target=agreement,
        detail=_agreement_detail(agreement),
    )
    return agreement


@transaction.atomic
def update_agreement(*, actor: Membership, agreement: ReferralAgreement, data: AgreementInput) -> ReferralAgreement:
    _check_may_manage_agreements(actor, agreement.library)
    if data.partner.pk != agreement.partner_id and agreement.referrals.exists():
        # Its referrals were made with this partner: another partner needs an agreement of its own.
        raise ValidationError(
            {"partner": _("Referrals were made under this agreement: add a new agreement for another partner.")}
        )
    topics_before = frozenset(agreement.topics.values_list("pk", flat=True))
    fields = _check_agreement(agreement.library, data, topics_before=topics_before)
    before = {name: getattr(agreement, name) for name in AGREEMENT_FIELDS}
    topic_codes_before = sorted(topic.code for topic in agreement.topics.all())
    for name, value in fields.items():
        setattr(agreement, name, value)
    agreement.save()
    agreement.topics.set(data.topics)
    changed = _changes(before, fields)
    topic_codes_after = sorted(topic.code for topic in data.topics)
    if topic_codes_before != topic_codes_after:
        changed["topics"] = [", ".join(topic_codes_before), ", ".join(topic_codes_after)]
    audit.record(
        actor=actor.user,
        organisation=agreement.library,
        action="referrals.agreement.updated",
        target=agreement,
        detail={"changed": changed},
    )
    return agreement


@transaction.atomic
def end_agreement(*, actor: Membership, agreement: ReferralAgreement, today: date | None = None) -> ReferralAgreement:
    """The agreement is valid until today, and no longer after."""
    _check_may_manage_agreements(actor, agreement.library)
    today = today or timezone.localdate()
    if agreement.valid_until is not None and agreement.valid_until <= today:
        raise ValidationError({"valid_until": _("This agreement has already ended or ends today.")})
    if agreement.valid_from > today:
        raise ValidationError(
            {"valid_from": _("This agreement has not started yet. Change its dates instead of ending it.")}
        )
    before = agreement.valid_until
    agreement.valid_until = today
    agreement.save(update_fields=["valid_until"])
    audit.record(
        actor=actor.user,
        organisation=agreement.library,
        action="referrals.agreement.ended",
        target=agreement,
        detail={"valid_until": [before.isoformat() if before else "", today.isoformat()]},
    )
    return agreement
