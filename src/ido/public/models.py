from django.db import models
from django.utils.translation import gettext_lazy as _

from ido.organisations.models import Municipality


class EmbeddingSite(models.Model):
    """A website allowed to show a municipality's IDO widget in an iframe (CSP frame-ancestors)."""

    municipality = models.ForeignKey(
        Municipality, verbose_name=_("municipality"), on_delete=models.CASCADE, related_name="embedding_sites"
    )
    origin = models.CharField(
        _("website"),
        max_length=200,
        help_text=_("The address of the website, for example https://www.utrecht.nl."),
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("website showing the widget")
        verbose_name_plural = _("websites showing the widget")
        ordering = ["municipality", "origin"]
        constraints = [
            models.UniqueConstraint(fields=["municipality", "origin"], name="embedding_site_once_per_municipality")
        ]

    def __str__(self) -> str:
        return self.origin
