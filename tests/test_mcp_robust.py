"""`rag mcp` answers every request: a red team's malformed messages (a lone surrogate, JSON-RPC 1.0,
params that are not an object, 10,000 levels of nesting, a 1 MB question) each get a JSON-RPC 2.0
error with their id within seconds, and the server still answers a real question afterwards.

One real server per module, spoken to over its stdin/stdout after a real initialize handshake; the
guard's deadline is driven in-process with a server that never answers."""

from __future__ import annotations

import json
import os
import queue
import select
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from itertools import count
from pathlib import Path
from typing import Any, BinaryIO

import anyio
import pytest
from anyio.streams.memory import MemoryObjectReceiveStream, MemoryObjectSendStream
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from mcp.shared.message import SessionMessage
from mcp_types import (
    INVALID_PARAMS,
    INVALID_REQUEST,
    PARSE_ERROR,
    REQUEST_TIMEOUT,
    JSONRPCNotification,
    JSONRPCRequest,
    JSONRPCResponse,
)

from rag.integrations.mcp_guard import (
    SERVER_BUSY,
    Guard,
    Refusal,
    addressee,
    read_message,
    top_level_members,
)

ROOT = Path(__file__).resolve().parents[1]
QUESTION = "源城区2025年主动公开了多少条政府信息?"  # eval/questions.jsonl q001: 3576
PROMPT = 5.0
DEADLINE = 0.5
"""The test guard's per-request deadline: long enough that a loaded CI machine reads a burst of lines first."""
LATE = 1.5
"""When the fake server answers "late": after the deadline, so its answer must be dropped."""
"""Seconds within which a malformed message must be answered (measured: under 0.05 s)."""


class Wire:
    """A `rag mcp` process and its pipes: lines in, JSON lines out, every stdout line checked to be
    a JSON-RPC 2.0 message (nothing else may ever appear there)."""

    def __init__(self, index: Path, stderr: BinaryIO) -> None:
        env = dict(os.environ, HF_HUB_OFFLINE="1", OMP_NUM_THREADS="2", PYTHONPATH=str(ROOT))
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "rag.cli", "mcp", "--index", str(index)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=stderr,
            cwd=ROOT,
            env=env,
        )
        self.out: queue.Queue[dict[str, Any]] = queue.Queue()
        self.not_jsonrpc: list[bytes] = []
        self.ids = count(1)
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            try:
                message = json.loads(line)
            except ValueError:
                self.not_jsonrpc.append(line)
                continue
            if not isinstance(message, dict) or message.get("jsonrpc") != "2.0":
                self.not_jsonrpc.append(line)
                continue
            self.out.put(message)

    def send(self, message: Any) -> None:
        """A str or bytes goes as the line itself, anything else as its JSON."""
        if not isinstance(message, str | bytes):
            message = json.dumps(message)  # ensure_ascii: a lone surrogate goes out as \ud800
        line = message if isinstance(message, bytes) else message.encode("utf-8", "surrogatepass")
        assert self.proc.stdin is not None
        self.proc.stdin.write(line + b"\n")
        self.proc.stdin.flush()

    def next(self, timeout: float = PROMPT) -> dict[str, Any]:
        try:
            return self.out.get(timeout=timeout)
        except queue.Empty:
            raise AssertionError(f"no answer within {timeout} s") from None

    def call(self, method: str, params: dict[str, Any] | None = None, timeout: float = 120) -> dict[str, Any]:
        rid = next(self.ids)
        self.send({"jsonrpc": "2.0", "id": rid, "method": method, **({} if params is None else {"params": params})})
        answer = self.next(timeout)
        assert answer.get("id") == rid, answer
        return answer

    def close(self) -> int:
        assert self.proc.stdin is not None
        self.proc.stdin.close()
        return self.proc.wait(30)


@pytest.fixture(scope="module")
def wire(seed_index: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Wire]:
    log = tmp_path_factory.mktemp("mcp") / "stderr.log"
    with log.open("wb") as stderr:
        w = Wire(seed_index, stderr)
        try:
            init = w.call(
                "initialize",
                {"protocolVersion": "2025-06-18", "capabilities": {}, "clientInfo": {"name": "test", "version": "1"}},
            )
            assert init["result"]["serverInfo"]["name"] == "rag-annual-reports"
            w.send({"jsonrpc": "2.0", "method": "notifications/initialized"})
            yield w
        finally:
            rc = w.close()
    assert rc == 0, log.read_text(errors="replace")[-2000:]
    assert not w.not_jsonrpc, w.not_jsonrpc[:3]


def tool_call(rid: Any, name: str, arguments: Any) -> dict[str, Any]:
    return {"jsonrpc": "2.0", "id": rid, "method": "tools/call", "params": {"name": name, "arguments": arguments}}


def deep(levels: int) -> str:
    return "[" * levels + "]" * levels


BAD: dict[str, tuple[str, int]] = {
    # name: (the line, with {id} for its id; the error code it must get)
    "lone surrogate in a query": (json.dumps(tool_call(0, "search", {"query": "\ud800"})), INVALID_PARAMS),
    "lone surrogate in a question": (json.dumps(tool_call(0, "ask", {"question": "法治\udfff"})), INVALID_PARAMS),
    "JSON-RPC 1.0 (no jsonrpc)": ('{"id": 0, "method": "tools/list", "params": {}}', INVALID_REQUEST),
    "jsonrpc 1.0": ('{"jsonrpc": "1.0", "id": 0, "method": "tools/list"}', INVALID_REQUEST),
    "params an array": ('{"jsonrpc": "2.0", "id": 0, "method": "tools/call", "params": [1, 2]}', INVALID_PARAMS),
    "params a string": ('{"jsonrpc": "2.0", "id": 0, "method": "tools/call", "params": "x"}', INVALID_PARAMS),
    "arguments 10,000 levels deep": (
        '{"jsonrpc": "2.0", "id": 0, "method": "tools/call", "params": {"name": "search", "arguments": {"query": '
        + deep(10_000)
        + "}}}",
        INVALID_REQUEST,
    ),
    "arguments 40 levels deep": (json.dumps(tool_call(0, "search", {"query": json.loads(deep(40))})), INVALID_REQUEST),
    "a 1 MB question (a message over 1 MiB)": (
        json.dumps(tool_call(0, "ask", {"question": "法治" * 500_000}), ensure_ascii=False),
        INVALID_REQUEST,
    ),
    "no method": ('{"jsonrpc": "2.0", "id": 0}', INVALID_REQUEST),
    "method not a string": ('{"jsonrpc": "2.0", "id": 0, "method": ["ping"]}', INVALID_REQUEST),
    "arguments an array": (json.dumps(tool_call(0, "ask", [1, 2])), INVALID_PARAMS),
}


def with_id(line: str, rid: int) -> str:
    return line.replace('"id": 0', f'"id": {rid}', 1)


class TestEveryRequestIsAnswered:
    @pytest.mark.parametrize("name", list(BAD))
    def test_a_malformed_request_gets_an_error_with_its_id_at_once(self, wire: Wire, name: str) -> None:
        line, code = BAD[name]
        rid = next(wire.ids)
        started = time.monotonic()
        wire.send(with_id(line, rid))
        answer = wire.next()
        assert time.monotonic() - started < PROMPT
        assert answer["id"] == rid, answer
        assert answer["error"]["code"] == code, answer
        assert "\n" not in answer["error"]["message"]

    @pytest.mark.parametrize(
        "line",
        ["not json", '{"jsonrpc": "2.0", "id": 1, "method": ', "NaN", '{"jsonrpc": "2.0", "id": 1} trailing'],
    )
    def test_malformed_json_gets_a_parse_error_with_a_null_id(self, wire: Wire, line: str) -> None:
        wire.send(line)
        answer = wire.next()
        assert answer["id"] is None
        assert answer["error"]["code"] == PARSE_ERROR

    @pytest.mark.parametrize("rid", [None, 1.5, True, {"a": 1}, [1]])
    def test_an_id_that_is_not_a_string_or_integer_is_refused_with_a_null_id(self, wire: Wire, rid: Any) -> None:
        wire.send({"jsonrpc": "2.0", "id": rid, "method": "ping"})
        answer = wire.next()
        assert answer["id"] is None
        assert answer["error"]["code"] == INVALID_REQUEST

    def test_a_batch_is_refused_not_ignored(self, wire: Wire) -> None:
        wire.send([{"jsonrpc": "2.0", "id": 1, "method": "ping"}])
        answer = wire.next()
        assert (answer["id"], answer["error"]["code"]) == (None, INVALID_REQUEST)

    @pytest.mark.parametrize(
        "message",
        [
            {"jsonrpc": "2.0", "method": "tools/call", "params": [1, 2]},
            {"jsonrpc": "2.0", "method": "notifications/x", "params": {"q": "\ud800"}},
            {"method": "notifications/initialized"},
            {"jsonrpc": "2.0", "id": 424242, "result": {}},  # a response to nothing the server asked
            {"jsonrpc": "2.0", "id": 424243, "error": "not an error object"},
            '{"jsonrpc": "2.0", "method": "notifications/x", "params": ' + deep(10_000) + "}",
        ],
    )
    def test_a_notification_or_a_response_never_gets_a_reply(self, wire: Wire, message: Any) -> None:
        wire.send(message)
        answer = wire.call("ping")  # the next line out is the ping's answer, nothing for the notification
        assert answer["result"] == {}

    def test_an_over_long_question_under_the_message_limit_is_a_one_line_tool_error(self, wire: Wire) -> None:
        answer = wire.call("tools/call", {"name": "ask", "arguments": {"question": "法" * 100_000}}, timeout=PROMPT)
        assert answer["result"]["isError"] is True
        assert answer["result"]["content"][0]["text"].endswith("question: longer than 2000 characters")

    @pytest.mark.parametrize(
        ("tool", "arguments", "error"),
        [
            ("search", {"query": "法治", "k": 10**9}, "k: must be between 1 and 50, got 1000000000"),
            ("search", {"query": "q" * 2001}, "query: longer than 2000 characters"),
            ("ask", {"question": "法治", "unit": "区" * 101}, "unit: longer than 100 characters"),
            ("ledger", {"indicator": "率" * 61}, "indicator: longer than 60 characters"),
        ],
    )
    def test_arguments_over_the_http_apis_limits_are_tool_errors(
        self, wire: Wire, tool: str, arguments: dict[str, Any], error: str
    ) -> None:
        answer = wire.call("tools/call", {"name": tool, "arguments": arguments}, timeout=PROMPT)
        assert answer["result"]["isError"] is True
        assert answer["result"]["content"][0]["text"].endswith(error)

    def test_the_limits_are_in_the_input_schema(self, wire: Wire) -> None:
        tools = {t["name"]: t for t in wire.call("tools/list")["result"]["tools"]}
        assert tools["ask"]["inputSchema"]["properties"]["question"]["maxLength"] == 2000
        assert tools["search"]["inputSchema"]["properties"]["k"]["maximum"] == 50

    def test_a_real_question_is_answered_after_every_malformed_message(self, wire: Wire) -> None:
        for line, _ in BAD.values():
            wire.send(with_id(line, next(wire.ids)))
            assert "error" in wire.next()
        wire.send("not json")
        wire.next()
        answer = wire.call("tools/call", {"name": "ask", "arguments": {"question": QUESTION}})
        assert answer["result"].get("isError") is not True, answer
        data = json.loads(answer["result"]["content"][0]["text"])
        assert "3576" in data["answer"]
        assert data["citations"]


# Any JSON value, strings with lone surrogates included (json.dumps escapes them as \ud800).
TEXT = st.text(alphabet=st.characters(codec=None, categories=None), max_size=12) | st.text(max_size=12)
JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False, allow_infinity=False) | TEXT,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(TEXT, inner, max_size=3),
    max_leaves=12,
)
METHOD = st.sampled_from(["ping", "tools/list", "tools/call", "initialize", "notifications/cancelled", "x"]) | JSON
ARGUMENTS = st.fixed_dictionaries({}, optional={"query": JSON, "question": TEXT, "k": JSON, "unit": JSON})
PARAMS = st.fixed_dictionaries(
    {}, optional={"name": st.sampled_from(["ask", "search", "ledger", "nope"]) | JSON, "arguments": ARGUMENTS | JSON}
)
MESSAGE = st.fixed_dictionaries(
    {},
    optional={
        "jsonrpc": st.just("2.0") | JSON,
        "id": st.integers() | st.text(max_size=8) | JSON,
        "method": METHOD,
        "params": PARAMS | JSON,
        "result": JSON,
    },
)
PLAUSIBLE = st.fixed_dictionaries(
    {"jsonrpc": st.just("2.0"), "id": st.integers(0, 10**6) | st.text(max_size=8), "method": METHOD},
    optional={"params": PARAMS},
)
"""A well-formed request, so that the SDK's own answers (results, -32601, -32602) are checked too."""
LINE = st.text(alphabet=st.characters(codec=None, categories=None), max_size=40).map(lambda s: s.replace("\n", " "))
"""A line that is (almost always) not JSON; lone surrogates go out as bytes that are not UTF-8."""


def parsed(line: str) -> Any:
    """The line as the server reads it: strict JSON (no NaN), else None."""
    try:
        return json.loads(line, parse_constant=no_constant)
    except (ValueError, RecursionError):
        return None


def no_constant(name: str) -> None:
    raise ValueError(name)


def expected_id(message: Any) -> tuple[bool, Any]:
    """(must it be answered, with which id): a JSON object with an id that is not a response is
    answered exactly once, with that id when it is a string or an integer, else with null."""
    if not isinstance(message, dict) or "id" not in message:
        return False, None
    if "method" not in message and ("result" in message or "error" in message):
        return False, None
    rid = message["id"]
    valid = isinstance(rid, str | int) and not isinstance(rid, bool)
    return True, rid if valid else None


@settings(max_examples=30, deadline=None, derandomize=True, suppress_health_check=list(HealthCheck))
@given(sent=st.tuples(st.just("json"), PLAUSIBLE | MESSAGE | JSON) | st.tuples(st.just("line"), LINE))
def test_every_message_with_an_id_gets_exactly_one_answer_with_that_id(wire: Wire, sent: tuple[str, Any]) -> None:
    how, message = sent
    if how == "line":
        wire.send(message)
        message = parsed(message)
    elif isinstance(message, dict) and isinstance(message.get("id"), str | int) and not isinstance(message["id"], bool):
        # A fresh id of the same type, so a late second answer would show as an id answered twice.
        n = next(wire.ids)
        message["id"] = n if isinstance(message["id"], int) else f"p{n}"
    if how == "json":
        wire.send(json.dumps(message))
    must, rid = expected_id(message)
    sentinel = f"sentinel{next(wire.ids)}"
    wire.send({"jsonrpc": "2.0", "id": sentinel, "method": "ping"})
    answers: list[dict[str, Any]] = []
    deadline = time.monotonic() + 60
    while not any(a.get("id") == sentinel for a in answers) or (
        must and rid is not None and not any(a.get("id") == rid for a in answers)
    ):
        answers.append(wire.next(max(0.1, deadline - time.monotonic())))
    others = [a for a in answers if a.get("id") != sentinel]
    event(
        "answered " + ", ".join(str(a.get("error", {}).get("code", "result")) for a in others) if others else "silent"
    )
    if must:
        assert len(others) == 1, (message, others)
        assert others[0]["id"] == rid, (message, others)
    else:
        assert len(others) <= 1, (message, others)
        assert all(a["id"] is None and "error" in a for a in others), (message, others)


class TestReadMessage:
    def test_a_valid_request_is_the_sdks_message(self) -> None:
        message = read_message(b'{"jsonrpc":"2.0","id":"a","method":"tools/list"}\n')
        assert isinstance(message, JSONRPCRequest)
        assert message.id == "a"

    def test_a_stray_byte_that_is_not_utf8_keeps_the_message(self) -> None:
        message = read_message(b'{"jsonrpc":"2.0","id":1,"method":"ping","params":{"q":"\xff"}}')
        assert isinstance(message, JSONRPCRequest)
        assert message.params == {"q": "\ufffd"}

    def test_a_lone_surrogate_in_an_id_is_refused_with_that_id(self) -> None:
        refusal = read_message(b'{"jsonrpc":"2.0","id":"\\ud800","method":"ping"}')
        assert refusal == Refusal("\ud800", INVALID_REQUEST, refusal.message)  # type: ignore[union-attr]

    def test_a_properly_paired_surrogate_is_a_character(self) -> None:
        message = read_message(b'{"jsonrpc":"2.0","id":1,"method":"ping","params":{"q":"\\ud83d\\ude00"}}')
        assert isinstance(message, JSONRPCRequest)
        assert message.params == {"q": "😀"}

    def test_a_bad_notification_is_dropped_not_answered(self) -> None:
        refusal = read_message(b'{"jsonrpc":"2.0","method":"x","params":[1]}')
        assert isinstance(refusal, Refusal)
        assert refusal.answer is False

    def test_a_notification_too_deep_to_parse_is_dropped_not_answered(self) -> None:
        refusal = read_message(b'{"jsonrpc":"2.0","method":"x","params":' + deep(5000).encode() + b"}")
        assert refusal == Refusal(None, INVALID_REQUEST, refusal.message, answer=False)  # type: ignore[union-attr]

    @pytest.mark.parametrize(
        ("text", "rid", "answer"),
        [
            ('{"jsonrpc":"2.0","id":7,"params":' + deep(5000), 7, True),  # cut off
            ('{"params":{"id":1},"id" : "x","method":"a"}', "x", True),
            ('{"params":"\\"id\\":3","id":4}', 4, True),
            ('{"jsonrpc":"2.0","params":' + deep(5000) + ',"id":7, "method": "m"}', 7, True),
            ('{"jsonrpc":"2.0","params":' + deep(5000) + ', "method": "m"}', None, False),
            ('{"\\u0069d": 8}', 8, True),
            ('{"id": 9, "result": {}}', 9, False),
            ('[{"id":1}]', None, True),
            ('{"id":true}', None, True),
            ('{"params":[[[', None, True),
        ],
    )
    def test_the_top_level_id_is_found_without_parsing(self, text: str, rid: Any, answer: bool) -> None:
        assert addressee(top_level_members(text)) == (rid, answer)


class FakeServer:
    """Stands in for the SDK's server: answers ping at once, "late" after 1.5 s, "never" never; keeps
    every notification it is sent."""

    def __init__(self) -> None:
        self.notifications: list[JSONRPCNotification] = []

    async def __call__(
        self, read: MemoryObjectReceiveStream[SessionMessage | Exception], write: MemoryObjectSendStream[SessionMessage]
    ) -> None:
        async with write, anyio.create_task_group() as tg:
            async for item in read:
                message = item.message  # type: ignore[union-attr]
                if isinstance(message, JSONRPCNotification):
                    self.notifications.append(message)
                elif isinstance(message, JSONRPCRequest) and message.method in ("ping", "late"):
                    tg.start_soon(self._answer, write, message, LATE if message.method == "late" else 0)

    @staticmethod
    async def _answer(write: MemoryObjectSendStream[SessionMessage], request: JSONRPCRequest, delay: float) -> None:
        await anyio.sleep(delay)
        await write.send(SessionMessage(JSONRPCResponse(jsonrpc="2.0", id=request.id, result={})))


@pytest.fixture
def guarded() -> Iterator[tuple[FakeServer, Any, Any]]:
    """A Guard (timeout DEADLINE, 2 requests in flight at most) over FakeServer, on a pair of pipes."""
    to_guard, guard_out = os.pipe(), os.pipe()
    server = FakeServer()
    guard = Guard(os.fdopen(to_guard[0], "rb"), os.fdopen(guard_out[1], "wb"), timeout=DEADLINE, max_in_flight=2)
    thread = threading.Thread(target=anyio.run, args=(guard.run, server))
    thread.start()
    client_in, client_out = os.fdopen(guard_out[0], "rb"), os.fdopen(to_guard[1], "wb")

    def send(message: dict[str, Any] | list[dict[str, Any]]) -> None:
        """One message, or several in one write (a burst the guard reads at once)."""
        messages = message if isinstance(message, list) else [message]
        client_out.write(b"".join(json.dumps(m).encode() + b"\n" for m in messages))
        client_out.flush()

    def receive(timeout: float = PROMPT) -> dict[str, Any] | None:
        ready, _, _ = select.select([client_in], [], [], timeout)
        return json.loads(client_in.readline()) if ready else None

    try:
        yield server, send, receive
    finally:
        client_out.close()
        thread.join(10)
        assert not thread.is_alive(), "the guard did not end at EOF"


class TestDeadline:
    def test_a_request_never_answered_gets_a_timeout_error_and_its_handler_a_cancel(self, guarded: Any) -> None:
        server, send, receive = guarded
        started = time.monotonic()
        send({"jsonrpc": "2.0", "id": 1, "method": "never"})
        answer = receive()
        assert answer == {
            "jsonrpc": "2.0",
            "id": 1,
            "error": {"code": REQUEST_TIMEOUT, "message": answer["error"]["message"]},
        }
        assert DEADLINE <= time.monotonic() - started < PROMPT
        for _ in range(50):  # the cancel follows the error
            if server.notifications:
                break
            time.sleep(0.1)
        assert [(n.method, (n.params or {})["requestId"]) for n in server.notifications] == [
            ("notifications/cancelled", 1)
        ]

    def test_a_late_answer_is_dropped_so_a_request_is_answered_once(self, guarded: Any) -> None:
        _, send, receive = guarded
        send({"jsonrpc": "2.0", "id": "a", "method": "late"})
        assert receive()["error"]["code"] == REQUEST_TIMEOUT
        assert receive(timeout=LATE + 0.5 - DEADLINE) is None  # the server's late answer was not written
        send({"jsonrpc": "2.0", "id": "b", "method": "ping"})
        assert receive() == {"jsonrpc": "2.0", "id": "b", "result": {}}

    def test_an_id_in_flight_and_one_request_too_many_are_refused_at_once(self, guarded: Any) -> None:
        _, send, receive = guarded
        # one write: the guard reads all four before the first can time out, however loaded the machine
        send([{"jsonrpc": "2.0", "id": rid, "method": "never"} for rid in (1, "1", 2, 3)])
        answers = [receive() for _ in range(4)]
        codes = {(a["id"], a["error"]["code"]) for a in answers}
        assert codes == {("1", INVALID_REQUEST), (3, SERVER_BUSY), (1, REQUEST_TIMEOUT), (2, REQUEST_TIMEOUT)}
        assert [a["id"] for a in answers][-2:] in ([1, 2], [2, 1])  # the refusals come at once, before the deadline

    def test_a_request_the_client_cancelled_gets_no_timeout_error(self, guarded: Any) -> None:
        _, send, receive = guarded
        send({"jsonrpc": "2.0", "id": 5, "method": "never"})
        send({"jsonrpc": "2.0", "method": "notifications/cancelled", "params": {"requestId": 5}})
        assert receive(timeout=0.5) is None
