"""The desk finds a course session for a visitor, enrols them (or puts them on the waitlist) with recorded consent,
and looks after the enrolment afterwards; from a registered question or from a referral into the IDO."""

from datetime import timedelta
from decimal import Decimal

import pytest
import time_machine
from django.db import connection
from django.http import HttpResponse
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from ido.core.models import AuditEvent
from ido.courses import services
from ido.courses.models import Enrolment, EnrolmentSource, EnrolmentStatus, Session
from ido.organisations.roles import Role
from ido.referrals.models import Direction, Referral
from ido.registrations.models import Topic
from ido.registrations.views import LAST_VISIT_COOKIE
from tests.conftest import login_verified
from tests.courses.conftest import make_course, make_session, person
from tests.factories import LibraryFactory, LocationFactory, OrganisationFactory, VisitFactory, membership_for_role

pytestmark = pytest.mark.django_db

UTRECHT = (Decimal("52.090700"), Decimal("5.121400"))
AMERSFOORT = (Decimal("52.156100"), Decimal("5.387800"))  # about 20 km from Utrecht
AMSTERDAM_CENTRE = (Decimal("52.370200"), Decimal("4.895200"))  # about 35 km


@pytest.fixture
def home(location):
    """The desk's own location, in Utrecht."""
    location.latitude, location.longitude = UTRECHT
    location.save()
    return location


@pytest.fixture
def at_desk(client, desk):
    login_verified(client, desk.user)
    return client


def place(coordinates=None, **fields):
    latitude, longitude = coordinates or (None, None)
    return LocationFactory(latitude=latitude, longitude=longitude, **fields)


def found_sessions(response) -> list[Session]:
    return [item.session for item in response.context["found"]]


def fill(session, *, places=None) -> None:
    """Take every place of the session (or `places` of them) with enrolled visitors."""
    for _number in range(places if places is not None else session.capacity):
        services.enrol(actor=membership_for_role(Role.DESK), session=session, details=person("Ans"))
    session.refresh_from_db()


def enrol_url(session, **query) -> str:
    url = reverse("courses:enrol", kwargs={"pk": session.pk})
    return url + ("?" + "&".join(f"{key}={value}" for key, value in query.items()) if query else "")


# --- Finding a session ------------------------------------------------------------------------------------------


def test_the_desk_finds_sessions_by_kind_and_language(at_desk, library, home):
    wanted = make_session(make_course(library, kind="e_government", language="nl"), home)
    make_session(make_course(library, title="Klik & Tik", kind="digital_basics"), home)
    make_session(make_course(library, title="Digisterker in het Engels", language="en"), home)
    response = at_desk.get(reverse("courses:find"), {"kind": "e_government", "language": "nl"})
    assert response.status_code == 200
    assert found_sessions(response) == [wanted]
    assert response.context["form"]["near"].value() == str(home.pk)  # the desk's own location by default
    page = response.content.decode()
    assert page.count(reverse("courses:enrol", kwargs={"pk": wanted.pk})) == 1
    assert 'role="region"' in page and 'tabindex="0"' in page
    found = response.context["found"][0]
    assert (found.meetings, found.free, found.waiting) == (4, 2, 0)
    assert found.distance_km == pytest.approx(0)


def test_the_level_and_the_first_date_narrow_the_search_down(at_desk, library, home):
    later = make_session(make_course(library, level="some"), home, first=timezone.localdate() + timedelta(days=30))
    make_session(make_course(library, level="some"), home, first=timezone.localdate() + timedelta(days=3))
    make_session(make_course(library, level="beginner"), home, first=timezone.localdate() + timedelta(days=30))
    start = (timezone.localdate() + timedelta(days=20)).isoformat()
    response = at_desk.get(reverse("courses:find"), {"level": "some", "start": start})
    assert found_sessions(response) == [later]


def test_only_sessions_with_a_free_place_leaves_out_the_full_ones(at_desk, course, home):
    free = make_session(course, home, capacity=3)
    full = make_session(course, home, capacity=1, first=timezone.localdate() + timedelta(days=8))
    fill(full)
    services.enrol(actor=membership_for_role(Role.DESK), session=full, details=person(), waitlist_if_full=True)
    response = at_desk.get(reverse("courses:find"))
    assert found_sessions(response) == [free, full]  # a full session too: the visitor can join its waitlist
    assert [(item.free, item.waiting) for item in response.context["found"]] == [(3, 0), (0, 1)]
    response = at_desk.get(reverse("courses:find"), {"only_free": "on"})
    assert found_sessions(response) == [free]


def test_a_maximum_distance_leaves_out_far_places_and_places_without_a_position(at_desk, course, home):
    near = make_session(course, place(AMERSFOORT, name="IDO Amersfoort"))
    make_session(course, place(AMSTERDAM_CENTRE, name="IDO Amsterdam"))
    make_session(course, place(None, name="IDO Nergens"))
    response = at_desk.get(reverse("courses:find"), {"within_km": "25"})
    assert found_sessions(response) == [near]
    assert 15 < response.context["found"][0].distance_km < 25
    assert len(at_desk.get(reverse("courses:find")).context["found"]) == 3  # any distance


def test_cancelled_started_and_past_sessions_are_not_found(at_desk, course, home):
    open_session = make_session(course, home)
    make_session(course, home, status="cancelled")
    make_session(course, home, first=timezone.localdate() - timedelta(days=7))  # started a week ago
    response = at_desk.get(reverse("courses:find"), {"start": (timezone.localdate() - timedelta(days=30)).isoformat()})
    assert found_sessions(response) == [open_session]


def test_the_search_page_makes_as_many_queries_for_many_sessions_as_for_few(
    at_desk, library, home, django_assert_max_num_queries
):
    url = reverse("courses:find")
    for _number in range(2):
        make_session(make_course(library), place(AMERSFOORT))
    with CaptureQueriesContext(connection) as few:
        assert at_desk.get(url, {"within_km": "25"}).status_code == 200
    for _number in range(15):
        session = make_session(make_course(library), place(AMERSFOORT))
        fill(session, places=1)
    with CaptureQueriesContext(connection) as many:
        response = at_desk.get(url, {"within_km": "25"})
    assert len(response.context["found"]) == 17
    assert len(many) == len(few)
    # The session and the membership (4), the desk's locations (3: the first, the chosen one, the choices), and the
    # sessions with their course, provider, location, meetings and waitlist (1).
    with django_assert_max_num_queries(8):
        at_desk.get(url, {"within_km": "25"})


def test_the_search_carries_the_question_and_the_referral_to_the_enrol_links(at_desk, desk, session, home):
    question = VisitFactory(location=home, registered_by=desk.user).questions.get()
    referral = referral_to(desk.organisation, home)
    response = at_desk.get(reverse("courses:find"), {"question": question.pk, "referral": referral.pk})
    page = response.content.decode()
    assert f'name="question" value="{question.pk}"' in page
    assert f'name="referral" value="{referral.pk}"' in page
    assert (
        f"{reverse('courses:enrol', kwargs={'pk': session.pk})}?question={question.pk}&amp;referral={referral.pk}"
        in page
    )


def test_a_question_or_referral_of_someone_else_is_not_carried(at_desk, session, home):
    other_question = VisitFactory().questions.get()
    other_referral = referral_to(LibraryFactory(), home)
    response = at_desk.get(reverse("courses:find"), {"question": other_question.pk, "referral": other_referral.pk})
    assert response.context["carried"] == ""
    assert at_desk.get(reverse("courses:find"), {"question": "1.5", "referral": "²"}).status_code == 200


def test_the_registration_offers_to_find_a_course_for_each_question_of_the_saved_visit(at_desk, desk, home):
    visit = VisitFactory(
        location=home, registered_by=desk.user, questions=[("digid", "explained"), ("taxes", "explained")]
    )
    cookie = HttpResponse()
    cookie.set_signed_cookie(LAST_VISIT_COOKIE, str(visit.pk), max_age=300)
    at_desk.cookies[LAST_VISIT_COOKIE] = cookie.cookies[LAST_VISIT_COOKIE].value
    page = at_desk.get(reverse("registrations:new")).content.decode()
    for question in visit.questions.all():
        assert f"{reverse('courses:find')}?question={question.pk}" in page


# --- Enrolling --------------------------------------------------------------------------------------------------


def details(**fields) -> dict:
    return {"name": "Fatima", "phone": "06 12345678", "email": "", "consent": "on", **fields}


def test_the_desk_enrols_a_visitor_with_recorded_consent(at_desk, desk, session):
    url = enrol_url(session)
    page = at_desk.get(url)
    assert page.status_code == 200
    assert 'id="consent-text"' in page.content.decode()
    assert services.consent_text() in page.content.decode()
    assert len(page.context["meetings"]) == 4
    assert "waitlist" not in page.context["form"].fields  # two places free: nothing to choose
    response = at_desk.post(url, details())
    enrolment = Enrolment.objects.get()
    assert response.status_code == 302
    assert response.url == reverse("courses:enrolment", kwargs={"pk": enrolment.pk})
    assert (enrolment.status, enrolment.source, enrolment.places) == (EnrolmentStatus.ENROLLED, "desk", 1)
    assert enrolment.name == "Fatima" and enrolment.phone
    assert enrolment.consent_given_at is not None
    assert enrolment.consent_text == services.consent_text()
    assert enrolment.enrolling_organisation == desk.organisation
    session.refresh_from_db()
    assert session.taken == 1


def test_a_phone_number_without_consent_is_refused(at_desk, session):
    response = at_desk.post(enrol_url(session), details(consent=""))
    assert response.status_code == 200
    assert response.context["form"].errors["consent"]
    assert not Enrolment.objects.exists()
    session.refresh_from_db()
    assert session.taken == 0


def test_a_name_alone_needs_no_consent(at_desk, session):
    at_desk.post(enrol_url(session), details(phone="", consent=""))
    enrolment = Enrolment.objects.get()
    assert (enrolment.consent_given_at, enrolment.consent_text) == (None, "")


def test_a_companion_takes_two_places(at_desk, session):
    at_desk.post(enrol_url(session), details(companion="on"))
    assert Enrolment.objects.get().places == 2
    session.refresh_from_db()
    assert (session.taken, session.free) == (2, 0)


def test_a_full_session_needs_the_choice_for_the_waitlist(at_desk, session):
    fill(session)
    url = enrol_url(session)
    assert "waitlist" in at_desk.get(url).context["form"].fields
    response = at_desk.post(url, details())
    assert response.status_code == 200
    assert response.context["form"].non_field_errors()
    assert Enrolment.objects.count() == 2

    response = at_desk.post(url, details(waitlist="on"))
    enrolment = Enrolment.objects.get(status=EnrolmentStatus.WAITLISTED)
    assert response.url == reverse("courses:enrolment", kwargs={"pk": enrolment.pk})
    assert (enrolment.status, enrolment.waitlist_position) == (EnrolmentStatus.WAITLISTED, 1)
    session.refresh_from_db()
    assert session.taken == 2


def test_a_pair_for_the_last_place_chooses_the_waitlist(at_desk, session):
    fill(session, places=1)
    url = enrol_url(session)
    assert "waitlist" in at_desk.get(url).context["form"].fields
    at_desk.post(url, details(companion="on"))
    assert Enrolment.objects.count() == 1
    at_desk.post(url, details(companion="on", waitlist="on"))
    assert Enrolment.objects.get(places=2).status == EnrolmentStatus.WAITLISTED


@pytest.mark.parametrize(
    "fields",
    [{"status": "cancelled"}, {"first": timezone.localdate() - timedelta(days=1)}],
    ids=["cancelled", "started"],
)
def test_a_cancelled_or_started_session_is_refused_and_nothing_changes(at_desk, course, home, fields):
    session = make_session(course, home, **fields)
    url = enrol_url(session)
    page = at_desk.get(url)
    assert page.status_code == 200
    assert page.context["refusal"]
    response = at_desk.post(url, details(waitlist="on"))
    assert response.status_code == 200
    assert response.context["form"].non_field_errors()
    assert not Enrolment.objects.exists()
    session.refresh_from_db()
    assert session.taken == 0


def test_an_enrolment_from_a_registered_question_keeps_the_question(at_desk, desk, session, home):
    question = VisitFactory(location=home, registered_by=desk.user).questions.get()
    at_desk.post(enrol_url(session, question=question.pk), details())
    assert Enrolment.objects.get().question == question


def test_another_librarys_question_is_not_linked(at_desk, session):
    question = VisitFactory().questions.get()
    at_desk.post(enrol_url(session, question=question.pk), details())
    assert Enrolment.objects.get().question is None


def referral_to(library, location, **fields) -> Referral:
    """A partner referred a citizen to the library's IDO, with consent to pass on the contact details."""
    values = {
        "direction": Direction.TO_IDO,
        "sender": OrganisationFactory(name="Buurtteam Oost"),
        "receiver": library,
        "receiver_location": location,
        "topic": Topic.objects.get(code="digid"),
        "reason": "Wil leren inloggen met DigiD",
        "name": "Fatima",
        "phone": "0612345678",
        "email": "fatima@example.nl",
        "consent_text": "Mogen we uw gegevens doorgeven?",
        "consent_given_at": timezone.now(),
    }
    return Referral.objects.create(**{**values, **fields})


def test_an_enrolment_from_a_referral_starts_with_its_contact_details(at_desk, desk, session, home):
    referral = referral_to(desk.organisation, home)
    url = enrol_url(session, referral=referral.pk)
    page = at_desk.get(url)
    assert page.context["form"].initial == {"name": "Fatima", "phone": "0612345678", "email": "fatima@example.nl"}
    assert AuditEvent.objects.filter(action="referrals.referral.read", target_id=str(referral.pk)).count() == 1
    at_desk.post(url, details(email="fatima@example.nl"))
    enrolment = Enrolment.objects.get()
    assert (enrolment.source, enrolment.referral) == (EnrolmentSource.REFERRAL, referral)
    # The referring organisation sees it on the referral's timeline.
    assert referral.events.filter(name="referrals.referral.enrolled", organisation=desk.organisation).exists()


@pytest.mark.parametrize(
    "fields",
    [
        {"consent_given_at": None},
        {"consent_withdrawn_at": timezone.now()},
        {"personal_data_deleted_at": timezone.now()},
    ],
    ids=["without-consent", "consent-withdrawn", "deleted"],
)
def test_a_referral_without_usable_contact_details_prefills_nothing(at_desk, desk, session, home, fields):
    referral = referral_to(desk.organisation, home, **fields)
    page = at_desk.get(enrol_url(session, referral=referral.pk))
    assert page.context["form"].initial == {}
    assert page.context["referral"] == referral  # still linked: the figures follow the path


def test_a_referral_to_someone_else_is_not_used(at_desk, session, home):
    referral = referral_to(LibraryFactory(), home)
    page = at_desk.get(enrol_url(session, referral=referral.pk))
    assert page.context["form"].initial == {}
    at_desk.post(enrol_url(session, referral=referral.pk), details())
    enrolment = Enrolment.objects.get()
    assert (enrolment.source, enrolment.referral) == (EnrolmentSource.DESK, None)


# --- The enrolment ----------------------------------------------------------------------------------------------


def enrolment_url(enrolment, action="") -> str:
    return reverse(f"courses:enrolment{'_' + action if action else ''}", kwargs={"pk": enrolment.pk})


def test_reading_an_enrolment_is_audited(at_desk, desk, session):
    enrolment = services.enrol(actor=desk, session=session, details=person(phone="0612345678"))
    response = at_desk.get(enrolment_url(enrolment))
    assert response.status_code == 200
    assert "0612345678" in response.content.decode() or "+31612345678" in response.content.decode()
    event = AuditEvent.objects.get(action="courses.enrolment.read")
    assert (event.target_id, event.organisation) == (str(enrolment.pk), desk.organisation)


def test_cancelling_frees_the_place_and_offers_it_to_the_first_who_waits(at_desk, desk, session):
    enrolled = services.enrol(actor=desk, session=session, details=person("Ans"))
    services.enrol(actor=desk, session=session, details=person("Bob"))
    first = services.enrol(actor=desk, session=session, details=person("Cor"), waitlist_if_full=True)
    second = services.enrol(actor=desk, session=session, details=person("Dirk"), waitlist_if_full=True)
    assert at_desk.get(enrolment_url(enrolled)).context["can_cancel"]
    response = at_desk.post(enrolment_url(enrolled, "cancel"))
    assert response.url == enrolment_url(enrolled)
    enrolled.refresh_from_db(), first.refresh_from_db(), second.refresh_from_db()
    assert enrolled.status == EnrolmentStatus.CANCELLED
    assert first.status == EnrolmentStatus.OFFERED and first.offer_expires_at is not None
    assert (second.status, second.waitlist_position) == (EnrolmentStatus.WAITLISTED, 1)  # next in line now
    session.refresh_from_db()
    assert session.taken == 2  # the freed place is held for the offer


def test_the_desk_accepts_an_offer_for_the_visitor_after_a_phone_call(at_desk, desk, session):
    enrolled = services.enrol(actor=desk, session=session, details=person("Ans"), places=2)
    waiting = services.enrol(actor=desk, session=session, details=person("Cor"), waitlist_if_full=True)
    services.cancel_enrolment(actor=desk, enrolment=enrolled)
    page = at_desk.get(enrolment_url(waiting))
    assert page.context["can_answer_offer"] and not page.context["offer_expired"]
    at_desk.post(enrolment_url(waiting, "accept"))
    waiting.refresh_from_db()
    assert waiting.status == EnrolmentStatus.ENROLLED


def test_declining_an_offer_passes_the_place_on(at_desk, desk, session):
    enrolled = services.enrol(actor=desk, session=session, details=person("Ans"), places=2)
    first = services.enrol(actor=desk, session=session, details=person("Cor"), places=2, waitlist_if_full=True)
    second = services.enrol(actor=desk, session=session, details=person("Dirk"), waitlist_if_full=True)
    services.cancel_enrolment(actor=desk, enrolment=enrolled)
    at_desk.post(enrolment_url(first, "decline"))
    first.refresh_from_db(), second.refresh_from_db()
    assert (first.status, second.status) == (EnrolmentStatus.DECLINED, EnrolmentStatus.OFFERED)


def test_an_offer_accepted_after_it_expired_is_refused_and_nothing_changes(at_desk, desk, session):
    enrolled = services.enrol(actor=desk, session=session, details=person("Ans"), places=2)
    waiting = services.enrol(actor=desk, session=session, details=person("Cor"), waitlist_if_full=True)
    services.cancel_enrolment(actor=desk, enrolment=enrolled)
    waiting.refresh_from_db()
    with time_machine.travel(waiting.offer_expires_at + timedelta(minutes=1)):
        login_verified(at_desk, desk.user)
        assert at_desk.get(enrolment_url(waiting)).context["offer_expired"]
        response = at_desk.post(enrolment_url(waiting, "accept"), follow=True)
    assert response.status_code == 200
    assert [message.level_tag for message in response.context["messages"]] == ["error"]
    waiting.refresh_from_db()
    assert waiting.status == EnrolmentStatus.OFFERED


def test_the_visitor_leaves_the_waitlist(at_desk, desk, session):
    fill(session)
    waiting = services.enrol(actor=desk, session=session, details=person("Cor"), waitlist_if_full=True)
    assert at_desk.get(enrolment_url(waiting)).context["can_leave_waitlist"]
    at_desk.post(enrolment_url(waiting, "cancel"))
    waiting.refresh_from_db()
    assert (waiting.status, waiting.waitlist_position) == (EnrolmentStatus.LEFT_WAITLIST, None)


def test_another_librarys_enrolment_is_not_found(at_desk, course):
    other_desk = membership_for_role(Role.DESK)
    other_session = make_session(make_course(other_desk.organisation), LocationFactory(library=other_desk.organisation))
    enrolment = services.enrol(actor=other_desk, session=other_session, details=person())
    assert at_desk.get(enrolment_url(enrolment)).status_code == 404
    for action in ("cancel", "accept", "decline"):
        assert at_desk.post(enrolment_url(enrolment, action)).status_code == 404
    enrolment.refresh_from_db()
    assert enrolment.status == EnrolmentStatus.ENROLLED
    assert not AuditEvent.objects.filter(action="courses.enrolment.read").exists()


def test_the_course_provider_sees_the_enrolment_but_leaves_the_changes_to_the_desk(client, desk, provider_staff, home):
    session = make_session(make_course(provider_staff.organisation), home)
    enrolment = services.enrol(actor=desk, session=session, details=person())
    login_verified(client, provider_staff.user)
    page = client.get(enrolment_url(enrolment))
    assert page.status_code == 200
    assert not page.context["can_cancel"]
    assert client.post(enrolment_url(enrolment, "cancel")).status_code == 403
