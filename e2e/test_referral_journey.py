"""A warm referral in the browser: the desk refers a visitor with consent and books a slot in the partner's
consultation hour; the partner accepts and completes; the desk sees the status. axe-core on every page."""

from datetime import date, time, timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect
from tests.factories import LocationFactory, OrganisationFactory, membership_for_role

from ido.appointments.models import Appointment, ConsultationHour
from ido.organisations.roles import Role
from ido.referrals.models import Referral, ReferralAgreement, ReferralStatus
from ido.registrations.models import Topic

pytestmark = pytest.mark.django_db(transaction=True)


def test_the_desk_refers_with_consent_books_a_partner_slot_and_follows_the_status(checked_page):
    desk = membership_for_role(Role.DESK)
    partner_organisation = OrganisationFactory(name="Buurtteam Oost")
    partner = membership_for_role(Role.PARTNER_STAFF, organisation=partner_organisation)
    location = LocationFactory(library=desk.organisation, name="Bibliotheek Centrum")
    agreement = ReferralAgreement.objects.create(
        library=desk.organisation, partner=partner_organisation, valid_from=date(2026, 1, 1), response_days=3
    )
    allowances = Topic.objects.get(code="allowances")
    agreement.topics.set([allowances])
    day = timezone.localdate() + timedelta(days=2)
    hour = ConsultationHour.objects.create(
        provider=partner_organisation,
        location=location,
        title="Spreekuur geldzaken",
        weekdays=str(day.weekday()),
        starts_on=day,
        start_time=time(10),
        end_time=time(11),
        skip_public_holidays=False,
    )
    hour.topics.set([allowances])
    page = checked_page.page

    checked_page.log_in_as(desk.user)
    checked_page.goto("/app/referrals/new/")
    page.get_by_label("Waar gaat de vraag over?").select_option(label="Toeslagen")
    page.get_by_role("button", name="Laat zien waarheen").click()
    checked_page.check()
    page.get_by_role("link", name="Buurtteam Oost").click()
    checked_page.check()
    expect(page.locator("#consent-text")).to_contain_text("Buurtteam Oost")
    page.get_by_label("De vraag in een paar woorden").fill("Terugvordering huurtoeslag")
    page.get_by_label("De bezoeker gaat akkoord dat we de contactgegevens doorgeven", exact=False).check()
    page.locator("#id_name").fill("Fatima")
    page.locator("#id_phone").fill("0612345678")
    page.get_by_role("button", name="Doorverwijzing versturen").click()
    checked_page.check()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Toeslagen")
    referral = Referral.objects.get()
    assert referral.consent_given_at is not None and referral.name == "Fatima"

    # In the same flow: a slot in the partner's consultation hour, found by its topic and provider.
    page.get_by_role("link", name="Een tijd boeken in een spreekuur van Buurtteam Oost").click()
    checked_page.check()
    page.get_by_role("radio").first.check()
    expect(page.get_by_label("Voornaam of voorletters")).to_have_value("Fatima")  # as shared with consent
    page.get_by_label("De bezoeker stemt in", exact=False).check()  # a reminder by text message
    page.get_by_role("button", name="Afspraak maken").click()
    checked_page.check()
    expect(page.get_by_text("Spreekuur geldzaken")).to_be_visible()  # back on the referral, with the appointment
    appointment = Appointment.objects.get()
    referral.refresh_from_db()
    assert appointment.slot.consultation_hour == hour and referral.appointment == appointment

    # The partner accepts and completes from its inbox.
    page.context.clear_cookies()
    checked_page.log_in_as(partner.user)
    checked_page.goto("/app/referrals/")
    page.get_by_role("link", name="Toeslagen", exact=False).first.click()
    checked_page.check()
    expect(page.get_by_text("0612345678")).to_be_visible()
    expect(page.get_by_text("Spreekuur geldzaken")).to_be_visible()
    page.get_by_label("Aangenomen").check()
    page.get_by_role("button", name="Opslaan").click()
    checked_page.check()
    page.get_by_label("Afgerond").check()
    page.get_by_role("button", name="Opslaan").click()
    checked_page.check()
    referral.refresh_from_db()
    assert referral.status == ReferralStatus.COMPLETED

    # The desk sees the status.
    page.context.clear_cookies()
    checked_page.log_in_as(desk.user)
    checked_page.goto("/app/referrals/")
    expect(page.get_by_role("region", name="Doorverwijzingen die u stuurde")).to_contain_text("Afgerond")
