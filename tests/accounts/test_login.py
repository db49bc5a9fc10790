"""Logging in: password, then a TOTP second factor; backup codes; lock-out after wrong passwords."""

import re

import pytest
from django.core import mail
from django.urls import reverse
from django_otp.oath import totp
from django_otp.plugins.otp_static.models import StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from ido.organisations.roles import Role
from tests.factories import TEST_PASSWORD, UserFactory, membership_for_role

pytestmark = pytest.mark.django_db


def current_code(device: TOTPDevice) -> str:
    return f"{totp(device.bin_key, device.step, device.t0, device.digits, device.drift):06d}"


def log_in_with_password(client, email, password=TEST_PASSWORD):
    return client.post(reverse("accounts:login"), {"username": email, "password": password})


def test_first_login_enrols_totp_and_shows_backup_codes(client):
    membership = membership_for_role(Role.COORDINATOR)
    response = log_in_with_password(client, membership.user.email)
    assert response.status_code == 302

    # Enforced 2FA: every page sends the user to enrolment until they have a device.
    response = client.get(reverse("dashboard:coordinator"))
    assert response.url == reverse("accounts:setup")
    page = client.get(reverse("accounts:setup"))
    assert page.status_code == 200
    assert "<svg" in page.content.decode()

    device = TOTPDevice.objects.get(user=membership.user, confirmed=False)
    response = client.post(reverse("accounts:setup"), {"token": current_code(device)})
    assert response.url == reverse("accounts:backup_codes")
    codes_page = client.get(response.url).content.decode()
    codes = list(StaticToken.objects.filter(device__user=membership.user).values_list("token", flat=True))
    assert len(codes) == 10
    assert all(code in codes_page for code in codes)
    # Shown once only.
    assert codes[0] not in client.get(reverse("accounts:backup_codes")).content.decode()

    assert client.get(reverse("home")).url == reverse("dashboard:coordinator")
    assert client.get(reverse("dashboard:coordinator")).status_code == 200


def test_wrong_first_code_keeps_the_device_unconfirmed(client):
    membership = membership_for_role(Role.COORDINATOR)
    log_in_with_password(client, membership.user.email)
    client.get(reverse("accounts:setup"))
    device = TOTPDevice.objects.get(user=membership.user)
    wrong = "000000" if current_code(device) != "000000" else "111111"
    response = client.post(reverse("accounts:setup"), {"token": wrong})
    assert response.status_code == 200
    assert response.context["form"].errors["token"]
    device.refresh_from_db()
    assert not device.confirmed
    assert client.get(reverse("dashboard:coordinator")).url == reverse("accounts:setup")


def test_second_login_asks_for_the_code_and_accepts_a_backup_code_once(client):
    membership = membership_for_role(Role.DESK)
    user = membership.user
    TOTPDevice.objects.create(user=user, name="app", confirmed=True)
    from ido.accounts.services import regenerate_backup_codes

    codes = regenerate_backup_codes(user=user)

    log_in_with_password(client, user.email)
    assert client.get(reverse("dashboard:desk")).url == reverse("accounts:verify")
    response = client.post(reverse("accounts:verify"), {"token": codes[0]})
    assert response.status_code == 302
    assert client.get(reverse("dashboard:desk")).status_code == 200

    client.post(reverse("accounts:logout"))
    log_in_with_password(client, user.email)
    response = client.post(reverse("accounts:verify"), {"token": codes[0]})
    assert response.status_code == 200, "a used backup code must not work twice"
    assert client.get(reverse("dashboard:desk")).status_code == 302


def test_totp_code_from_the_app_completes_login(client):
    membership = membership_for_role(Role.DESK)
    device = TOTPDevice.objects.create(user=membership.user, name="app", confirmed=True)
    log_in_with_password(client, membership.user.email)
    response = client.post(reverse("accounts:verify"), {"token": current_code(device)})
    assert response.status_code == 302
    assert client.get(reverse("dashboard:desk")).status_code == 200


def test_without_enforcement_a_user_without_device_goes_straight_in(client, settings):
    settings.IDO_ENFORCE_2FA = False
    membership = membership_for_role(Role.DESK)
    log_in_with_password(client, membership.user.email)
    assert client.get(reverse("dashboard:desk")).status_code == 200


def test_wrong_password_shows_a_clear_message_and_logs_nobody_in(client):
    user = UserFactory()
    response = log_in_with_password(client, user.email, "wrong-password")
    assert response.status_code == 200
    assert "_auth_user_id" not in client.session
    assert response.context["form"].non_field_errors() == [
        "Het e-mailadres of het wachtwoord klopt niet. Controleer ze allebei en probeer het opnieuw."
    ]


def test_repeated_wrong_passwords_lock_the_account(client, settings):
    user = UserFactory()
    for _ in range(settings.AXES_FAILURE_LIMIT):
        log_in_with_password(client, user.email, "wrong-password")
    response = log_in_with_password(client, user.email, TEST_PASSWORD)
    assert response.status_code == 429
    assert "_auth_user_id" not in client.session
    assert "15 minuten" in response.content.decode()


def test_lock_out_holds_from_another_address_and_for_another_spelling(client, settings):
    user = UserFactory()
    for n in range(settings.AXES_FAILURE_LIMIT):
        client.post(
            reverse("accounts:login"),
            {"username": user.email.upper(), "password": "wrong"},
            REMOTE_ADDR=f"192.0.2.{n + 1}",
        )
    response = client.post(
        reverse("accounts:login"), {"username": user.email, "password": TEST_PASSWORD}, REMOTE_ADDR="198.51.100.7"
    )
    assert response.status_code == 429


def test_a_new_password_from_the_reset_link_lifts_the_lock_out(client, settings):
    user = UserFactory()
    for _ in range(settings.AXES_FAILURE_LIMIT):
        log_in_with_password(client, user.email, "wrong-password")
    client.post(reverse("accounts:password_reset"), {"email": user.email})
    link = re.search(r"https?://[^/\s]+(/accounts/password/reset/\S+/)", mail.outbox[0].body).group(1)
    form_url = client.get(link, follow=True).redirect_chain[-1][0]
    client.post(form_url, {"new_password1": "another-long-password-8", "new_password2": "another-long-password-8"})
    assert log_in_with_password(client, user.email, "another-long-password-8").status_code == 302


def test_a_password_alone_cannot_enrol_a_new_authenticator(client):
    """Someone with only the password must not replace the owner's app and so skip the second factor."""
    membership = membership_for_role(Role.COORDINATOR)
    owners_device = TOTPDevice.objects.create(user=membership.user, name="app", confirmed=True)
    log_in_with_password(client, membership.user.email)
    assert client.get(reverse("accounts:setup")).url == reverse("accounts:verify")
    assert client.post(reverse("accounts:setup"), {"token": "123456"}).url == reverse("accounts:verify")
    assert client.get(reverse("accounts:backup_codes")).url == reverse("accounts:verify")
    assert TOTPDevice.objects.filter(pk=owners_device.pk, confirmed=True).exists()
    assert client.get(reverse("dashboard:coordinator")).url == reverse("accounts:verify")


def test_lock_out_is_per_account(client, settings):
    locked, other = UserFactory(), UserFactory()
    for _ in range(settings.AXES_FAILURE_LIMIT):
        log_in_with_password(client, locked.email, "wrong-password")
    response = log_in_with_password(client, other.email)
    assert response.status_code == 302


def test_password_reset_mail_contains_a_working_link(client):
    user = UserFactory()
    response = client.post(reverse("accounts:password_reset"), {"email": user.email})
    assert response.status_code == 302
    assert len(mail.outbox) == 1
    link = re.search(r"https?://[^/\s]+(/accounts/password/reset/\S+/)", mail.outbox[0].body).group(1)
    response = client.get(link, follow=True)
    assert response.status_code == 200
    form_url = response.redirect_chain[-1][0] if response.redirect_chain else link
    response = client.post(
        form_url, {"new_password1": "a-new-long-password-7", "new_password2": "a-new-long-password-7"}
    )
    assert response.status_code == 302
    user.refresh_from_db()
    assert user.check_password("a-new-long-password-7")


def test_user_with_two_memberships_chooses_which_one_to_act_for(client, settings):
    settings.IDO_ENFORCE_2FA = False
    desk = membership_for_role(Role.DESK)
    coordinator = membership_for_role(Role.COORDINATOR, user=desk.user)
    log_in_with_password(client, desk.user.email)
    assert client.get(reverse("home")).url == reverse("accounts:choose_organisation")
    client.post(reverse("accounts:choose_organisation"), {"membership": coordinator.pk})
    assert client.get(reverse("home")).url == reverse("dashboard:coordinator")
    client.post(reverse("accounts:choose_organisation"), {"membership": desk.pk})
    assert client.get(reverse("home")).url == reverse("registrations:new")
    assert client.get(reverse("dashboard:coordinator")).status_code == 403


def test_replacing_the_app_needs_the_password_and_ends_sessions_verified_with_old_codes(
    client, django_capture_on_commit_callbacks
):
    from django.test import Client

    from ido.accounts.services import regenerate_backup_codes

    membership = membership_for_role(Role.DESK)
    user = membership.user
    old_device = TOTPDevice.objects.create(user=user, name="app", confirmed=True)
    codes = regenerate_backup_codes(user=user)

    # Someone else's browser got in with a backup code.
    other = Client()
    log_in_with_password(other, user.email)
    other.post(reverse("accounts:verify"), {"token": codes[0]})
    assert other.get(reverse("dashboard:desk")).status_code == 200

    # The owner replaces the app from a verified session.
    log_in_with_password(client, user.email)
    response = client.post(reverse("accounts:verify"), {"token": current_code(old_device)})
    assert response.status_code == 302, response.context["form"].errors
    client.get(reverse("accounts:setup"))
    new_device = TOTPDevice.objects.get(user=user, confirmed=False)
    response = client.post(reverse("accounts:setup"), {"password": "wrong", "token": current_code(new_device)})
    assert response.status_code == 200
    assert response.context["form"].errors["password"]
    new_device.refresh_from_db()
    assert not new_device.confirmed

    new_device.throttle_reset()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("accounts:setup"), {"password": TEST_PASSWORD, "token": current_code(new_device)}
        )
    assert response.url == reverse("accounts:backup_codes")
    assert not TOTPDevice.objects.filter(pk=old_device.pk).exists()
    assert other.get(reverse("dashboard:desk")).url == reverse("accounts:verify")
    assert client.get(reverse("dashboard:desk")).status_code == 200
    assert [message.to for message in mail.outbox] == [[user.email]]


def test_second_factor_pages_are_never_cached(client):
    membership = membership_for_role(Role.DESK)
    log_in_with_password(client, membership.user.email)
    response = client.get(reverse("accounts:setup"))
    assert "no-store" in response["Cache-Control"]
