"""The per-process cache of the vocabulary lists: no queries while fresh, cleared on a change, reloaded the next
day; off when the setting is 0 (as in the rest of the test suite)."""

from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone

from ido.organisations.roles import Role
from ido.registrations import vocabulary_cache, vocabulary_services
from ido.registrations.models import Topic
from tests.factories import membership_for_role

pytestmark = pytest.mark.django_db


@pytest.fixture
def cache_on(settings):
    settings.IDO_VOCABULARY_CACHE_SECONDS = 60
    vocabulary_cache.clear()
    yield
    vocabulary_cache.clear()


def test_fresh_lists_cost_no_query(cache_on, django_assert_num_queries):
    first = vocabulary_cache.terms_in_use()
    with django_assert_num_queries(0):
        again = vocabulary_cache.terms_in_use()
    assert again["topic"] is first["topic"]
    assert first["help_given"][0].code == "explained"


def test_a_change_through_the_vocabulary_screens_clears_it(cache_on):
    admin = membership_for_role(Role.NATIONAL_ADMIN)
    vocabulary_cache.terms_in_use()
    fines = Topic.objects.get(code="fines")
    vocabulary_services.retire_term(actor=admin, term=fines, on=timezone.localdate())
    assert "fines" not in [t.code for t in vocabulary_cache.terms_in_use()["topic"]]


def test_a_term_retired_from_tomorrow_goes_when_the_date_changes(cache_on):
    Topic.objects.filter(code="fines").update(retired_on=timezone.localdate() + timedelta(days=1))
    vocabulary_cache.clear()
    assert "fines" in [t.code for t in vocabulary_cache.terms_in_use()["topic"]]
    with time_machine.travel(timezone.now() + timedelta(days=1)):
        assert "fines" not in [t.code for t in vocabulary_cache.terms_in_use()["topic"]]


def test_it_expires_after_the_configured_seconds(cache_on, monkeypatch):
    clock = [1000.0]
    monkeypatch.setattr(vocabulary_cache, "_clock", lambda: clock[0])
    vocabulary_cache.terms_in_use()
    Topic.objects.filter(code="fines").update(retired_on=timezone.localdate())  # no signal: only time tells
    assert "fines" in [t.code for t in vocabulary_cache.terms_in_use()["topic"]]
    clock[0] += 59
    assert "fines" in [t.code for t in vocabulary_cache.terms_in_use()["topic"]]
    clock[0] += 2
    assert "fines" not in [t.code for t in vocabulary_cache.terms_in_use()["topic"]]


def test_zero_seconds_reads_every_time(settings, django_assert_num_queries):
    settings.IDO_VOCABULARY_CACHE_SECONDS = 0
    with django_assert_num_queries(3):
        vocabulary_cache.terms_in_use()
    with django_assert_num_queries(3):
        vocabulary_cache.terms_in_use()
