"""Security headers and the production settings."""

import os
import re
import subprocess
import sys

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


def test_every_page_sends_a_strict_content_security_policy(client):
    response = client.get(reverse("accounts:login"))
    policy = response["Content-Security-Policy"]
    assert "default-src 'self'" in policy
    assert "frame-ancestors 'none'" in policy
    assert "unsafe-inline" not in policy
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"


@pytest.mark.parametrize("name", ["public:index", "accounts:login", "accounts:password_reset"])
def test_pages_have_no_inline_scripts_or_styles(client, name):
    body = client.get(reverse(name)).content.decode()
    scripts = re.findall(r"<script\b[^>]*>", body)
    assert scripts, "the page loads htmx"
    assert all(" src=" in tag for tag in scripts), scripts
    assert not re.search(r"\sstyle=", body)
    assert "<style" not in body


def test_production_settings_turn_on_hsts_and_secure_cookies(tmp_path):
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "ido.conf.settings",
        "DEBUG": "false",
        "SECRET_KEY": "s" * 60,
        "IDO_DATA_DIR": str(tmp_path),
    }
    env.pop("IDO_HTTPS", None)  # the test settings switch it off for this process; the default is on
    code = (
        "import django; django.setup(); from django.conf import settings as s; "
        "print(s.SECURE_HSTS_SECONDS, s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE, s.SECURE_SSL_REDIRECT)"
    )
    result = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True)
    assert result.stdout.split() == ["31536000", "True", "True", "True"]


def test_forms_refuse_posts_without_a_csrf_token(settings):
    from django.test import Client

    strict = Client(enforce_csrf_checks=True)
    response = strict.post(reverse("accounts:login"), {"username": "a@example.test", "password": "x"})
    assert response.status_code == 403


def test_production_settings_pass_check_deploy(tmp_path):
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "ido.conf.settings",
        "DEBUG": "false",
        "SECRET_KEY": "x" * 20 + "production-like-secret-key-for-the-check-only-0123456789",
        "ALLOWED_HOSTS": "ido.example.nl",
        "IDO_DATA_DIR": str(tmp_path),
        "IDO_HTTPS": "true",
        "IDO_BASE_URL": "https://ido.example.nl",
        "IDO_SMS_BACKEND": "file",
    }
    env.pop("DATABASE_URL", None)
    env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)  # set by the browser tests in this process only
    result = subprocess.run(
        [sys.executable, "-m", "ido.manage", "check", "--deploy", "--fail-level", "WARNING"],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_production_settings_refuse_to_start_without_a_secret_key(tmp_path):
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "ido.conf.settings", "DEBUG": "false", "IDO_DATA_DIR": str(tmp_path)}
    env.pop("SECRET_KEY", None)
    result = subprocess.run(
        [sys.executable, "-m", "ido.manage", "check"], env=env, capture_output=True, text=True, check=False
    )
    assert result.returncode != 0
    assert "SECRET_KEY is required" in result.stderr
