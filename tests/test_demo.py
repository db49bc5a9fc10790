"""`ido demo`: a believable region, safe to run twice, never on a production site by accident."""

from io import StringIO

import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command

from ido.locations.models import Location
from ido.organisations.models import Membership, Organisation
from ido.organisations.roles import OrganisationKind

pytestmark = pytest.mark.django_db

DEMO_USERS = ["desk", "coordinator", "partner", "municipality", "national"]


def run_demo(settings, tmp_path, **options) -> str:
    settings.DEBUG = True
    settings.DATA_DIR = tmp_path
    out = StringIO()
    call_command("demo", stdout=out, **options)
    return out.getvalue()


def test_demo_builds_the_region_and_prints_the_logins(settings, tmp_path):
    settings.IDO_DEMO_PASSWORD = "demo-password-for-tests"
    output = run_demo(settings, tmp_path)
    for name in DEMO_USERS:
        assert f"{name}@demo.test" in output
        user = get_user_model().objects.get(email=f"{name}@demo.test")
        assert user.check_password("demo-password-for-tests")
        assert Membership.objects.active().filter(user=user).exists()
    libraries = Organisation.objects.filter(kind=OrganisationKind.LIBRARY)
    assert libraries.count() == 2
    assert max(library.served_municipalities.count() for library in libraries) == 2
    assert 6 <= Location.objects.count() <= 8
    assert Location.objects.filter(in_library=False).count() == 1
    assert Organisation.objects.filter(kind=OrganisationKind.PARTNER, is_national_partner=True).exists()
    assert Organisation.objects.filter(kind=OrganisationKind.PARTNER, is_national_partner=False).exists()


def test_second_run_reuses_everything_and_the_generated_password(settings, tmp_path):
    settings.IDO_DEMO_PASSWORD = ""
    first = run_demo(settings, tmp_path)
    password = (tmp_path / "demo-password.txt").read_text().strip()
    assert password in first
    counts = (Organisation.objects.count(), Location.objects.count(), Membership.objects.count())
    second = run_demo(settings, tmp_path)
    assert "reused" in second
    assert password in second
    assert counts == (Organisation.objects.count(), Location.objects.count(), Membership.objects.count())


def test_demo_refuses_to_run_in_production(settings):
    settings.DEBUG = False
    with pytest.raises(CommandError):
        call_command("demo", stdout=StringIO())
    assert not Organisation.objects.exists()


def test_demo_has_a_few_months_of_registrations(settings, tmp_path):
    from ido.registrations.models import Question, Visit

    run_demo(settings, tmp_path)
    assert Visit.objects.count() > 100
    assert Question.objects.count() >= Visit.objects.count()
    oldest = Visit.objects.order_by("occurred_at").first().occurred_at
    newest = Visit.objects.order_by("-occurred_at").first().occurred_at
    assert (newest - oldest).days >= 60


def test_demo_has_consultation_hours_with_bookings(settings, tmp_path):
    from ido.appointments.models import Appointment, ConsultationHour

    run_demo(settings, tmp_path)
    hours = {hour.title: hour for hour in ConsultationHour.objects.select_related("location", "provider")}
    assert hours["Belastingspreekuur"].provider.name == "Belastingdienst"
    assert hours["Belastingspreekuur"].location.in_library
    assert not hours["Formulierenspreekuur"].location.in_library  # the IDO's own hour at a community centre
    # The neighbourhood team adds its own hour at the library that agreed to host it; citizens book it online.
    assert hours["Spreekuur geldzaken"].provider.name == "Buurtteams Utrecht"
    assert hours["Spreekuur geldzaken"].public_booking
    # Topics, so the desk finds the hours from a registered question.
    assert {topic.code for topic in hours["Belastingspreekuur"].topics.all()} == {"taxes", "allowances"}
    assert Appointment.objects.count() == 4
    assert all(appointment.name for appointment in Appointment.objects.all())  # decrypted on read


def test_demo_has_a_partner_network_with_white_spots(settings, tmp_path):
    from ido.organisations.models import Municipality
    from ido.referrals.models import PartnerService, ReferralAgreement
    from ido.referrals.network_selectors import white_spots

    run_demo(settings, tmp_path)
    assert PartnerService.objects.filter(organisation__name="Buurtteams Utrecht", is_active=True).exists()
    assert PartnerService.objects.filter(nationwide=True).count() >= 3
    partners = set(
        ReferralAgreement.objects.filter(library__name="Bibliotheek Utrecht").values_list("partner__name", flat=True)
    )
    assert {"Buurtteams Utrecht", "Belastingdienst"} <= partners
    rows = {row.topic.code: row for row in white_spots(Municipality.objects.get(cbs_code="GM0344"))}
    assert [partner.name for partner in rows["allowances"].partners] == ["Buurtteams Utrecht"]
    assert [partner.name for partner in rows["taxes"].partners] == ["Belastingdienst"]
    assert rows["digid"].is_white_spot
    assert rows["pension"].is_white_spot  # the agreement with the SVB has ended


def test_demo_has_referrals_in_every_state_and_an_expected_visitor(settings, tmp_path):
    from ido.organisations.models import Membership
    from ido.referrals import selectors
    from ido.referrals.models import Referral, ReferralStatus

    run_demo(settings, tmp_path)
    assert set(Referral.objects.values_list("status", flat=True)) == set(ReferralStatus.values)
    partner = Membership.objects.get(user__email="partner@demo.test")
    assert selectors.inbox(partner).exists()  # the partner demo user sees an inbox
    assert any(selectors.is_overdue(referral) for referral in selectors.inbox(partner))
    assert Referral.objects.filter(personal_data_deleted_at__isnull=False).exists()
    coordinator = Membership.objects.get(user__email="coordinator@demo.test")
    expected = selectors.expected_visitors(coordinator)
    assert expected.count() == 2  # from the municipality's counter; one of them with a proposed course
    assert expected.filter(session__isnull=False).count() == 1


def test_demo_has_courses_with_sessions_and_one_full_with_a_waitlist(settings, tmp_path):
    from ido.courses import selectors
    from ido.courses.models import Attendance, Course, EnrolmentStatus, Session
    from ido.organisations.models import Membership

    run_demo(settings, tmp_path)
    titles = set(Course.objects.values_list("title", flat=True))
    assert {"Digisterker: werken met de e-overheid", "Klik & Tik: de basis"} <= titles
    assert Course.objects.filter(kind="language").exists()
    full = [session for session in Session.objects.all() if session.free == 0 and selectors.waitlist(session).exists()]
    assert len(full) == 1 and full[0].enrolments.filter(status=EnrolmentStatus.WAITLISTED).count() == 3
    assert Attendance.objects.exists()  # last month's session was marked
    partner = Membership.objects.get(user__email="partner@demo.test")
    assert selectors.courses_manageable_by(partner).exists()  # the partner gives a course too


def test_demo_has_allocations_a_library_grant_spending_and_a_closed_year_carried_into_the_next(settings, tmp_path):
    from django.utils import timezone

    from ido.funding import selectors
    from ido.funding.models import Allocation, Expenditure, LibraryGrant, YearAccount
    from ido.organisations.models import Municipality

    run_demo(settings, tmp_path)
    this_year = timezone.localdate().year
    assert Allocation.objects.filter(scheme__year=this_year).count() == 4
    assert not Allocation.objects.filter(is_demo=False).exists()  # computed from demo components, and marked so
    assert LibraryGrant.objects.filter(year=this_year, status="decided").exists()
    assert set(Expenditure.objects.values_list("purpose", flat=True)) == {"library", "promotion", "network"}
    closed = YearAccount.objects.get(year=this_year - 1)
    assert closed.is_closed and closed.reserved > 0
    figures = selectors.year_figures(Municipality.objects.get(cbs_code="GM0344"), this_year, as_of=timezone.localdate())
    assert figures.reserve_in == closed.reserved and figures.reserve_in_is_final
