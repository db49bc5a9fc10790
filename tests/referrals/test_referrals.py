"""Warm referrals: consent before contact details, encryption at rest, the state machine through the service,
reminders after the agreed reaction time, and deletion that leaves nothing personal behind."""

import contextlib
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection

from ido.core.crypto import decrypt
from ido.core.models import AuditEvent
from ido.organisations.roles import Role
from ido.referrals import selectors, services
from ido.referrals.models import Direction, Referral, ReferralAgreement, ReferralEvent, ReferralStatus
from ido.registrations.models import Topic
from tests.factories import (
    LibraryFactory,
    LocationFactory,
    MunicipalityOrganisationFactory,
    OrganisationFactory,
    membership_for_role,
)

pytestmark = pytest.mark.django_db
AMSTERDAM = ZoneInfo("Europe/Amsterdam")
NOW = datetime(2026, 12, 1, 10, 0, tzinfo=AMSTERDAM)


@pytest.fixture(autouse=True)
def _clock():
    with time_machine.travel(NOW, tick=False):
        yield


def make_agreement(library, partner, *codes, **fields) -> ReferralAgreement:
    agreement = ReferralAgreement.objects.create(
        library=library,
        partner=partner,
        valid_from=fields.pop("valid_from", date(2026, 1, 1)),
        notification_email=fields.pop("notification_email", "inbox@buurtteam.example"),
        **fields,
    )
    agreement.topics.set(Topic.objects.filter(code__in=codes or ("allowances",)))
    return agreement


@pytest.fixture
def desk():
    return membership_for_role(Role.DESK)


@pytest.fixture
def partner_staff():
    return membership_for_role(Role.PARTNER_STAFF, organisation=OrganisationFactory(name="Buurtteam Oost"))


@pytest.fixture
def agreement(desk, partner_staff):
    return make_agreement(desk.organisation, partner_staff.organisation, "allowances", response_days=3)


def referral_input(partner, **fields) -> services.ReferralInput:
    values = {
        "receiver": partner,
        "topic": Topic.objects.get(code="allowances"),
        "reason": "Terugvordering huurtoeslag, wil betalingsregeling",
        "tried": "Zelf gebeld met de Belastingtelefoon",
        "contact": services.ContactDetails(name="Fatima", phone="0612345678", preferred_contact_time="ochtend"),
        "consent_given": True,
    }
    return services.ReferralInput(**{**values, **fields})


def refer(desk, partner, django_capture_on_commit_callbacks=None, **fields):
    return services.refer(actor=desk, data=referral_input(partner, **fields))


def test_the_desk_refers_with_consent_and_the_partner_mailbox_hears_of_it_without_personal_data(
    desk, partner_staff, agreement, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        referral = refer(desk, partner_staff.organisation)
    assert referral.direction == Direction.TO_PARTNER and referral.agreement == agreement
    assert referral.status == ReferralStatus.SENT
    assert referral.consent_given_at == NOW
    assert "Buurtteam Oost" in referral.consent_text and "30 dagen" in referral.consent_text
    assert referral.response_due_at == datetime(2026, 12, 4, 17, 0, tzinfo=AMSTERDAM)
    assert [event.name for event in referral.events.all()] == ["referrals.referral.sent"]
    assert mail.outbox[0].to == ["inbox@buurtteam.example"]
    assert "Fatima" not in mail.outbox[0].body and "0612345678" not in mail.outbox[0].body


def test_personal_data_is_encrypted_at_rest_and_readable_with_a_rotated_key(desk, partner_staff, agreement, settings):
    referral = refer(desk, partner_staff.organisation)
    with connection.cursor() as cursor:
        cursor.execute("SELECT name, phone, reason, tried FROM referrals_referral WHERE id = %s", [referral.pk])
        raw = cursor.fetchone()
    assert not any(plain in " ".join(raw) for plain in ("Fatima", "0612345678", "huurtoeslag", "Belastingtelefoon"))
    # A new key goes first; the old one still decrypts what it encrypted.
    new_key = "bmV3LXJvdGF0ZWQta2V5LWZvci10aGUtdGVzdC0wMDE="
    settings.IDO_ENCRYPTION_KEYS = [new_key, *settings.IDO_ENCRYPTION_KEYS]
    assert Referral.objects.get(pk=referral.pk).name == "Fatima"
    assert decrypt(raw[0]) == "Fatima"


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"consent_given": False}, "consent"),  # contact details without consent
        ({"reason": ""}, "reason"),
        ({"reason": "BSN 111222333 graag bellen"}, "reason"),
        ({"tried": "mail naar jan@example.nl"}, "tried"),
        ({"special_category": True}, "special_consent"),
        ({"contact": services.ContactDetails(name="Fatima")}, "phone"),  # consent but no way to reach
        ({"topic_code": "taxes"}, "receiver"),  # the agreement does not cover this topic
    ],
)
def test_bad_input_is_refused_and_changes_nothing(desk, partner_staff, agreement, fields, field):
    if "topic_code" in fields:
        fields = {"topic": Topic.objects.get(code=fields.pop("topic_code"))}
    with pytest.raises(ValidationError) as refused:
        refer(desk, partner_staff.organisation, **fields)
    assert field in refused.value.error_dict
    assert not Referral.objects.exists()


def test_without_consent_the_referral_goes_without_contact_details(desk, partner_staff, agreement):
    referral = refer(desk, partner_staff.organisation, contact=services.ContactDetails(), consent_given=False)
    assert (referral.name, referral.phone, referral.consent_text, referral.consent_given_at) == ("", "", "", None)


def test_special_personal_data_needs_its_own_consent_and_records_its_text(desk, partner_staff, agreement):
    referral = refer(desk, partner_staff.organisation, special_category=True, special_consent_given=True)
    assert referral.special_consent_given_at == NOW and "gezondheid" in referral.special_consent_text


def test_an_expired_agreement_does_not_allow_a_referral(desk, partner_staff):
    make_agreement(desk.organisation, partner_staff.organisation, valid_until=date(2026, 11, 30))
    with pytest.raises(ValidationError):
        refer(desk, partner_staff.organisation)


def test_a_subtopic_is_covered_by_an_agreement_for_its_main_topic(desk, partner_staff):
    main = Topic.objects.get(code="taxes")
    sub = Topic.objects.create(code="income-tax-test", label_nl="Aangifte", label_en="Return", parent=main)
    make_agreement(desk.organisation, partner_staff.organisation, "taxes")
    assert refer(desk, partner_staff.organisation, topic=sub).topic == sub


def test_the_partner_moves_the_referral_and_the_desk_sees_each_step(desk, partner_staff, agreement):
    referral = refer(desk, partner_staff.organisation)
    later = NOW + timedelta(hours=20)
    services.move(actor=partner_staff, referral=referral, status="accepted", now=later)
    services.move(actor=partner_staff, referral=referral, status="contacted", now=later + timedelta(hours=1))
    services.move(actor=partner_staff, referral=referral, status="completed", now=later + timedelta(days=2))
    referral.refresh_from_db()
    assert referral.first_reaction_at == later
    assert referral.closed_at == later + timedelta(days=2)
    events = [event.name for event in selectors.referrals_visible_to(desk).get().events.all()]
    assert events == [
        "referrals.referral.sent",
        "referrals.referral.accepted",
        "referrals.referral.contacted",
        "referrals.referral.completed",
    ]
    assert AuditEvent.objects.filter(action="referrals.referral.completed").count() == 1


def test_illegal_steps_and_strangers_are_refused(desk, partner_staff, agreement):
    referral = refer(desk, partner_staff.organisation)
    with pytest.raises(ValidationError, match="kan nu niet"):
        services.move(actor=partner_staff, referral=referral, status="completed")
    with pytest.raises(ValidationError):
        services.move(actor=desk, referral=referral, status="accepted")  # only the receiver accepts
    with pytest.raises(PermissionDenied):
        services.move(actor=membership_for_role(Role.PARTNER_STAFF), referral=referral, status="accepted")
    with pytest.raises(ValidationError) as refused:
        services.move(actor=partner_staff, referral=referral, status="declined")  # a reason is needed
    assert "note" in refused.value.error_dict
    referral.refresh_from_db()
    assert referral.status == ReferralStatus.SENT and referral.events.count() == 1


def test_a_reminder_goes_once_after_the_agreed_reaction_time(desk, partner_staff, agreement):
    referral = refer(desk, partner_staff.organisation)
    mail.outbox.clear()
    with time_machine.travel(datetime(2026, 12, 4, 16, 0, tzinfo=AMSTERDAM), tick=False):
        assert services.remind_overdue() == 0
        assert not selectors.is_overdue(Referral.objects.get())
    with time_machine.travel(datetime(2026, 12, 7, 9, 0, tzinfo=AMSTERDAM), tick=False):
        assert selectors.is_overdue(Referral.objects.get())  # the desk sees the flag
        assert services.remind_overdue() == 1
        assert services.remind_overdue() == 0
    assert len(mail.outbox) == 1 and "Herinnering" in mail.outbox[0].subject
    assert referral.events.filter(name="referrals.referral.overdue").count() == 1


def test_withdrawing_consent_deletes_the_personal_data_at_once(desk, partner_staff, agreement):
    referral = refer(desk, partner_staff.organisation)
    services.move(actor=partner_staff, referral=referral, status="accepted")
    referral = services.withdraw_consent(actor=desk, referral=referral)
    assert (referral.name, referral.phone, referral.reason) == ("", "", "")
    assert referral.status == ReferralStatus.WITHDRAWN and referral.personal_data_deleted_at is not None


PERSONAL = ("Fatima", "0612345678", "Terugvordering huurtoeslag", "Belastingtelefoon", "ochtend", "geen tijd")


def test_deletion_after_the_retention_period_leaves_nothing_personal_in_any_table(desk, partner_staff, agreement):
    referral = refer(desk, partner_staff.organisation)
    services.move(actor=partner_staff, referral=referral, status="declined", note="geen tijd deze maand")
    assert services.delete_expired_personal_data(now=NOW + timedelta(days=29)) == 0
    assert services.delete_expired_personal_data(now=NOW + timedelta(days=31)) == 1
    assert services.delete_expired_personal_data(now=NOW + timedelta(days=40)) == 0  # idempotent
    # Every text column of every table, decrypted where it is ciphertext, holds none of it.
    leftovers = []
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names():
            cursor.execute(f"SELECT * FROM {connection.ops.quote_name(table)}")
            for row in cursor.fetchall():
                for value in row:
                    if not isinstance(value, str) or not value:
                        continue
                    texts = [value]
                    with contextlib.suppress(Exception):  # not ciphertext
                        texts.append(decrypt(value))
                    leftovers += [(table, word) for word in PERSONAL for text in texts if word in text]
    assert leftovers == []
    skeleton = Referral.objects.get()
    assert (skeleton.topic.code, skeleton.receiver, skeleton.status) == (
        "allowances",
        partner_staff.organisation,
        ReferralStatus.DECLINED,
    )


def test_reading_personal_data_is_audited(desk, partner_staff, agreement):
    referral = refer(desk, partner_staff.organisation)
    services.read_referral(actor=partner_staff, referral=referral)
    event = AuditEvent.objects.get(action="referrals.referral.read")
    assert event.organisation == partner_staff.organisation


def test_only_sender_and_receiver_see_a_referral(desk, partner_staff, agreement):
    refer(desk, partner_staff.organisation)
    municipality = membership_for_role(Role.MUNICIPAL_OFFICER)
    national = membership_for_role(Role.NATIONAL_ADMIN)
    other_library = membership_for_role(Role.COORDINATOR)
    assert selectors.referrals_visible_to(desk).count() == 1
    assert selectors.inbox(partner_staff).count() == 1
    for stranger in (municipality, national, other_library, membership_for_role(Role.PARTNER_STAFF)):
        assert not selectors.referrals_visible_to(stranger).exists()


def test_a_partner_and_the_municipality_refer_into_the_ido(partner_staff):
    library = LibraryFactory()
    location = LocationFactory(library=library)
    make_agreement(library, partner_staff.organisation)
    referral = services.refer(
        actor=partner_staff,
        data=referral_input(library, receiver_location=location, topic=Topic.objects.get(code="digid")),
    )
    assert referral.direction == Direction.TO_IDO
    coordinator = membership_for_role(Role.COORDINATOR, organisation=library)
    assert list(selectors.expected_visitors(coordinator)) == [referral]

    municipality = MunicipalityOrganisationFactory()
    officer = membership_for_role(Role.MUNICIPAL_OFFICER, organisation=municipality)
    with pytest.raises(ValidationError):  # the library does not serve this municipality
        services.refer(actor=officer, data=referral_input(library, receiver_location=location))
    library.served_municipalities.add(municipality.municipality)
    services.refer(actor=officer, data=referral_input(library, receiver_location=location))
    assert selectors.expected_visitors(coordinator).count() == 2


def test_the_coordinator_exports_and_erases_the_data_of_one_person(desk, partner_staff, agreement):
    referral = refer(desk, partner_staff.organisation)
    coordinator = membership_for_role(Role.COORDINATOR, organisation=desk.organisation)
    with pytest.raises(PermissionDenied):
        services.export_subject_data(actor=desk, referral=referral)
    exported = services.export_subject_data(actor=coordinator, referral=referral)
    assert exported["personal_data"]["name"] == "Fatima"
    assert exported["consent"]["text"] == referral.consent_text
    services.erase_subject_data(actor=coordinator, referral=referral)
    assert services.export_subject_data(actor=coordinator, referral=referral)["personal_data"]["name"] == ""
    assert ReferralEvent.objects.filter(name="referrals.referral.erased").count() == 1


def test_figures_survive_the_deletion_of_personal_data(desk, partner_staff, agreement):
    first = refer(desk, partner_staff.organisation)
    second = refer(desk, partner_staff.organisation)
    services.move(actor=partner_staff, referral=first, status="accepted", now=NOW + timedelta(hours=4))
    services.move(actor=partner_staff, referral=second, status="declined", note="vol", now=NOW + timedelta(hours=8))
    services.move(actor=partner_staff, referral=first, status="completed", now=NOW + timedelta(days=3))
    coordinator = membership_for_role(Role.COORDINATOR, organisation=desk.organisation)
    before = selectors.figures(coordinator, date(2026, 12, 1), date(2026, 12, 31))
    services.delete_expired_personal_data(now=NOW + timedelta(days=60))
    after = selectors.figures(coordinator, date(2026, 12, 1), date(2026, 12, 31))
    assert before == after
    assert after["total"] == 2 and after["acceptance_percent"] == 50
    assert after["median_hours_to_reaction"] == 6.0


def test_the_daily_and_frequent_commands_run_the_referral_work_as_tasks(desk, partner_staff, agreement):
    from django.core.management import call_command

    referral = refer(desk, partner_staff.organisation)
    services.move(actor=partner_staff, referral=referral, status="declined", note="vol")
    mail.outbox.clear()
    with time_machine.travel(NOW + timedelta(days=31), tick=False):
        call_command("delete_expired_personal_data")
        call_command("delete_expired_personal_data")
    referral.refresh_from_db()
    assert referral.name == "" and referral.personal_data_deleted_at is not None
    overdue = refer(desk, partner_staff.organisation)
    with time_machine.travel(datetime(2026, 12, 10, 9, 0, tzinfo=AMSTERDAM), tick=False):
        call_command("send_reminders")
        call_command("send_reminders")
    assert [message.subject for message in mail.outbox].count(mail.outbox[-1].subject) == 1
    overdue.refresh_from_db()
    assert overdue.reminder_sent_at is not None


# --- Found in review ------------------------------------------------------------------------------------------


def test_an_erased_open_referral_is_closed_so_no_note_can_land_on_it(desk, partner_staff, agreement):
    referral = refer(desk, partner_staff.organisation)
    coordinator = membership_for_role(Role.COORDINATOR, organisation=desk.organisation)
    services.erase_subject_data(actor=coordinator, referral=referral)
    referral.refresh_from_db()
    assert referral.status == ReferralStatus.WITHDRAWN and referral.closed_at is not None
    with pytest.raises(ValidationError):
        services.move(actor=partner_staff, referral=referral, status="declined", note="Mevrouw heeft schulden")
    erased = referral.events.get(name="referrals.referral.erased")
    assert erased.status == "" and str(erased.label) == "Persoonsgegevens gewist op verzoek"


def test_a_partner_cannot_accept_once_the_agreement_has_ended(desk, partner_staff, agreement):
    referral = refer(desk, partner_staff.organisation)
    ReferralAgreement.objects.filter(pk=agreement.pk).update(valid_until=date(2026, 11, 30))
    with pytest.raises(ValidationError, match="geen geldende samenwerkingsafspraak"):
        services.move(actor=partner_staff, referral=referral, status="accepted")
    services.move(actor=partner_staff, referral=referral, status="declined", note="Afspraak is afgelopen")


def test_a_referral_never_closed_loses_its_personal_data_after_the_longest_open_time(
    desk, partner_staff, agreement, settings
):
    settings.IDO_REFERRAL_MAX_OPEN_DAYS = 90
    referral = refer(desk, partner_staff.organisation, special_category=True, special_consent_given=True)
    assert services.delete_expired_personal_data(now=NOW + timedelta(days=89)) == 0
    assert services.delete_expired_personal_data(now=NOW + timedelta(days=91)) == 1
    referral.refresh_from_db()
    assert (referral.name, referral.special_category, referral.status) == ("", False, ReferralStatus.SENT)


def test_an_agreement_for_one_location_only_covers_that_location(desk, partner_staff):
    here = LocationFactory(library=desk.organisation)
    there = LocationFactory(library=desk.organisation)
    make_agreement(desk.organisation, partner_staff.organisation, location=here)
    with pytest.raises(ValidationError):
        refer(desk, partner_staff.organisation, sender_location=there)
    assert refer(desk, partner_staff.organisation, sender_location=here).sender_location == here


def test_the_municipality_sees_figures_of_its_own_territory_with_small_numbers_hidden(desk, partner_staff, agreement):
    from ido.organisations.models import Municipality

    municipality = MunicipalityOrganisationFactory()
    officer = membership_for_role(Role.MUNICIPAL_OFFICER, organisation=municipality)
    here = LocationFactory(
        library=desk.organisation, municipality=Municipality.objects.get(pk=municipality.municipality_id)
    )
    elsewhere = LocationFactory(library=desk.organisation)
    for _ in range(2):
        refer(desk, partner_staff.organisation, sender_location=here)
    refer(desk, partner_staff.organisation, sender_location=elsewhere)
    figures = selectors.figures(officer, date(2026, 12, 1), date(2026, 12, 31))
    assert figures["total"] == 2
    assert figures["by_receiver"][0]["suppressed"]  # 2 < 5: not shown per cell
    coordinator = membership_for_role(Role.COORDINATOR, organisation=desk.organisation)
    assert not selectors.figures(coordinator, date(2026, 12, 1), date(2026, 12, 31))["by_receiver"][0]["suppressed"]


def test_an_agreement_with_referrals_keeps_its_partner(desk, partner_staff, agreement):
    from ido.referrals import network_services

    refer(desk, partner_staff.organisation)
    coordinator = membership_for_role(Role.COORDINATOR, organisation=desk.organisation)
    data = network_services.AgreementInput(
        partner=OrganisationFactory(name="Ander team"),
        topics=tuple(agreement.topics.all()),
        valid_from=agreement.valid_from,
        notification_email="x@example.nl",
    )
    with pytest.raises(ValidationError) as refused:
        network_services.update_agreement(actor=coordinator, agreement=agreement, data=data)
    assert "partner" in refused.value.error_dict
    agreement.refresh_from_db()
    assert agreement.partner == partner_staff.organisation


def test_a_referral_into_the_ido_may_propose_a_course_of_that_library(partner_staff):
    from tests.courses.conftest import make_course, make_session

    library = LibraryFactory()
    location = LocationFactory(library=library)
    make_agreement(library, partner_staff.organisation)
    session = make_session(make_course(library), location)
    referral = services.refer(
        actor=partner_staff, data=referral_input(library, receiver_location=location, session=session)
    )
    assert referral.session == session
    coordinator = membership_for_role(Role.COORDINATOR, organisation=library)
    assert list(selectors.expected_visitors(coordinator)) == [referral]

    elsewhere = make_session(make_course(LibraryFactory()), LocationFactory())
    started = make_session(make_course(library), location, first=NOW.date() - timedelta(days=1))
    for wrong in (elsewhere, started):
        with pytest.raises(ValidationError) as refused:
            services.refer(actor=partner_staff, data=referral_input(library, receiver_location=location, session=wrong))
        assert "session" in refused.value.message_dict
    assert Referral.objects.count() == 1


def test_the_desk_does_not_propose_a_course_to_a_partner(desk, partner_staff, agreement):
    from tests.courses.conftest import make_course, make_session

    session = make_session(make_course(desk.organisation), LocationFactory(library=desk.organisation))
    with pytest.raises(ValidationError):
        services.refer(actor=desk, data=referral_input(partner_staff.organisation, session=session))
