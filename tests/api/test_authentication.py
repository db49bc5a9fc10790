from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone

from ido.api.keys import hash_key
from ido.api.models import ApiToken
from tests.api.conftest import issue_token
from tests.factories import LibraryFactory

pytestmark = pytest.mark.django_db

URL = "/api/v1/municipalities/"


def test_request_without_token_is_refused_with_401_that_explains_the_header(api_client):
    response = api_client.get(URL)

    assert response.status_code == 401
    assert "Authorization: Token <key>" in response.json()["detail"]
    assert response.headers["WWW-Authenticate"].startswith("Token")


def test_unknown_key_is_refused(api_client):
    api_client.credentials(HTTP_AUTHORIZATION="Token ido_thisKeyWasNeverIssuedToAnyone")

    response = api_client.get(URL)

    assert response.status_code == 401
    assert response.json()["detail"] == "Invalid token."


def test_key_of_another_shape_is_refused(api_client):
    api_client.credentials(HTTP_AUTHORIZATION="Token abc")

    assert api_client.get(URL).status_code == 401


def test_header_with_more_than_one_key_is_refused_with_the_expected_form(api_client):
    api_client.credentials(HTTP_AUTHORIZATION="Token one two")

    response = api_client.get(URL)

    assert response.status_code == 401
    assert "Authorization: Token <key>" in response.json()["detail"]


def test_key_with_a_wrong_tail_is_refused(api_client):
    _token, key = issue_token(LibraryFactory())
    api_client.credentials(HTTP_AUTHORIZATION=f"Token {key[:-1]}{'A' if key[-1] != 'A' else 'B'}")

    assert api_client.get(URL).status_code == 401


def test_valid_token_is_accepted(api_client):
    _token, key = issue_token(LibraryFactory())
    api_client.credentials(HTTP_AUTHORIZATION=f"Token {key}")

    assert api_client.get(URL).status_code == 200


def test_keyword_is_case_insensitive(api_client):
    _token, key = issue_token(LibraryFactory())
    api_client.credentials(HTTP_AUTHORIZATION=f"token {key}")

    assert api_client.get(URL).status_code == 200


def test_revoked_token_is_refused_with_a_clear_message(api_client):
    token, key = issue_token(LibraryFactory())
    ApiToken.objects.filter(pk=token.pk).update(revoked_at=timezone.now())
    api_client.credentials(HTTP_AUTHORIZATION=f"Token {key}")

    response = api_client.get(URL)

    assert response.status_code == 401
    assert "revoked" in response.json()["detail"]


def test_token_of_an_inactive_organisation_is_refused(api_client):
    _token, key = issue_token(LibraryFactory(is_active=False))
    api_client.credentials(HTTP_AUTHORIZATION=f"Token {key}")

    response = api_client.get(URL)

    assert response.status_code == 401
    assert "no longer active" in response.json()["detail"]


def test_use_records_last_used_at(api_client):
    token, key = issue_token(LibraryFactory())
    api_client.credentials(HTTP_AUTHORIZATION=f"Token {key}")

    api_client.get(URL)

    token.refresh_from_db()
    assert token.last_used_at is not None
    assert timezone.now() - token.last_used_at < timedelta(seconds=10)


def test_last_used_at_is_written_at_most_once_a_minute(api_client):
    token, key = issue_token(LibraryFactory())
    api_client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    start = timezone.now()

    with time_machine.travel(start, tick=False):
        api_client.get(URL)
    with time_machine.travel(start + timedelta(seconds=30), tick=False):
        api_client.get(URL)
    token.refresh_from_db()
    assert token.last_used_at == start

    with time_machine.travel(start + timedelta(seconds=61), tick=False):
        api_client.get(URL)
    token.refresh_from_db()
    assert token.last_used_at == start + timedelta(seconds=61)


def test_key_is_stored_only_as_its_hash(api_client):
    token, key = issue_token(LibraryFactory())

    row = ApiToken.objects.filter(pk=token.pk).values().get()

    assert key not in [str(value) for value in row.values()]
    assert row["key_hash"] == hash_key(key)
    assert row["prefix"] == key[:8]


def test_schema_needs_no_token(api_client):
    response = api_client.get("/api/v1/schema/")

    assert response.status_code == 200
    assert b"ApiToken" in response.content


def test_unknown_api_path_answers_404_in_json(api_client):
    response = api_client.get("/api/v1/no-such-thing/")

    assert response.status_code == 404
    assert response.json() == {"detail": "Not found."}


def test_unknown_api_path_with_a_newline_answers_404_in_json(api_client):
    response = api_client.get("/api/v1/municipalities/a%0Ab/")

    assert response.status_code == 404
    assert response.headers["Content-Type"] == "application/json"


@pytest.mark.parametrize("key", ["ido_" + "\x00" * 20, "ido_" + "é" * 20, "ido_" + "a" * 500, "ido_short"])
def test_keys_of_the_wrong_shape_are_refused_before_the_database(api_client, key, django_assert_num_queries):
    with django_assert_num_queries(0):
        response = api_client.get(URL, HTTP_AUTHORIZATION=f"Token {key}")

    assert response.status_code == 401
