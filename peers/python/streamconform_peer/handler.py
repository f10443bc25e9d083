"""What the server does on one call, as pure logic (a port of server/sc_handler.c).

The asyncio driver (server.py) feeds events in (a message arrived, the client half-closed, a send
completed) and asks what to do next (next_output, wants_recv, take_abort, wake_ms). Time comes in
as arguments; nothing here reads a clock or touches gRPC."""
from __future__ import annotations

import hashlib
from collections import OrderedDict
import random
from dataclasses import dataclass
from typing import Optional, Union

import streaming_pb2 as pb

from . import control, status
from .chat import QUEUE_CAP, ChatLine, Member, Room

MAX_BATCH_SIZE = 10000
DEFAULT_BATCH_SIZE = 10
INJECTED_FAILURE_MESSAGE = "injected failure"
MAX_CASE_CALLS = 4096  # distinct cases remembered for x-sc-fail-calls (as the C server)

METHODS = ("GetData", "SubscribeData", "UploadFile", "Chat")
REQUEST_TYPES = {
    "GetData": pb.StreamRequest,
    "SubscribeData": pb.StreamRequest,
    "UploadFile": pb.UploadRequest,
    "Chat": pb.ChatMessage,
}


class Env:
    """Server-wide state the handlers share."""

    def __init__(self, tick_ms: int = 1000, max_upload_bytes: int = 1 << 30,
                 seed: Optional[int] = None) -> None:
        self.tick_ms = tick_ms
        self.max_upload_bytes = max_upload_bytes
        self.room = Room()
        self.rng = random.Random(seed)
        self.file_counter = 0
        # Calls per x-sc-case for x-sc-fail-calls, oldest first; bounded as the C server's table.
        self.case_calls: OrderedDict[str, int] = OrderedDict()

    def bump_case_calls(self, case_id: Optional[str]) -> int:
        """Count one more call of the case (None counts as ""); returns its number, 1 first."""
        key = case_id or ""
        n = self.case_calls.get(key, 0) + 1
        if n == 1 and len(self.case_calls) >= MAX_CASE_CALLS:
            self.case_calls.popitem(last=False)  # the oldest case makes room
        self.case_calls[key] = n
        return n


@dataclass
class Headers:
    metadata: list[tuple[str, control.MdValue]]


@dataclass
class Message:
    message: Union[pb.StreamResponse, pb.UploadResponse, pb.ChatMessage]


@dataclass
class Status:
    code: int
    message: str


Output = Union[None, Headers, Message, Status]


def make_batch(req: pb.StreamRequest, seq: int, rng: random.Random, wall_ns: int) -> pb.StreamResponse:
    n = req.batch_size if req.batch_size > 0 else DEFAULT_BATCH_SIZE
    resp = pb.StreamResponse(sequence_number=seq)
    for i in range(n):
        point = resp.data_points.add(id=f"{req.subscription_id}-{seq}-{i}",
                                     value=rng.random() * 100.0, timestamp=wall_ns)
        point.metadata["topic"] = req.topics[i % len(req.topics)]
    return resp


class Handler:
    def __init__(self, method: str, env: Env, md: control.Metadata, now_ms: int,
                 member: Optional[Member] = None) -> None:
        self.method = method
        self.env = env
        self.member = member if member is not None else Member()
        self.ctl = control.Control()
        self.ctl_ok = False
        self.gate_ms = now_ms
        self.ready_since = -1
        self.wake_ms = -1
        self.headers_out = self.status_out = self.closed = self.aborted = False
        self.finished = False
        self.final_code = status.OK
        self.final_message = ""
        self.final_is_injected = False
        self.half_closed = False
        self.received = 0
        self.sent = 0
        self.request: Optional[pb.StreamRequest] = None
        self.unary_done = False
        self.have_metadata = False
        self.announced_size = 0
        self.bytes = 0
        self.sha = hashlib.sha256()
        self.upload_response_due = False
        try:
            self.ctl = control.parse(md)
        except control.ControlError as err:
            self._finish(status.INVALID_ARGUMENT, str(err))
            return
        self.ctl_ok = True
        if self.ctl.fail and self.ctl.fail_calls > 0:
            # later calls of the case run without the failure
            self.ctl.fail = env.bump_case_calls(self.ctl.case_id) <= self.ctl.fail_calls
        self.gate_ms = now_ms + self.ctl.initial_delay_ms
        if method in ("UploadFile", "Chat"):
            self._maybe_inject_failure(0)  # streams and uploads can fail before any message

    # ---- final status
    def _finish(self, code: int, message: str) -> None:
        if self.finished:
            return
        self.finished = True
        self.final_code = code
        self.final_message = message

    def _maybe_inject_failure(self, count: int) -> None:
        if not self.ctl.fail or count < self.ctl.fail_after or self.finished:
            return
        self._finish(self.ctl.fail_code, self.ctl.fail_message
                     if self.ctl.fail_message is not None else INJECTED_FAILURE_MESSAGE)
        self.final_is_injected = True

    # ---- inputs
    def wants_recv(self) -> bool:
        if not self.ctl_ok or self.finished or self.half_closed or self.closed:
            return False
        if self.method in ("GetData", "SubscribeData"):
            return self.received == 0
        return True

    def on_message(self, msg: object, wall_ns: int) -> None:
        if self.finished or self.closed:
            return
        self.received += 1
        if self.method in ("GetData", "SubscribeData"):
            assert isinstance(msg, pb.StreamRequest)
            self._on_stream_request(msg)
        elif self.method == "UploadFile":
            assert isinstance(msg, pb.UploadRequest)
            self._on_upload(msg)
        else:
            assert isinstance(msg, pb.ChatMessage)
            self._on_chat(msg, wall_ns)

    def on_malformed(self) -> None:
        self.received += 1
        name = REQUEST_TYPES[self.method].DESCRIPTOR.name
        self._finish(status.INTERNAL, f"failed to parse {name}")

    def _on_stream_request(self, req: pb.StreamRequest) -> None:
        if len(req.topics) == 0:
            self._finish(status.INVALID_ARGUMENT, "topics must not be empty")
            return
        if req.batch_size > MAX_BATCH_SIZE:
            self._finish(status.INVALID_ARGUMENT,
                         f"batch_size must be at most {MAX_BATCH_SIZE} (got {req.batch_size})")
            return
        self.request = req
        # GetData fails before responding whatever N; SubscribeData: fail-after 0 = before batch 1.
        self._maybe_inject_failure(1 << 62 if self.method == "GetData" else 0)

    def _on_upload(self, req: pb.UploadRequest) -> None:
        which = req.WhichOneof("payload")
        if which == "metadata":
            if self.have_metadata:
                self._finish(status.INVALID_ARGUMENT, "second metadata message")
                return
            self.have_metadata = True
            self.announced_size = req.metadata.total_size
        elif which == "chunk":
            if not self.have_metadata:
                self._finish(status.INVALID_ARGUMENT, "chunk before metadata")
                return
            self.bytes += len(req.chunk)
            if self.bytes > self.env.max_upload_bytes:
                self._finish(status.RESOURCE_EXHAUSTED,
                             f"upload exceeds {self.env.max_upload_bytes} bytes")
                return
            self.sha.update(req.chunk)
        else:
            self._finish(status.INVALID_ARGUMENT, "message has neither metadata nor chunk")
            return
        self._maybe_inject_failure(self.received)

    def _on_chat(self, msg: pb.ChatMessage, wall_ns: int) -> None:
        line = ChatLine(msg.user_id, msg.content, msg.timestamp)
        if self.member.joined:
            self.env.room.broadcast(self.member, line, self.ctl.echo)
            return
        if not msg.user_id:
            self._finish(status.INVALID_ARGUMENT, "first message must set user_id")
            return
        if not self.env.room.join(self.member, msg.user_id, wall_ns):
            shown = msg.user_id.encode("utf-8")[:256].decode("utf-8", "ignore")
            self._finish(status.ALREADY_EXISTS, f'user "{shown}" is already in the chat')
            return
        if self.ctl.echo:  # the first message is not relayed, but x-sc-echo returns it
            self.member.deliver(line)

    def on_half_close(self, wall_ns: int) -> None:
        if self.half_closed or self.closed:
            return
        self.half_closed = True
        if self.finished:
            return
        if self.method in ("GetData", "SubscribeData"):
            if self.received == 0:
                self._finish(status.INVALID_ARGUMENT, "no request message")
        elif self.method == "UploadFile":
            self._finish_upload()
        else:
            # Leave now so nothing new is queued; OK goes out once the queue is drained.
            self.env.room.leave(self.member, wall_ns)
            self._finish(status.OK, "")

    def _finish_upload(self) -> None:
        if not self.have_metadata:
            self._finish(status.INVALID_ARGUMENT, "stream ended without metadata")
        elif self.announced_size > 0 and self.announced_size != self.bytes:
            self._finish(status.DATA_LOSS, f"received {self.bytes} bytes but metadata "
                                           f"announced {self.announced_size}")
        else:
            self.upload_response_due = True

    def on_sent(self) -> None:
        """A headers or message send completed."""
        self.ready_since = -1
        if not self.headers_out:
            self.headers_out = True
            return
        self.sent += 1
        if self.method in ("GetData", "UploadFile"):
            self._finish(status.OK, "")
        elif self.method == "SubscribeData":
            self._maybe_inject_failure(self.sent)
            if 0 <= self.ctl.max_responses <= self.sent:
                self._finish(status.OK, "")
        else:
            self._maybe_inject_failure(self.sent)

    def on_closed(self, wall_ns: int) -> None:
        self.closed = True
        self.wake_ms = -1
        self.env.room.leave(self.member, wall_ns)
        self.member.clear()

    # ---- outputs
    def _response_delay(self) -> int:
        if self.ctl.response_delay_ms >= 0:
            return self.ctl.response_delay_ms
        return self.env.tick_ms if self.method == "SubscribeData" else 0

    def _message_available(self) -> bool:
        if self.method == "GetData":
            return self.request is not None and not self.unary_done and not self.finished
        if self.method == "SubscribeData":
            return self.request is not None and not self.finished
        if self.method == "UploadFile":
            return self.upload_response_due
        return len(self.member.queue) > 0 and not (self.finished and self.final_code != status.OK)

    def _take_message(self, wall_ns: int) -> Message:
        if self.method in ("GetData", "SubscribeData"):
            assert self.request is not None
            self.unary_done = True
            seq = 0 if self.method == "GetData" else self.sent
            return Message(make_batch(self.request, seq, self.env.rng, wall_ns))
        if self.method == "UploadFile":
            self.upload_response_due = False
            self.env.file_counter += 1
            return Message(pb.UploadResponse(file_id=f"file-{wall_ns}-{self.env.file_counter}",
                                             bytes_received=self.bytes,
                                             checksum=self.sha.hexdigest()))
        line = self.member.pop()
        assert line is not None
        return Message(pb.ChatMessage(user_id=line.user_id, content=line.content,
                                      timestamp=line.timestamp))

    def _status(self) -> Status:
        self.status_out = True
        self.wake_ms = -1
        return Status(self.final_code, self.final_message)

    def next_output(self, now_ms: int, wall_ns: int) -> Output:
        self.wake_ms = -1
        if self.status_out or self.closed or self.aborted:
            return None
        if not self.ctl_ok:
            return self._status()  # trailers-only: bad control metadata
        if now_ms < self.gate_ms:
            self.wake_ms = self.gate_ms
            return None
        if not self.headers_out and self.ctl.lazy_headers and not self._message_available():
            return self._status() if self.finished else None  # trailers-only when it ends first
        if not self.headers_out:
            return Headers(list(self.ctl.echo_initial))
        if self._message_available():
            if self.ready_since < 0:
                self.ready_since = now_ms
            due = self.ready_since + self._response_delay()
            if now_ms < due:
                self.wake_ms = due
                return None
            return self._take_message(wall_ns)
        if self.finished:
            return self._status()
        return None

    def take_abort(self, wall_ns: int) -> Optional[Status]:
        """The slow-receiver end of a Chat stream, once, when its queue overflowed."""
        if not self.member.overflowed or self.aborted or self.status_out or self.closed:
            return None
        self.aborted = self.finished = True
        self.final_code = status.RESOURCE_EXHAUSTED
        self.final_message = f"chat receiver too slow: more than {QUEUE_CAP} messages queued"
        self.env.room.leave(self.member, wall_ns)
        self.member.clear()
        return Status(self.final_code, self.final_message)

    def trailing_metadata(self) -> list[tuple[str, control.MdValue]]:
        out = list(self.ctl.echo_trailing)
        if self.final_is_injected and self.ctl.retry_pushback_ms >= 0:
            out.append(("grpc-retry-pushback-ms", str(self.ctl.retry_pushback_ms)))
        return out
