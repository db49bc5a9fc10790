"""Roles and the named permissions they carry.

Views and services ask for permissions (`"locations.manage"`), never for role names: this module is the one
place that knows which role may do what, and which kind of organisation each role belongs to.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _


class OrganisationKind(models.TextChoices):
    LIBRARY = "library", _("Library")
    MUNICIPALITY = "municipality", _("Municipality")
    PARTNER = "partner", _("Partner organisation")
    NATIONAL = "national", _("National body")


class Role(models.TextChoices):
    DESK = "desk", _("Desk staff or volunteer")
    COORDINATOR = "coordinator", _("Library coordinator")
    PARTNER_STAFF = "partner_staff", _("Partner staff")
    MUNICIPAL_OFFICER = "municipal_officer", _("Municipal officer")
    NATIONAL_ADMIN = "national_admin", _("National administrator")


# Which kind of organisation a role can be held in.
ROLE_ORGANISATION_KIND: dict[str, str] = {
    Role.DESK: OrganisationKind.LIBRARY,
    Role.COORDINATOR: OrganisationKind.LIBRARY,
    Role.PARTNER_STAFF: OrganisationKind.PARTNER,
    Role.MUNICIPAL_OFFICER: OrganisationKind.MUNICIPALITY,
    Role.NATIONAL_ADMIN: OrganisationKind.NATIONAL,
}

# Permissions. "*.view" means: in the organisation's scope (see the selectors); "*.view_all" lifts the scope.
ROLE_PERMISSIONS: dict[str, frozenset[str]] = {
    Role.DESK: frozenset(
        {
            "home.desk",
            "locations.view",
            "registrations.create",
            "registrations.view",
            "appointments.book",
            "appointments.view",
            "referrals.create",
            "referrals.view",
            "network.view",
            "courses.view",
            "courses.enrol",
            "courses.mark",
        }
    ),
    Role.COORDINATOR: frozenset(
        {
            "home.coordinator",
            "locations.view",
            "registrations.create",
            "registrations.view",
            "registrations.view_library",
            "registrations.correct",
            "registrations.overview",
            "registrations.import",
            "registrations.settings",
            "appointments.book",
            "appointments.view",
            "appointments.manage_hours",
            "appointments.mark",
            "appointments.host",
            "referrals.create",
            "referrals.view",
            "referrals.subject_requests",
            "referrals.figures",
            "network.view",
            "network.manage_agreements",
            "courses.view",
            "courses.enrol",
            "courses.manage",
            "courses.mark",
            "courses.figures",
            "funding.view",
            "locations.manage",
            "members.view",
            "members.manage",
            "audit.view",
            "api_tokens.manage",
        }
    ),
    # Partner staff add their own consultation hours only where a host library agreed (appointments.selectors).
    # Partner staff answer the referrals addressed to their organisation and refer citizens to the IDO.
    Role.PARTNER_STAFF: frozenset(
        {
            "home.partner",
            "appointments.view",
            "appointments.mark",
            "appointments.manage_hours",
            "referrals.view",
            "referrals.respond",
            "referrals.create",
            "referrals.subject_requests",
            "network.view",
            "network.manage_services",
            "courses.view",
            "courses.manage",
            "courses.mark",
        }
    ),
    # The municipality directs the network: it sees the agreements on its territory and refers to the IDO.
    Role.MUNICIPAL_OFFICER: frozenset(
        {
            "home.municipality",
            "locations.view",
            "municipalities.view",
            "network.view",
            "referrals.create",
            "referrals.view",
            "referrals.figures",
            "referrals.subject_requests",
            "courses.view",
            "courses.figures",
            "funding.view",
            "funding.manage",
            "locations.coverage",
            "widget.manage",
        }
    ),
    Role.NATIONAL_ADMIN: frozenset(
        {
            "home.national",
            "locations.view",
            "locations.view_all",
            "locations.manage",
            "members.view",
            "members.view_all",
            "members.manage",
            "organisations.view_all",
            "organisations.manage",
            "vocabularies.manage",
            "municipalities.view",
            "municipalities.manage",
            "audit.view",
            "audit.view_all",
            "api_tokens.manage",
            "network.view",
            "network.view_all",
            "network.manage_services",
            "courses.view",
            "funding.allocations",
            "locations.coverage",
        }
    ),
}

# The roles a coordinator may hand out in their own library.
ROLES_MANAGED_BY_COORDINATOR = frozenset({Role.DESK, Role.COORDINATOR})

# The first screen of each role (a URL name).
ROLE_HOME: dict[str, str] = {
    Role.DESK: "registrations:new",
    Role.COORDINATOR: "dashboard:coordinator",
    Role.PARTNER_STAFF: "dashboard:partner",
    Role.MUNICIPAL_OFFICER: "dashboard:municipality",
    Role.NATIONAL_ADMIN: "dashboard:national",
}


def permissions_for(role: str) -> frozenset[str]:
    return ROLE_PERMISSIONS.get(role, frozenset())


def role_fits_organisation(role: str, kind: str) -> bool:
    return ROLE_ORGANISATION_KIND.get(role) == kind


# What an organisation's API token may do, by the kind of organisation it belongs to. Tokens never carry a
# "*.manage" permission, whatever role the person who made the token holds. They read; a library's token also
# registers visits (desk or kiosk software sends them) and reads all of its library's registrations, and books
# and cancels appointments in consultation hours, as its desk does (it lists only what its library booked).
# Referrals: a partner's token reads its inbox and answers (accepts, declines, records what happened); a
# library's token reads the referrals addressed to it (expected visitors), but does not move them.
# Courses: every token reads the catalogue; a library's token enrols visitors, as its desk does.
API_TOKEN_PERMISSIONS: dict[str, frozenset[str]] = {
    OrganisationKind.LIBRARY: frozenset(
        {
            "locations.view",
            "municipalities.view",
            "registrations.create",
            "registrations.view_library",
            "appointments.book",
            "referrals.view",
            "courses.view",
            "courses.enrol",
        }
    ),
    OrganisationKind.MUNICIPALITY: frozenset({"locations.view", "municipalities.view", "courses.view"}),
    OrganisationKind.PARTNER: frozenset({"municipalities.view", "referrals.view", "referrals.respond", "courses.view"}),
    OrganisationKind.NATIONAL: frozenset(
        {"locations.view", "locations.view_all", "municipalities.view", "organisations.view_all"}
    ),
}


def api_token_permissions_for(kind: str) -> frozenset[str]:
    return API_TOKEN_PERMISSIONS.get(kind, frozenset())
