"""The referral pages: the desk refers with the consent text on screen, the partner answers from its inbox, the
coordinator handles a data subject request."""

import io
import json

import pypdf
import pytest
from django.urls import reverse

from ido.core.models import AuditEvent
from ido.organisations.roles import Role
from ido.referrals.models import Referral, ReferralStatus
from ido.registrations.models import Topic
from tests.conftest import login_verified
from tests.factories import OrganisationFactory, VisitFactory, membership_for_role
from tests.referrals.test_referrals import make_agreement

pytestmark = pytest.mark.django_db


def form_url_for(partner) -> str:
    topic = Topic.objects.get(code="allowances")
    return f"{reverse('referrals:form')}?receiver={partner.organisation.pk}&topic={topic.pk}"


@pytest.fixture
def world():
    desk = membership_for_role(Role.DESK)
    partner = membership_for_role(Role.PARTNER_STAFF, organisation=OrganisationFactory(name="Buurtteam Oost"))
    make_agreement(desk.organisation, partner.organisation, "allowances", response_days=3)
    return desk, partner


def test_the_desk_refers_from_a_registered_question_with_consent(client, world):
    desk, partner = world
    visit = VisitFactory(registered_by=desk.user, location__library=desk.organisation)
    question = visit.questions.first()
    question.topic = Topic.objects.get(code="allowances")
    question.save()
    login_verified(client, desk.user)
    step = client.get(reverse("referrals:new"), {"question": question.pk})
    assert [choice.receiver for choice in step.context["choices"]] == [partner.organisation]
    form_url = (
        f"{reverse('referrals:form')}?receiver={partner.organisation.pk}&topic={question.topic_id}"
        f"&question={question.pk}"
    )
    page = client.get(form_url)
    assert "Buurtteam Oost" in page.context["consent_text"]
    assert page.context["consent_text"] in page.content.decode()
    refused = client.post(
        form_url, {"reason": "Terugvordering", "urgency": "normal", "name": "Fatima", "phone": "0612345678"}
    )
    assert refused.status_code == 200 and refused.context["form"].errors["consent"]
    assert not Referral.objects.exists()
    sent = client.post(
        form_url,
        {"reason": "Terugvordering", "urgency": "soon", "name": "Fatima", "phone": "0612345678", "consent": "on"},
    )
    referral = Referral.objects.get()
    assert sent["Location"] == reverse("referrals:detail", kwargs={"pk": referral.pk})
    assert referral.question == question and referral.consent_given_at is not None
    pdf = client.get(f"{reverse('referrals:consent_pdf')}?receiver={partner.organisation.pk}")
    text = pypdf.PdfReader(io.BytesIO(pdf.content)).pages[0].extract_text()
    assert "Buurtteam Oost" in text and "Handtekening" in text


def test_the_partner_answers_from_its_inbox_and_the_desk_sees_the_status(client, world):
    desk, partner = world
    login_verified(client, desk.user)
    form_url = form_url_for(partner)
    client.post(
        form_url,
        {"reason": "Terugvordering", "urgency": "normal", "name": "Fatima", "phone": "0612345678", "consent": "on"},
    )
    referral = Referral.objects.get()
    client.logout()
    login_verified(client, partner.user)
    inbox = client.get(reverse("referrals:list"))
    assert referral in inbox.context["received"]
    detail = client.get(reverse("referrals:detail", kwargs={"pk": referral.pk}))
    assert "0612345678" in detail.content.decode()
    assert AuditEvent.objects.filter(action="referrals.referral.read").count() >= 1
    declined = client.post(reverse("referrals:move", kwargs={"pk": referral.pk}), {"status": "declined"})
    assert declined.status_code == 302
    referral.refresh_from_db()
    assert referral.status == ReferralStatus.SENT  # a reason is needed
    client.post(reverse("referrals:move", kwargs={"pk": referral.pk}), {"status": "accepted"})
    client.post(reverse("referrals:move", kwargs={"pk": referral.pk}), {"status": "completed"})
    client.logout()
    login_verified(client, desk.user)
    sent = client.get(reverse("referrals:list")).context["sent"]
    assert [r.status for r in sent] == [ReferralStatus.COMPLETED]


def test_the_coordinator_exports_and_erases_on_request(client, world):
    desk, partner = world
    coordinator = membership_for_role(Role.COORDINATOR, organisation=desk.organisation)
    login_verified(client, desk.user)
    form_url = form_url_for(partner)
    client.post(
        form_url,
        {"reason": "Terugvordering", "urgency": "normal", "name": "Fatima", "email": "f@example.nl", "consent": "on"},
    )
    referral = Referral.objects.get()
    client.logout()
    login_verified(client, coordinator.user)
    exported = json.loads(client.get(reverse("referrals:export", kwargs={"pk": referral.pk})).content)
    assert exported["personal_data"]["email"] == "f@example.nl"
    pdf = client.get(reverse("referrals:export_pdf", kwargs={"pk": referral.pk}))
    text = pypdf.PdfReader(io.BytesIO(pdf.content)).pages[0].extract_text()
    assert "f@example.nl" in text and "Fatima" in text
    client.post(reverse("referrals:erase", kwargs={"pk": referral.pk}))
    referral.refresh_from_db()
    assert referral.email == "" and referral.personal_data_deleted_at is not None
    figures = client.get(reverse("referrals:figures"))
    assert figures.context["figures"]["total"] == 1


@pytest.mark.parametrize(
    "query",
    ["receiver=abc&topic=1", "receiver=1&topic=1.5", "receiver=1&topic=%C2%B2", "receiver=&topic=", "question=%C2%B2"],
)
def test_garbage_in_the_address_is_a_404_not_an_error(client, world, query):
    desk, _partner = world
    login_verified(client, desk.user)
    assert client.get(f"{reverse('referrals:form')}?{query}").status_code == 404
    assert client.get(f"{reverse('referrals:new')}?{query}").status_code == 200
    assert client.get(f"{reverse('referrals:consent_pdf')}?{query}").status_code == 404


def _partner_hour(partner, library, *, topic_code="allowances", title="Spreekuur geldzaken"):
    """A weekday consultation hour of the partner at one of the library's locations, running from tomorrow."""
    from datetime import time, timedelta

    from django.utils import timezone

    from ido.appointments.models import ConsultationHour
    from tests.factories import LocationFactory

    start = timezone.localdate() + timedelta(days=1)
    hour = ConsultationHour.objects.create(
        provider=partner.organisation,
        location=LocationFactory(library=library),
        title=title,
        weekdays="0,1,2,3,4,5,6",
        starts_on=start,
        start_time=time(10),
        end_time=time(11),
        skip_public_holidays=False,
    )
    hour.topics.set([Topic.objects.get(code=topic_code)])
    return hour


def _sent_referral(client, desk, partner) -> Referral:
    login_verified(client, desk.user)
    client.post(
        form_url_for(partner),
        {"reason": "Terugvordering", "urgency": "normal", "name": "Fatima", "phone": "0612345678", "consent": "on"},
    )
    return Referral.objects.get()


def test_the_desk_books_a_partner_slot_from_the_referral_and_both_sides_see_it(client, world):
    from ido.appointments.models import Appointment

    desk, partner = world
    hour = _partner_hour(partner, desk.organisation)
    _partner_hour(partner, desk.organisation, topic_code="taxes", title="Belastingspreekuur")
    referral = _sent_referral(client, desk, partner)
    url = reverse("referrals:book", kwargs={"pk": referral.pk})
    page = client.get(url)
    assert page.status_code == 200 and page.context["about_topic"]
    choices = [value for value, _label in page.context["form"].fields["slot"].choices]
    assert choices and all(value.startswith(f"{hour.pk}|") for value in choices)  # only hours about the topic
    assert page.context["form"].initial == {"name": "Fatima", "phone": "0612345678", "email": ""}

    refused = client.post(url, {"slot": choices[0], "name": "Fatima", "phone": "0612345678"})
    assert refused.status_code == 200 and refused.context["form"].errors["consent"]
    assert not Appointment.objects.exists()

    booked = client.post(url, {"slot": choices[0], "name": "Fatima"})
    assert booked["Location"] == reverse("referrals:detail", kwargs={"pk": referral.pk})
    appointment = Appointment.objects.get()
    referral.refresh_from_db()
    assert referral.appointment == appointment and appointment.slot.consultation_hour == hour
    assert referral.events.filter(name="referrals.referral.appointment_booked").exists()
    assert AuditEvent.objects.filter(action="referrals.referral.appointment_booked").count() == 1
    detail = client.get(reverse("referrals:detail", kwargs={"pk": referral.pk}))
    assert detail.context["appointment"] == appointment
    assert url not in detail.content.decode()  # booked: no second booking offered

    client.logout()
    login_verified(client, partner.user)
    seen = client.get(reverse("referrals:detail", kwargs={"pk": referral.pk}))
    assert "Spreekuur geldzaken" in seen.content.decode()
    assert client.get(url).status_code == 403  # the receiver does not book for the sender


def test_without_an_hour_about_the_topic_the_partners_other_hours_are_offered(client, world):
    desk, partner = world
    other = _partner_hour(partner, desk.organisation, topic_code="taxes", title="Belastingspreekuur")
    referral = _sent_referral(client, desk, partner)
    page = client.get(reverse("referrals:book", kwargs={"pk": referral.pk}))
    assert not page.context["about_topic"]
    assert {slot.hour.pk for slot in page.context["found"]} == {other.pk}
    assert "Er is geen spreekuur over" in page.content.decode()


def test_a_closed_referral_gets_no_appointment(client, world):
    from ido.appointments.models import Appointment

    desk, partner = world
    _partner_hour(partner, desk.organisation)
    referral = _sent_referral(client, desk, partner)
    url = reverse("referrals:book", kwargs={"pk": referral.pk})
    choice = client.get(url).context["form"].fields["slot"].choices[0][0]
    client.post(reverse("referrals:move", kwargs={"pk": referral.pk}), {"status": "withdrawn"})
    referral.refresh_from_db()
    assert referral.status == ReferralStatus.WITHDRAWN
    page = client.post(url, {"slot": choice, "name": "Fatima"})
    assert page.status_code == 200 and page.context["closed"]
    assert not Appointment.objects.exists()


def test_attaching_an_appointment_with_another_provider_is_refused(world):
    from django.core.exceptions import ValidationError

    from ido.appointments.services import VisitorDetails, book
    from ido.referrals import services
    from tests.referrals.test_referrals import refer

    desk, partner = world
    stranger = membership_for_role(Role.PARTNER_STAFF, organisation=OrganisationFactory(name="Iemand anders"))
    hour = _partner_hour(stranger, desk.organisation)
    referral = refer(desk, partner.organisation)
    slot = next(iter(hour_slots(hour)))
    appointment = book(actor=desk, consultation_hour=hour, starts_at=slot, details=VisitorDetails(name="F"))
    with pytest.raises(ValidationError):
        services.attach_appointment(actor=desk, referral=referral, appointment=appointment)
    referral.refresh_from_db()
    assert referral.appointment is None


def hour_slots(hour):
    from datetime import timedelta

    from django.utils import timezone

    from ido.appointments.selectors import slots_with_places

    today = timezone.localdate()
    return [slot.starts_at for slot in slots_with_places(hour, today, today + timedelta(days=7)) if slot.bookable]
