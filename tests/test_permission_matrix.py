"""Every URL of the app × every role: who may open it, and that another organisation's object is a 404.

The test walks the URL configuration itself, so a new URL without a row here fails the suite until its
expected access is written down.
"""

from dataclasses import dataclass, field
from datetime import timedelta

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone

from ido.locations.models import OpeningException
from ido.organisations.roles import Role
from tests.conftest import login_verified
from tests.factories import (
    LibraryFactory,
    LocationFactory,
    MembershipFactory,
    MunicipalityFactory,
    MunicipalityOrganisationFactory,
    NationalBodyFactory,
    OrganisationFactory,
    VisitFactory,
)

ANON = "anonymous"
DESK, COORD, PARTNER, MUNI, NATIONAL = (
    Role.DESK.value,
    Role.COORDINATOR.value,
    Role.PARTNER_STAFF.value,
    Role.MUNICIPAL_OFFICER.value,
    Role.NATIONAL_ADMIN.value,
)
ROLES = [ANON, DESK, COORD, PARTNER, MUNI, NATIONAL]


def all_url_names(resolver=None, namespace=""):
    resolver = resolver or get_resolver()
    for pattern in resolver.url_patterns:
        if isinstance(pattern, URLResolver):
            inner = namespace + (f"{pattern.namespace}:" if pattern.namespace else "")
            yield from all_url_names(pattern, inner)
        elif isinstance(pattern, URLPattern) and pattern.name:
            yield namespace + pattern.name


@dataclass
class World:
    """Two libraries; the roles belong to library A's side of the region, library B is "someone else"."""

    municipality = None
    library_a = None
    library_b = None
    location_a = None
    location_b = None
    exception_a = None
    exception_b = None
    visit_a = None
    visit_b = None
    members: dict = field(default_factory=dict)
    other_membership = None


def build_world() -> World:
    w = World()
    w.municipality = MunicipalityFactory(cbs_code="GM0344", name="Utrecht")
    w.library_a = LibraryFactory(name="Bibliotheek A", served_municipalities=[w.municipality])
    w.library_b = LibraryFactory(name="Bibliotheek B")
    w.location_a = LocationFactory(library=w.library_a, municipality=w.municipality)
    w.location_b = LocationFactory(library=w.library_b)
    day = timezone.localdate() + timedelta(days=3)
    w.exception_a = OpeningException.objects.create(location=w.location_a, date=day, is_closed=True)
    w.exception_b = OpeningException.objects.create(location=w.location_b, date=day, is_closed=True)
    organisations = {
        DESK: w.library_a,
        COORD: w.library_a,
        PARTNER: OrganisationFactory(name="Partner"),
        MUNI: MunicipalityOrganisationFactory(municipality=w.municipality),
        NATIONAL: NationalBodyFactory(),
    }
    w.members = {role: MembershipFactory(role=role, organisation=org) for role, org in organisations.items()}
    w.other_membership = MembershipFactory(role=DESK, organisation=w.library_b)
    w.visit_a = VisitFactory(location=w.location_a, registered_by=w.members[DESK].user)
    w.visit_b = VisitFactory(location=w.location_b, registered_by=w.other_membership.user)
    return w


@pytest.fixture
def world(db):
    return build_world()


def allowed(*roles, status=200, others=403, anon=302):
    """Expected GET status per role: `status` for the listed roles, `others` for the rest."""
    return {role: (anon if role == ANON else status if role in roles else others) for role in ROLES}


def everyone(status, anon=None):
    return {role: (anon if role == ANON and anon is not None else status) for role in ROLES}


@dataclass
class Row:
    expect: dict
    kwargs: object = None  # function(world) -> kwargs for the own object
    foreign: object = None  # function(world) -> kwargs for another organisation's object
    method: str = "get"


# name -> Row. "foreign": the same URL with another organisation's object must answer 404 for every role that
# may open its own object, except roles that see everything (national administrator).
MATRIX = {
    "health": Row(everyone(200)),
    "set_language": Row(everyone(302), method="post"),
    "public:index": Row(everyone(200)),
    "public:open_data": Row(everyone(200)),
    "public:open_data_json": Row(everyone(200)),
    "public:open_data_csv": Row(everyone(200)),
    "public:open_data_ics": Row(everyone(200)),
    "public:open_data_schema": Row(everyone(200)),
    "public:location": Row(everyone(200), kwargs=lambda w: {"pk": w.location_a.pk}),
    "public:poster": Row(everyone(200), kwargs=lambda w: {"pk": w.location_a.pk}),
    "public:flyer": Row(everyone(200), kwargs=lambda w: {"pk": w.location_a.pk}),
    "public:widget": Row(everyone(200), kwargs=lambda w: {"cbs_code": w.municipality.cbs_code}),
    "widget:manage": Row(allowed(MUNI)),
    "widget:remove": Row(
        allowed(MUNI, status=302),
        kwargs=lambda w: {"pk": _embedding_site(w.municipality)},
        foreign=lambda w: {"pk": _embedding_site(MunicipalityFactory(cbs_code="GM0307", name="Amersfoort"))},
        method="post",
    ),
    "home": Row({ANON: 302, DESK: 302, COORD: 302, PARTNER: 302, MUNI: 302, NATIONAL: 302}),
    "accounts:login": Row(everyone(302, anon=200)),
    "accounts:logout": Row(everyone(302), method="post"),
    "accounts:verify": Row(everyone(302)),
    "accounts:setup": Row(everyone(200, anon=302)),
    "accounts:backup_codes": Row(everyone(200, anon=302)),
    "accounts:choose_organisation": Row(everyone(200, anon=302)),
    "accounts:account": Row(everyone(200, anon=302)),
    "accounts:password_change": Row(everyone(200, anon=302)),
    "accounts:password_reset": Row(everyone(200)),
    "accounts:password_reset_done": Row(everyone(200)),
    "accounts:password_reset_confirm": Row(everyone(200), kwargs=lambda w: {"uidb64": "MQ", "token": "bad-token"}),
    "accounts:password_reset_complete": Row(everyone(200)),
    "core:audit": Row(allowed(COORD, NATIONAL)),
    "dashboard:desk": Row(allowed(DESK)),
    "dashboard:coordinator": Row(allowed(COORD)),
    "dashboard:partner": Row(allowed(PARTNER)),
    "dashboard:municipality": Row(allowed(MUNI)),
    "dashboard:national": Row(allowed(NATIONAL)),
    "organisations:list": Row(allowed(NATIONAL)),
    "organisations:create": Row(allowed(NATIONAL)),
    "organisations:detail": Row(allowed(NATIONAL), kwargs=lambda w: {"pk": w.library_a.pk}),
    "organisations:edit": Row(allowed(NATIONAL), kwargs=lambda w: {"pk": w.library_a.pk}),
    "organisations:members": Row(allowed(COORD, NATIONAL)),
    "organisations:member_add": Row(allowed(COORD, NATIONAL)),
    "organisations:member_end": Row(
        allowed(COORD, NATIONAL),
        kwargs=lambda w: {"pk": w.members[DESK].pk},
        foreign=lambda w: {"pk": w.other_membership.pk},
    ),
    "organisations:municipalities": Row(allowed(MUNI, NATIONAL)),
    "organisations:municipality_import": Row(allowed(NATIONAL)),
    "organisations:municipality": Row(allowed(MUNI, NATIONAL), kwargs=lambda w: {"cbs_code": "GM0344"}),
    "registrations:new": Row(allowed(DESK, COORD)),
    "registrations:list": Row(allowed(DESK, COORD)),
    "registrations:repeat": Row(allowed(DESK, COORD, status=302), method="post"),
    "registrations:overview": Row(allowed(COORD)),
    "registrations:overview_csv": Row(allowed(COORD)),
    "registrations:overview_xlsx": Row(allowed(COORD)),
    "registrations:import": Row(allowed(COORD)),
    "registrations:import_template": Row(allowed(COORD)),
    # Before undo: the desk's undo within seconds deletes visit_a.
    "registrations:edit": Row(
        allowed(DESK, COORD), kwargs=lambda w: {"pk": w.visit_a.pk}, foreign=lambda w: {"pk": w.visit_b.pk}
    ),
    "registrations:undo": Row(
        {ANON: 302, DESK: 302, COORD: 302, PARTNER: 403, MUNI: 403, NATIONAL: 403},
        kwargs=lambda w: {"pk": w.visit_a.pk},
        foreign=lambda w: {"pk": w.visit_b.pk},
        method="post",
    ),
    "registrations:quick": Row(
        allowed(DESK, COORD, status=302), kwargs=lambda w: {"topic_pk": _favourite(w)}, method="post"
    ),
    "registrations:favourites": Row(allowed(DESK, COORD)),
    "registrations:settings": Row(allowed(COORD)),
    "registrations:vocabularies": Row(allowed(NATIONAL)),
    "registrations:kb_mapping": Row(allowed(NATIONAL)),
    "registrations:vocabulary": Row(allowed(NATIONAL), kwargs=lambda w: {"kind": "topics"}),
    "registrations:vocabulary_new": Row(allowed(NATIONAL), kwargs=lambda w: {"kind": "organisations"}),
    "registrations:vocabulary_edit": Row(allowed(NATIONAL), kwargs=lambda w: {"kind": "topics", "pk": _topic("digid")}),
    "registrations:vocabulary_retire": Row(
        allowed(NATIONAL, status=302), kwargs=lambda w: {"kind": "help", "pk": _help("not-helped")}, method="post"
    ),
    "registrations:vocabulary_reinstate": Row(
        allowed(NATIONAL, status=302), kwargs=lambda w: {"kind": "kb", "pk": _kb("kb-topic-other")}, method="post"
    ),
    "appointments:hours": Row(allowed(DESK, COORD, PARTNER)),
    "appointments:day": Row(allowed(DESK, COORD, PARTNER)),
    "appointments:free_slots": Row(allowed(DESK, COORD)),
    "appointments:mark": Row(
        {ANON: 302, DESK: 403, COORD: 302, PARTNER: 404, MUNI: 403, NATIONAL: 403},
        kwargs=lambda w: {"pk": _appointment(w.location_a)},
        foreign=lambda w: {"pk": _appointment(w.location_b)},
        method="post",
    ),
    # A partner adds its own hours only where a library agreed to host them (the form then offers those).
    "appointments:hour_new": Row(allowed(COORD, PARTNER)),
    "appointments:hosting": Row(allowed(COORD)),
    "appointments:hosting_end": Row(
        allowed(COORD, status=302),
        kwargs=lambda w: {"pk": _host_agreement(w.location_a)},
        foreign=lambda w: {"pk": _host_agreement(w.location_b)},
        method="post",
    ),
    "appointments:hour": Row(
        {ANON: 302, DESK: 200, COORD: 200, PARTNER: 404, MUNI: 403, NATIONAL: 403},  # not the partner's hour
        kwargs=lambda w: {"pk": _hour(w.location_a)},
        foreign=lambda w: {"pk": _hour(w.location_b)},
    ),
    # A warm referral books into any active hour of the region, also at another library (no foreign 404).
    "appointments:book": Row(allowed(DESK, COORD), kwargs=lambda w: {"pk": _hour(w.location_a)}),
    "appointments:hour_edit": Row(
        {**allowed(COORD), PARTNER: 404},  # the partner manages only its own hours
        kwargs=lambda w: {"pk": _hour(w.location_a)},
        foreign=lambda w: {"pk": _hour(w.location_b)},
    ),
    "appointments:hour_cancel_date": Row(
        {**allowed(COORD), PARTNER: 404},  # the partner manages only its own hours
        kwargs=lambda w: {"pk": _hour(w.location_a)},
        foreign=lambda w: {"pk": _hour(w.location_b)},
    ),
    "appointments:hour_cancel": Row(
        {**allowed(COORD), PARTNER: 404},  # the partner manages only its own hours
        kwargs=lambda w: {"pk": _hour(w.location_a)},
        foreign=lambda w: {"pk": _hour(w.location_b)},
    ),
    # The visitor's cancel link: the signed token is the key, no login.
    "booking:cancel": Row(everyone(200), kwargs=lambda w: {"token": _cancel_token(w.location_a)}),
    "booking:booked": Row(everyone(200), kwargs=lambda w: {"token": _cancel_token(w.location_a)}),
    "booking:calendar": Row(everyone(200), kwargs=lambda w: {"token": _cancel_token(w.location_a)}),
    "booking:card": Row(everyone(200), kwargs=lambda w: {"token": _cancel_token(w.location_a)}),
    # Citizens book themselves where the provider allows it.
    "booking:book": Row(everyone(200), kwargs=lambda w: {"pk": _public_hour(w.location_a)}),
    "appointments:appointment": Row(
        {ANON: 302, DESK: 200, COORD: 200, PARTNER: 404, MUNI: 403, NATIONAL: 403},
        kwargs=lambda w: {"pk": _appointment(w.location_a)},
        foreign=lambda w: {"pk": _appointment(w.location_b)},
    ),
    "appointments:card": Row(
        {ANON: 302, DESK: 200, COORD: 200, PARTNER: 404, MUNI: 403, NATIONAL: 403},
        kwargs=lambda w: {"pk": _appointment(w.location_a)},
        foreign=lambda w: {"pk": _appointment(w.location_b)},
    ),
    # Calendar feeds: a secret URL instead of a login, for calendar apps (no personal data in them).
    "calendars:hour": Row(everyone(200), kwargs=lambda w: {"token": _hour_token(w.location_a)}),
    "calendars:location": Row(everyone(200), kwargs=lambda w: {"token": _location_token(w.location_a)}),
    # Referrals: the sending library and the receiving partner see one; the municipality only figures.
    "referrals:list": Row(allowed(DESK, COORD, PARTNER, MUNI)),
    "referrals:new": Row(allowed(DESK, COORD, PARTNER, MUNI)),
    "referrals:form": Row(allowed(DESK, COORD, PARTNER, MUNI, status=404)),  # needs ?receiver=&topic=
    "referrals:consent_pdf": Row(allowed(DESK, COORD, PARTNER, MUNI, status=404)),  # needs ?receiver=
    "referrals:figures": Row(allowed(COORD, MUNI)),
    "referrals:detail": Row(
        {ANON: 302, DESK: 200, COORD: 200, PARTNER: 200, MUNI: 404, NATIONAL: 403},
        kwargs=lambda w: {"pk": _referral(w)},
        foreign=lambda w: {"pk": _foreign_referral(w)},
    ),
    "referrals:export": Row(
        {**allowed(COORD, PARTNER), MUNI: 404},  # the receiving partner answers requests too
        kwargs=lambda w: {"pk": _referral(w)},
        foreign=lambda w: {"pk": _foreign_referral(w)},
    ),
    "referrals:export_pdf": Row(
        {**allowed(COORD, PARTNER), MUNI: 404},  # the receiving partner answers requests too
        kwargs=lambda w: {"pk": _referral(w)},
        foreign=lambda w: {"pk": _foreign_referral(w)},
    ),
    "referrals:book": Row(
        {**allowed(DESK, COORD), MUNI: 403},  # the sender books in the receiver's hours; the receiver does not
        kwargs=lambda w: {"pk": _referral(w)},
        foreign=lambda w: {"pk": _foreign_referral(w)},
    ),
    "referrals:move": Row(
        {ANON: 302, DESK: 302, COORD: 302, PARTNER: 302, MUNI: 404, NATIONAL: 403},
        kwargs=lambda w: {"pk": _referral(w)},
        foreign=lambda w: {"pk": _foreign_referral(w)},
        method="post",
    ),
    "referrals:erase": Row(
        {**allowed(COORD, PARTNER, status=302), MUNI: 404},
        kwargs=lambda w: {"pk": _referral(w)},
        foreign=lambda w: {"pk": _foreign_referral(w)},
        method="post",
    ),
    "referrals:withdraw_consent": Row(
        {ANON: 302, DESK: 302, COORD: 302, PARTNER: 302, MUNI: 404, NATIONAL: 403},
        kwargs=lambda w: {"pk": _referral(w)},
        foreign=lambda w: {"pk": _foreign_referral(w)},
        method="post",
    ),
    # Funding: the municipality's year, spending and grants (anchor for rows: funding-officer)
    # The officer keeps its municipality's money; a library's coordinator reads the grants to its library; the
    # national administrator's overview links on. The matrix stores no files: the evidence of a line without one is
    # a 404 even for its officer (tests/funding/test_views.py downloads a stored file and checks another's is 404).
    "funding:home": Row(allowed(COORD, MUNI, NATIONAL)),
    "funding:year": Row(allowed(MUNI), kwargs=lambda w: {"year": 2026}),
    "funding:evidence": Row(
        allowed(MUNI, status=404),
        kwargs=lambda w: {"pk": __import__("tests.funding.test_views", fromlist=["_"]).matrix_line(w)},
    ),
    "funding:grants": Row(allowed(MUNI)),
    "funding:grant_new": Row(allowed(MUNI)),
    "funding:grant": Row(
        allowed(COORD, MUNI),
        kwargs=lambda w: {"pk": __import__("tests.funding.test_views", fromlist=["_"]).matrix_grant(w)},
        foreign=lambda w: {"pk": __import__("tests.funding.test_views", fromlist=["_"]).matrix_foreign_grant(w)},
    ),
    "funding:grant_edit": Row(
        allowed(MUNI),
        kwargs=lambda w: {"pk": __import__("tests.funding.test_views", fromlist=["_"]).matrix_grant(w)},
        foreign=lambda w: {"pk": __import__("tests.funding.test_views", fromlist=["_"]).matrix_foreign_grant(w)},
    ),
    # Funding: national schemes and allocations (anchor for rows: funding-national)
    # Schemes, all allocations and the annex import are the national administrator's: a municipal officer gets a
    # 403 there (it sees its own allocation on its year page). One allocation opens for the national administrator
    # (every municipality) and for the municipality's own officer (another municipality's: 404).
    "funding:allocations": Row(allowed(NATIONAL)),
    "funding:scheme_new": Row(allowed(NATIONAL)),
    "funding:scheme": Row(
        allowed(NATIONAL),
        kwargs=lambda w: {"year": __import__("tests.funding.test_national_views", fromlist=["_"]).matrix_scheme_year()},
    ),
    "funding:annex_import": Row(
        allowed(NATIONAL),
        kwargs=lambda w: {"year": __import__("tests.funding.test_national_views", fromlist=["_"]).matrix_scheme_year()},
    ),
    "funding:annex_template": Row(
        allowed(NATIONAL),
        kwargs=lambda w: {"year": __import__("tests.funding.test_national_views", fromlist=["_"]).matrix_scheme_year()},
    ),
    "funding:allocation": Row(
        allowed(MUNI, NATIONAL),
        kwargs=lambda w: {
            "year": __import__("tests.funding.test_national_views", fromlist=["_"]).matrix_scheme_year(),
            "cbs_code": w.municipality.cbs_code,
        },
        foreign=lambda w: {
            "year": __import__("tests.funding.test_national_views", fromlist=["_"]).matrix_scheme_year(),
            "cbs_code": __import__("tests.funding.test_national_views", fromlist=["_"]).matrix_foreign_municipality(),
        },
    ),
    # Funding: account exports and generated documents (anchor for rows: funding-documents)
    # The account holds spending details: only the municipality's own officer downloads it (national: 403). A grant's
    # documents are the granting municipality's; the library's coordinator reads those of decided grants to it.
    "funding:account_csv": Row(
        allowed(MUNI), kwargs=lambda w: __import__("tests.funding.test_documents", fromlist=["_"]).matrix_year(w)
    ),
    "funding:account_xlsx": Row(
        allowed(MUNI), kwargs=lambda w: __import__("tests.funding.test_documents", fromlist=["_"]).matrix_year(w)
    ),
    "funding:account_pdf": Row(
        allowed(MUNI), kwargs=lambda w: __import__("tests.funding.test_documents", fromlist=["_"]).matrix_year(w)
    ),
    "funding:templates": Row(allowed(MUNI)),
    "funding:grant_documents": Row(
        allowed(MUNI, COORD),
        kwargs=lambda w: {"pk": __import__("tests.funding.test_documents", fromlist=["_"]).matrix_document(w).grant_id},
        foreign=lambda w: {
            "pk": __import__("tests.funding.test_documents", fromlist=["_"]).matrix_foreign_document(w).grant_id
        },
    ),
    "funding:document_pdf": Row(
        allowed(MUNI, COORD),
        kwargs=lambda w: {"pk": __import__("tests.funding.test_documents", fromlist=["_"]).matrix_document(w).pk},
        foreign=lambda w: {
            "pk": __import__("tests.funding.test_documents", fromlist=["_"]).matrix_foreign_document(w).pk
        },
    ),
    # Courses: managing the catalogue and sessions (anchor for rows: courses-manage)
    # The catalogue and the dates and places of sessions are for every member (no foreign 404); a course and its
    # sessions are managed by their provider (a partner: only its own), attendance marked where they run.
    "courses:catalogue": Row(allowed(DESK, COORD, PARTNER, MUNI, NATIONAL)),
    "courses:course_new": Row(allowed(COORD, PARTNER)),
    "courses:course": Row(
        allowed(DESK, COORD, PARTNER, MUNI, NATIONAL), kwargs=lambda w: {"pk": _managed_course(w.library_a)}
    ),
    "courses:course_edit": Row(
        {**allowed(COORD), PARTNER: 404},
        kwargs=lambda w: {"pk": _managed_course(w.library_a)},
        foreign=lambda w: {"pk": _managed_course(w.library_b)},
    ),
    "courses:session_new": Row(
        {**allowed(COORD), PARTNER: 404},
        kwargs=lambda w: {"pk": _managed_course(w.library_a)},
        foreign=lambda w: {"pk": _managed_course(w.library_b)},
    ),
    "courses:session": Row(
        allowed(DESK, COORD, PARTNER, MUNI, NATIONAL), kwargs=lambda w: {"pk": _managed_session(w.location_a).pk}
    ),
    "courses:attendance": Row(
        {ANON: 302, DESK: 200, COORD: 200, PARTNER: 404, MUNI: 403, NATIONAL: 403},
        kwargs=lambda w: {"pk": _managed_meeting(w.location_a)},
        foreign=lambda w: {"pk": _managed_meeting(w.location_b)},
    ),
    "courses:reschedule": Row(
        {**allowed(COORD), PARTNER: 404},
        kwargs=lambda w: {"pk": _managed_meeting(w.location_a)},
        foreign=lambda w: {"pk": _managed_meeting(w.location_b)},
    ),
    # Courses: enrolling at the desk (anchor for rows: courses-desk)
    "courses:find": Row(allowed(DESK, COORD)),
    # The desk enrols into any session of the region's catalogue, also at another library (no foreign 404).
    "courses:enrol": Row(allowed(DESK, COORD), kwargs=lambda w: {"pk": _desk_course_session(w.location_a)}),
    # An enrolment is seen by the organisation that made it and the ones that give or host the session.
    "courses:enrolment": Row(
        {ANON: 302, DESK: 200, COORD: 200, PARTNER: 404, MUNI: 404, NATIONAL: 404},
        kwargs=lambda w: {"pk": _desk_enrolment(w.members[DESK], w.location_a)},
        foreign=lambda w: {"pk": _desk_enrolment(w.other_membership, w.location_b)},
    ),
    "courses:enrolment_cancel": Row(
        allowed(DESK, COORD, status=302),
        kwargs=lambda w: {"pk": _desk_enrolment(w.members[DESK], w.location_a)},
        foreign=lambda w: {"pk": _desk_enrolment(w.other_membership, w.location_b)},
        method="post",
    ),
    "courses:enrolment_accept": Row(
        allowed(DESK, COORD, status=302),
        kwargs=lambda w: {"pk": _desk_enrolment(w.members[DESK], w.location_a)},
        foreign=lambda w: {"pk": _desk_enrolment(w.other_membership, w.location_b)},
        method="post",
    ),
    "courses:enrolment_decline": Row(
        allowed(DESK, COORD, status=302),
        kwargs=lambda w: {"pk": _desk_enrolment(w.members[DESK], w.location_a)},
        foreign=lambda w: {"pk": _desk_enrolment(w.other_membership, w.location_b)},
        method="post",
    ),
    # Courses: documents and figures (anchor for rows: courses-documents)
    # The card and certificate of someone who completed a course at location A (made by tests/courses/test_documents):
    # for those who give or host the session and the organisation that enrolled them.
    "courses:card": Row(
        {ANON: 302, DESK: 200, COORD: 200, PARTNER: 404, MUNI: 404, NATIONAL: 404},
        kwargs=lambda w: {
            "pk": __import__("tests.courses.test_documents", fromlist=["_"]).completed_enrolment_at(w.location_a)
        },
        foreign=lambda w: {
            "pk": __import__("tests.courses.test_documents", fromlist=["_"]).completed_enrolment_at(w.location_b)
        },
    ),
    "courses:certificate": Row(
        {ANON: 302, DESK: 200, COORD: 200, PARTNER: 404, MUNI: 404, NATIONAL: 404},
        kwargs=lambda w: {
            "pk": __import__("tests.courses.test_documents", fromlist=["_"]).completed_enrolment_at(w.location_a)
        },
        foreign=lambda w: {
            "pk": __import__("tests.courses.test_documents", fromlist=["_"]).completed_enrolment_at(w.location_b)
        },
    ),
    "courses:figures": Row(allowed(COORD, MUNI)),
    # The catalogue and the sessions with free places are public; enrolments answer only to tokens.
    "api:course-list": Row(everyone(200)),
    "api:course-session-list": Row(everyone(200)),
    "api:enrolment-list": Row(everyone(401)),
    "api:enrolment-cancel": Row(everyone(401), kwargs=lambda w: {"id": 1}, method="post"),
    # Courses: the person's own pages by signed link (anchor for rows: courses-public)
    # The signed link is the key, no login; citizens enrol themselves where the course allows it.
    "course_links:enrolment": Row(
        everyone(200),
        kwargs=lambda w: {"token": __import__("tests.courses.test_public", fromlist=["_"]).matrix_link(w.location_a)},
    ),
    "course_links:enrol": Row(
        everyone(200),
        kwargs=lambda w: {
            "pk": __import__("tests.courses.test_public", fromlist=["_"]).matrix_public_session(w.location_a)
        },
    ),
    # Partner network: the directory is for everyone with a login; services are managed by their partner (and the
    # national administrator), agreements by the library's coordinator; the overview is the municipality's.
    "network:directory": Row(allowed(DESK, COORD, PARTNER, MUNI, NATIONAL)),
    "network:service": Row(
        allowed(DESK, COORD, PARTNER, MUNI, NATIONAL), kwargs=lambda w: {"pk": _partner_service(w, "Geldzaken")}
    ),
    "network:service_new": Row(allowed(PARTNER, NATIONAL)),
    "network:service_edit": Row(
        allowed(PARTNER, NATIONAL),
        kwargs=lambda w: {"pk": _partner_service(w, "Geldzaken")},
        foreign=lambda w: {"pk": _foreign_partner_service(w)},
    ),
    "network:service_deactivate": Row(
        allowed(PARTNER, NATIONAL, status=302),
        kwargs=lambda w: {"pk": _partner_service(w, "Oud spreekuur")},
        foreign=lambda w: {"pk": _foreign_partner_service(w)},
        method="post",
    ),
    "network:service_reactivate": Row(
        allowed(PARTNER, NATIONAL, status=302),
        kwargs=lambda w: {"pk": _partner_service(w, "Oud spreekuur")},
        foreign=lambda w: {"pk": _foreign_partner_service(w)},
        method="post",
    ),
    "network:agreements": Row(allowed(DESK, COORD, PARTNER, MUNI, NATIONAL)),
    "network:agreement_new": Row(allowed(COORD)),
    "network:agreement": Row(
        allowed(DESK, COORD, PARTNER, MUNI, NATIONAL),
        kwargs=lambda w: {"pk": _referral_agreement(w.library_a, w.members[PARTNER].organisation)},
        foreign=lambda w: {"pk": _referral_agreement(w.library_b, _partner_of_b())},
    ),
    "network:agreement_edit": Row(
        allowed(COORD),
        kwargs=lambda w: {"pk": _referral_agreement(w.library_a, w.members[PARTNER].organisation)},
        foreign=lambda w: {"pk": _referral_agreement(w.library_b, _partner_of_b())},
    ),
    "network:agreement_end": Row(
        allowed(COORD, status=302),
        kwargs=lambda w: {"pk": _referral_agreement(w.library_a, w.members[PARTNER].organisation, "Te beëindigen")},
        foreign=lambda w: {"pk": _referral_agreement(w.library_b, _partner_of_b())},
        method="post",
    ),
    "network:overview": Row(allowed(MUNI, NATIONAL)),
    "locations:list": Row(allowed(DESK, COORD, MUNI, NATIONAL)),
    "locations:create": Row(allowed(COORD, NATIONAL)),
    "locations:coverage": Row(allowed(MUNI, NATIONAL)),
    "locations:detail": Row(
        allowed(DESK, COORD, MUNI, NATIONAL),
        kwargs=lambda w: {"pk": w.location_a.pk},
        foreign=lambda w: {"pk": w.location_b.pk},
    ),
    "locations:edit": Row(
        allowed(COORD, NATIONAL),
        kwargs=lambda w: {"pk": w.location_a.pk},
        foreign=lambda w: {"pk": w.location_b.pk},
    ),
    "locations:hours": Row(
        allowed(COORD, NATIONAL),
        kwargs=lambda w: {"pk": w.location_a.pk},
        foreign=lambda w: {"pk": w.location_b.pk},
    ),
    "locations:exceptions": Row(
        allowed(COORD, NATIONAL),
        kwargs=lambda w: {"pk": w.location_a.pk},
        foreign=lambda w: {"pk": w.location_b.pk},
    ),
    "locations:exception_remove": Row(
        allowed(COORD, NATIONAL, status=302),
        kwargs=lambda w: {"pk": w.location_a.pk, "exception_pk": w.exception_a.pk},
        foreign=lambda w: {"pk": w.location_b.pk, "exception_pk": w.exception_b.pk},
        method="post",
    ),
    # The API answers only to tokens (tests/api): a logged-in session gets 401, the schema is public.
    "api:schema": Row(everyone(200)),
    "api:municipality-list": Row(everyone(401)),
    "api:municipality-detail": Row(everyone(401), kwargs=lambda w: {"cbs_code": "GM0344"}),
    "api:organisation": Row(everyone(401)),
    "api:location-list": Row(everyone(401)),
    "api:location-detail": Row(everyone(401), kwargs=lambda w: {"id": w.location_a.pk}),
    "api:visit-list": Row(everyone(401)),
    "api:topic-list": Row(everyone(401)),
    "api:service-organisation-list": Row(everyone(401)),
    "api:help-given-list": Row(everyone(401)),
    # Consultation hours and their slots are public; appointments answer only to tokens.
    "api:location-consultation-hour-list": Row(everyone(200), kwargs=lambda w: {"location_id": w.location_a.pk}),
    "api:consultation-hour-slot-list": Row(everyone(200), kwargs=lambda w: {"id": _hour(w.location_a)}),
    "api:appointment-list": Row(everyone(401)),
    "api:appointment-cancel": Row(everyone(401), kwargs=lambda w: {"id": _appointment(w.location_a)}, method="post"),
    "api:referral-list": Row(everyone(401)),
    "api:referral-detail": Row(everyone(401), kwargs=lambda w: {"id": _referral(w)}),
    "api:referral-status": Row(everyone(401), kwargs=lambda w: {"id": _referral(w)}, method="post"),
    # Tokens belong to the organisation acted for: library A's token is another organisation's for national.
    "api_tokens:list": Row(allowed(COORD, NATIONAL)),
    "api_tokens:create": Row(allowed(COORD, NATIONAL)),
    "api_tokens:revoke": Row(
        {**allowed(COORD), NATIONAL: 404},
        kwargs=lambda w: {"pk": _api_token(w.library_a).pk},
        foreign=lambda w: {"pk": _api_token(w.library_b).pk},
    ),
}


def _desk_course_session(location):
    """A session of a course of the location's library, at the location, starting in a week (courses-desk rows)."""
    from ido.courses.models import Session
    from tests.courses.conftest import make_course, make_session

    session = Session.objects.filter(location=location, teacher="Matrix: desk").first()
    return (session or make_session(make_course(location.library), location, teacher="Matrix: desk")).pk


def _desk_enrolment(membership, location):
    """A visitor the desk of `membership` enrolled in that session (courses-desk rows)."""
    from ido.courses import services
    from ido.courses.models import Enrolment, Session

    session = Session.objects.get(pk=_desk_course_session(location))
    enrolment = Enrolment.objects.filter(session=session).first()
    if enrolment is None:
        enrolment = services.enrol(actor=membership, session=session, details=services.PersonDetails(name="A."))
    return enrolment.pk


def _managed_course(library):
    """A course the library provides (courses-manage rows)."""
    from ido.courses.models import Course
    from tests.courses.conftest import make_course

    course = Course.objects.filter(provider=library, title="Matrix: beheer").first()
    return (course or make_course(library, title="Matrix: beheer")).pk


def _managed_session(location):
    """A session of the library's course at the location, starting in a week (courses-manage rows)."""
    from ido.courses.models import Course, Session
    from tests.courses.conftest import make_session

    course = Course.objects.get(pk=_managed_course(location.library))
    return Session.objects.filter(course=course, location=location).first() or make_session(course, location)


def _managed_meeting(location):
    return _managed_session(location).meetings.first().pk


def _topic(code):
    from ido.registrations.models import Topic

    return Topic.objects.get(code=code).pk


def _help(code):
    from ido.registrations.models import HelpGiven

    return HelpGiven.objects.get(code=code).pk


def _kb(code):
    from ido.registrations.models import KbCategory

    return KbCategory.objects.get(code=code).pk


def _favourite(w):
    """A favourite topic of the desk worker and the coordinator: one click registers a visit about it."""
    from ido.registrations.models import FavouriteTopic, Topic

    topic = Topic.objects.get(code="taxes")
    for role in (DESK, COORD):
        FavouriteTopic.objects.get_or_create(user=w.members[role].user, topic=topic)
    return topic.pk


def _cancel_token(location):
    from ido.appointments.cancel_links import cancel_token
    from ido.appointments.models import Appointment

    return cancel_token(Appointment.objects.get(pk=_appointment(location)))


def _hour(location):
    """A weekly consultation hour of a partner at this location."""
    from datetime import date, time

    from ido.appointments.models import ConsultationHour

    hour, _ = ConsultationHour.objects.get_or_create(
        location=location,
        title="Spreekuur",
        defaults={
            "provider": OrganisationFactory(),
            "starts_on": date(2026, 1, 6),
            "start_time": time(13),
            "end_time": time(15),
        },
    )
    return hour.pk


def _host_agreement(location):
    from ido.appointments.models import HostAgreement
    from ido.organisations.models import Organisation

    name = f"Gast bij {location.name}"
    provider = Organisation.objects.filter(name=name).first() or OrganisationFactory(name=name)
    agreement, _ = HostAgreement.objects.get_or_create(location=location, provider=provider)
    return agreement.pk


def _make_referral(sender, receiver):
    from ido.referrals.models import Referral
    from ido.registrations.models import Topic

    referral, _ = Referral.objects.get_or_create(
        sender=sender,
        receiver=receiver,
        defaults={"topic": Topic.objects.get(code="allowances"), "reason": "Terugvordering", "name": "F."},
    )
    return referral.pk


def _referral(w):
    """A referral from library A to the partner of the world."""
    return _make_referral(w.library_a, w.members[PARTNER].organisation)


def _foreign_referral(w):
    """A referral between two others: library B and a partner of its own."""
    from ido.organisations.models import Organisation

    partner = Organisation.objects.filter(name="Partner van B").first() or OrganisationFactory(name="Partner van B")
    return _make_referral(w.library_b, partner)


def _partner_service(w, name):
    """A service of the world's partner in the directory."""
    from ido.referrals.models import PartnerService

    service, _ = PartnerService.objects.get_or_create(
        organisation=w.members[PARTNER].organisation, name=name, defaults={"nationwide": True, "phone": "030 123 4567"}
    )
    return service.pk


def _partner_of_b():
    from ido.organisations.models import Organisation

    return Organisation.objects.filter(name="Partner van B").first() or OrganisationFactory(name="Partner van B")


def _foreign_partner_service(w):
    """A service of another partner organisation: only a national administrator manages it."""
    from ido.referrals.models import PartnerService

    service, _ = PartnerService.objects.get_or_create(
        organisation=_partner_of_b(), name="Andermans dienst", defaults={"nationwide": True, "phone": "030 765 4321"}
    )
    return service.pk


def _referral_agreement(library, partner, contact_name="Fatima"):
    """A referral agreement in force about allowances, for all locations of the library."""
    from ido.referrals.models import ReferralAgreement
    from ido.registrations.models import Topic

    agreement, created = ReferralAgreement.objects.get_or_create(
        library=library,
        partner=partner,
        contact_name=contact_name,
        defaults={"valid_from": timezone.localdate() - timedelta(days=30)},
    )
    if created:
        agreement.topics.set([Topic.objects.get(code="allowances")])
    return agreement.pk


def _public_hour(location):
    """A consultation hour on weekdays that citizens can book themselves."""
    from datetime import date, time

    from ido.appointments.models import ConsultationHour

    hour, _ = ConsultationHour.objects.get_or_create(
        location=location,
        title="Open spreekuur",
        defaults={
            "provider": OrganisationFactory(),
            "weekdays": "0,1,2,3,4",
            "starts_on": date(2026, 1, 5),
            "start_time": time(10),
            "end_time": time(12),
            "public_booking": True,
        },
    )
    return hour.pk


def _hour_token(location):
    from ido.appointments.models import ConsultationHour

    return ConsultationHour.objects.get(pk=_hour(location)).feed_token


def _location_token(location):
    from ido.appointments.calendars import location_feed_token

    return location_feed_token(location.pk)


def _appointment(location):
    """An appointment in the first slot of the location's consultation hour."""
    from datetime import datetime, timedelta

    from ido.appointments.models import Appointment, ConsultationHour, Slot

    hour = ConsultationHour.objects.get(pk=_hour(location))
    starts_at = timezone.make_aware(datetime.combine(timezone.localdate() + timedelta(days=7), hour.start_time))
    slot, _ = Slot.objects.get_or_create(
        consultation_hour=hour,
        starts_at=starts_at,
        defaults={"ends_at": starts_at + timedelta(minutes=20), "capacity": 1, "booked": 1},
    )
    appointment, _ = Appointment.objects.get_or_create(slot=slot, defaults={"name": "A."})
    return appointment.pk


def _embedding_site(municipality):
    from ido.public.models import EmbeddingSite

    site, _ = EmbeddingSite.objects.get_or_create(municipality=municipality, origin="https://www.example.nl")
    return site.pk


def _api_token(organisation):
    from tests.api.conftest import issue_token

    return issue_token(organisation)[0]


def test_every_url_has_a_row_in_the_matrix():
    missing = sorted(set(all_url_names()) - set(MATRIX))
    assert not missing, f"Add these URLs to the permission matrix: {missing}"
    stale = sorted(set(MATRIX) - set(all_url_names()))
    assert not stale, f"These rows name URLs that no longer exist: {stale}"


def _request(client, row, url):
    return client.post(url) if row.method == "post" else client.get(url)


@pytest.mark.parametrize("role", ROLES)
def test_each_role_gets_what_the_matrix_says(client, world, role):
    if role != ANON:
        login_verified(client, world.members[role].user)
    failures = []
    for name, row in MATRIX.items():
        url = reverse(name, kwargs=row.kwargs(world) if row.kwargs else None)
        response = _request(client, row, url)
        if response.status_code != row.expect[role]:
            failures.append(f"{row.method.upper()} {url} ({name}): {response.status_code}, expected {row.expect[role]}")
        if role != ANON and name in ("accounts:logout",):
            login_verified(client, world.members[role].user)
    assert not failures, "\n".join(failures)


@pytest.mark.parametrize("role", [DESK, COORD, MUNI, NATIONAL])
def test_another_organisations_object_is_not_found(client, world, role):
    login_verified(client, world.members[role].user)
    sees_everything = world.members[role].has_perm("locations.view_all")
    failures = []
    for name, row in MATRIX.items():
        if row.foreign is None or row.expect[role] not in (200, 302):
            continue
        url = reverse(name, kwargs=row.foreign(world))
        response = _request(client, row, url)
        expected = row.expect[role] if sees_everything else 404
        if response.status_code != expected:
            failures.append(f"{row.method.upper()} {url} ({name}): {response.status_code}, expected {expected}")
    assert not failures, "\n".join(failures)


def test_a_password_without_the_second_factor_opens_no_page_of_the_app(client, world):
    from django_otp.plugins.otp_totp.models import TOTPDevice

    user = world.members[NATIONAL].user
    TOTPDevice.objects.create(user=user, name="app", confirmed=True)
    client.force_login(user)  # the password step only
    verify = reverse("accounts:verify")
    leaks = []
    for name, row in MATRIX.items():
        url = reverse(name, kwargs=row.kwargs(world) if row.kwargs else None)
        if not url.startswith(("/app/", "/accounts/")) or name in ("accounts:verify", "accounts:logout"):
            continue
        response = _request(client, row, url)
        if response.status_code != 302 or response.url != verify:
            leaks.append(f"{row.method.upper()} {url}: {response.status_code}")
    assert not leaks, "\n".join(leaks)


@pytest.mark.parametrize("script_name", ["/api", "/static", "/health"])
def test_a_script_name_prefix_does_not_open_the_app_without_the_second_factor(client, world, script_name):
    from django_otp.plugins.otp_totp.models import TOTPDevice

    user = world.members[NATIONAL].user
    TOTPDevice.objects.create(user=user, name="app", confirmed=True)
    client.force_login(user)
    response = client.get("/app/home/national/", SCRIPT_NAME=script_name)
    assert response.status_code == 302
    assert response.url.endswith("/accounts/2fa/verify/")
