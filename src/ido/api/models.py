from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class ApiToken(models.Model):
    """A key with which an organisation's software reads the API. Only a hash of the key is stored."""

    organisation = models.ForeignKey(
        "organisations.Organisation",
        verbose_name=_("organisation"),
        on_delete=models.CASCADE,
        related_name="api_tokens",
        help_text=_("The organisation the token reads for; it sees what that organisation may see."),
    )
    name = models.CharField(
        _("name"), max_length=100, help_text=_("What the token is for, for example: website location finder.")
    )
    prefix = models.CharField(
        _("prefix"),
        max_length=8,
        db_index=True,
        help_text=_("The first characters of the key, to recognise it. The rest of the key is not stored."),
    )
    key_hash = models.CharField(
        _("key hash"), max_length=64, unique=True, help_text=_("SHA-256 of the key, in hexadecimal.")
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    last_used_at = models.DateTimeField(
        _("last used at"), null=True, blank=True, help_text=_("Updated at most once a minute.")
    )
    revoked_at = models.DateTimeField(
        _("revoked at"), null=True, blank=True, help_text=_("A revoked token no longer gives access.")
    )

    class Meta:
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @property
    def is_revoked(self) -> bool:
        return self.revoked_at is not None
