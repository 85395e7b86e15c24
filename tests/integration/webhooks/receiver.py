"""A storefront's webhook endpoint on 127.0.0.1: real sockets, scripted answers, real receiver checks.

It verifies every request with the official `standardwebhooks` library, applies each webhook-id
once (as a real receiver deduplicates), and notes any id that arrives while the same id is still
being handled, which would mean two workers sent one event at the same time.
"""
from __future__ import annotations

import json
import socket
import threading
import time
import zlib
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from standardwebhooks.webhooks import Webhook, WebhookVerificationError


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass(frozen=True)
class Seen:
    msg_id: str
    answered: int
    body: bytes
    at: float


class Receiver:
    """Answers by `script_for` its webhook-id, else by `script` (one per request), then by `default`.

    An answer is "ok", "slow" (applies the event, then answers 200 after `slow_s`, later than the
    sender waits), "hold" (sets `holding`, waits for `release`, then applies and answers 200),
    "500", "503", "410", or "429:<Retry-After value>".
    """

    def __init__(self, port: int | None = None):
        self.port = port or free_port()
        self.secret: str | None = None
        self.script: list[str] = []
        self.script_for: dict[str, list[str]] = {}  # per webhook-id, consulted before `script`
        self.default = "ok"
        # When set, the first attempt of about one event in this many is answered 500 (chosen by its id).
        self.fail_first_one_in = 0
        self._attempted: set[str] = set()
        self.slow_s = 1.0
        self.handle_s = 0.0  # time every request takes, so concurrent sends would overlap
        self.seen: list[Seen] = []
        self.applied: dict[str, dict] = {}  # webhook-id -> body, the first time it took effect
        self.applied_order: list[dict] = []
        self.bad: list[str] = []  # requests that failed verification, and why
        self.overlaps: list[str] = []
        self._in_flight: dict[str, int] = {}
        self._lock = threading.Lock()
        self._server: ThreadingHTTPServer | None = None
        self.arrived = threading.Condition(self._lock)
        self.holding = threading.Event()
        self.release = threading.Event()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/hooks"

    def start(self) -> Receiver:
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"  # keep-alive, as real servers speak

            def do_POST(self):
                receiver._handle(self)

            def log_message(self, *args):  # keep test output quiet
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        self._server.daemon_threads = True
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        """Close the port: the next connection is refused."""
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def _next_answer(self, msg_id: str) -> str:
        with self._lock:
            first = msg_id not in self._attempted
            self._attempted.add(msg_id)
            if self.script_for.get(msg_id):
                return self.script_for[msg_id].pop(0)
            if self.script:
                return self.script.pop(0)
            if first and self.fail_first_one_in and zlib.crc32(msg_id.encode()) % self.fail_first_one_in == 0:
                return "500"
            return self.default

    def _handle(self, h: BaseHTTPRequestHandler) -> None:
        body = h.rfile.read(int(h.headers.get("Content-Length", 0)))
        msg_id = h.headers.get("webhook-id", "")
        with self._lock:
            if self._in_flight.get(msg_id):
                self.overlaps.append(msg_id)
            self._in_flight[msg_id] = self._in_flight.get(msg_id, 0) + 1
        status, headers = 500, {}
        try:
            status, headers = self._answer(h, msg_id, body, self._next_answer(msg_id))
        finally:
            # Noted before the answer goes out, so a sender that has its answer finds the request noted.
            with self._lock:
                self._in_flight[msg_id] -= 1
                self.seen.append(Seen(msg_id, status, body, time.monotonic()))
                self.arrived.notify_all()
        self._reply(h, status, headers)

    def _answer(self, h: BaseHTTPRequestHandler, msg_id: str, body: bytes, answer: str) -> tuple[int, dict]:
        try:
            # The official verifier: signature, and a timestamp within 5 minutes of this clock.
            payload = Webhook(self.secret).verify(body, {k.lower(): v for k, v in h.headers.items()})
        except WebhookVerificationError as exc:
            with self._lock:
                self.bad.append(f"{msg_id}: {exc}")
            return 400, {}
        if h.headers.get("Content-Type") != "application/json" or payload["id"] != msg_id:
            with self._lock:
                self.bad.append(f"{msg_id}: content type {h.headers.get('Content-Type')}, body id {payload['id']}")
            return 400, {}
        if self.handle_s:
            time.sleep(self.handle_s)
        if answer == "hold":
            self.holding.set()
            self.release.wait(60)
        if answer in ("ok", "slow", "hold"):
            with self._lock:
                if msg_id not in self.applied:
                    self.applied[msg_id] = payload
                    self.applied_order.append(payload)
            if answer == "slow":
                time.sleep(self.slow_s)
            return 200, {}
        if answer.startswith("429:"):
            return 429, {"Retry-After": answer[4:]}
        return int(answer), {}

    def _reply(self, h: BaseHTTPRequestHandler, status: int, headers: dict) -> None:
        try:
            payload = json.dumps({"status": status}).encode()
            h.send_response(status)
            for k, v in headers.items():
                h.send_header(k, v)
            h.send_header("Content-Type", "application/json")
            h.send_header("Content-Length", str(len(payload)))
            h.end_headers()
            h.wfile.write(payload)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the sender gave up waiting (the "slow" answer); nothing to tell it any more

    def snapshot(self) -> tuple[list[dict], list[Seen]]:
        """The payloads applied so far and the requests seen, copied while no request can add to them."""
        with self._lock:
            return list(self.applied.values()), list(self.seen)

    def wait_for(self, count: int, timeout: float = 10.0) -> None:
        """Block until `count` requests have been answered."""
        with self.arrived:
            if not self.arrived.wait_for(lambda: len(self.seen) >= count, timeout):
                raise AssertionError(f"only {len(self.seen)} of {count} webhook requests arrived in {timeout}s")
