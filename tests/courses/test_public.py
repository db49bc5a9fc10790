"""The person's own pages, without a login: their enrolment by its signed link (accept or decline a freed place,
leave the waitlist, cancel) and enrolling themselves in a session whose course allows it."""

from datetime import timedelta

import pytest
import time_machine
from django.contrib.messages import get_messages
from django.core import mail
from django.urls import reverse

from ido.core import sms
from ido.courses import links, services
from ido.courses.models import Enrolment, EnrolmentSource, EnrolmentStatus, Session
from ido.courses.public_forms import WITH_COMPANION
from tests.courses.conftest import local, make_course, make_session, person

pytestmark = pytest.mark.django_db

NOW = local(2026, 12, 1, 9)  # the sessions start a week later: Tuesday 8 December, 10:00


@pytest.fixture(autouse=True)
def _clock():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture(autouse=True)
def _empty_sms_outbox():
    sms.outbox.clear()
    yield
    sms.outbox.clear()


def enrol(desk, session, name="Fatima", **contact):
    return services.enrol(actor=desk, session=session, details=person(name, **contact), waitlist_if_full=True)


def page_of(enrolment) -> str:
    return reverse("course_links:enrolment", kwargs={"token": links.token(enrolment)})


def shown_messages(response) -> list[str]:
    return [str(message) for message in get_messages(response.wsgi_request)]


def status_of(enrolment) -> str:
    enrolment.refresh_from_db()
    return enrolment.status


def taken(session) -> int:
    return Session.objects.get(pk=session.pk).taken


# --- The person's own page ------------------------------------------------------------------------------------


def test_the_person_sees_their_course_by_the_link_without_logging_in(client, desk, session):
    enrolment = enrol(desk, session, phone="0612345678", email="fatima@example.nl")
    response = client.get(page_of(enrolment))
    assert response.status_code == 200
    content = response.content.decode()
    assert "Bibliotheek Centrum" in content and "Digisterker" in content
    assert "Hallo Fatima," in content  # the first name, and nothing more
    assert "0612345678" not in content and "+31612345678" not in content and "fatima@example.nl" not in content
    assert len(response.context["meetings"]) == 4
    assert response.context["actions"] == ("cancel",)
    assert response.context["link"] == links.enrolment_url(enrolment)
    assert "noindex" in response["X-Robots-Tag"]
    assert "no-cache" in response["Cache-Control"] or "max-age=0" in response["Cache-Control"]


def test_a_damaged_link_gets_a_friendly_not_found_page(client, desk, session):
    enrolment = enrol(desk, session)
    token = links.token(enrolment)
    for bad in (token[:-2] + "xx", "nonsense"):
        response = client.get(reverse("course_links:enrolment", kwargs={"token": bad}))
        assert response.status_code == 404
        assert "Deze link werkt niet" in response.content.decode()
        assert "noindex" in response["X-Robots-Tag"]
    damaged = client.post(reverse("course_links:enrolment", kwargs={"token": token[:-2] + "xx"}), {"action": "cancel"})
    assert damaged.status_code == 404
    assert status_of(enrolment) == EnrolmentStatus.ENROLLED


def test_cancelling_by_link_asks_for_confirmation_then_frees_the_place(client, desk, session):
    enrolment = enrol(desk, session)
    url = page_of(enrolment)
    question = client.get(url, {"action": "cancel"})
    assert question.context["confirm"] == "cancel"
    assert status_of(enrolment) == EnrolmentStatus.ENROLLED  # asking changes nothing
    response = client.post(url, {"action": "cancel"})
    assert response.status_code == 302 and response["Location"] == url
    assert status_of(enrolment) == EnrolmentStatus.CANCELLED
    assert taken(session) == 0
    again = client.post(url, {"action": "cancel"})
    assert again.status_code == 409  # a second click changes nothing
    assert shown_messages(again)
    assert client.get(url).context["actions"] == ()


def test_a_person_on_the_waitlist_leaves_it_by_link(client, desk, session):
    enrol(desk, session, "Anna")
    enrol(desk, session, "Bram")
    waiting = enrol(desk, session, "Chris")
    last = enrol(desk, session, "Dewi")
    assert client.get(page_of(last)).context["waitlist_place"] == 2
    client.post(page_of(waiting), {"action": "leave"})
    assert status_of(waiting) == EnrolmentStatus.LEFT_WAITLIST
    assert client.get(page_of(last)).context["waitlist_place"] == 1  # the line closed up


def test_an_offered_place_is_accepted_by_link(client, desk, session, django_capture_on_commit_callbacks):
    first = enrol(desk, session, "Anna")
    enrol(desk, session, "Bram")
    waiting = enrol(desk, session, "Chris", email="chris@example.nl")
    services.cancel_enrolment(actor=desk, enrolment=first)
    assert status_of(waiting) == EnrolmentStatus.OFFERED
    page = client.get(page_of(waiting))
    assert page.context["actions"] == ("accept", "decline")
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(page_of(waiting), {"action": "accept"})
    assert response.status_code == 302
    assert status_of(waiting) == EnrolmentStatus.ENROLLED
    assert taken(session) == 2
    assert [message.to for message in mail.outbox] == [["chris@example.nl"]]  # the confirmation with the dates


def test_declining_an_offer_by_link_hands_the_place_to_the_next(client, desk, session):
    first = enrol(desk, session, "Anna")
    enrol(desk, session, "Bram")
    offered = enrol(desk, session, "Chris")
    next_one = enrol(desk, session, "Dewi")
    services.cancel_enrolment(actor=desk, enrolment=first)
    assert client.get(page_of(offered), {"action": "decline"}).context["confirm"] == "decline"
    client.post(page_of(offered), {"action": "decline"})
    assert status_of(offered) == EnrolmentStatus.DECLINED
    assert status_of(next_one) == EnrolmentStatus.OFFERED


def test_accepting_an_offer_after_it_expired_is_refused_and_changes_nothing(client, desk, session):
    first = enrol(desk, session, "Anna")
    enrol(desk, session, "Bram")
    offered = enrol(desk, session, "Chris")
    services.cancel_enrolment(actor=desk, enrolment=first)
    url = page_of(offered)
    late = NOW + timedelta(hours=session.offer_hours, minutes=1)
    with time_machine.travel(late, tick=False):
        page = client.get(url)
        assert page.context["offer_expired"] and page.context["actions"] == ()
        response = client.post(url, {"action": "accept"})  # a page left open, sent too late
    assert response.status_code == 409
    assert len(shown_messages(response)) == 1
    assert status_of(offered) == EnrolmentStatus.OFFERED  # unchanged: the expiry run hands the place on
    assert taken(session) == 2
    with time_machine.travel(late, tick=False):
        services.expire_offers()
        after_expiry = client.post(url, {"action": "accept"})
    assert after_expiry.status_code == 409
    assert status_of(offered) == EnrolmentStatus.EXPIRED


def test_an_action_that_does_not_fit_the_status_changes_nothing(client, desk, session):
    enrolled = enrol(desk, session)
    for action in ("accept", "decline", "leave", "nonsense"):
        response = client.post(page_of(enrolled), {"action": action})
        assert response.status_code in (400, 409)
        assert status_of(enrolled) == EnrolmentStatus.ENROLLED
    assert client.get(page_of(enrolled), {"action": "leave"}).context["confirm"] == ""


def test_a_cancelled_session_shows_so_and_offers_nothing(client, desk, coordinator, session):
    enrolment = enrol(desk, session)
    services.cancel_session(actor=coordinator, session=session)
    page = client.get(page_of(enrolment))
    assert page.status_code == 200
    assert page.context["actions"] == ()


# --- Enrolling themselves ---------------------------------------------------------------------------------------


@pytest.fixture
def public_session(library, location):
    return make_session(make_course(library, public_enrolment=True), location, capacity=2)


def enrol_url(session) -> str:
    return reverse("course_links:enrol", kwargs={"pk": session.pk})


def form_data(**fields) -> dict:
    return {"name": "Sanne", "places": "1", "waitlist": "on", **fields}


def test_a_citizen_enrols_themselves_and_lands_on_their_own_page(
    client, public_session, django_capture_on_commit_callbacks
):
    page = client.get(enrol_url(public_session))
    assert page.status_code == 200 and page.context["form"] is not None
    assert page.context["consent_text"]
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(enrol_url(public_session), form_data(email="sanne@example.nl", consent="on"))
    enrolment = Enrolment.objects.get()
    assert response.status_code == 302
    assert response["Location"] == page_of(enrolment)
    assert enrolment.status == EnrolmentStatus.ENROLLED and enrolment.source == EnrolmentSource.CITIZEN
    assert enrolment.created_by is None and enrolment.enrolling_organisation is None
    assert enrolment.consent_given_at is not None and enrolment.consent_text
    assert [message.to for message in mail.outbox] == [["sanne@example.nl"]]
    assert links.enrolment_url(enrolment) in mail.outbox[0].body
    landed = client.get(response["Location"])
    assert len(shown_messages(landed)) == 1  # "you are enrolled, keep this link"
    assert landed.context["link"] == links.enrolment_url(enrolment)


def test_a_citizen_who_enrols_in_ukrainian_gets_the_confirmation_in_ukrainian(
    client, public_session, django_capture_on_commit_callbacks
):
    client.cookies["ido_language"] = "uk"
    with django_capture_on_commit_callbacks(execute=True):
        client.post(enrol_url(public_session), form_data(email="olena@example.nl", consent="on"))
    (message,) = mail.outbox
    cyrillic = [char for char in message.subject + message.body if "\u0400" <= char <= "\u04ff"]
    assert cyrillic, message.subject
    assert "cursus" not in message.body.lower()  # not the Dutch fallback


def test_citizen_enrolments_are_rate_limited_per_visitor(client, public_session, settings):
    settings.IDO_PUBLIC_FORM_RATE_LIMIT = 1
    assert client.post(enrol_url(public_session), form_data()).status_code == 302
    refused = client.post(enrol_url(public_session), form_data(name="Bram"))
    assert refused.status_code == 200
    assert refused.context["form"].non_field_errors()
    assert Enrolment.objects.count() == 1  # one visitor cannot fill the session with made-up names


def test_a_citizen_with_a_companion_takes_two_places(client, public_session):
    client.post(enrol_url(public_session), form_data(places=WITH_COMPANION))
    assert Enrolment.objects.get().places == 2
    assert taken(public_session) == 2


def test_a_citizen_joins_the_waitlist_of_a_full_session(client, desk, public_session):
    enrol(desk, public_session, "Anna")
    enrol(desk, public_session, "Bram")
    client.post(enrol_url(public_session), form_data(phone="06 12345678", consent="on"))
    enrolment = Enrolment.objects.get(source=EnrolmentSource.CITIZEN)
    assert enrolment.status == EnrolmentStatus.WAITLISTED
    assert enrolment.phone == "+31612345678"


def test_a_full_session_without_the_waitlist_box_takes_nobody(client, desk, public_session):
    enrol(desk, public_session, "Anna")
    enrol(desk, public_session, "Bram")
    response = client.post(enrol_url(public_session), form_data(waitlist=""))
    assert response.status_code == 200
    assert "waitlist" in response.context["form"].errors
    assert not Enrolment.objects.filter(source=EnrolmentSource.CITIZEN).exists()


@pytest.mark.parametrize(
    "fields",
    [
        {"email": "sanne@example.nl"},  # no consent
        {"phone": "12345", "consent": "on"},  # not a phone number
        {"name": ""},
        {"name": "Sanne 0612345678"},  # only a first name or initials
    ],
)
def test_bad_details_are_refused_on_the_form(client, public_session, fields):
    response = client.post(enrol_url(public_session), form_data(**fields))
    assert response.status_code == 200
    assert response.context["form"].errors
    assert not Enrolment.objects.exists()


def test_a_course_without_online_enrolment_is_not_found(client, session, public_session):
    assert client.get(enrol_url(session)).status_code == 404
    assert client.post(enrol_url(session), form_data()).status_code == 404
    public_session.course.active = False
    public_session.course.save()
    assert client.get(enrol_url(public_session)).status_code == 404
    assert not Enrolment.objects.exists()


def test_a_started_or_cancelled_session_says_so_and_takes_nobody(client, coordinator, public_session):
    with time_machine.travel(public_session.starts_at + timedelta(minutes=5), tick=False):
        page = client.get(enrol_url(public_session))
        assert page.context["refusal"] == "started" and page.context["form"] is None
        assert client.post(enrol_url(public_session), form_data()).status_code == 409
    services.cancel_session(actor=coordinator, session=public_session)
    assert client.get(enrol_url(public_session)).context["refusal"] == "cancelled"
    assert client.post(enrol_url(public_session), form_data()).status_code == 409
    assert not Enrolment.objects.exists()


# --- For the permission matrix: one enrolment and one session open to citizens at the location -------------------


def matrix_public_session(location) -> int:
    session = Session.objects.filter(location=location, course__public_enrolment=True).first()
    if session is None:
        session = make_session(make_course(location.library, public_enrolment=True), location)
    return session.pk


def matrix_link(location) -> str:
    session = Session.objects.get(pk=matrix_public_session(location))
    enrolment = session.enrolments.first() or services.enrol(
        actor=None, session=session, details=person("Fatima"), source=EnrolmentSource.CITIZEN
    )
    return links.token(enrolment)


def test_the_citizens_front_page_lists_the_coming_courses_of_each_location(client, course, location, session):
    self_service = make_course(course.provider, title="Klik & Tik", public_enrolment=True)
    open_to_all = make_session(self_service, location)
    make_session(make_course(course.provider, title="Oude cursus", active=False), location)
    make_session(course, location, first=session.starts_at.date() - timedelta(days=8))  # started: not shown
    page = client.get(reverse("public:index"))
    (row,) = [row for row in page.context["rows"] if row.location == location]
    assert [s.pk for s in row.courses] == [session.pk, open_to_all.pk]
    html = page.content.decode()
    assert reverse("course_links:enrol", kwargs={"pk": open_to_all.pk}) in html  # citizens enrol themselves here
    assert reverse("course_links:enrol", kwargs={"pk": session.pk}) not in html  # this one at the desk
