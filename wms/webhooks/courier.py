"""The HTTP side of webhook delivery: one signed POST per delivery, over a keep-alive session per endpoint."""
from __future__ import annotations

import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime

import requests

from wms.version import __version__
from wms.webhooks import signing

# Enough of an answer to keep in last_error and to leave the connection reusable; the rest is discarded.
MAX_ANSWER_BYTES = 64 * 1024
DETAIL_CHARS = 200


@dataclass(frozen=True)
class Claimed:
    """A delivery leased to this worker, with everything needed to send it outside any transaction."""

    delivery_id: int
    endpoint_id: int
    url: str
    secret: str = field(repr=False)  # never logged
    msg_id: str
    aggregate: str
    event_id: int
    body: bytes
    lane: int = 0  # which of the endpoint's connections it goes over; one aggregate keeps to one lane


@dataclass(frozen=True)
class Answer:
    """What an endpoint answered; `status_code` None means no answer (refused, reset, timed out)."""

    status_code: int | None
    retry_after: str | None = None
    detail: str = ""  # the start of the answer's body, or the error when there was no answer

    @property
    def ok(self) -> bool:
        return self.status_code is not None and 200 <= self.status_code <= 299

    @property
    def stalls_endpoint(self) -> bool:
        """Down (no answer), gone (410) or asking for a pause (429, 503): send it nothing more for now."""
        return self.status_code in (None, 410, 429, 503)


def answer_text(answer: Answer) -> str:
    if answer.status_code is None:
        return f"no response ({answer.detail})"
    return f"HTTP {answer.status_code}" + (f": {answer.detail}" if answer.detail else "")


@dataclass(frozen=True)
class Outcome:
    """One claimed delivery after the send step; `answer` None: not sent this round, for `note`'s reason."""

    claimed: Claimed
    answer: Answer | None
    sent_at: datetime
    note: str = ""


@dataclass
class Report:
    """What a delivery round did, by outcome."""

    claimed: int = 0
    delivered: int = 0
    retrying: int = 0
    dead: int = 0
    disabled: int = 0
    released: int = 0  # claimed but not sent: held back behind a failure; due again later
    lost: int = 0  # leases that ran out and went to another worker before the outcome was recorded

    def add(self, other: Report) -> None:
        for name in self.__dataclass_fields__:
            setattr(self, name, getattr(self, name) + getattr(other, name))


class Courier:
    """Sends webhook requests, keeping one `requests.Session` (one open connection) per endpoint lane.

    One courier belongs to one worker. Its sessions outlive a round so the next round reuses the open
    connections; each lane's session is used by one thread at a time.
    """

    def __init__(self, wall_clock: Callable[[], float] = time.time):
        self.wall_clock = wall_clock
        self._sessions: dict[tuple[int, str, int], requests.Session] = {}
        self._lock = threading.Lock()

    def session(self, endpoint_id: int, url: str, lane: int = 0) -> requests.Session:
        key = (endpoint_id, url, lane)
        with self._lock:
            session = self._sessions.get(key)
            if session is None:
                session = self._sessions[key] = requests.Session()
                session.headers["User-Agent"] = f"wms-webhooks/{__version__}"
            return session

    def send(self, c: Claimed, timeout: float) -> Answer:
        """POST the frozen body with Standard Webhooks headers; never raises for what the network does."""
        # webhook-timestamp is checked by the receiver against its own clock, so it is the real time of
        # sending, never a simulated scheduling clock; retries get a fresh one and the same webhook-id.
        headers = signing.headers(c.secret, c.msg_id, int(self.wall_clock()), c.body)
        headers["Content-Type"] = "application/json"
        try:
            # No redirects: a storefront that moved must register its new URL, and a redirect must not
            # carry a signed body somewhere else.
            response = self.session(c.endpoint_id, c.url, c.lane).post(
                c.url, data=c.body, headers=headers, timeout=timeout, stream=True, allow_redirects=False)
        except requests.RequestException as exc:
            return Answer(None, None, f"{type(exc).__name__}: {exc}"[:DETAIL_CHARS * 2])
        with response:
            try:
                detail = _read_some(response)
            except requests.RequestException as exc:
                # The status line and headers came, so the endpoint did answer; only its body broke off.
                detail = f"answer body unreadable: {type(exc).__name__}"
            return Answer(response.status_code, response.headers.get("Retry-After"), detail)

    def send_batch(self, claimed: list[Claimed], timeout: float,
                   now: Callable[[], datetime]) -> tuple[list[Outcome], Exception | None]:
        """Send claimed deliveries, each lane in its own thread; returns the outcomes and the first crash.

        Within a lane deliveries go in event order. After a failure, later events of the same aggregate
        stay unsent, to keep their order. Once an answer stalls the endpoint, every lane of it stops:
        trying the rest would only spend a timeout apiece, or ignore the pause it asked for.
        """
        lanes: dict[tuple[int, int], list[Claimed]] = {}
        for c in claimed:
            lanes.setdefault((c.endpoint_id, c.lane), []).append(c)
        stalled: dict[int, str] = {}  # endpoint id -> why; lanes share it (dict set/get are atomic)
        if len(lanes) == 1:
            try:
                return self._send_lane(claimed, timeout, now, stalled), None
            except Exception as exc:  # noqa: BLE001 - deliver_due re-raises it once the rest is recorded
                return [], exc
        outcomes: list[Outcome] = []
        failure = None
        with ThreadPoolExecutor(max_workers=len(lanes), thread_name_prefix="webhook") as pool:
            futures = [pool.submit(self._send_lane, lane, timeout, now, stalled) for lane in lanes.values()]
            for future in futures:
                try:
                    outcomes.extend(future.result())
                except Exception as exc:  # noqa: BLE001 - deliver_due re-raises it after recording the rest
                    failure = failure or exc
        return outcomes, failure

    def _send_lane(self, claimed: list[Claimed], timeout: float, now: Callable[[], datetime],
                   stalled: dict[int, str]) -> list[Outcome]:
        outcomes: list[Outcome] = []
        failed_aggregates: set[str] = set()
        for c in claimed:
            if c.endpoint_id in stalled:
                outcomes.append(Outcome(c, None, now(), stalled[c.endpoint_id]))
                continue
            if c.aggregate in failed_aggregates:
                outcomes.append(Outcome(c, None, now(), "not sent: an earlier event of its aggregate failed"))
                continue
            sent_at = now()
            answer = self.send(c, timeout)
            outcomes.append(Outcome(c, answer, sent_at))
            if not answer.ok:
                failed_aggregates.add(c.aggregate)
            if answer.stalls_endpoint:
                stalled[c.endpoint_id] = f"not sent: the endpoint gave {answer_text(answer)} just before"
        return outcomes

    def close(self) -> None:
        with self._lock:
            for session in self._sessions.values():
                session.close()
            self._sessions.clear()


def _read_some(response: requests.Response) -> str:
    """The start of the answer's body; reading it all (when small) returns the connection to the pool."""
    got = bytearray()
    for chunk in response.iter_content(8192):
        got += chunk
        if len(got) >= MAX_ANSWER_BYTES:
            break
    return bytes(got[:DETAIL_CHARS]).decode("utf-8", "replace").strip()
