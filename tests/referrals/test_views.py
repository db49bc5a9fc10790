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
