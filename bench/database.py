"""The bench database: create it when missing, and never touch a database that is not one."""

import psycopg
from psycopg import sql

# Bench-only tables, made with plain SQL (no model, no migration): what was generated, and per location how
# busy it is and since when it registers.
MARKER_TABLE = "bench_generation"
LOCATION_TABLE = "bench_location"


def _connect(params: dict, dbname: str) -> psycopg.Connection:
    return psycopg.connect(
        dbname=dbname,
        user=params.get("USER") or None,
        password=params.get("PASSWORD") or None,
        host=params.get("HOST") or None,
        port=params.get("PORT") or None,
        autocommit=True,
    )


def _is_bench_database(params: dict) -> bool:
    """A bench database has the marker table, or no tables yet."""
    with _connect(params, params["NAME"]) as connection:
        tables = {
            row[0]
            for row in connection.execute(
                "SELECT tablename FROM pg_tables WHERE schemaname = current_schema()"
            ).fetchall()
        }
    return not tables or MARKER_TABLE in tables


def prepare(params: dict, *, fresh: bool, log) -> None:
    """Create the database when it is missing (drop it first with `fresh`). Refuses a database that holds
    tables but was not made by the benchmark: the generator empties the registration tables."""
    name = params["NAME"]
    with _connect(params, "postgres") as connection:
        exists = connection.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone() is not None
    if exists and not _is_bench_database(params):
        raise SystemExit(
            f"Database {name!r} has tables but no {MARKER_TABLE} table: it was not made by the benchmark, "
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
