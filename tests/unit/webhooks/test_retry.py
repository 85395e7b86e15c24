"""The webhook delivery policy: backoff, Retry-After, endpoint disabling and dead-lettering."""

import random
from datetime import UTC, datetime, timedelta, timezone

import pytest

from wms.webhooks.retry import Decision, decide, next_attempt_delay, parse_retry_after

T0 = datetime(2025, 3, 1, 12, 0, 0, tzinfo=UTC)
MAX_AGE = timedelta(hours=72)


class Fixed:
    """An rng that always draws the same number: 0.5 is no jitter, 0.0 the most negative."""

    def __init__(self, value: float) -> None:
        self.value = value

    def random(self) -> float:
        return self.value


MIDDLE = Fixed(0.5)

# --- backoff -----------------------------------------------------------------------------------

SCHEDULE = [timedelta(seconds=5), timedelta(minutes=5), timedelta(minutes=30)] + [
    timedelta(hours=h) for h in (2, 5, 10, 14, 20, 24)
]
AFTER_THE_SCHEDULE = [(10, timedelta(hours=24)), (500, timedelta(hours=24))]


@pytest.mark.parametrize(("attempt", "delay"), list(enumerate(SCHEDULE, start=1)) + AFTER_THE_SCHEDULE)
def test_schedule_without_jitter(attempt, delay):
    assert next_attempt_delay(attempt, MIDDLE) == delay


def test_jitter_is_ten_percent_either_way():
    assert next_attempt_delay(1, Fixed(0.0)) == timedelta(seconds=4.5)
    assert next_attempt_delay(4, Fixed(0.0)) == timedelta(hours=1.8)
    assert next_attempt_delay(9, Fixed(0.75)) == timedelta(hours=25.2)


def test_jitter_with_a_real_rng_stays_in_bounds_and_varies():
    rng = random.Random(1234)
    delays = [next_attempt_delay(3, rng) for _ in range(500)]
    assert all(timedelta(minutes=27) <= d <= timedelta(minutes=33) for d in delays)
    assert len(set(delays)) > 400


@pytest.mark.parametrize("attempt", [0, -1, True])
def test_attempt_counts_from_one(attempt):
    with pytest.raises(ValueError):
        next_attempt_delay(attempt, MIDDLE)


# --- Retry-After -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("120", timedelta(seconds=120)),
        (" 120 ", timedelta(seconds=120)),
        ("0", timedelta(0)),
        ("Sat, 01 Mar 2025 12:02:00 GMT", timedelta(minutes=2)),  # IMF-fixdate
        ("Saturday, 01-Mar-25 13:00:00 GMT", timedelta(hours=1)),  # obsolete RFC 850 form
        ("Sat Mar  1 12:00:30 2025", timedelta(seconds=30)),  # obsolete asctime form (no zone: GMT)
        ("Sat, 01 Mar 2025 14:00:00 +0200", timedelta(0)),  # 12:00 UTC, i.e. now
        ("Fri, 28 Feb 2025 12:00:00 GMT", timedelta(0)),  # in the past: now
        ("99999999999999999999", timedelta.max),  # absurd but well-formed
    ],
)
def test_parse_retry_after(value, expected):
    assert parse_retry_after(value, T0) == expected


@pytest.mark.parametrize(
    "value", ["", "  ", "-5", "1.5", "+30", "soon", "Sat, 32 Mar 2025 12:00:00 GMT", "١٢٠"]
)
def test_unreadable_retry_after_is_none(value):
    assert parse_retry_after(value, T0) is None


def test_parse_retry_after_with_naive_now_takes_it_as_utc():
    assert parse_retry_after("Sat, 01 Mar 2025 12:02:00 GMT", T0.replace(tzinfo=None)) == timedelta(minutes=2)


# --- decide ------------------------------------------------------------------------------------


def _decide(status, retry_after=None, attempt=1, now=T0, first=T0, max_age=MAX_AGE, rng=MIDDLE):
    return decide(status, retry_after, attempt, first, now, max_age, rng)


@pytest.mark.parametrize("status", [200, 201, 202, 204, 299])
def test_2xx_is_delivered(status):
    assert _decide(status).action == "delivered"


def test_2xx_is_delivered_even_past_max_age():
    assert _decide(200, now=T0 + timedelta(hours=100), attempt=12).action == "delivered"


def test_410_disables_the_endpoint():
    decision = _decide(410)
    assert decision.action == "disable_endpoint"
    assert decision.retry_at is None


@pytest.mark.parametrize("status", [None, 300, 400, 401, 404, 408, 413, 500, 502, 504])
def test_other_outcomes_back_off(status):
    decision = _decide(status, attempt=3, now=T0 + timedelta(minutes=6))
    assert decision == Decision("retry", retry_at=T0 + timedelta(minutes=36), reason=decision.reason)
    assert ("no response" in decision.reason) == (status is None)


@pytest.mark.parametrize("status", [429, 503])
def test_429_and_503_honour_retry_after_seconds_exactly(status):
    decision = _decide(status, retry_after="120", attempt=5, rng=Fixed(0.0))
    assert decision.action == "retry"
    assert decision.retry_at == T0 + timedelta(seconds=120)  # no jitter, not the 5 h backoff


def test_retry_after_as_http_date():
    decision = _decide(503, retry_after="Sat, 01 Mar 2025 12:45:00 GMT")
    assert decision.retry_at == T0 + timedelta(minutes=45)


def test_retry_after_zero_still_waits_a_second():
    assert _decide(429, retry_after="0").retry_at == T0 + timedelta(seconds=1)


@pytest.mark.parametrize("retry_after", [None, "", "later"])
def test_429_without_readable_retry_after_backs_off(retry_after):
    assert _decide(429, retry_after=retry_after, attempt=2).retry_at == T0 + timedelta(minutes=5)


def test_retry_after_is_ignored_on_other_statuses():
    assert _decide(500, retry_after="3600", attempt=1).retry_at == T0 + timedelta(seconds=5)


def test_dead_letter_when_the_next_attempt_would_be_past_max_age():
    now = T0 + timedelta(hours=51)
    assert _decide(500, attempt=9, now=now).action == "dead_letter"  # +24 h = 75 h > 72 h
    assert _decide(500, attempt=8, now=now).action == "retry"  # +20 h = 71 h
    assert _decide(500, attempt=9, now=now, max_age=timedelta(hours=80)).action == "retry"


def test_exactly_at_the_deadline_is_still_tried():
    now = T0 + timedelta(hours=48)
    decision = _decide(None, attempt=9, now=now)
    assert decision.retry_at == T0 + MAX_AGE
    assert decision.action == "retry"


def test_retry_after_beyond_max_age_dead_letters():
    assert _decide(503, retry_after=str(73 * 3600)).action == "dead_letter"


def test_absurd_retry_after_dead_letters_without_overflow():
    assert _decide(429, retry_after="99999999999999999999").action == "dead_letter"
    assert _decide(429, retry_after="Fri, 31 Dec 9999 23:59:59 GMT").action == "dead_letter"


def test_naive_first_attempt_from_sqlite_is_taken_as_utc():
    decision = _decide(500, attempt=1, first=T0.replace(tzinfo=None), now=T0 + timedelta(hours=1))
    assert decision.retry_at == T0 + timedelta(hours=1, seconds=5)
    assert decision.retry_at.tzinfo is not None


def test_retry_at_is_utc_whatever_zone_now_is_in():
    paris = timezone(timedelta(hours=1))
    decision = _decide(None, now=T0.astimezone(paris))
    assert decision.retry_at == T0 + timedelta(seconds=5)
    assert decision.retry_at.utcoffset() == timedelta(0)


def test_a_storefront_down_for_good_gets_nine_attempts_over_the_72_hours():
    # Attempt 1 at T0, then 5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 14 h, 20 h later: attempt 9 is at
    # 51 h 35 min 5 s, and the next 24 h would pass the 72 h limit.
    now, attempt = T0, 1
    while (decision := _decide(503, attempt=attempt, now=now)).action == "retry":
        now, attempt = decision.retry_at, attempt + 1
    assert decision.action == "dead_letter"
    assert attempt == 9
    assert now - T0 == timedelta(hours=51, minutes=35, seconds=5)


def test_decide_checks_attempt():
    with pytest.raises(ValueError):
        _decide(200, attempt=0)
