"""Trying indexes in the bench database with plain SQL: measured, then dropped again.

The schema stays as the migrations make it; a candidate that helps is reported in docs/performance.md with its
exact definition, for a migration to add.
"""

import time
from dataclasses import dataclass

from django.db import connection

# For the overview: every column its aggregates read, the primary key included (they count "id"), so that
# PostgreSQL answers from the index alone (an index-only scan) instead of visiting a year of table pages.
OVERVIEW = {
    "bench_question_library_time_cover": (
        "CREATE INDEX bench_question_library_time_cover ON registrations_question (library_id, occurred_at) "
        "INCLUDE (id, topic_id, service_organisation_id, help_given_id, location_id)"
    ),
    "bench_visit_library_time_cover": (
        "CREATE INDEX bench_visit_library_time_cover ON registrations_visit (library_id, occurred_at) "
        "INCLUDE (id, channel, age_band)"
    ),
}
# For the desk form: "same as last visit" looks up the newest visit of this person in this library.
DESK = {
    "bench_visit_registered_by_created": (
        "CREATE INDEX bench_visit_registered_by_created ON registrations_visit "
        "(registered_by_id, library_id, created_at DESC, id DESC)"
    ),
}
CANDIDATES = {**OVERVIEW, **DESK}


@dataclass
class BuiltIndex:
    name: str
    definition: str
    seconds: float
    megabytes: float
    purpose: str


def index_megabytes(name: str) -> float:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_relation_size(%s::regclass)", [name])
        return cursor.fetchone()[0] / 1024 / 1024


def create_candidates() -> list[BuiltIndex]:
    built = []
    with connection.cursor() as cursor:
        for name, definition in CANDIDATES.items():
            cursor.execute(f"DROP INDEX IF EXISTS {name}")
            started = time.perf_counter()
            cursor.execute(definition)
            purpose = "overview" if name in OVERVIEW else "desk form"
            built.append(BuiltIndex(name, definition, time.perf_counter() - started, index_megabytes(name), purpose))
        cursor.execute("ANALYZE registrations_question")
        cursor.execute("ANALYZE registrations_visit")
    return built


def drop_candidates() -> None:
    with connection.cursor() as cursor:
        for name in CANDIDATES:
            cursor.execute(f"DROP INDEX IF EXISTS {name}")
