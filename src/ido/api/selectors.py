"""Reads of API tokens, scoped to the one who asks."""

from django.db.models import QuerySet

from ido.api.models import ApiToken


def api_tokens_visible_to(actor) -> QuerySet[ApiToken]:
    """A token manager sees their own organisation's tokens, revoked ones included."""
    if not actor.has_perm("api_tokens.manage"):
        return ApiToken.objects.none()
    return ApiToken.objects.filter(organisation=actor.organisation).select_related("created_by")
