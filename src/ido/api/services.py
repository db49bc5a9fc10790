"""Writes for API tokens: typed, atomic, audited."""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from ido.api.keys import generate_key, hash_key, stored_prefix
from ido.api.models import ApiToken
from ido.core import audit
from ido.organisations.models import Membership

NAME_MAX_LENGTH: int = ApiToken._meta.get_field("name").max_length or 100


def _check_may_manage(actor: Membership) -> None:
    if not actor.has_perm("api_tokens.manage"):
        raise PermissionDenied


@transaction.atomic
def create_api_token(*, actor: Membership, name: str) -> tuple[ApiToken, str]:
    """A new token for the actor's organisation. Returns the token and its key: the only time the key exists
    in clear, so the caller shows it once and forgets it."""
    _check_may_manage(actor)
    name = name.strip()
    if not name:
        raise ValidationError({"name": _("Say what the token is for.")})
    if len(name) > NAME_MAX_LENGTH:
        raise ValidationError({"name": _("Use at most %(count)d characters.") % {"count": NAME_MAX_LENGTH}})
    key = generate_key()
    token = ApiToken.objects.create(
        organisation=actor.organisation,
        name=name,
        prefix=stored_prefix(key),
        key_hash=hash_key(key),
        created_by=actor.user,
    )
    audit.record(actor=actor.user, organisation=actor.organisation, action="api.token.created", target=token)
    return token, key


@transaction.atomic
def revoke_api_token(*, actor: Membership, token: ApiToken) -> ApiToken:
    """Stop the token from giving access. Revoking a revoked token changes nothing and records nothing."""
    _check_may_manage(actor)
    if token.organisation_id != actor.organisation.pk:
        raise PermissionDenied
    # The row lock makes two revocations at once record one event.
    token = ApiToken.objects.select_for_update().get(pk=token.pk)
    if token.revoked_at is not None:
        return token
    token.revoked_at = timezone.now()
    token.save(update_fields=["revoked_at"])
    audit.record(actor=actor.user, organisation=actor.organisation, action="api.token.revoked", target=token)
    return token
