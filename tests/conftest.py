import pytest
from django.conf import settings
from django.core.cache import cache
from django.utils import translation
from django_otp.plugins.otp_totp.models import TOTPDevice

from tests.factories import membership_for_role


@pytest.fixture(autouse=True)
def _default_language():
    """Each test starts in the default language: a request earlier in the same thread may have switched it."""
    translation.activate(settings.LANGUAGE_CODE)
    yield
    translation.activate(settings.LANGUAGE_CODE)


@pytest.fixture(autouse=True)
def _fresh_cache():
    """Each test starts with an empty cache: the public rate limits count per visitor in it."""
    cache.clear()
    yield


def login_verified(client, user) -> None:
    """Log a user in with a confirmed TOTP device and a verified session, as after a real 2FA login."""
    device, _ = TOTPDevice.objects.get_or_create(user=user, name="Authenticator", defaults={"confirmed": True})
    client.force_login(user)
    session = client.session
    session["otp_device_id"] = device.persistent_id
    session.save()


@pytest.fixture
def as_role(client):
    """Log the client in as a verified user of the given role; returns the membership."""

    def _as(role: str, **kwargs):
        membership = membership_for_role(role, **kwargs)
        login_verified(client, membership.user)
        return membership

    return _as
