"""The audit trail: services call `record()` for every change that matters."""

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

from django.db import models

from ido.core.models import AuditEvent

# Who acts when there is no person: an API token ("API token ab12cd… (Buurtteam Oost)"). The API sets it around
# each request, so the services keep passing `actor.user` (None for a token) and the trail still says who it was.
_acting_for: ContextVar[Callable[[], str] | None] = ContextVar("audit_acting_for", default=None)


@contextmanager
def acting_for(label: Callable[[], str]) -> Iterator[None]:
    """Events recorded without a person inside this block name `label()` as their actor (asked only when an
    event is recorded: a token is known only once the request has been authenticated)."""
    reset = _acting_for.set(label)
    try:
        yield
    finally:
        _acting_for.reset(reset)


def _label_without_person() -> str:
    label = _acting_for.get()
    return (label() if label is not None else "") or "system"


def record(
    *,
    actor: Any,
    action: str,
    target: models.Model | None = None,
    organisation: Any = None,
    detail: dict[str, Any] | None = None,
) -> AuditEvent:
    """Append one event. `action` is a dotted name such as "locations.location.created"."""
    real_actor = actor if getattr(actor, "is_authenticated", False) else None
    return AuditEvent.objects.create(
        actor=real_actor,
        actor_label=real_actor.email if real_actor else _label_without_person(),
        organisation=organisation,
        action=action,
        target_type=target._meta.label_lower if target is not None else "",
        target_id=str(target.pk) if target is not None else "",
        target_label=str(target)[:255] if target is not None else "",
        detail=detail or {},
    )
