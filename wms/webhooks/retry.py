"""When a failed webhook delivery is tried again, and when it is given up (CONTRACT.md, Webhooks).

The policy never reads the clock: the caller passes `now` and the time of the first attempt, so
tests, the scheduler and redelivery all agree on time. Naive datetimes are taken as UTC, because
SQLite hands `DateTime(timezone=True)` columns back without a zone.
"""

from __future__ import annotations

import email.utils
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Literal, Protocol

# Delay after the 1st, 2nd, ... failed attempt; every later one waits the last step again.
SCHEDULE = (
    timedelta(seconds=5),
    timedelta(minutes=5),
    timedelta(minutes=30),
    timedelta(hours=2),
    timedelta(hours=5),
    timedelta(hours=10),
    timedelta(hours=14),
    timedelta(hours=20),
    timedelta(hours=24),
)
# ±10 %: endpoints that failed together (one outage) do not all come back in the same second.
JITTER = 0.10
# A "Retry-After: 0" answered again and again must not become a busy loop.
MIN_RETRY_AFTER = timedelta(seconds=1)
# Statuses whose Retry-After is honoured (RFC 9110 §10.2.3, RFC 6585 §4).
HONOURS_RETRY_AFTER = (429, 503)

Action = Literal["delivered", "disable_endpoint", "retry", "dead_letter"]


class Rng(Protocol):
    """What the policy needs of a random source: `random.Random` fits, so does a test stub."""

    def random(self) -> float: ...


@dataclass(frozen=True)
class Decision:
    """What to do with a delivery after one attempt; `retry_at` (aware UTC) is set only to retry."""

    action: Action
    retry_at: datetime | None = None
    reason: str = ""


def next_attempt_delay(attempt: int, rng: Rng) -> timedelta:
    """How long to wait after failed attempt number `attempt` (1-based): the schedule, ±10 % jitter."""
    _check_attempt(attempt)
    step = SCHEDULE[min(attempt, len(SCHEDULE)) - 1]
    return step * (1 + JITTER * (2 * rng.random() - 1))


def parse_retry_after(value: str, now: datetime) -> timedelta | None:
    """The wait a Retry-After value asks for (delay-seconds or HTTP-date, RFC 9110); None if unreadable."""
    value = value.strip()
    if not value:
        return None
    if value.isascii() and value.isdigit():
        try:
            return timedelta(seconds=int(value))
        except OverflowError:  # more seconds than timedelta holds: "never", as far as we are concerned
            return timedelta.max
    try:
        # Reads IMF-fixdate and both obsolete forms (RFC 850, asctime) that RFC 9110 asks
        # recipients to accept.
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError, OverflowError):
        return None
    return max(_utc(when) - _utc(now), timedelta(0))


def decide(
    status_code: int | None,
    retry_after: str | None,
    attempt: int,
    first_attempt_at: datetime,
    now: datetime,
    max_age: timedelta,
    rng: Rng,
) -> Decision:
    """What follows delivery attempt number `attempt` (1-based); status None: timeout or no connection."""
    _check_attempt(attempt)
    if status_code is not None and 200 <= status_code <= 299:
        return Decision("delivered", reason=f"HTTP {status_code}")
    if status_code == 410:
        return Decision("disable_endpoint", reason="HTTP 410 Gone: the endpoint asked to receive no more")

    outcome = "no response (timeout or connection error)" if status_code is None else f"HTTP {status_code}"
    asked = None
    if status_code in HONOURS_RETRY_AFTER and retry_after is not None:
        asked = parse_retry_after(retry_after, now)
    if asked is not None:
        wait, how = max(asked, MIN_RETRY_AFTER), "as Retry-After asks"
    else:
        wait, how = next_attempt_delay(attempt, rng), "backing off"

    now = _utc(now)
    deadline = _utc(first_attempt_at) + max_age
    # Compared as durations: a huge Retry-After added to `now` would overflow datetime.
    if wait > deadline - now:
        too_late = f"the next try would be more than {max_age} after the first"
        return Decision("dead_letter", reason=f"{outcome} on attempt {attempt}; {too_late}")
    return Decision("retry", retry_at=now + wait, reason=f"{outcome} on attempt {attempt}; {how}")


def _check_attempt(attempt: int) -> None:
    if isinstance(attempt, bool) or not isinstance(attempt, int) or attempt < 1:
        raise ValueError(f"attempt counts from 1, got {attempt!r}")


def _utc(moment: datetime) -> datetime:
    if moment.tzinfo is None:
        return moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)
