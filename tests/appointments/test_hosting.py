"""A partner adds and manages its own consultation hours, only at locations whose library agreed to host them."""

from datetime import time

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from ido.appointments import selectors, services
from ido.appointments.models import HostAgreement, SeriesStatus
from ido.core.models import AuditEvent
from ido.organisations.roles import Role
from tests.appointments.test_booking import NOW, make_hour
from tests.appointments.test_hours import hour_input
from tests.conftest import login_verified
from tests.factories import LocationFactory, OrganisationFactory, membership_for_role

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _clock():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def coordinator():
    return membership_for_role(Role.COORDINATOR)


@pytest.fixture
def partner():
    return membership_for_role(Role.PARTNER_STAFF)


@pytest.fixture
def location(coordinator):
    return LocationFactory(library=coordinator.organisation, name="Bibliotheek West")


def test_without_an_agreement_a_partner_adds_no_hours(partner, location):
    assert not selectors.hour_locations_for(partner).exists()
    with pytest.raises(PermissionDenied):
        services.create_consultation_hour(
            actor=partner, location=location, data=hour_input(provider=partner.organisation)
        )


def test_after_the_library_agrees_the_partner_adds_its_own_hours_there(coordinator, partner, location):
    services.agree_to_host(actor=coordinator, location=location, provider=partner.organisation)
    assert AuditEvent.objects.filter(action="appointments.host_agreement.created").count() == 1
    assert list(selectors.hour_locations_for(partner)) == [location]
    hour = services.create_consultation_hour(
        actor=partner, location=location, data=hour_input(provider=partner.organisation)
    )
    assert hour.provider == partner.organisation
    # Only for itself: not in another organisation's name.
    with pytest.raises(PermissionDenied):
        services.create_consultation_hour(actor=partner, location=location, data=hour_input())
    # Not at the library's other locations.
    with pytest.raises(PermissionDenied):
        services.create_consultation_hour(
            actor=partner,
            location=LocationFactory(library=coordinator.organisation),
            data=hour_input(provider=partner.organisation),
        )


def test_the_partner_changes_and_cancels_its_own_hours_but_not_others(coordinator, partner, location):
    services.agree_to_host(actor=coordinator, location=location, provider=partner.organisation)
    own = make_hour(location, provider=partner.organisation)
    someone_elses = make_hour(location, title="Ander spreekuur", provider=OrganisationFactory())
    services.cancel_series(actor=partner, hour=own)
    own.refresh_from_db()
    assert own.status == SeriesStatus.CANCELLED
    with pytest.raises(PermissionDenied):
        services.cancel_series(actor=partner, hour=someone_elses)


def test_ending_the_agreement_stops_new_hours_and_keeps_the_existing_ones(coordinator, partner, location):
    agreement = services.agree_to_host(actor=coordinator, location=location, provider=partner.organisation)
    own = make_hour(location, provider=partner.organisation)
    services.end_hosting(actor=coordinator, agreement=agreement)
    assert not HostAgreement.objects.exists()
    own.refresh_from_db()
    assert own.status == SeriesStatus.ACTIVE
    with pytest.raises(PermissionDenied):
        services.cancel_series(actor=partner, hour=own)
    services.update_consultation_hour(  # the host library still manages it
        actor=coordinator,
        hour=own,
        location=location,
        data=hour_input(provider=partner.organisation, end_time=time(17), starts_on=own.starts_on),
    )


def test_only_partners_and_only_at_the_coordinators_locations(coordinator, partner, location):
    with pytest.raises(ValidationError):
        services.agree_to_host(actor=coordinator, location=location, provider=OrganisationFactory(kind="library"))
    with pytest.raises(PermissionDenied):
        services.agree_to_host(actor=coordinator, location=LocationFactory(), provider=partner.organisation)
    services.agree_to_host(actor=coordinator, location=location, provider=partner.organisation)
    with pytest.raises(ValidationError):
        services.agree_to_host(actor=coordinator, location=location, provider=partner.organisation)
    with pytest.raises(PermissionDenied):
        services.agree_to_host(actor=partner, location=location, provider=partner.organisation)


def test_the_pages(client, coordinator, partner, location):
    login_verified(client, coordinator.user)
    response = client.post(
        reverse("appointments:hosting"), {"location": location.pk, "provider": partner.organisation.pk}
    )
    assert response.status_code == 302
    assert partner.organisation.name in client.get(reverse("appointments:hosting")).content.decode()
    client.logout()
    login_verified(client, partner.user)
    form = client.get(reverse("appointments:hour_new")).context["form"]
    assert list(form.fields["location"].queryset) == [location]
    assert list(form.fields["provider"].queryset) == [partner.organisation]
