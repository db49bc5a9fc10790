"""Writes for organisations and memberships: typed, atomic, audited."""

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.tokens import default_token_generator
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.mail import send_mail
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from django.utils.translation import gettext as _

from ido.core import audit
from ido.organisations.models import Membership, Municipality, MunicipalityPopulation, Organisation
from ido.organisations.municipality_import import MunicipalityRow
from ido.organisations.roles import (
    ROLE_ORGANISATION_KIND,
    ROLES_MANAGED_BY_COORDINATOR,
    OrganisationKind,
    Role,
    role_fits_organisation,
)

User = get_user_model()


def _check_served(kind: str, served: list[Municipality]) -> None:
    if kind == OrganisationKind.LIBRARY and not served:
        raise ValidationError({"served_municipalities": _("Choose at least one municipality this library serves.")})
    if kind != OrganisationKind.LIBRARY and served:
        raise ValidationError({"served_municipalities": _("Only a library serves municipalities.")})


def _check_name_free(kind: str, name: str, *, exclude_pk: int | None = None) -> None:
    same_name = Organisation.objects.filter(kind=kind, name__iexact=name)
    if exclude_pk is not None:
        same_name = same_name.exclude(pk=exclude_pk)
    if same_name.exists():
        raise ValidationError({"name": _("An organisation of this kind with this name already exists.")})


def _check_kind_fields(*, kind: str, municipality: Municipality | None, served: list[Municipality]) -> None:
    if kind == OrganisationKind.MUNICIPALITY and municipality is None:
        raise ValidationError({"municipality": _("Choose which municipality this organisation is.")})
    if kind != OrganisationKind.MUNICIPALITY and municipality is not None:
        raise ValidationError({"municipality": _("Only a municipality organisation is linked to a municipality.")})
    _check_served(kind, served)
    if municipality is not None:
        taken = Organisation.objects.filter(municipality=municipality)
        if taken.exists():
            raise ValidationError({"municipality": _("This municipality already has an organisation.")})


@transaction.atomic
def create_organisation(
    *,
    actor: Membership,
    kind: str,
    name: str,
    municipality: Municipality | None = None,
    served_municipalities: Iterable[Municipality] = (),
    is_national_partner: bool = False,
    email: str = "",
    phone: str = "",
    website: str = "",
) -> Organisation:
    if not actor.has_perm("organisations.manage"):
        raise PermissionDenied
    served = list(served_municipalities)
    _check_kind_fields(kind=kind, municipality=municipality, served=served)
    _check_name_free(kind, name)
    organisation = Organisation.objects.create(
        kind=kind,
        name=name,
        municipality=municipality,
        is_national_partner=is_national_partner and kind == OrganisationKind.PARTNER,
        email=email,
        phone=phone,
        website=website,
    )
    organisation.served_municipalities.set(served)
    audit.record(
        actor=actor.user,
        organisation=organisation,
        action="organisations.organisation.created",
        target=organisation,
        detail={"kind": kind, "served": [m.cbs_code for m in served]},
    )
    return organisation


@transaction.atomic
def update_organisation(
    *,
    actor: Membership,
    organisation: Organisation,
    name: str,
    served_municipalities: Iterable[Municipality] = (),
    is_national_partner: bool = False,
    email: str = "",
    phone: str = "",
    website: str = "",
    is_active: bool = True,
) -> Organisation:
    if not actor.has_perm("organisations.manage"):
        raise PermissionDenied
    served = list(served_municipalities)
    _check_served(organisation.kind, served)
    if not is_active and organisation.pk == actor.organisation.pk:
        raise ValidationError({"is_active": _("You cannot switch off the organisation you act for.")})
    if organisation.kind == OrganisationKind.LIBRARY:
        still_used = organisation.locations.exclude(municipality__in=served).values_list(
            "municipality__name", flat=True
        )
        if still_used:
            raise ValidationError(
                {
                    "served_municipalities": _("This library still has locations in %(names)s.")
                    % {"names": ", ".join(sorted(set(still_used)))}
                }
            )
    _check_name_free(organisation.kind, name, exclude_pk=organisation.pk)
    before = {"name": organisation.name, "is_active": organisation.is_active}
    organisation.name = name
    organisation.is_national_partner = is_national_partner and organisation.kind == OrganisationKind.PARTNER
    organisation.email, organisation.phone, organisation.website = email, phone, website
    organisation.is_active = is_active
    organisation.save()
    organisation.served_municipalities.set(served)
    audit.record(
        actor=actor.user,
        organisation=organisation,
        action="organisations.organisation.updated",
        target=organisation,
        detail={"before": before, "served": [m.cbs_code for m in served]},
    )
    return organisation


def _check_may_manage_members(actor: Membership, organisation: Organisation, role: str) -> None:
    if not actor.has_perm("members.manage"):
        raise PermissionDenied
    if actor.has_perm("members.view_all"):
        return
    if organisation.pk != actor.organisation.pk or role not in ROLES_MANAGED_BY_COORDINATOR:
        raise PermissionDenied


@transaction.atomic
def add_member(
    *,
    actor: Membership,
    organisation: Organisation,
    email: str,
    name: str,
    role: str,
    is_volunteer: bool = False,
    request=None,
    send_invitation: bool = True,
) -> Membership:
    """Give a person a role in an organisation. A new person gets an account and an e-mail to set a
    password."""
    _check_may_manage_members(actor, organisation, role)
    if not role_fits_organisation(role, organisation.kind):
        kind_label = OrganisationKind(ROLE_ORGANISATION_KIND[role]).label
        raise ValidationError(
            {"role": _("This role belongs in an organisation of kind: %(kind)s.") % {"kind": kind_label}}
        )
    email = email.strip().lower()
    existing = User.objects.filter(email__iexact=email).first()
    is_new_user = existing is None
    user = existing or User.objects.create_user(email=email, name=name.strip())
    # Any unended membership counts, also of a switched-off account: the unique constraint does too.
    if (
        not is_new_user
        and Membership.objects.filter(ended_at__isnull=True)
        .filter(user=user, organisation=organisation, role=role)
        .exists()
    ):
        raise ValidationError({"email": _("This person already has this role in this organisation.")})
    membership = Membership.objects.create(
        user=user, organisation=organisation, role=role, is_volunteer=is_volunteer and role == Role.DESK
    )
    audit.record(
        actor=actor.user,
        organisation=organisation,
        action="organisations.membership.created",
        target=membership,
        detail={"role": role, "new_user": is_new_user},
    )
    if send_invitation:
        if is_new_user:
            transaction.on_commit(lambda: send_welcome_email(user=user, request=request))
        else:
            transaction.on_commit(lambda: send_membership_notice(membership=membership))
    return membership


def send_welcome_email(*, user, request=None) -> None:
    """A new account has no password yet: the e-mail carries a one-time link to choose one."""
    base_url = request.build_absolute_uri("/") if request else settings.IDO_BASE_URL + "/"
    link = base_url.rstrip("/") + reverse(
        "accounts:password_reset_confirm",
        kwargs={
            "uidb64": urlsafe_base64_encode(force_bytes(user.pk)),
            "token": default_token_generator.make_token(user),
        },
    )
    context = {"user": user, "link": link}
    send_mail(
        subject=render_to_string("accounts/email/welcome_subject.txt", context).strip(),
        message=render_to_string("accounts/email/welcome.txt", context),
        from_email=None,
        recipient_list=[user.email],
    )


def send_membership_notice(*, membership: Membership) -> None:
    """Someone who already has an account hears that they were given a role, so nobody is added unseen."""
    context = {"membership": membership, "link": settings.IDO_BASE_URL + reverse("accounts:login")}
    send_mail(
        subject=render_to_string("accounts/email/membership_subject.txt", context).strip(),
        message=render_to_string("accounts/email/membership.txt", context),
        from_email=None,
        recipient_list=[membership.user.email],
    )


@transaction.atomic
def end_membership(*, actor: Membership, membership: Membership) -> Membership:
    _check_may_manage_members(actor, membership.organisation, membership.role)
    if membership.ended_at is not None:
        raise ValidationError(_("This membership has already ended."))
    if membership.pk == actor.pk:
        raise ValidationError(_("You cannot end your own membership."))
    membership.ended_at = timezone.now()
    membership.save(update_fields=["ended_at"])
    audit.record(
        actor=actor.user,
        organisation=membership.organisation,
        action="organisations.membership.ended",
        target=membership,
        detail={"role": membership.role},
    )
    return membership


# --- Municipality import (reference data from CBS) ---


@dataclass(frozen=True)
class MunicipalityChange:
    """What an import changed on one existing municipality: field name → (before, after)."""

    municipality: Municipality
    changes: dict[str, tuple[object, object]]


@dataclass(frozen=True)
class PopulationChange:
    municipality: Municipality
    year: int
    before: int | None  # None: a new figure
    after: int


@dataclass
class MunicipalityImportResult:
    created: list[Municipality] = field(default_factory=list)
    updated: list[MunicipalityChange] = field(default_factory=list)
    unchanged: list[Municipality] = field(default_factory=list)
    # Active municipalities that the file does not list: ended (with end_missing) or left alone.
    ended: list[Municipality] = field(default_factory=list)
    not_in_file: list[Municipality] = field(default_factory=list)
    # Listed in the file but ended in the database; the import leaves valid_until alone.
    listed_but_ended: list[Municipality] = field(default_factory=list)
    populations: list[PopulationChange] = field(default_factory=list)
    populations_unchanged: int = 0

    @property
    def changed_anything(self) -> bool:
        return bool(self.created or self.updated or self.ended or self.populations)


@transaction.atomic
def import_municipalities(
    *,
    rows: Iterable[MunicipalityRow],
    actor: Membership | None = None,
    end_missing: bool = False,
    today: date | None = None,
    source: str = "",
) -> MunicipalityImportResult:
    """Bring the municipalities in line with a checked CBS list (see `municipality_import`).

    Creates new municipalities and updates name, province and valid_from of existing ones. A row without
    valid_from leaves a known date alone. Population figures are stored per year. Active municipalities that
    the list lacks get valid_until = today when `end_missing` is set; otherwise they are only reported.
    Nothing is ever deleted. Records one audit event; `actor` (a Membership) is None when the system imports
    from the command line.
    """
    if actor is not None and not actor.has_perm("municipalities.manage"):
        raise PermissionDenied
    rows = list(rows)
    codes = [row.cbs_code for row in rows]
    if not rows:
        raise ValueError("an import needs at least one municipality")
    if len(set(codes)) != len(codes):
        raise ValueError("the rows list a CBS code more than once")
    today = today or timezone.localdate()
    result = MunicipalityImportResult()
    existing = {m.cbs_code: m for m in Municipality.objects.select_for_update()}
    populations = {
        (p.municipality_id, p.year): p for p in MunicipalityPopulation.objects.filter(municipality__cbs_code__in=codes)
    }

    for row in rows:
        municipality = existing.get(row.cbs_code)
        if municipality is None:
            municipality = Municipality.objects.create(
                cbs_code=row.cbs_code, name=row.name, province=row.province, valid_from=row.valid_from
            )
            result.created.append(municipality)
        else:
            wanted: dict[str, object] = {"name": row.name, "province": row.province}
            if row.valid_from is not None:
                wanted["valid_from"] = row.valid_from
            changes: dict[str, tuple[object, object]] = {
                name: (getattr(municipality, name), value)
                for name, value in wanted.items()
                if getattr(municipality, name) != value
            }
            if changes:
                for name, (_before, after) in changes.items():
                    setattr(municipality, name, after)
                municipality.save(update_fields=list(changes))
                result.updated.append(MunicipalityChange(municipality, changes))
            else:
                result.unchanged.append(municipality)
            if municipality.valid_until is not None:
                result.listed_but_ended.append(municipality)

        if row.inhabitants is not None and row.inhabitants_year is not None:
            figure = populations.get((municipality.pk, row.inhabitants_year))
            if figure is None:
                MunicipalityPopulation.objects.create(
                    municipality=municipality, year=row.inhabitants_year, inhabitants=row.inhabitants
                )
                result.populations.append(PopulationChange(municipality, row.inhabitants_year, None, row.inhabitants))
            elif figure.inhabitants != row.inhabitants:
                result.populations.append(
                    PopulationChange(municipality, row.inhabitants_year, figure.inhabitants, row.inhabitants)
                )
                figure.inhabitants = row.inhabitants
                figure.save(update_fields=["inhabitants"])
            else:
                result.populations_unchanged += 1

    listed = set(codes)
    for municipality in sorted(existing.values(), key=lambda m: m.cbs_code):
        if municipality.cbs_code in listed or municipality.valid_until is not None:
            continue
        if end_missing:
            municipality.valid_until = today
            municipality.save(update_fields=["valid_until"])
            result.ended.append(municipality)
        else:
            result.not_in_file.append(municipality)

    audit.record(
        actor=actor.user if actor is not None else None,
        organisation=actor.organisation if actor is not None else None,
        action="organisations.municipalities.imported",
        detail={
            "source": source,
            "created": [m.cbs_code for m in result.created],
            "updated": {c.municipality.cbs_code: sorted(c.changes) for c in result.updated},
            "unchanged": len(result.unchanged),
            "ended": [m.cbs_code for m in result.ended],
            "not_in_file": [m.cbs_code for m in result.not_in_file],
            "populations_changed": len(result.populations),
            "end_missing": end_missing,
        },
    )
    return result
