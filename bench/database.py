"""The bench database: create it when missing, and never touch a database that is not one."""

import psycopg
from psycopg import sql

# Bench-only tables, made with plain SQL (no model, no migration): what was generated, and per location how
# busy it is and since when it registers.
MARKER_TABLE = "bench_generation"
LOCATION_TABLE = "bench_location"
# The appointments benchmark's database (a database of its own) and what it generated.
APPOINTMENTS_MARKER_TABLE = "bench_appointments_generation"
# The public finder benchmark's database and what it generated.
FINDER_MARKER_TABLE = "bench_finder_generation"


def _connect(params: dict, dbname: str) -> psycopg.Connection:
    return psycopg.connect(
        dbname=dbname,
        user=params.get("USER") or None,
        password=params.get("PASSWORD") or None,
        host=params.get("HOST") or None,
        port=params.get("PORT") or None,
        autocommit=True,
    )


def _is_bench_database(params: dict, marker: str = MARKER_TABLE) -> bool:
    """A bench database has the marker table, or no tables yet."""
    with _connect(params, params["NAME"]) as connection:
        tables = {
            row[0]
            for row in connection.execute(
                "SELECT tablename FROM pg_tables WHERE schemaname = current_schema()"
            ).fetchall()
        }
    return not tables or marker in tables


def prepare(params: dict, *, fresh: bool, log, marker: str = MARKER_TABLE) -> None:
    """Create the database when it is missing (drop it first with `fresh`). Refuses a database that holds
    tables but was not made by the benchmark: the generator empties the registration tables."""
    name = params["NAME"]
    with _connect(params, "postgres") as connection:
        exists = connection.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone() is not None
    if exists and not _is_bench_database(params, marker):
        raise SystemExit(
            f"Database {name!r} has tables but no {marker} table: it was not made by the benchmark, "
            "which would replace its registrations. Point DATABASE_URL at an empty or a bench database."
        )
    with _connect(params, "postgres") as connection:
        if exists and fresh:
            log(f"Dropping database {name} (--fresh) …")
            connection.execute(sql.SQL("DROP DATABASE {}").format(sql.Identifier(name)))
            exists = False
        if not exists:
            log(f"Creating database {name} …")
            connection.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
