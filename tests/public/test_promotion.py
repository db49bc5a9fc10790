"""Promotion: the poster and the flyer of a location (real PDFs read back), the widget other websites frame (only
the websites the municipality allowed), and the officer's page that manages those websites."""

import io
import re
from datetime import date, datetime, time
from zoneinfo import ZoneInfo

import pypdf
import pytest
import time_machine
from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation

from ido.appointments.models import ConsultationHour, Frequency, SeriesStatus
from ido.core.models import AuditEvent
from ido.locations.models import LocationStatus
from ido.organisations.roles import Role
from ido.public import embedding, posters, services
from ido.public.models import EmbeddingSite
from tests.conftest import login_verified
from tests.factories import (
    LibraryFactory,
    LocationFactory,
    MembershipFactory,
    MunicipalityFactory,
    MunicipalityOrganisationFactory,
    OpeningHoursFactory,
    OrganisationFactory,
    membership_for_role,
)

pytestmark = pytest.mark.django_db

AMSTERDAM = ZoneInfo("Europe/Amsterdam")
MONDAY_MORNING = datetime(2026, 12, 7, 11, 0, tzinfo=AMSTERDAM)  # a Monday, no public holiday
A4 = (595.28, 841.89)
A6 = (297.64, 419.53)
ARABIC = re.compile(r"[\u0600-\u06ff\ufb50-\ufdff\ufe70-\ufeff]")


def pdf_pages(content: bytes) -> list:
    return pypdf.PdfReader(io.BytesIO(content)).pages


def pdf_text(content: bytes) -> str:
    return " ".join(" ".join(page.extract_text().split()) for page in pdf_pages(content))


def pdf_fonts(content: bytes) -> set[str]:
    fonts = set()
    for page in pdf_pages(content):
        for font in page["/Resources"]["/Font"].values():
            fonts.add(str(font.get_object()["/BaseFont"]))
    return fonts


@pytest.fixture
def utrecht():
    return MunicipalityFactory(cbs_code="GM0344", name="Utrecht")


@pytest.fixture
def neude(utrecht):
    library = LibraryFactory(name="Bibliotheek Utrecht", served_municipalities=[utrecht])
    location = LocationFactory(
        library=library,
        municipality=utrecht,
        name="IDO Bibliotheek Neude",
        venue="Bibliotheek Neude",
        street="Neude",
        house_number="11",
        postcode="3512 AE",
        city="Utrecht",
        phone="030 123 45 67",
        languages=["nl", "ar", "tr"],
        step_free=True,
        hearing_loop=True,
    )
    OpeningHoursFactory(location=location, weekday=0, opens=time(10), closes=time(17))
    OpeningHoursFactory(location=location, weekday=3, opens=time(9, 30), closes=time(12, 30))
    OpeningHoursFactory(location=location, weekday=3, opens=time(13, 30), closes=time(16))
    ConsultationHour.objects.create(
        provider=OrganisationFactory(name="Belastingdienst"),
        location=location,
        title="Belastingspreekuur",
        frequency=Frequency.WEEKLY,
        weekdays="1",
        starts_on=date(2026, 1, 6),
        start_time=time(14),
        end_time=time(16),
    )
    ConsultationHour.objects.create(
        provider=OrganisationFactory(name="UWV"),
        location=location,
        title="Stopped hour",
        weekdays="2",
        starts_on=date(2026, 1, 6),
        start_time=time(14),
        end_time=time(16),
        status=SeriesStatus.CANCELLED,
    )
    return location


def location_url(location) -> str:
    return settings.IDO_BASE_URL + reverse("public:location", kwargs={"pk": location.pk})


# Poster and flyer ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("name", "size"), [("public:poster", A4), ("public:flyer", A6)])
def test_the_poster_and_flyer_are_one_page_with_the_hours_and_the_address_of_the_location_page(
    client, neude, name, size
):
    client.cookies["ido_language"] = "en"
    response = client.get(reverse(name, kwargs={"pk": neude.pk}))

    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    kind = name.split(":")[1]
    assert response["Content-Disposition"] == f'inline; filename="{kind}-ido-bibliotheek-neude.pdf"'
    assert "public" in response["Cache-Control"] and "max-age=3600" in response["Cache-Control"]
    pages = pdf_pages(response.content)
    assert len(pages) == 1
    box = pages[0].mediabox
    assert (float(box.width), float(box.height)) == pytest.approx(size, abs=1)
    text = pdf_text(response.content)
    assert "Need help with digital government?" in text
    assert "IDO Bibliotheek Neude" in text
    assert "Neude 11, 3512 AE Utrecht" in text
    assert "Monday 10:00–17:00" in text
    assert "Thursday 09:30–12:30, 13:30–16:00" in text
    assert "Tuesday Closed" in text
    assert posters.short_url(location_url(neude)) in text.replace(" ", "")
    assert "Stopped hour" not in text


def test_the_poster_names_the_consultation_hours_with_when_they_take_place(neude):
    with translation.override("en"):
        text = pdf_text(posters.poster_pdf(neude, today=date(2026, 12, 7)))

    assert "Belastingspreekuur (Belastingdienst) Every week on Tuesday, 14:00–16:00" in text
    assert "Languages spoken: Dutch (Nederlands), Arabic" in text
    assert "Turkish (Türkçe)" in text
    assert "Accessibility: step-free access, hearing loop" in text
    assert "030 123 45 67" in text


def test_the_qr_code_on_the_poster_leads_to_the_location_page(neude):
    with translation.override("nl"):
        context = posters.document_context(neude, today=date(2026, 12, 7))

    assert context["url"] == location_url(neude)
    assert str(context["qr"]).startswith("<svg")
    assert context["qr"] == posters.qr_svg(location_url(neude))


@pytest.mark.parametrize("language", ["en", "ar"])
def test_the_qr_code_on_a_poster_in_another_language_opens_the_page_in_that_language(neude, language):
    with translation.override(language):
        context = posters.document_context(neude, today=date(2026, 12, 7))

    assert context["qr"] == posters.qr_svg(f"{location_url(neude)}?lang={language}")
    assert context["short_url"] == posters.short_url(location_url(neude))  # the typed address stays short


def test_the_arabic_poster_is_right_to_left_with_real_arabic_glyphs(client, neude):
    with translation.override("ar"):
        html = render_to_string(posters.POSTER_TEMPLATE, posters.document_context(neude, today=date(2026, 12, 7)))
    assert re.search(r'<html lang="ar" dir="rtl">', html)

    response = client.get(reverse("public:poster", kwargs={"pk": neude.pk}) + "?lang=ar")

    assert response.status_code == 200
    assert response["Content-Language"] == "ar"
    text = pdf_text(response.content)
    assert ARABIC.search(text), text
    # Every glyph comes from DejaVu Sans: no fallback font that could leave empty boxes.
    assert all("DejaVu-Sans" in font for font in pdf_fonts(response.content))


def test_a_dutch_poster_is_left_to_right(neude):
    with translation.override("nl"):
        html = render_to_string(posters.FLYER_TEMPLATE, posters.document_context(neude, today=date(2026, 12, 7)))
    assert '<html lang="nl" dir="ltr">' in html


@pytest.mark.parametrize("name", ["public:poster", "public:flyer"])
@pytest.mark.parametrize("status", [LocationStatus.PLANNED, LocationStatus.CLOSED])
def test_a_location_that_is_not_open_has_no_poster(client, neude, name, status):
    neude.status = status
    neude.save()

    assert client.get(reverse(name, kwargs={"pk": neude.pk})).status_code == 404


def test_a_location_of_a_switched_off_library_has_no_poster(client, neude):
    neude.library.is_active = False
    neude.library.save()

    assert client.get(reverse("public:poster", kwargs={"pk": neude.pk})).status_code == 404


@pytest.mark.parametrize("language", ["nl", "en", "ar"])
def test_a_busy_location_still_fits_on_one_poster_and_one_flyer(neude, language):
    """Two blocks a day, six languages, five consultation hours with long names: the poster names three and
    points to the QR code for the rest."""
    neude.opening_hours.all().delete()
    for weekday in range(6):
        OpeningHoursFactory(location=neude, weekday=weekday, opens=time(9), closes=time(12, 30))
        OpeningHoursFactory(location=neude, weekday=weekday, opens=time(13, 30), closes=time(17))
    neude.languages = ["nl", "en", "ar", "tr", "pl", "uk"]
    neude.quiet_room = neude.accessible_toilet = True
    neude.save()
    for number in range(4):
        ConsultationHour.objects.create(
            provider=OrganisationFactory(name=f"Stichting Schuldhulpverlening Regio Utrecht {number}"),
            location=neude,
            title=f"Spreekuur belastingaangifte en toeslagen voor mensen met een kleine beurs {number}",
            frequency=Frequency.EVERY_OTHER_WEEK,
            weekdays="1,3",
            starts_on=date(2026, 1, 6),
            start_time=time(14),
            end_time=time(16),
        )

    with translation.override(language):
        poster = posters.poster_pdf(neude, today=date(2026, 12, 7))
        flyer = posters.flyer_pdf(neude, today=date(2026, 12, 7))

    assert len(pdf_pages(poster)) == 1
    assert len(pdf_pages(flyer)) == 1
    if language == "en":
        assert "There are more consultation hours: scan the QR code." in pdf_text(poster)


def test_a_location_without_weekly_hours_points_to_the_qr_code(neude):
    neude.opening_hours.all().delete()
    with translation.override("en"):
        text = pdf_text(posters.flyer_pdf(neude, today=date(2026, 12, 7)))

    assert "Scan the QR code for the opening hours." in text
    assert "Monday" not in text


# Widget ----------------------------------------------------------------------------------------------------------


@pytest.fixture
def other_municipality_site():
    amersfoort = MunicipalityFactory(cbs_code="GM0307", name="Amersfoort")
    return EmbeddingSite.objects.create(municipality=amersfoort, origin="https://www.amersfoort.nl")


def frame_ancestors(response) -> list[str]:
    policy = response["Content-Security-Policy"]
    (directive,) = [part.strip() for part in policy.split(";") if part.strip().startswith("frame-ancestors")]
    return directive.split()[1:]


def test_the_widget_may_be_framed_by_the_municipalitys_websites_only(client, neude, utrecht, other_municipality_site):
    EmbeddingSite.objects.create(municipality=utrecht, origin="https://www.utrecht.nl")
    EmbeddingSite.objects.create(municipality=utrecht, origin="https://*.bibliotheekutrecht.nl")

    response = client.get(reverse("public:widget", kwargs={"cbs_code": "GM0344"}))

    assert response.status_code == 200
    assert frame_ancestors(response) == ["'self'", "https://*.bibliotheekutrecht.nl", "https://www.utrecht.nl"]
    assert "https://www.amersfoort.nl" not in response["Content-Security-Policy"]
    assert "X-Frame-Options" not in response
    # The rest of the policy stays as strict as everywhere else.
    assert "default-src 'self'" in response["Content-Security-Policy"]
    assert "public" in response["Cache-Control"] and "max-age=300" in response["Cache-Control"]
    assert "Cookie" in response["Vary"]


def test_without_allowed_websites_only_the_platform_itself_frames_the_widget(client, neude, other_municipality_site):
    response = client.get(reverse("public:widget", kwargs={"cbs_code": "GM0344"}))

    assert frame_ancestors(response) == ["'self'"]
    assert "X-Frame-Options" not in response


@pytest.mark.parametrize("path", ["/", "/open-data/", "/accounts/login/"])
def test_other_pages_stay_unframeable(client, neude, utrecht, path):
    EmbeddingSite.objects.create(municipality=utrecht, origin="https://www.utrecht.nl")
    client.get(reverse("public:widget", kwargs={"cbs_code": "GM0344"}))

    response = client.get(path)

    assert response["X-Frame-Options"] == "DENY"
    assert frame_ancestors(response) == ["'none'"]


def test_the_location_page_and_the_poster_stay_unframeable(client, neude, utrecht):
    EmbeddingSite.objects.create(municipality=utrecht, origin="https://www.utrecht.nl")
    for url in (reverse("public:location", kwargs={"pk": neude.pk}), reverse("public:poster", kwargs={"pk": neude.pk})):
        response = client.get(url)
        assert response["X-Frame-Options"] == "DENY", url
        assert frame_ancestors(response) == ["'none'"], url


@time_machine.travel(MONDAY_MORNING, tick=False)
def test_the_widget_lists_the_municipalitys_locations_open_now_or_when_next(client, neude, utrecht):
    thursday_only = LocationFactory(library=neude.library, municipality=utrecht, name="IDO Kanaleneiland")
    OpeningHoursFactory(location=thursday_only, weekday=3, opens=time(13), closes=time(16))
    LocationFactory(library=neude.library, municipality=utrecht, name="IDO Planned", status=LocationStatus.PLANNED)
    LocationFactory(name="IDO Elsewhere")

    response = client.get(reverse("public:widget", kwargs={"cbs_code": "GM0344"}) + "?lang=en")

    html = response.content.decode()
    assert '<html lang="en" dir="ltr">' in html
    assert "IDO Bibliotheek Neude" in html
    assert "Open now until 17:00" in html
    assert "IDO Kanaleneiland" in html
    assert "Closed – opens Thursday 10 December at 13:00" in html
    assert "IDO Planned" not in html
    assert "IDO Elsewhere" not in html
    page = reverse("public:location", kwargs={"pk": neude.pk})
    assert f'href="{page}?lang=en" target="_blank" rel="noopener"' in html
    assert "<script" not in html
    assert "ido/widget.css" in html


@time_machine.travel(MONDAY_MORNING, tick=False)
def test_the_arabic_widget_is_right_to_left(client, neude):
    response = client.get(reverse("public:widget", kwargs={"cbs_code": "GM0344"}) + "?lang=ar")

    html = response.content.decode()
    assert '<html lang="ar" dir="rtl">' in html
    assert "?lang=ar" in html


@pytest.mark.parametrize("code", ["GM9999", "gm9999", "GM344", "0344", "GM0344x"])
def test_the_widget_of_an_unknown_municipality_is_not_found(client, neude, code):
    response = client.get(f"/widget/{code}/")

    assert response.status_code == 404
    assert response["X-Frame-Options"] == "DENY"


def test_the_widget_of_a_merged_municipality_is_not_found(client, utrecht):
    utrecht.valid_until = date(2019, 1, 1)
    utrecht.save()

    assert client.get(reverse("public:widget", kwargs={"cbs_code": "GM0344"})).status_code == 404


def test_the_widget_of_a_switched_off_municipality_is_not_found(client, utrecht):
    MunicipalityOrganisationFactory(municipality=utrecht, is_active=False)

    assert client.get(reverse("public:widget", kwargs={"cbs_code": "GM0344"})).status_code == 404


def test_a_municipality_without_locations_gets_a_widget_that_points_to_the_finder(client, utrecht):
    response = client.get(reverse("public:widget", kwargs={"cbs_code": "GM0344"}) + "?lang=en")

    assert response.status_code == 200
    assert "There is no IDO in Utrecht yet." in response.content.decode()


# The rule for a website's address --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("https://www.utrecht.nl", "https://www.utrecht.nl"),
        ("  HTTPS://WWW.Utrecht.NL/  ", "https://www.utrecht.nl"),
        ("https://www.utrecht.nl:443", "https://www.utrecht.nl"),
        ("https://www.utrecht.nl:8443", "https://www.utrecht.nl:8443"),
        ("https://*.utrecht.nl", "https://*.utrecht.nl"),
        ("https://bibliotheek-zuid.example", "https://bibliotheek-zuid.example"),
        ("https://gemeente-súdwest-fryslân.nl", "https://xn--gemeente-sdwest-frysln-93b87c.nl"),
        ("http://localhost:8000", "http://localhost:8000"),
        ("http://127.0.0.1", "http://127.0.0.1"),
    ],
)
def test_a_website_address_is_stored_in_one_spelling(typed, stored):
    assert embedding.normalise_origin(typed) == stored


@pytest.mark.parametrize(
    "typed",
    [
        "",
        "www.utrecht.nl",
        "http://www.utrecht.nl",
        "ftp://www.utrecht.nl",
        "https://www.utrecht.nl/ido",
        "https://www.utrecht.nl/?a=1",
        "https://www.utrecht.nl#top",
        "https://user:secret@www.utrecht.nl",
        "https://*",
        "https://*.nl",
        "https://www.*.nl",
        "https://*.*.utrecht.nl",
        "https://utrecht",
        "https://192.168.1.10",
        "https://[::1]",
        "https://www.utrecht.nl:99999",
        "https://www.utrecht.nl; script-src *",
        "https://www.utrecht.nl 'unsafe-inline'",
        "https://www.utrecht.nl,https://evil.example",
        "https://-utrecht.nl",
        "https://utrecht_nl.nl",
        "'self'",
        "*",
        "data:",
    ],
)
def test_a_website_address_that_is_not_an_origin_is_refused(typed):
    with pytest.raises(ValidationError):
        embedding.normalise_origin(typed)


def test_the_refusal_explains_what_to_type():
    with translation.override("en"), pytest.raises(ValidationError) as refused:
        embedding.normalise_origin("https://www.utrecht.nl/ido")

    assert "Only the website itself" in refused.value.messages[0]


# Managing the websites -------------------------------------------------------------------------------------------


@pytest.fixture
def officer(client, utrecht):
    membership = MembershipFactory(
        role=Role.MUNICIPAL_OFFICER, organisation=MunicipalityOrganisationFactory(municipality=utrecht)
    )
    login_verified(client, membership.user)
    return membership


def test_the_officer_sees_the_snippet_the_websites_and_the_posters(client, officer, neude, utrecht):
    EmbeddingSite.objects.create(municipality=utrecht, origin="https://www.utrecht.nl")

    response = client.get(reverse("widget:manage") + "?lang=en")

    assert response.status_code == 200
    html = response.content.decode()
    widget_url = settings.IDO_BASE_URL + "/widget/GM0344/"
    assert (
        f"&lt;iframe src=&quot;{widget_url}&quot; title=&quot;Help with digital government in Utrecht&quot; "
        "width=&quot;100%&quot; height=&quot;480&quot; loading=&quot;lazy&quot;&gt;&lt;/iframe&gt;"
    ) in html
    assert f'href="{widget_url}"' in html
    assert "https://www.utrecht.nl" in html
    assert reverse("widget:remove", kwargs={"pk": EmbeddingSite.objects.get().pk}) in html
    assert reverse("public:poster", kwargs={"pk": neude.pk}) in html
    assert reverse("public:flyer", kwargs={"pk": neude.pk}) in html
    assert f'href="{reverse("widget:manage")}" aria-current="page"' in html  # the navigation item


def test_the_officer_adds_a_website_and_it_is_audited(client, officer, utrecht):
    response = client.post(reverse("widget:manage"), {"origin": "HTTPS://Www.Utrecht.nl/"}, follow=True)

    assert response.redirect_chain[-1][0] == reverse("widget:manage")
    site = EmbeddingSite.objects.get()
    assert (site.municipality, site.origin) == (utrecht, "https://www.utrecht.nl")
    event = AuditEvent.objects.get(action="public.embedding_site.added")
    assert event.actor == officer.user
    assert event.detail == {"municipality": "GM0344", "origin": "https://www.utrecht.nl"}
    widget = client.get(reverse("public:widget", kwargs={"cbs_code": "GM0344"}))
    assert frame_ancestors(widget) == ["'self'", "https://www.utrecht.nl"]


def test_the_officer_removes_a_website_and_it_is_audited(client, officer, utrecht):
    site = EmbeddingSite.objects.create(municipality=utrecht, origin="https://www.utrecht.nl")

    response = client.post(reverse("widget:remove", kwargs={"pk": site.pk}))

    assert response.status_code == 302
    assert not EmbeddingSite.objects.exists()
    event = AuditEvent.objects.get(action="public.embedding_site.removed")
    assert event.actor == officer.user
    assert event.target_id == str(site.pk)
    assert event.detail["origin"] == "https://www.utrecht.nl"
    widget = client.get(reverse("public:widget", kwargs={"cbs_code": "GM0344"}))
    assert frame_ancestors(widget) == ["'self'"]


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("www.utrecht.nl", "Start the address with https://"),
        ("http://www.utrecht.nl", "Use a secure address that starts with https://"),
        ("https://www.utrecht.nl/ido/widget", "Only the website itself, without a page"),
        ("https://*.nl", "A * is only allowed before the name of your own website"),
        ("https://www.utrecht.nl; script-src *", "This is not a valid website"),
    ],
)
def test_a_bad_address_is_refused_with_a_message_and_nothing_is_stored(client, officer, typed, message):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    response = client.post(reverse("widget:manage"), {"origin": typed})

    assert response.status_code == 200
    assert message in response.content.decode()
    assert not EmbeddingSite.objects.exists()
    assert not AuditEvent.objects.filter(action__startswith="public.embedding_site").exists()


def test_a_website_already_on_the_list_is_refused(client, officer, utrecht):
    EmbeddingSite.objects.create(municipality=utrecht, origin="https://www.utrecht.nl")
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"

    response = client.post(reverse("widget:manage"), {"origin": "https://WWW.utrecht.nl:443"})

    assert "https://www.utrecht.nl is already on the list." in response.content.decode()
    assert EmbeddingSite.objects.count() == 1


def test_at_most_twenty_websites(officer, utrecht):
    for number in range(embedding.MAX_SITES_PER_MUNICIPALITY):
        services.add_embedding_site(actor=officer, origin=f"https://site{number}.example.nl")

    with translation.override("en"), pytest.raises(ValidationError) as refused:
        services.add_embedding_site(actor=officer, origin="https://one-too-many.example.nl")

    assert "at most 20" in " ".join(refused.value.messages)
    assert EmbeddingSite.objects.count() == 20


def test_another_municipality_may_add_the_same_website(officer, other_municipality_site):
    other = MembershipFactory(
        role=Role.MUNICIPAL_OFFICER,
        organisation=MunicipalityOrganisationFactory(municipality=other_municipality_site.municipality),
    )

    services.add_embedding_site(actor=officer, origin="https://www.amersfoort.nl")

    assert EmbeddingSite.objects.filter(origin="https://www.amersfoort.nl").count() == 2
    assert other.has_perm("widget.manage")


def test_the_officer_cannot_remove_another_municipalitys_website(client, officer, other_municipality_site):
    response = client.post(reverse("widget:remove", kwargs={"pk": other_municipality_site.pk}))

    assert response.status_code == 404
    assert EmbeddingSite.objects.filter(pk=other_municipality_site.pk).exists()


def test_the_service_refuses_to_remove_another_municipalitys_website(officer, other_municipality_site):
    with pytest.raises(PermissionDenied):
        services.remove_embedding_site(actor=officer, site=other_municipality_site)

    assert EmbeddingSite.objects.filter(pk=other_municipality_site.pk).exists()


@pytest.mark.parametrize("role", [Role.DESK, Role.COORDINATOR, Role.PARTNER_STAFF, Role.NATIONAL_ADMIN])
def test_other_roles_cannot_manage_the_widget(client, utrecht, role):
    site = EmbeddingSite.objects.create(municipality=utrecht, origin="https://www.utrecht.nl")
    login_verified(client, membership_for_role(role).user)

    assert client.get(reverse("widget:manage")).status_code == 403
    assert client.post(reverse("widget:manage"), {"origin": "https://evil.example"}).status_code == 403
    assert client.post(reverse("widget:remove", kwargs={"pk": site.pk})).status_code == 403
    assert list(EmbeddingSite.objects.values_list("origin", flat=True)) == ["https://www.utrecht.nl"]
    home = client.get(reverse("accounts:account"))
    assert f'href="{reverse("widget:manage")}"' not in home.content.decode()


@pytest.mark.parametrize("role", [Role.DESK, Role.NATIONAL_ADMIN])
def test_the_service_refuses_other_roles(role):
    with pytest.raises(PermissionDenied):
        services.add_embedding_site(actor=membership_for_role(role), origin="https://www.utrecht.nl")

    assert not EmbeddingSite.objects.exists()


def test_the_phone_number_on_an_arabic_poster_reads_left_to_right(neude):
    with translation.override("ar"):
        html = render_to_string(posters.POSTER_TEMPLATE, posters.document_context(neude, today=date(2026, 12, 7)))
    assert '<bdi dir="ltr">030 123 45 67</bdi>' in html


def test_the_widget_accepts_the_code_in_lower_case(client):
    municipality = MunicipalityFactory(cbs_code="GM0599", name="Rotterdam")
    MunicipalityOrganisationFactory(municipality=municipality)
    assert client.get("/widget/gm0599/").status_code == 200
