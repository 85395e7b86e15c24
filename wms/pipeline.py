"""The write path: every write is a command, handled by one handler in one unit of work.

    send(command) ─▶ authorise ─▶ [queue behind concurrent commands of its kind: group commit]
      ─▶ unit of work: replay a stored reply, or run the handler ─▶ events' handlers ─▶ store reply ─▶ commit

A handler takes one command and returns its result, or raises the WmsError that refuses it. A handler
worth running in batches declares its batch form beside itself (`batch_form`): a function taking many
commands and returning, in order, each one's result or the WmsError refusing it, having written
nothing for a refused one. The pipeline then runs concurrent commands of that kind as one transaction
(wms/combining.py); nobody else ever sees a batch.
"""
from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from flask import Flask
from sqlalchemy.exc import DBAPIError

from wms import replies
from wms.auth import Principal, still_valid
from wms.combining import Failed, combiner_for
from wms.db import db, lost_lock_race, lost_unique_race
from wms.errors import Forbidden, Unauthorized, WmsError
from wms.serialise import dumps
from wms.unit_of_work import atomic, current

PIPELINE_KEY = "wms.pipeline"

Handler = Callable[[Any], Any]
BatchHandler = Callable[[list[Any]], Sequence[Any]]
# Turns a handler's result into the reply's JSON: a value, or (value, status) to answer another status.
Shape = Callable[[Any], Any]


@dataclass(frozen=True)
class Reply:
    """The answer to one command, as it is sent and as it is stored for replay."""

    status: int
    body: str


def batch_form(single: Handler) -> Callable[[BatchHandler], BatchHandler]:
    """Declare `many` as the batch form of the handler `single`; the pipeline then commits concurrent ones together."""

    def declare(many: BatchHandler) -> BatchHandler:
        single.batch = many  # type: ignore[attr-defined]
        return many

    return declare


@dataclass(frozen=True)
class _Call:
    command: Any
    caller: Principal
    shape: Shape
    status: int
    key: replies.Key | None


class Pipeline:
    """Runs commands through their handlers; `handlers` maps each command type to its handler (wms/wiring.py)."""

    def __init__(self, handlers: Mapping[type, Handler]):
        self._handlers = dict(handlers)

    def send(self, command: Any, caller: Principal, *, shape: Shape, status: int = 200,
             key: replies.Key | None = None) -> Reply:
        """Run one command for a caller and answer it; with a key, once: its retries get the same reply."""
        if not caller.may(type(command).ROLES):
            raise Forbidden(f"the {caller.role} role may not {_verb(command)}")
        handler = self._handlers[type(command)]
        call = _Call(command, caller, shape, status, key)
        with replies.running(key):
            # End the read transaction authentication opened: a command may wait through several batches,
            # and on SQLite an open read pins its WAL snapshot, so the log could not be checkpointed.
            db.session.rollback()
            many = getattr(handler, "batch", None)
            if many is None:
                (outcome,) = _answer(lambda commands: [handler(commands[0])], [call])
            else:
                outcome = combiner_for((type(command), many), lambda: lambda calls: _answer(many, calls)).submit(call)
        if isinstance(outcome, Failed):
            raise outcome.error
        return outcome

    def refuse(self, err: WmsError, caller: Principal, key: replies.Key) -> Reply:
        """Answer a request refused before it became a command (its body broke the schema), once per key."""
        with replies.running(key):
            db.session.rollback()
            (outcome,) = _answer(_refused, [_Call(_Refusal(err), caller, as_given, err.status, key)])
        if isinstance(outcome, Failed):
            raise outcome.error
        return outcome

    def handle(self, command: Any) -> Any:
        """Run a command for the system itself (jobs, the command line): no caller, no replay; errors are raised."""
        return atomic(self._handlers[type(command)])(command)


def pipeline_of(app: Flask) -> Pipeline:
    """The pipeline `create_app` gave the app: jobs and the command line hand it their commands."""
    return app.extensions[PIPELINE_KEY]


@dataclass(frozen=True)
class _Refusal:
    error: WmsError


def _refused(refusals: list[_Refusal]) -> list[WmsError]:
    return [r.error for r in refusals]


def as_given(result: Any) -> Any:
    """The shape of a reply a handler already made as the API shows it (an order's state, a scan's outcome)."""
    return result


def one_of(many: BatchHandler, command: Any) -> Any:
    """A handler through its batch form: the one command's result, or the WmsError refusing it raised."""
    (outcome,) = many([command])
    if isinstance(outcome, WmsError):
        raise outcome
    return outcome


def _verb(command: Any) -> str:
    name = type(command).__name__
    words = "".join(f" {c.lower()}" if c.isupper() else c for c in name).strip()
    return words


@atomic
def _answer(many: BatchHandler, calls: Sequence[_Call]) -> list[Reply | Failed]:
    """One unit of work for a batch of calls: replay what is stored, run the rest, store their replies."""
    keys = [c.key for c in calls if c.key]
    stored = replies.find(keys)
    free = iter(replies.claim_running(keys))
    valid = still_valid([c.caller.token_hash for c in calls if c.caller.token_hash])
    out: list[Reply | Failed | None] = [None] * len(calls)
    first: dict[tuple[str, str, str], int] = {}
    todo: list[int] = []
    for i, call in enumerate(calls):
        running_elsewhere = call.key is not None and not next(free)
        if call.caller.token_hash and call.caller.token_hash not in valid:
            out[i] = _error(Unauthorized("the bearer token is not valid"))
        elif running_elsewhere:
            out[i] = _error(replies.in_progress())
        elif call.key and call.key.slot in stored:
            found = stored[call.key.slot]
            out[i] = _error(found) if isinstance(found, WmsError) else Reply(found.status, found.body)
        elif call.key is None or call.key.slot not in first:
            todo.append(i)
            if call.key:
                first[call.key.slot] = i
    kept = []
    for i, outcome in zip(todo, run_isolated(many, [calls[i].command for i in todo])):
        if isinstance(outcome, Failed):
            out[i] = outcome  # not stored: the retry runs afresh
            continue
        reply = _error(outcome) if isinstance(outcome, WmsError) else _shaped(calls[i], outcome)
        out[i] = reply
        # A 503 asks for the retry rather than answering the request: stored, it would be replayed forever.
        if calls[i].key and reply.status < 500:
            kept.append((calls[i].key, replies.Stored(reply.status, reply.body), calls[i].caller.name))
    for i, call in enumerate(calls):  # second copies of one key within this batch
        if out[i] is None:
            j = first[call.key.slot]
            out[i] = _error(replies.reused(call.key)) if call.key.fingerprint != calls[j].key.fingerprint else out[j]
    replies.keep(kept)
    return out


def _shaped(call: _Call, result: Any) -> Reply:
    body = call.shape(result)
    if isinstance(body, tuple):
        body, status = body
        return Reply(status, dumps(body))
    return Reply(call.status, dumps(body))


def _error(err: WmsError) -> Reply:
    return Reply(err.status, dumps(err.body()))


def run_isolated(many: BatchHandler, commands: list[Any]) -> list[Any]:
    """Each command's outcome, behind a savepoint; a batch that raises is run again command by command.

    A batch form refuses a command by returning its WmsError in its place, having written nothing for
    it. Should it raise instead, nobody can tell which command was at fault, so each runs alone behind
    its own savepoint: a raised WmsError is then that command's outcome, anything else a Failed. The
    events a rolled-back attempt raised are dropped with its writes. A lost lock race is raised on: the
    whole unit of work runs again. So is a unique key another transaction inserted first, once one
    command alone hit it (a batch that hits one is first run command by command, to find which): its
    handler's look for the row, run again, finds the winner's and answers 409.
    """
    if not commands:
        return []
    uow = current()
    raised_before = len(uow.events)
    savepoint = db.session.begin_nested()
    try:
        results = list(many(commands))
        savepoint.commit()
        return results
    except DBAPIError as exc:
        if lost_lock_race(exc) or (len(commands) == 1 and lost_unique_race(exc)):
            raise
        failure: Any = Failed(exc)
    except WmsError as err:
        failure = err
    except Exception as exc:  # noqa: BLE001 - one request's fault must not fail the others of its batch
        failure = Failed(exc)
    savepoint.rollback()
    del uow.events[raised_before:]
    if len(commands) == 1:
        return [failure]
    return [run_isolated(many, [command])[0] for command in commands]
