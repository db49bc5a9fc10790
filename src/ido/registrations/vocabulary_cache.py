"""The vocabulary terms in use, kept per process for a short while.

Every save at the desk validates its questions against the three national lists; reading them from the database
each time was a third of the save's statements (docs/performance.md). The lists change a few times a year, by a
national administrator. So each process keeps them for `IDO_VOCABULARY_CACHE_SECONDS` (default 60), clears them
at once when a term is saved or deleted in this process, and reloads them when the local date changes (a term
can be retired from a date). Another process sees a change within that many seconds. 0 turns the cache off.
"""

import threading
import time
from typing import TypedDict

from django.conf import settings
from django.db.models.signals import post_delete, post_save
from django.utils import timezone

from ido.registrations.models import HelpGiven, KbCategory, ServiceOrganisation, Topic
from ido.registrations.selectors import choosable_help, choosable_organisations, choosable_topics


class Terms(TypedDict):
    topic: list[Topic]
    service_organisation: list[ServiceOrganisation]
    help_given: list[HelpGiven]


_lock = threading.Lock()
_clock = time.monotonic  # replaced in the tests
_cached: dict = {"terms": None, "expires": 0.0, "today": None}


def _load(today) -> Terms:
    return {
        "topic": choosable_topics(today=today),
        "service_organisation": list(choosable_organisations(today=today)),
        "help_given": list(choosable_help(today=today)),
    }


def terms_in_use() -> Terms:
    """Topics, organisations and help given that can be chosen today, in their list order. Read-only: the same
    objects serve every request of this process."""
    seconds = settings.IDO_VOCABULARY_CACHE_SECONDS
    today = timezone.localdate()
    if seconds <= 0:
        return _load(today)
    now = _clock()
    with _lock:
        if _cached["terms"] is not None and now < _cached["expires"] and _cached["today"] == today:
            return _cached["terms"]
    terms = _load(today)
    with _lock:
        _cached.update(terms=terms, expires=now + seconds, today=today)
    return terms


def clear(**_kwargs) -> None:
    with _lock:
        _cached["terms"] = None


for _model in (Topic, ServiceOrganisation, HelpGiven, KbCategory):
    post_save.connect(clear, sender=_model, dispatch_uid=f"vocabulary_cache_{_model.__name__}_save")
    post_delete.connect(clear, sender=_model, dispatch_uid=f"vocabulary_cache_{_model.__name__}_delete")
