"""Closing a year while spending is recorded at the same moment, on real concurrent connections (PostgreSQL):
every line either lands before the year's figures are fixed, and counts in them, or is refused."""

import threading
from datetime import date
from decimal import Decimal as D

import pytest
from django.core.exceptions import ValidationError
from django.db import connection, connections

from ido.funding import services
from ido.funding.models import Expenditure, YearAccount

pytestmark = pytest.mark.django_db(transaction=True)

RACERS = 12


def test_spending_racing_the_closing_of_the_year_is_in_its_figures_or_refused(officer, allocation, utrecht):
    if connection.vendor != "postgresql":
        pytest.skip("The race needs real concurrent connections: it runs on PostgreSQL (make test with DATABASE_URL).")
    barrier = threading.Barrier(RACERS + 1)
    outcomes: list[str] = []
    lock = threading.Lock()

    def run(action) -> None:
        try:
            barrier.wait(timeout=30)
            result = action()
        except ValidationError:
            result = "refused"
        except Exception as error:
            result = f"error: {error!r}"
        finally:
            connections.close_all()
        with lock:
            outcomes.append(result)

    def spend() -> str:
        services.record_expenditure(
            actor=officer,
            municipality=utrecht,
            data=services.ExpenditureInput(
                year=2026,
                purpose="promotion",
                stage="paid",
                date=date(2026, 12, 1),
                amount=D("100"),
                description="Folder",
            ),
        )
        return "spent"

    def close() -> str:
        services.close_year(actor=officer, municipality=utrecht, year=2026)
        return "closed"

    threads = [threading.Thread(target=run, args=(spend,)) for _ in range(RACERS)]
    threads.append(threading.Thread(target=run, args=(close,)))
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert "closed" in outcomes and not [o for o in outcomes if o.startswith("error")], outcomes
    landed = Expenditure.objects.filter(year=2026).count()
    assert landed == outcomes.count("spent")
    account = YearAccount.objects.get(year=2026)
    assert D(account.figures["spent"]) == D("100") * landed  # every line that landed is in the closed figures
