"""Six languages on the public pages, chosen with a plain link and kept in the language cookie; the staff pages
stay in Dutch and English."""

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import translation

pytestmark = pytest.mark.django_db

PUBLIC_LANGUAGES = ["nl", "en", "ar", "tr", "pl", "uk"]


def test_a_language_link_switches_the_page_and_is_kept(client):
    response = client.get("/", {"lang": "ar"})
    html = response.content.decode()
    assert '<html lang="ar" dir="rtl">' in html
    cookie = response.cookies[settings.LANGUAGE_COOKIE_NAME]
    assert cookie.value == "ar"
    assert int(cookie["max-age"]) == settings.LANGUAGE_COOKIE_AGE
    assert response["Content-Language"] == "ar"
    again = client.get("/")  # the cookie keeps it
    assert '<html lang="ar" dir="rtl">' in again.content.decode()


@pytest.mark.parametrize("code", PUBLIC_LANGUAGES)
def test_every_public_language_sets_lang_and_direction(client, code):
    html = client.get("/", {"lang": code}).content.decode()
    direction = "rtl" if code == "ar" else "ltr"
    assert f'<html lang="{code}" dir="{direction}">' in html


def test_the_language_links_keep_the_search(client):
    html = client.get("/", {"q": "3512 AE"}).content.decode()
    assert 'href="/?q=3512+AE&amp;lang=ar"' in html
    assert 'lang="ar" hreflang="ar" dir="rtl"' in html
    for code in PUBLIC_LANGUAGES:
        assert f'hreflang="{code}"' in html


def test_a_head_request_answers_with_the_headers_of_the_get(client):
    get = client.get("/", {"lang": "ar"})
    head = client.head("/", {"lang": "ar"})
    assert head["Content-Language"] == get["Content-Language"] == "ar"
    assert head.cookies[settings.LANGUAGE_COOKIE_NAME].value == "ar"


@pytest.mark.parametrize("path", ["//evil.example/", "/\\evil.example/"])
def test_the_language_links_of_a_strange_address_stay_on_this_site(client, path):
    response = client.get("/", PATH_INFO=path)  # a 404 page, with the language links
    assert response.status_code == 404
    links = [language["url"] for language in response.context["page_languages"]]
    assert links and all(link.startswith("/") and link[1] not in "/\\" for link in links), links


def test_an_unknown_language_is_ignored(client):
    response = client.get("/", {"lang": "xx"})
    assert '<html lang="nl"' in response.content.decode()
    assert settings.LANGUAGE_COOKIE_NAME not in response.cookies


def test_staff_pages_show_a_public_only_language_in_dutch(client):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "ar"
    response = client.get(reverse("accounts:login"))
    html = response.content.decode()
    assert '<html lang="nl"' in html
    assert 'hreflang="ar"' not in html  # the staff pages offer Dutch and English only
    assert 'hreflang="en"' in html
    assert client.get("/").content.decode().count('<html lang="ar"') == 1  # the public page still in Arabic


def test_english_stays_english_on_staff_pages(client):
    client.get(reverse("accounts:login"), {"lang": "en"})
    assert '<html lang="en"' in client.get(reverse("accounts:login")).content.decode()


def test_the_api_ignores_the_link_parameter(client):
    response = client.get("/api/v1/vocabularies/", {"lang": "ar"})
    assert settings.LANGUAGE_COOKIE_NAME not in response.cookies


@pytest.mark.parametrize("code", ["ar", "tr", "pl", "uk"])
def test_the_public_texts_are_translated(code):
    """The catalogue of each public language has the finder's texts (read by native speakers before production)."""
    texts = [
        "Find help with digital government",
        "Your postcode or place",
        "Search",
        "Use my location",
        "Opening hours this week",
        "What can I get help with here?",
        "Open now until %(time)s",
    ]
    with translation.override(code):
        for text in texts:
            assert translation.gettext(text) != text, (code, text)


def test_choosing_a_language_makes_that_response_private(client):
    response = client.get(reverse("public:open_data"), {"lang": "pl"})
    assert "private" in response["Cache-Control"]


def test_the_widget_takes_its_language_from_the_address_without_a_cookie(client):
    from tests.factories import MunicipalityFactory, MunicipalityOrganisationFactory

    MunicipalityOrganisationFactory(municipality=MunicipalityFactory(cbs_code="GM0344", name="Utrecht"))
    response = client.get(reverse("public:widget", kwargs={"cbs_code": "GM0344"}), {"lang": "uk"})
    assert '<html lang="uk"' in response.content.decode()
    assert settings.LANGUAGE_COOKIE_NAME not in response.cookies
    assert "public" in response["Cache-Control"]


def test_only_the_api_varies_on_accept_language(client):
    assert "Accept-Language" not in client.get("/").get("Vary", "")
    assert "Accept-Language" in client.get("/api/v1/vocabularies/").get("Vary", "")
