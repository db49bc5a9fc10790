"""Deployment checks (`ido check --deploy`): messages to visitors need a public address and a way out."""

from django.conf import settings
from django.core.checks import Tags, Warning, register


@register(Tags.security, deploy=True)
def check_messages_can_reach_visitors(app_configs, **kwargs):
    problems = []
    if settings.DEBUG:
        return problems
    if not settings.IDO_BASE_URL.startswith("https://") or "127.0.0.1" in settings.IDO_BASE_URL:
        problems.append(
            Warning(
                "IDO_BASE_URL is not the public https address of the platform.",
                hint="Set IDO_BASE_URL: the cancel links in e-mails, text messages and on appointment cards use it.",
                id="ido.W001",
            )
        )
    if settings.IDO_SMS_BACKEND in ("console", "memory"):
        problems.append(
            Warning(
                f"IDO_SMS_BACKEND is {settings.IDO_SMS_BACKEND!r}: reminders by text message are not sent.",
                hint="Name the gateway adapter of your SMS provider, or 'file' to hand the messages over another way.",
                id="ido.W002",
            )
        )
    return problems
