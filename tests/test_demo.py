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
