"""The funding pages of the municipal officer and the library coordinator, through the client: each role's view,
the year page with its forecast, spending and the account, library grants with instalments, and the refusals."""

from datetime import date, datetime
from decimal import Decimal as D
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from ido.core.models import AuditEvent
from ido.funding import services
from ido.funding.forms import EVIDENCE_MAX_BYTES, GrantForm, parse_money
from ido.funding.models import Expenditure, Instalment, LibraryGrant, YearAccount
from ido.organisations.roles import Role
from tests.conftest import login_verified
from tests.factories import LibraryFactory, MunicipalityFactory, MunicipalityOrganisationFactory, membership_for_role
from tests.funding.conftest import make_scheme

pytestmark = pytest.mark.django_db

AMSTERDAM = ZoneInfo("Europe/Amsterdam")
MIDYEAR = datetime(2026, 7, 2, 12, 0, tzinfo=AMSTERDAM)  # day 183 of 365
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@pytest.fixture
def midyear():
    with time_machine.travel(MIDYEAR, tick=False):
        yield


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


def spend(officer, municipality, amount, *, on=date(2026, 5, 1), purpose="library", stage="paid", **fields):
    return services.record_expenditure(
        actor=officer,
        municipality=municipality,
        data=services.ExpenditureInput(
            year=on.year,
            purpose=purpose,
            stage=stage,
            date=on,
            amount=D(amount),
            description=fields.pop("description", "Subsidie IDO"),
            **fields,
        ),
    )


def grant_to(officer, municipality, library, *, amount="20000", year=2026, note="", decided=True):
    """A grant, decided by default (the library and other funders see only decided grants)."""
    grant = services.save_library_grant(
        actor=officer,
        municipality=municipality,
        library=library,
        data=services.GrantInput(
            year=year,
            starts_on=date(year, 1, 1),
            ends_on=date(year, 12, 31),
            amount=D(amount),
            internal_note=note,
        ),
    )
    if decided:
        services.decide_grant(actor=officer, grant=grant, on=date(year - 1, 12, 15))
    return grant


def neighbour(national, name="Zeist", cbs_code="GM0355"):
    """Another municipality with its own officer."""
    municipality = MunicipalityFactory(name=name, cbs_code=cbs_code)
    officer = membership_for_role(
        Role.MUNICIPAL_OFFICER, organisation=MunicipalityOrganisationFactory(municipality=municipality)
    )
    return municipality, officer


def spending_form(**fields) -> dict:
    values = {
        "action": "spend",
        "spend-purpose": "library",
        "spend-stage": "paid",
        "spend-date": "2026-06-15",
        "spend-amount": "12.345,67",
        "spend-description": "Subsidie bibliotheek, eerste helft",
        **{f"spend-{name}": value for name, value in fields.items()},
    }
    return values


# --- Amounts -----------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "amount"),
    [
        ("1.234,56", D("1234.56")),
        ("1234.56", D("1234.56")),
        ("1234,5", D("1234.50")),
        ("1234", D("1234.00")),
        ("€ 1.234", D("1234.00")),
        ("1.234.567,89", D("1234567.89")),
        ("1,234.56", D("1234.56")),
        ("0,99", D("0.99")),
        (" 12 345,00 ", D("12345.00")),
    ],
)
def test_amounts_are_read_the_dutch_and_the_english_way(typed, amount):
    assert parse_money(typed) == amount


@pytest.mark.parametrize(
    "typed", ["-5", "-1.234,56", "1,234", "12.3456", "0.125", "abc", "1.23.4", "1,2,3", ",", "1e5"]
)
def test_negative_amounts_more_than_two_decimals_and_nonsense_are_refused(typed):
    with pytest.raises(ValidationError):
        parse_money(typed)


# --- The overview --------------------------------------------------------------------------------------------------


def test_officer_sees_each_year_with_allocation_spending_and_account_status(
    client, national, officer, utrecht, allocation
):
    make_scheme(national, year=2025)
    spend(officer, utrecht, "1500", on=date(2025, 3, 1))
    services.close_year(actor=officer, municipality=utrecht, year=2025, final=True, submitted_on=date(2026, 7, 1))
    spend(officer, utrecht, "2000")
    spend(officer, utrecht, "300", stage="committed")
    login_verified(client, officer.user)

    response = client.get(reverse("funding:home"))

    assert response.status_code == 200
    rows = {row.year: row for row in response.context["years"]}
    assert list(rows) == [2026, 2025]
    assert (rows[2026].allocation, rows[2026].paid, rows[2026].committed) == (D("100000"), D("2000"), D("300"))
    assert rows[2026].account is None or not rows[2026].account.is_closed
    assert rows[2025].allocation is None and rows[2025].paid == D("1500")
    assert rows[2025].account.is_closed and rows[2025].account.final
    assert reverse("funding:year", kwargs={"year": 2025}) in response.content.decode()


def test_coordinator_sees_the_grants_to_its_library_from_all_municipalities_without_internal_notes(
    client, national, officer, utrecht, library
):
    zeist, zeist_officer = neighbour(national)
    library.served_municipalities.add(zeist)
    ours = grant_to(officer, utrecht, library, amount="20000", note="Geheim: onderhandelen over 2027")
    theirs = grant_to(zeist_officer, zeist, library, amount="7500", note="Geheim van Zeist")
    elsewhere = grant_to(officer, utrecht, LibraryFactory(served_municipalities=[utrecht]), amount="999")
    coordinator = membership_for_role(Role.COORDINATOR, organisation=library)
    login_verified(client, coordinator.user)

    response = client.get(reverse("funding:home"))

    assert response.status_code == 200
    [group] = response.context["library_years"]
    assert {grant.pk for grant in group["grants"]} == {ours.pk, theirs.pk}
    assert group["total"] == D("27500")
    content = response.content.decode()
    assert "Geheim" not in content and elsewhere.municipality.name in content

    page = client.get(reverse("funding:grant", kwargs={"pk": theirs.pk}))
    assert page.status_code == 200
    assert not page.context["manages"] and not page.context["editable"]
    assert "Geheim" not in page.content.decode()
    assert [grant.pk for grant in page.context["others"][0]["grants"]] == [ours.pk]
    assert client.get(reverse("funding:grant", kwargs={"pk": elsewhere.pk})).status_code == 404
    refused = client.post(reverse("funding:grant", kwargs={"pk": ours.pk}), {"action": "decide"})
    assert refused.status_code == 403
    assert client.get(reverse("funding:grant_edit", kwargs={"pk": ours.pk})).status_code == 403


def test_national_administrator_is_sent_on_to_the_allocations(client, national):
    login_verified(client, national.user)
    response = client.get(reverse("funding:home"))
    assert response.status_code == 200
    assert reverse("funding:allocations") in response.content.decode()
    assert client.get(reverse("funding:year", kwargs={"year": 2026})).status_code == 403
    assert client.get(reverse("funding:grants")).status_code == 403


@pytest.mark.parametrize("role", [Role.DESK, Role.PARTNER_STAFF])
def test_roles_without_funding_open_none_of_the_pages(client, role):
    login_verified(client, membership_for_role(role).user)
    for url in (reverse("funding:home"), reverse("funding:year", kwargs={"year": 2026}), reverse("funding:grants")):
        assert client.get(url).status_code == 403


# --- The year page -------------------------------------------------------------------------------------------------


def test_the_forecast_changes_after_spending_is_added(client, midyear, officer, utrecht, allocation):
    login_verified(client, officer.user)
    url = reverse("funding:year", kwargs={"year": 2026})
    before = client.get(url).context["forecast"]
    assert (before.spent, before.unspent, before.reservable) == (D("0"), D("100000"), D("25000"))

    response = client.post(url, spending_form())

    assert response.status_code == 302 and response.url == url
    line = Expenditure.objects.get()
    assert (line.amount, line.purpose, line.stage, line.year) == (D("12345.67"), "library", "paid", 2026)
    after = client.get(url).context
    # A payment to the library is a grant's instalment: it is not extended over the rest of the year.
    assert after["forecast"].spent == D("12345.67")
    assert after["forecast"].unspent == D("87654.33")
    assert after["forecast"].reservable == D("25000.00") and after["forecast"].lost == D("62654.33")
    assert after["forecast_unspent"] == D("87654.33")
    # Promotion goes on at its pace: 1,000 by 2 July (day 183 of 365) is 1,994.54 by the year's end.
    client.post(url, {**spending_form(), "spend-purpose": "promotion", "spend-amount": "1.000,00"})
    assert client.get(url).context["forecast"].spent == D("12345.67") + D("1994.54")
    assert after["outcome"].spent == D("12345.67")
    assert after["purposes"][0]["paid"] == D("12345.67")


def test_the_year_page_shows_the_allocation_and_a_provisional_reserve(client, midyear, national, officer, utrecht):
    previous = make_scheme(national, year=2025)
    services.set_allocation(actor=national, scheme=previous, municipality=utrecht, annex_amount=D("40000"))
    spend(officer, utrecht, "30000", on=date(2025, 6, 1))  # 10,000 unspent: all of it may be reserved
    scheme = make_scheme(national)
    allocation = services.set_allocation(
        actor=national, scheme=scheme, municipality=utrecht, inhabitants=10_000, low_educated=2_000
    )
    services.set_allocation(actor=national, scheme=scheme, municipality=utrecht, annex_amount=D("10000"))
    services.add_correction(
        actor=national, allocation=allocation, on=date(2026, 3, 1), amount="-500", reason="Herrekend"
    )
    login_verified(client, officer.user)

    response = client.get(reverse("funding:year", kwargs={"year": 2026}))

    figures = response.context["figures"]
    assert figures.allocation == D("9500.00")  # the annex's 10,000 corrected by −500
    assert response.context["allocation"].difference == D("300.00")  # annex 10,000 − computed 9,700
    assert (figures.reserve_in, figures.reserve_in_is_final) == (D("10000.00"), False)
    assert response.context["outcome"].available == D("19500.00")
    assert "Herrekend" in response.content.decode()


def test_year_without_a_scheme_says_so_and_refuses_spending(client, officer, scheme):
    login_verified(client, officer.user)
    url = reverse("funding:year", kwargs={"year": 2024})

    page = client.get(url)
    assert page.status_code == 200
    assert page.context["figures"].scheme is None and not page.context["editable"]
    assert 'value="spend"' not in page.content.decode()

    response = client.post(url, spending_form(date="2024-06-15"))
    assert response.status_code == 302
    assert not Expenditure.objects.exists()


def test_bad_spending_is_refused_with_the_form_and_nothing_is_written(client, midyear, officer, allocation):
    login_verified(client, officer.user)
    url = reverse("funding:year", kwargs={"year": 2026})
    for bad in ({"amount": "-5"}, {"amount": "1,234"}, {"amount": "0"}, {"date": "2025-12-31"}, {"description": ""}):
        response = client.post(url, spending_form(**bad))
        assert response.status_code == 200, bad
        assert response.context["forms"].spend.errors, bad
    assert not Expenditure.objects.exists()


def test_spending_links_only_a_grant_of_the_municipality_in_that_year(
    client, midyear, national, officer, utrecht, library, allocation
):
    ours = grant_to(officer, utrecht, library)
    zeist, zeist_officer = neighbour(national)
    library.served_municipalities.add(zeist)
    theirs = grant_to(zeist_officer, zeist, library)
    login_verified(client, officer.user)
    url = reverse("funding:year", kwargs={"year": 2026})

    assert client.post(url, spending_form(grant=str(theirs.pk))).status_code == 200
    assert not Expenditure.objects.exists()
    assert client.post(url, spending_form(grant=str(ours.pk))).status_code == 302
    assert Expenditure.objects.get().grant == ours


def test_evidence_is_stored_and_downloaded_by_the_officer_only(client, midyear, media, national, officer, allocation):
    login_verified(client, officer.user)
    url = reverse("funding:year", kwargs={"year": 2026})
    upload = SimpleUploadedFile("factuur.pdf", PDF, content_type="application/pdf")

    response = client.post(url, {**spending_form(), "spend-evidence": upload})

    assert response.status_code == 302
    line = Expenditure.objects.get()
    assert line.evidence.name.startswith("funding/evidence/")
    assert (media / line.evidence.name).read_bytes() == PDF
    download = client.get(reverse("funding:evidence", kwargs={"pk": line.pk}))
    assert download.status_code == 200
    assert b"".join(download.streaming_content) == PDF
    assert "attachment" in download["Content-Disposition"]

    _zeist, zeist_officer = neighbour(national)
    login_verified(client, zeist_officer.user)
    assert client.get(reverse("funding:evidence", kwargs={"pk": line.pk})).status_code == 404


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("factuur.exe", b"MZ\x90\x00"),
        ("factuur.txt", b"just text"),
        ("factuur.pdf", b"<html>not a pdf</html>"),  # the extension does not make it a PDF
        ("factuur.pdf", b"%PDF-" + b"0" * EVIDENCE_MAX_BYTES),  # one byte too many (with the header: more)
    ],
)
def test_evidence_of_the_wrong_type_or_too_large_is_refused(client, midyear, media, officer, allocation, name, content):
    login_verified(client, officer.user)
    upload = SimpleUploadedFile(name, content)

    response = client.post(
        reverse("funding:year", kwargs={"year": 2026}), {**spending_form(), "spend-evidence": upload}
    )

    assert response.status_code == 200
    assert "evidence" in response.context["forms"].spend.errors
    assert not Expenditure.objects.exists()
    assert not any(media.rglob("*.*"))


def test_a_commitment_is_marked_paid_and_a_line_removed_with_a_reason(client, midyear, officer, utrecht, allocation):
    committed = spend(officer, utrecht, "5000", stage="committed", description="Campagne")
    login_verified(client, officer.user)
    url = reverse("funding:year", kwargs={"year": 2026})

    wrong_year = client.post(
        url, {"action": "paid", "line": committed.pk, f"paid-{committed.pk}-paid_on": "2027-01-05"}
    )
    assert wrong_year.status_code == 200 and wrong_year.context["forms"].paid[committed.pk].errors
    response = client.post(url, {"action": "paid", "line": committed.pk, f"paid-{committed.pk}-paid_on": "2026-06-30"})
    assert response.status_code == 302
    committed.refresh_from_db()
    assert (committed.stage, committed.date) == ("paid", date(2026, 6, 30))

    no_reason = client.post(url, {"action": "remove", "line": committed.pk, f"remove-{committed.pk}-reason": ""})
    assert no_reason.status_code == 200
    assert Expenditure.objects.filter(pk=committed.pk).exists()
    removed = client.post(url, {"action": "remove", "line": committed.pk, f"remove-{committed.pk}-reason": "Dubbel"})
    assert removed.status_code == 302
    assert not Expenditure.objects.exists()
    assert AuditEvent.objects.filter(action="funding.expenditure.removed").exists()


def test_another_municipalitys_spending_is_neither_shown_nor_changed(client, midyear, national, officer, allocation):
    zeist, zeist_officer = neighbour(national)
    theirs = spend(zeist_officer, zeist, "800", stage="committed", description="Zeister folder")
    login_verified(client, officer.user)
    url = reverse("funding:year", kwargs={"year": 2026})

    assert "Zeister folder" not in client.get(url).content.decode()
    for action, field in (("paid", "paid_on"), ("remove", "reason")):
        response = client.post(
            url, {"action": action, "line": theirs.pk, f"{action}-{theirs.pk}-{field}": "2026-06-30"}
        )
        assert response.status_code == 404
    theirs.refresh_from_db()
    assert theirs.stage == "committed"


def test_closing_the_year_makes_it_read_only_until_reopened(client, officer, utrecht, allocation):
    committed = spend(officer, utrecht, "500", stage="committed")
    spend(officer, utrecht, "90000")
    login_verified(client, officer.user)
    url = reverse("funding:year", kwargs={"year": 2026})
    assert client.get(url).context["forms"].close.fields["reserved"].initial == D("10000.00")

    too_much = client.post(url, {"action": "close", "close-reserved": "10.000,01", "close-final": "no"})
    assert too_much.status_code == 200 and too_much.context["forms"].close.errors
    assert not YearAccount.objects.filter(closed_at__isnull=False).exists()

    closed = client.post(
        url, {"action": "close", "close-reserved": "8.000", "close-final": "yes", "close-submitted_on": "2026-07-01"}
    )
    assert closed.status_code == 302
    account = YearAccount.objects.get()
    assert account.is_closed and account.reserved == D("8000.00") and account.final
    assert account.submitted_on == date(2026, 7, 1)

    page = client.get(url)
    content = page.content.decode()
    assert not page.context["editable"] and page.context["closed"]
    for action in ("spend", "paid", "remove", "close"):
        assert f'name="action" value="{action}"' not in content
    assert 'name="action" value="reopen"' in content

    lines = Expenditure.objects.count()
    refused = [
        spending_form(),
        {"action": "paid", "line": committed.pk, f"paid-{committed.pk}-paid_on": "2026-06-30"},
        {"action": "remove", "line": committed.pk, f"remove-{committed.pk}-reason": "Dubbel"},
        {"action": "close", "close-reserved": "0", "close-final": "no"},
    ]
    for data in refused:
        assert client.post(url, data).status_code == 302
    committed.refresh_from_db()
    assert committed.stage == "committed" and Expenditure.objects.count() == lines
    account.refresh_from_db()
    assert account.reserved == D("8000.00")

    assert client.post(url, {"action": "reopen", "reopen-reason": ""}).status_code == 200
    reopened = client.post(url, {"action": "reopen", "reopen-reason": "Correctie accountant"})
    assert reopened.status_code == 302
    assert not YearAccount.objects.get().is_closed
    assert client.get(url).context["editable"]


def test_the_year_page_takes_a_fixed_number_of_queries(
    client, midyear, officer, utrecht, library, allocation, django_assert_max_num_queries
):
    grant = grant_to(officer, utrecht, library)
    for number in range(30):
        spend(officer, utrecht, "10", stage="committed" if number % 2 else "paid", grant=grant)
    login_verified(client, officer.user)
    client.get(reverse("funding:home"))  # the session and the membership are read once

    with django_assert_max_num_queries(18):
        response = client.get(reverse("funding:year", kwargs={"year": 2026}))
    assert len(response.context["lines"]) == 30


def test_an_unknown_year_is_not_found(client, officer):
    login_verified(client, officer.user)
    assert client.get(reverse("funding:year", kwargs={"year": 1999})).status_code == 404


# --- Library grants ------------------------------------------------------------------------------------------------


def grant_form(library, /, **fields) -> dict:
    return {
        "library": library.pk,
        "year": "2026",
        "starts_on": "2026-01-01",
        "ends_on": "2026-12-31",
        "amount": "25.000,00",
        "activities": "Twee IDO-locaties",
        "locations": "2",
        "hours_per_week": "12,5",
        "promotion": "",
        "reporting_dates": "1-7-2026\n2026-12-01",
        "quality_review": "",
        "internal_note": "Alleen voor ons",
        **fields,
    }


def test_officer_records_a_grant_plans_instalments_pays_and_decides_it(client, officer, utrecht, library):
    login_verified(client, officer.user)
    assert client.get(reverse("funding:grants")).status_code == 200
    assert client.get(reverse("funding:grant_new")).status_code == 200

    response = client.post(reverse("funding:grant_new"), grant_form(library))

    grant = LibraryGrant.objects.get()
    assert response.status_code == 302 and response.url == reverse("funding:grant", kwargs={"pk": grant.pk})
    assert (grant.amount, grant.hours_per_week, grant.locations) == (D("25000.00"), D("12.5"), 2)
    assert grant.reporting_dates == ["2026-07-01", "2026-12-01"]
    assert grant.municipality == utrecht and grant.status == "draft"

    url = reverse("funding:grant", kwargs={"pk": grant.pk})
    page = client.get(url)
    assert page.status_code == 200 and page.context["editable"] and "Alleen voor ons" in page.content.decode()
    for amount in ("12.500", "12500,00"):
        added = client.post(
            url, {"action": "instalment", "instalment-due_on": "2026-03-01", "instalment-amount": amount}
        )
        assert added.status_code == 302
    too_much = client.post(url, {"action": "instalment", "instalment-due_on": "2026-09-01", "instalment-amount": "1"})
    assert too_much.status_code == 200 and too_much.context["forms"].instalment.errors
    assert Instalment.objects.count() == 2

    first = Instalment.objects.first()
    paid = client.post(
        url, {"action": "instalment_paid", "instalment": first.pk, f"paid-{first.pk}-paid_on": "2026-03-02"}
    )
    assert paid.status_code == 302
    first.refresh_from_db()
    assert first.paid_on == date(2026, 3, 2)
    assert AuditEvent.objects.filter(action="funding.instalment.paid").exists()

    decided = client.post(url, {"action": "decide", "decide-decided_on": "2026-01-15"})
    assert decided.status_code == 302
    grant.refresh_from_db()
    assert (grant.status, grant.decided_on) == ("decided", date(2026, 1, 15))
    assert client.get(reverse("funding:grants")).context["grants"][0].paid == D("12500.00")


def test_officer_changes_the_amount_of_a_grant(client, officer, utrecht, library):
    grant = grant_to(officer, utrecht, library, amount="20000")
    login_verified(client, officer.user)
    url = reverse("funding:grant_edit", kwargs={"pk": grant.pk})
    page = client.get(url)
    assert page.status_code == 200
    assert page.context["form"].initial == GrantForm.initial_for(grant)

    response = client.post(url, grant_form(library, amount="21.000,50", reporting_dates=""))

    assert response.status_code == 302
    grant.refresh_from_db()
    assert grant.amount == D("21000.50") and grant.reporting_dates == []
    assert AuditEvent.objects.filter(action="funding.grant.saved").count() == 2


def test_a_grant_to_a_library_that_does_not_serve_the_municipality_or_with_bad_input_is_refused(
    client, officer, utrecht, library
):
    stranger = LibraryFactory(name="Bibliotheek Elders")
    login_verified(client, officer.user)
    for bad in (
        {"library": stranger.pk},
        {"amount": "-100"},
        {"amount": "100,001"},
        {"ends_on": "2025-12-31"},
        {"reporting_dates": "volgende week"},
    ):
        response = client.post(reverse("funding:grant_new"), grant_form(library, **bad))
        assert response.status_code == 200, bad
        assert response.context["form"].errors, bad
    assert not LibraryGrant.objects.exists()


def test_another_municipalitys_grant_is_not_found(client, national, officer, library):
    zeist, zeist_officer = neighbour(national)
    library.served_municipalities.add(zeist)
    theirs = grant_to(zeist_officer, zeist, library, note="Geheim van Zeist")
    login_verified(client, officer.user)

    for name in ("funding:grant", "funding:grant_edit"):
        assert client.get(reverse(name, kwargs={"pk": theirs.pk})).status_code == 404
    response = client.post(reverse("funding:grant", kwargs={"pk": theirs.pk}), {"action": "decide"})
    assert response.status_code == 404
    other_coordinator = membership_for_role(Role.COORDINATOR)
    login_verified(client, other_coordinator.user)
    assert client.get(reverse("funding:grant", kwargs={"pk": theirs.pk})).status_code == 404


def test_the_grant_page_shows_the_other_funders_without_their_notes(client, national, officer, utrecht, library):
    zeist, zeist_officer = neighbour(national)
    library.served_municipalities.add(zeist)
    ours = grant_to(officer, utrecht, library)
    theirs = grant_to(zeist_officer, zeist, library, amount="7500", note="Geheim van Zeist")
    login_verified(client, officer.user)

    response = client.get(reverse("funding:grant", kwargs={"pk": ours.pk}))

    [group] = response.context["others"]
    assert [grant.pk for grant in group["grants"]] == [theirs.pk]
    content = response.content.decode()
    assert "Zeist" in content and "Geheim van Zeist" not in content


def test_a_grant_in_a_closed_year_is_read_only(client, officer, utrecht, library, allocation):
    grant = grant_to(officer, utrecht, library)
    services.close_year(actor=officer, municipality=utrecht, year=2026)
    login_verified(client, officer.user)
    url = reverse("funding:grant", kwargs={"pk": grant.pk})

    page = client.get(url)
    assert page.status_code == 200 and not page.context["editable"]
    assert 'name="action"' not in page.content.decode()
    response = client.post(url, {"action": "instalment", "instalment-due_on": "2026-03-01", "instalment-amount": "1"})
    assert response.status_code == 302
    assert not Instalment.objects.exists()
    assert client.get(reverse("funding:grant_edit", kwargs={"pk": grant.pk})).status_code == 302
    client.post(reverse("funding:grant_edit", kwargs={"pk": grant.pk}), grant_form(library, amount="1"))
    grant.refresh_from_db()
    assert grant.amount == D("20000.00")


# --- For the permission matrix (tests/test_permission_matrix.py, funding-officer rows) ------------------------------


def matrix_grant(w) -> int:
    """Utrecht's grant to library A (the world's municipality and library)."""
    grant = LibraryGrant.objects.filter(municipality=w.municipality, library=w.library_a).first()
    if grant is None:
        grant = grant_to(w.members[Role.MUNICIPAL_OFFICER.value], w.municipality, w.library_a)
    return grant.pk


def matrix_foreign_grant(w) -> int:
    """Another municipality's grant to another library (made directly: that municipality has no officer here)."""
    grant = LibraryGrant.objects.filter(library__name="Bibliotheek Matrix-Bunnik").first()
    if grant is None:
        bunnik = MunicipalityFactory(name="Matrix-Bunnik", cbs_code="GM9312")
        grant = LibraryGrant.objects.create(
            municipality=bunnik,
            library=LibraryFactory(name="Bibliotheek Matrix-Bunnik", served_municipalities=[bunnik]),
            year=2026,
            starts_on=date(2026, 1, 1),
            ends_on=date(2026, 12, 31),
            amount=D("5000"),
            internal_note="Geheim van Bunnik",
        )
    return grant.pk


def matrix_line(w) -> int:
    """A spending line of Utrecht without an evidence file (the matrix stores no files)."""
    from ido.funding.models import FundingScheme

    line = Expenditure.objects.filter(municipality=w.municipality).first()
    if line is None:
        if not FundingScheme.objects.filter(year=2026).exists():
            make_scheme(w.members[Role.NATIONAL_ADMIN.value])
        line = spend(w.members[Role.MUNICIPAL_OFFICER.value], w.municipality, "10")
    return line.pk
