import pytest
from rest_framework.test import APIClient

from ido.api.keys import generate_key, hash_key, stored_prefix
from ido.api.models import ApiToken


def issue_token(organisation, name: str = "Test integration") -> tuple[ApiToken, str]:
    """A token for any kind of organisation, also those whose people cannot make one in the UI."""
    key = generate_key()
    token = ApiToken.objects.create(
        organisation=organisation, name=name, prefix=stored_prefix(key), key_hash=hash_key(key)
    )
    return token, key


@pytest.fixture
def api_client():
    # English, so tests can read the messages; without the header the API answers in Dutch where it can.
    return APIClient(HTTP_ACCEPT_LANGUAGE="en")


@pytest.fixture
def client_for(api_client):
    """An API client that sends the key of a fresh token of `organisation`."""

    def _for(organisation) -> APIClient:
        _token, key = issue_token(organisation)
        api_client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
        return api_client

    return _for
