"""The stdio wire of `rag mcp`: every line the client sends is checked before the MCP SDK sees it, and
every request gets exactly one JSON-RPC 2.0 answer, at the latest after CALL_TIMEOUT seconds.

Why a front of our own: the SDK's stdio transport (mcp 2.3, mcp/server/stdio.py) passes a line that
fails `jsonrpc_message_adapter.validate_json` to its dispatcher as an Exception, which logs and drops
it, so a lone surrogate ("\\ud800"), a JSON-RPC 1.0 message, params that are not an object or 10,000
levels of nesting were never answered; it also reads a line of any length. Imports the SDK, never rag.
"""

from __future__ import annotations

import json
import logging
import os
import re
import sys
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from typing import Any, BinaryIO, TypeGuard

import anyio
import anyio.abc
import anyio.to_thread
from anyio.streams.memory import MemoryObjectReceiveStream, MemoryObjectSendStream
from mcp.shared.dispatcher import coerce_request_id
from mcp.shared.message import SessionMessage
from mcp_types import (
    INTERNAL_ERROR,
    INVALID_PARAMS,
    INVALID_REQUEST,
    PARSE_ERROR,
    REQUEST_TIMEOUT,
    JSONRPCError,
    JSONRPCMessage,
    JSONRPCNotification,
    JSONRPCRequest,
    JSONRPCResponse,
    RequestId,
    jsonrpc_message_adapter,
)
from pydantic import ValidationError
from pydantic_core import PydanticSerializationError

logger = logging.getLogger(__name__)

MAX_MESSAGE_BYTES = 1024 * 1024
"""Longest line (one message) read from the client, newline excluded. A tools/call whose question has
the 2,000 characters a question may have is under 13 KB even with every character \\u-escaped."""
MAX_DEPTH = 32
"""Deepest nesting of objects and arrays in a message (the message itself is 1). A tools/call needs 3
(message > params > arguments); json.loads itself raises RecursionError near 1,000."""
CALL_TIMEOUT = 60.0
"""Seconds a request may run before its client gets a REQUEST_TIMEOUT error and its handler is cancelled."""
MAX_IN_FLIGHT = 64
"""Requests handled at once; one more is refused at once (SERVER_BUSY) instead of queueing behind them."""
SERVER_BUSY = -32005
"""JSON-RPC's implementation-defined server-error range (the SDK takes -32000 and -32001)."""

_LONE_SURROGATE = re.compile("[\ud800-\udfff]")
# A string (group s), followed by ":" when it is an object key, or a bracket: enough to read the top-level
# members of a message json.loads will not read (too long, too deep).
_TOKEN = re.compile(r'(?P<s>"[^"\\]*(?:\\.[^"\\]*)*")(?P<key>\s*:)?|[\[\]{}]')
_DECODER = json.JSONDecoder()

SdkServer = Callable[
    [MemoryObjectReceiveStream[SessionMessage | Exception], MemoryObjectSendStream[SessionMessage]],
    Awaitable[None],
]
"""The SDK's `Server.run` over a pair of streams (its initialization options bound)."""


@dataclass(frozen=True, slots=True)
class Refusal:
    """A message the guard answers itself: `id` is None when the message's id could not be read
    (JSON-RPC then answers `"id": null`); `answer` is False for a notification or a response, which
    JSON-RPC never answers."""

    id: RequestId | None
    code: int
    message: str
    answer: bool = True


def read_message(line: bytes, *, max_depth: int = MAX_DEPTH) -> JSONRPCMessage | Refusal:
    """One line from the client as the SDK's message, or why it is refused (JSON-RPC 2.0 codes)."""
    # Like the SDK: a byte that is not UTF-8 becomes U+FFFD, so the message and its id survive.
    text = line.decode("utf-8", errors="replace").strip()
    try:
        data = json.loads(text, parse_constant=_no_constant)
    except RecursionError:
        rid, answer = addressee(top_level_members(text))
        return Refusal(rid, INVALID_REQUEST, f"Invalid Request: nested deeper than {max_depth} levels", answer)
    except ValueError as exc:
        return Refusal(None, PARSE_ERROR, f"Parse error: {exc}")
    if not isinstance(data, dict):
        what = "an array (batches are not supported)" if isinstance(data, list) else type(data).__name__
        return Refusal(None, INVALID_REQUEST, f"Invalid Request: a message is a JSON object, got {what}")
    rid, answer = addressee(data)

    def refuse(code: int, message: str) -> Refusal:
        return Refusal(rid, code, message, answer)

    if "id" in data and not is_request_id(data["id"]):
        return refuse(INVALID_REQUEST, "Invalid Request: id must be a string or an integer")
    if data.get("jsonrpc") != "2.0":
        return refuse(INVALID_REQUEST, 'Invalid Request: "jsonrpc" must be "2.0" (JSON-RPC 1.0 is not spoken)')
    if "method" not in data and "result" not in data and "error" not in data:
        return refuse(INVALID_REQUEST, "Invalid Request: no method (nor result or error)")
    if "method" in data and not isinstance(data["method"], str):
        return refuse(INVALID_REQUEST, "Invalid Request: method must be a string")
    params = data.get("params")
    if params is not None and not isinstance(params, dict):
        return refuse(INVALID_PARAMS, f"Invalid params: params must be an object, got {type(params).__name__}")
    params_depth, params_lone = _shape(params)
    rest_depth, rest_lone = _shape({k: v for k, v in data.items() if k != "params"})
    if max(params_depth + 1, rest_depth) > max_depth:  # a limit of the message, like its length: -32600
        return refuse(INVALID_REQUEST, f"Invalid Request: nested deeper than {max_depth} levels")
    # json.loads reads "\ud800" as a lone surrogate, which no UTF-8 answer can carry back: refused, not
    # replaced, so a client that split a character learns it instead of getting an answer to another question.
    if params_lone:
        return refuse(INVALID_PARAMS, "Invalid params: a string holds a lone UTF-16 surrogate; send valid Unicode")
    if rest_lone:
        return refuse(INVALID_REQUEST, "Invalid Request: a string holds a lone UTF-16 surrogate")
    try:
        return jsonrpc_message_adapter.validate_python(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        return refuse(INVALID_REQUEST, f"Invalid Request: {'.'.join(map(str, first['loc']))}: {first['msg']}")


def is_request_id(value: object) -> TypeGuard[int | str]:
    """MCP's RequestId: a string or an integer (never a bool, a float or null)."""
    return isinstance(value, str) or (isinstance(value, int) and not isinstance(value, bool))


def addressee(members: dict[str, Any]) -> tuple[RequestId | None, bool]:
    """Where an error about this message goes: (its id, or None for JSON-RPC's null; whether it gets
    one). A notification (a method, no id) and a response (a result or error, no method) never do."""
    rid = members.get("id")
    answer = "id" in members if "method" in members else not ("result" in members or "error" in members)
    return (rid if is_request_id(rid) else None), answer


def top_level_members(text: str) -> dict[str, Any]:
    """The members of the top-level object, read without parsing the message (best effort, for one
    json.loads will not read: too deep, or cut at MAX_MESSAGE_BYTES): a scalar value decoded, an
    object or array as Ellipsis. So its error still goes to its id, and a notification gets none."""
    members: dict[str, Any] = {}
    if not text.lstrip().startswith("{"):
        return members
    depth = 0
    for m in _TOKEN.finditer(text):
        if m["s"] is None:
            depth += 1 if m.group() in "[{" else -1
            if depth == 0:  # the end of the top-level object
                break
        elif depth == 1 and m["key"]:
            try:
                name = json.loads(m["s"])
            except ValueError:
                continue
            value = text[m.end() : m.end() + 1024].lstrip()  # a value that matters here (an id) is short
            try:
                members[name] = ... if value[:1] in ("[", "{") else _DECODER.raw_decode(value)[0]
            except ValueError:  # a scalar over 1 KB, or cut off
                members[name] = ...
    return members


def _no_constant(name: str) -> None:
    raise ValueError(f"{name} is not JSON")


def _shape(value: Any) -> tuple[int, bool]:
    """(nesting depth, whether any string or key holds a lone surrogate), without recursion."""
    deepest, lone = 0, False
    stack = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, str):
            lone = lone or _LONE_SURROGATE.search(item) is not None
        elif isinstance(item, dict | list):
            deepest = max(deepest, depth)
            if isinstance(item, dict):
                lone = lone or any(_LONE_SURROGATE.search(k) for k in item)
            stack.extend((v, depth + 1) for v in (item.values() if isinstance(item, dict) else item))
    return deepest, lone


def _encode(payload: dict[str, Any]) -> bytes:
    try:
        return json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode("utf-8") + b"\n"
    except UnicodeEncodeError:  # an id holding a lone surrogate: \u-escaped, it round-trips to the client
        return json.dumps(payload, separators=(",", ":")).encode("ascii") + b"\n"


class Guard:
    """Between the client's pipes and the SDK's server: reads lines of at most `max_bytes`, answers
    the malformed ones itself, forwards the rest, answers REQUEST_TIMEOUT for a request the server has
    not answered after `timeout` seconds (and cancels its handler), and writes one line per message."""

    def __init__(
        self,
        wire_in: BinaryIO,
        wire_out: BinaryIO,
        *,
        timeout: float = CALL_TIMEOUT,
        max_bytes: int = MAX_MESSAGE_BYTES,
        max_in_flight: int = MAX_IN_FLIGHT,
    ) -> None:
        self._in, self._out = wire_in, wire_out
        self._timeout, self._max_bytes, self._max_in_flight = timeout, max_bytes, max_in_flight
        self._in_flight: dict[RequestId, anyio.CancelScope] = {}
        self._write_lock = anyio.Lock()
        # The wire's own threads: the SDK runs every tool call in anyio's default pool (40 threads),
        # and a pool full of slow calls must not stop a timeout error from being read or written.
        self._io = anyio.CapacityLimiter(2)
        self._closed = False
        self._to_server: MemoryObjectSendStream[SessionMessage | Exception] | None = None

    async def run(self, server: SdkServer) -> None:
        """Serve until the client closes its end (EOF) and the server has answered what it had."""
        to_server, server_in = anyio.create_memory_object_stream[SessionMessage | Exception](16)
        server_out, from_server = anyio.create_memory_object_stream[SessionMessage](16)
        self._to_server = to_server
        async with anyio.create_task_group() as tg:
            tg.start_soon(self._read, to_server, tg)
            tg.start_soon(self._serve, server, server_in, server_out)
            async with from_server:
                async for item in from_server:
                    await self._pass_on(item.message)
            tg.cancel_scope.cancel()  # the server is done: stop the deadlines (and a reader still waiting)

    @staticmethod
    async def _serve(
        server: SdkServer,
        server_in: MemoryObjectReceiveStream[SessionMessage | Exception],
        server_out: MemoryObjectSendStream[SessionMessage],
    ) -> None:
        async with server_out:  # closed however the server ends, so run() ends too
            await server(server_in, server_out)

    async def _read(
        self, to_server: MemoryObjectSendStream[SessionMessage | Exception], tg: anyio.abc.TaskGroup
    ) -> None:
        async with to_server:
            while True:
                line = await anyio.to_thread.run_sync(
                    self._in.readline, self._max_bytes + 1, abandon_on_cancel=True, limiter=self._io
                )
                if not line:
                    return
                if len(line) > self._max_bytes and not line.endswith(b"\n"):
                    await anyio.to_thread.run_sync(self._skip_line, abandon_on_cancel=True, limiter=self._io)
                    # Answered even when it may be a notification: with its id unread, it may be a request.
                    rid = addressee(top_level_members(line.decode("utf-8", errors="replace")))[0]
                    await self._refuse(
                        Refusal(rid, INVALID_REQUEST, f"Invalid Request: message longer than {self._max_bytes} bytes")
                    )
                    continue
                if not line.strip():
                    continue
                message = read_message(line)
                if isinstance(message, Refusal):
                    await self._refuse(message)
                elif await self._admit(message, tg):
                    await to_server.send(SessionMessage(message))

    def _skip_line(self) -> None:
        """Read past the rest of an over-long line, never holding more than 64 KB of it."""
        while (chunk := self._in.readline(65536)) and not chunk.endswith(b"\n"):
            pass

    async def _admit(self, message: JSONRPCMessage, tg: anyio.abc.TaskGroup) -> bool:
        """Start the deadline of a request; False when it is refused instead (its id in use, too many)."""
        if isinstance(message, JSONRPCNotification) and message.method == "notifications/cancelled":
            # The client gave up on a request: the server will not answer it, so neither does its deadline.
            rid = (message.params or {}).get("requestId")
            if is_request_id(rid) and (scope := self._in_flight.pop(coerce_request_id(rid), None)):
                scope.cancel()
        if not isinstance(message, JSONRPCRequest):
            return True
        key = coerce_request_id(message.id)  # the SDK's key: "7" and 7 are one request to it
        if key in self._in_flight:
            await self._refuse(Refusal(message.id, INVALID_REQUEST, f"Invalid Request: id {message.id!r} is in use"))
            return False
        if len(self._in_flight) >= self._max_in_flight:
            busy = f"server busy: {self._max_in_flight} requests in flight; retry later"
            await self._refuse(Refusal(message.id, SERVER_BUSY, busy))
            return False
        scope = anyio.CancelScope()
        self._in_flight[key] = scope
        tg.start_soon(self._deadline, key, message.id, scope)
        return True

    async def _deadline(self, key: RequestId, rid: RequestId, scope: anyio.CancelScope) -> None:
        with scope:
            await anyio.sleep(self._timeout)
            if self._in_flight.get(key) is not scope:
                return
            del self._in_flight[key]  # before any await: a late answer is now dropped by _pass_on
            await self._refuse(Refusal(rid, REQUEST_TIMEOUT, f"Request timed out after {self._timeout:g} s"))
            # A cancelled request is never answered by the SDK; this also stops its handler when it can be stopped.
            cancel = JSONRPCNotification(
                jsonrpc="2.0", method="notifications/cancelled", params={"requestId": rid, "reason": "timed out"}
            )
            if self._to_server is not None:
                with suppress(anyio.ClosedResourceError, anyio.BrokenResourceError):
                    await self._to_server.send(SessionMessage(cancel))

    async def _pass_on(self, message: JSONRPCMessage) -> None:
        """Write what the server sends; an answer only while its request is in flight (once, in time)."""
        if isinstance(message, JSONRPCResponse | JSONRPCError) and message.id is not None:
            scope = self._in_flight.pop(coerce_request_id(message.id), None)
            if scope is None:
                logger.info("dropped the answer to %r: timed out or cancelled before", message.id)
                return
            scope.cancel()
        try:
            line = message.model_dump_json(by_alias=True, exclude_unset=True).encode("utf-8") + b"\n"
        except (PydanticSerializationError, UnicodeEncodeError):
            if not isinstance(message, JSONRPCResponse | JSONRPCError) or message.id is None:
                logger.warning("dropped a %s the server could not encode as JSON", type(message).__name__)
                return
            line = _encode(_error(message.id, INTERNAL_ERROR, "Internal error: the answer is not encodable as JSON"))
        await self._write(line)

    async def _refuse(self, refusal: Refusal) -> None:
        if not refusal.answer:
            logger.info("dropped a message that is not a request: %s", refusal.message)
            return
        await self._write(_encode(_error(refusal.id, refusal.code, refusal.message)))

    async def _write(self, line: bytes) -> None:
        async with self._write_lock:  # one writer at a time: lines never interleave
            if self._closed:
                return
            try:
                await anyio.to_thread.run_sync(self._write_line, line, limiter=self._io)
            except OSError as exc:  # the client closed its end; reading will end at EOF
                logger.warning("the client stopped reading: %s", exc)
                self._closed = True

    def _write_line(self, line: bytes) -> None:
        self._out.write(line)
        self._out.flush()


def _error(rid: RequestId | None, code: int, message: str) -> dict[str, Any]:
    return {"jsonrpc": "2.0", "id": rid, "error": {"code": code, "message": message}}


@contextmanager
def claimed_stdio() -> Iterator[tuple[BinaryIO, BinaryIO]]:
    """The client's pipes, private to the guard: while serving, fd 0 reads the null device and fd 1
    writes to stderr, so a stray print() or a child process cannot corrupt the wire (the SDK's stdio
    transport does the same)."""
    sys.stdout.flush()
    wire_in, wire_out = os.dup(0), os.dup(1)
    devnull = os.open(os.devnull, os.O_RDONLY)
    os.dup2(devnull, 0)
    os.close(devnull)
    os.dup2(2, 1)
    try:
        # closefd=False, and never closed: a reader thread may still block on the descriptor after
        # serving ends, and must not read from a descriptor recycled under it.
        yield os.fdopen(wire_in, "rb", closefd=False), os.fdopen(wire_out, "wb", closefd=False)
    finally:
        sys.stdout.flush()
        os.dup2(wire_in, 0)
        os.dup2(wire_out, 1)
