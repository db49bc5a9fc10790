"""Pure rules of the partner network: whether a referral agreement is in force on a day, which topics an
agreement covers, and which topics of a territory have no partner at all (white spots). No database here."""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

UPCOMING = "upcoming"
IN_FORCE = "in_force"
ENDED = "ended"

# A referral promise of more than three months is a typing error, not an agreement.
MAX_RESPONSE_DAYS = 60


def agreement_state(valid_from: date, valid_until: date | None, on: date) -> str:
    """Not started yet, in force (both dates count), or ended."""
    if on < valid_from:
        return UPCOMING
    if valid_until is not None and on > valid_until:
        return ENDED
    return IN_FORCE


def is_in_force(valid_from: date, valid_until: date | None, on: date) -> bool:
    return agreement_state(valid_from, valid_until, on) == IN_FORCE


def covering_topic_ids(topic_id: int, parent_id: int | None) -> tuple[int, ...]:
    """The topics an agreement may name to cover `topic`: the topic itself and, for a subtopic, its main topic
    (an agreement about a main topic covers all of its subtopics; one about a subtopic covers only that)."""
    return (topic_id,) if parent_id is None else (topic_id, parent_id)


@dataclass(frozen=True)
class TopicRef:
    id: int
    parent_id: int | None = None


@dataclass(frozen=True)
class AgreementRef:
    id: int
    partner_id: int
    topic_ids: frozenset[int]


def coverage(topics: Iterable[TopicRef], agreements: Iterable[AgreementRef]) -> dict[int, tuple[AgreementRef, ...]]:
    """For each topic, the agreements that cover it (directly, or through its main topic), in the given order."""
    agreements = list(agreements)
    result: dict[int, tuple[AgreementRef, ...]] = {}
    for topic in topics:
        covering = set(covering_topic_ids(topic.id, topic.parent_id))
        result[topic.id] = tuple(agreement for agreement in agreements if agreement.topic_ids & covering)
    return result
