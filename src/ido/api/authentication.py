"""API authentication with organisation tokens: `Authorization: Token <key>`.

A request made with a token acts for the token's organisation. Its permissions come from the kind of
organisation (roles.API_TOKEN_PERMISSIONS), not from the person who made the token, and the selectors apply
the same scope as for people: `request.user.actor` has `.organisation` and `.has_perm()`; `request.auth` is
the token.
"""

import hmac
from dataclasses import dataclass
from datetime import timedelta

from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import exceptions
from rest_framework.authentication import BaseAuthentication, get_authorization_header

from ido.api.keys import hash_key, looks_like_key, stored_prefix
from ido.api.models import ApiToken
from ido.organisations.models import Organisation
from ido.organisations.roles import api_token_permissions_for

KEYWORD = "Token"
# last_used_at is for people ("is this token still in use?"): minute precision spares a write per request.
LAST_USED_PRECISION = timedelta(minutes=1)


@dataclass(frozen=True)
class ApiActor:
    """Who a token request acts as, in the shape the selectors and services expect of a Membership."""

    organisation: Organisation
    token: ApiToken
    permissions: frozenset[str]

    def has_perm(self, permission: str) -> bool:
        return permission in self.permissions

    @property
    def user(self) -> None:
        """A token acts for its organisation, not for a person: services that record `actor.user` get None."""
        return None


class ApiClient:
    """What DRF sees as `request.user` for a token request: authenticated, but not a person."""

    is_authenticated = True
    is_anonymous = False
    is_active = True
    is_staff = False
    is_superuser = False
    pk = None
    id = None

    def __init__(self, actor: ApiActor):
        self.actor = actor

    def __str__(self) -> str:
        return f"API token {self.actor.token.prefix}… ({self.actor.organisation})"

    def is_verified(self) -> bool:
        return False


def actor_for(token: ApiToken) -> ApiActor:
    return ApiActor(
        organisation=token.organisation,
        token=token,
        permissions=api_token_permissions_for(token.organisation.kind),
    )


def _find_token(key: str) -> ApiToken | None:
    if not looks_like_key(key):
        return None
    wanted = hash_key(key)
    candidates = ApiToken.objects.select_related("organisation", "organisation__municipality").filter(
        prefix=stored_prefix(key)
    )
    for candidate in candidates:
        if hmac.compare_digest(candidate.key_hash, wanted):
            return candidate
    return None


def _record_use(token: ApiToken) -> None:
    now = timezone.now()
    if token.last_used_at is not None and now - token.last_used_at < LAST_USED_PRECISION:
        return
    # A conditional update: of many requests at once, one writes; none overwrites a newer time with an older.
    ApiToken.objects.filter(pk=token.pk).filter(
        Q(last_used_at__isnull=True) | Q(last_used_at__lt=now - LAST_USED_PRECISION)
    ).update(last_used_at=now)
    token.last_used_at = now


class ApiTokenAuthentication(BaseAuthentication):
    keyword = KEYWORD

    def authenticate(self, request):
        header = get_authorization_header(request).split()
        if not header or header[0].lower() != self.keyword.lower().encode():
            return None
        if len(header) != 2:
            raise exceptions.AuthenticationFailed(
                _("Invalid Authorization header. Send exactly: Authorization: Token <key>.")
            )
        try:
            key = header[1].decode("ascii")
        except UnicodeDecodeError as exc:
            raise exceptions.AuthenticationFailed(_("Invalid token.")) from exc
        return self.authenticate_credentials(key)

    def authenticate_credentials(self, key: str):
        token = _find_token(key)
        if token is None:
            raise exceptions.AuthenticationFailed(_("Invalid token."))
        if token.revoked_at is not None:
            raise exceptions.AuthenticationFailed(_("This token has been revoked. Ask your coordinator for a new one."))
        if not token.organisation.is_active:
            raise exceptions.AuthenticationFailed(_("The organisation of this token is no longer active."))
        _record_use(token)
        return ApiClient(actor_for(token)), token

    def authenticate_header(self, request) -> str:
        # Makes DRF answer 401 (with this challenge) rather than 403 when credentials are missing or wrong.
        return f'{self.keyword} realm="api"'


class ApiTokenScheme(OpenApiAuthenticationExtension):
    target_class = ApiTokenAuthentication
    name = "ApiToken"

    def get_security_definition(self, auto_schema):
        return {
            "type": "apiKey",
            "in": "header",
            "name": "Authorization",
            "description": "An organisation API token, sent as `Authorization: Token <key>`. "
            "Coordinators and national administrators make tokens under API tokens in the IDO Platform.",
        }
