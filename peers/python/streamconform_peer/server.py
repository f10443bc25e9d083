"""`peer-python server`: DataService on grpc.aio with the reference semantics.

Why grpc.aio and not the thread-pool server: every stream (200+ live subscribers, chat members)
is a coroutine on one event loop, so a stream costs no thread; a Chat stream reads and writes at
the same time (a reader task beside the sending loop); every wait is an asyncio wait with a
timeout; and a stream stuck behind a stalled receiver, a client cancel or a shutdown is ended by
cancelling its task. The per-call logic is handler.Handler (pure, a port of the C handler); this
module only moves its outputs to gRPC and writes the event log."""
from __future__ import annotations

import asyncio
import signal
import sys
import time
from dataclasses import dataclass, field
from typing import Any, Optional, TextIO

import grpc
from google.protobuf.message import DecodeError

from . import event_names, jsonfmt, md, status, tlsfiles
from .builtin import Builtin
from .chat import Member
from .handler import METHODS, REQUEST_TYPES, Env, Handler, Headers, Message, Status

SERVICE = "streaming.DataService"
# Longest a call's loop sleeps without a timer due: a safety net only (events wake it earlier).
LOOP_MAX_WAIT_S = 1.0
# A call cut off this close to its deadline counts as deadline_exceeded: the client resets the
# stream at its own deadline, which can reach us just before ours (docs/peer-protocol.md).
DEADLINE_SLACK_S = 0.05
# How long an end of the request stream waits to be sure it is a half-close and not a cancel
# (see PeerServer._cancel_follows); a few ms suffice, 20 leaves room on a loaded machine.
HALF_CLOSE_CONFIRM_S = 0.02
HALF_CLOSE_POLL_S = 0.001
# ... and at least this many turns of the event loop: the cancel reaches the handler through the
# loop, so on a busy loop (many calls, a loaded machine) 20 ms are only a few turns; a client's
# cancel was logged as a half-close with 18 cases in flight (upload/cancel/mid-upload@c->python).
HALF_CLOSE_CONFIRM_TURNS = 20
# Upper bound of that wait, however slow the loop.
HALF_CLOSE_CONFIRM_MAX_S = 0.25
# A write that fails means the call ended under it (a client's cancel, a deadline, a reset), but
# grpc.aio tells the handler how only a moment later, by cancelling its task (when the core's
# RECV_CLOSE_ON_SERVER completes). Wait at most this long for that, so the log says how.
WRITE_FAILED_WAIT_S = 1.0
# How long live calls get to end after SIGTERM before the library cancels what is left.
SHUTDOWN_GRACE_S = 3.0


def mono_ms() -> int:
    return time.monotonic_ns() // 1_000_000


def wall_ns() -> int:
    return time.time_ns()


@dataclass
class ServerConfig:
    listen: str = "127.0.0.1:50051"
    events: Optional[str] = None
    tick_ms: int = 1000
    max_receive_bytes: int = 4 * 1024 * 1024
    max_upload_bytes: int = 1024 * 1024 * 1024
    seed: Optional[int] = None
    verbosity: int = 1  # 0 quiet, 1 normal, 2 verbose
    tls_cert: Optional[str] = None  # with tls_key: serve TLS instead of plaintext
    tls_key: Optional[str] = None
    tls_client_ca: Optional[str] = None  # require a client certificate signed by this CA (mTLS)
    # Connection lifecycle (server feature "lifecycle"; 0/False: the library's default).
    max_connection_age_ms: int = 0
    max_connection_age_grace_ms: int = 0
    keepalive_min_time_ms: int = 0
    permit_keepalive_without_calls: bool = False
    max_concurrent_streams: int = 0
    shutdown_grace_ms: int = 0  # SIGTERM: live calls get this long to end before the cancel

    def lifecycle_options(self) -> list[tuple[str, int]]:
        """The lifecycle options as grpcio server options."""
        names = (("grpc.max_connection_age_ms", self.max_connection_age_ms),
                 ("grpc.max_connection_age_grace_ms", self.max_connection_age_grace_ms),
                 ("grpc.http2.min_ping_interval_without_data_ms", self.keepalive_min_time_ms),
                 ("grpc.max_concurrent_streams", self.max_concurrent_streams))
        options = [(k, v) for k, v in names if v > 0]
        if self.permit_keepalive_without_calls:
            options.append(("grpc.keepalive_permit_without_calls", 1))
        return options


class EventLog:
    """One JSON object per line, flushed at once (docs/peer-protocol.md, "Event log")."""

    def __init__(self, out: Optional[TextIO], origin_ms: int) -> None:
        self.out = out
        self.origin_ms = origin_ms

    def emit(self, event: str, call: "LiveCall", **extra: Any) -> None:
        if self.out is None:
            return
        line: dict[str, Any] = {"t_ms": mono_ms() - self.origin_ms, "event": event,
                                "call": call.id, "case": call.handler.ctl.case_id,
                                "method": call.handler.method}
        line.update(extra)
        self.out.write(jsonfmt.dumps(line) + "\n")
        self.out.flush()


@dataclass(eq=False)
class LiveCall:
    id: int
    handler: Handler
    task: "asyncio.Task[Any]"
    wake: asyncio.Event = field(default_factory=asyncio.Event)
    writing: bool = False
    end_reason: Optional[str] = None  # "shutdown" or "abort" when we cancel its task ourselves

    def notify(self) -> None:
        """Something was delivered to this call's chat member."""
        self.wake.set()
        if self.handler.member.overflowed and self.writing and self.end_reason is None:
            # Its send is stuck behind a stalled receiver: end it without waiting for the send.
            self.end_reason = "abort"
            self.task.cancel()


def server_credentials(cfg: ServerConfig) -> Optional[grpc.ServerCredentials]:
    """The --tls-* files as grpcio credentials (None: plaintext); TlsFileError names the option
    and the file when one cannot be used."""
    if cfg.tls_cert is None or cfg.tls_key is None:
        return None
    try:
        cert, key = tlsfiles.check_pair(cfg.tls_cert, cfg.tls_key)
    except tlsfiles.TlsFileError as err:
        raise tlsfiles.TlsFileError(f"--tls-cert/--tls-key: {err}") from None
    client_ca = None
    if cfg.tls_client_ca is not None:
        try:
            client_ca = tlsfiles.check_ca(cfg.tls_client_ca)
        except tlsfiles.TlsFileError as err:
            raise tlsfiles.TlsFileError(f"--tls-client-ca: {err}") from None
    return grpc.ssl_server_credentials([(key, cert)], root_certificates=client_ca,
                                       require_client_auth=client_ca is not None)


class PeerServer:
    def __init__(self, cfg: ServerConfig, events: Optional[TextIO]) -> None:
        self.cfg = cfg
        self.env = Env(cfg.tick_ms, cfg.max_upload_bytes, cfg.seed)
        self.log = EventLog(events, mono_ms())
        self.calls: dict[int, LiveCall] = {}
        self.next_id = 0
        self.stopping = False
        self.open_rpcs = 0  # RPCs whose status has not gone out yet (library's done callback)
        self.rpcs_closed = asyncio.Event()
        self.server: Optional[grpc.aio.Server] = None
        self.builtin: Optional[Builtin] = None  # health and reflection (builtin.py)

    def diag(self, level: int, text: str) -> None:
        if self.cfg.verbosity >= level:
            print(f"peer-python server: {text}", file=sys.stderr, flush=True)

    # ---- setup
    def _handlers(self) -> grpc.GenericRpcHandler:
        # Every method is registered as bidirectional with raw bytes: on the wire a unary call is
        # a stream of one message, and this way the peer itself parses requests (a malformed one
        # ends the call INTERNAL "failed to parse <Type>", as the C server) and sees every
        # message and half-close as the reference logic expects.
        def bind(method: str) -> grpc.RpcMethodHandler:
            async def serve(request_iterator: Any, context: grpc.aio.ServicerContext) -> None:
                await self.serve_call(method, context)
            return grpc.stream_stream_rpc_method_handler(serve)
        return grpc.method_handlers_generic_handler(SERVICE, {m: bind(m) for m in METHODS})

    async def start(self, credentials: Optional[grpc.ServerCredentials] = None) -> int:
        options = [("grpc.max_receive_message_length", self.cfg.max_receive_bytes),
                   ("grpc.so_reuseport", 0)] + self.cfg.lifecycle_options()
        self.server = grpc.aio.server(options=options)
        self.server.add_generic_rpc_handlers((self._handlers(),))
        self.builtin = Builtin()
        await self.builtin.install(self.server)
        if credentials is None:
            port = self.server.add_insecure_port(self.cfg.listen)
        else:
            port = self.server.add_secure_port(self.cfg.listen, credentials)
        if port == 0:
            raise RuntimeError(f"cannot listen on {self.cfg.listen} (address in use or invalid)")
        await self.server.start()
        return port

    async def _drain(self) -> Optional["asyncio.Task[None]"]:
        """--shutdown-grace-ms: stop accepting (GOAWAY) and give the live calls that long to end
        on their own. The library's stop, started now, sends the GOAWAY; its own grace is longer
        so that the calls still open are ended by stop() with our status, not the library's."""
        if self.cfg.shutdown_grace_ms <= 0 or self.server is None:
            return None
        grace_s = self.cfg.shutdown_grace_ms / 1000
        task = asyncio.create_task(self.server.stop(grace_s + SHUTDOWN_GRACE_S))
        end = mono_ms() + self.cfg.shutdown_grace_ms
        while self.open_rpcs > 0 and mono_ms() < end:
            self.rpcs_closed.clear()
            try:
                await asyncio.wait_for(self.rpcs_closed.wait(), (end - mono_ms()) / 1000)
            except asyncio.TimeoutError:
                break
        return task

    async def stop(self) -> None:
        """Stop accepting; after --shutdown-grace-ms every live call ends UNAVAILABLE "server
        shutting down"."""
        draining = await self._drain()
        self.stopping = True
        if self.builtin is not None:  # NOT_SERVING before the drain
            await self.builtin.shutting_down()
        for call in list(self.calls.values()):
            if call.end_reason is None:
                call.end_reason = "shutdown"
                call.task.cancel()
        # Let every call's UNAVAILABLE status go out before the library stops the server (which
        # would cancel what is left with its own status).
        end = mono_ms() + int(SHUTDOWN_GRACE_S * 1000)
        while self.open_rpcs > 0 and mono_ms() < end:
            self.rpcs_closed.clear()
            try:
                await asyncio.wait_for(self.rpcs_closed.wait(), (end - mono_ms()) / 1000)
            except asyncio.TimeoutError:
                break
        if draining is not None:
            await draining
        elif self.server is not None:
            await self.server.stop(SHUTDOWN_GRACE_S)

    # ---- one call
    async def serve_call(self, method: str, context: grpc.aio.ServicerContext) -> None:
        task = asyncio.current_task()
        assert task is not None
        metadata = list(context.invocation_metadata() or ())
        remaining = context.time_remaining()
        handler = Handler(method, self.env, metadata, mono_ms(), Member())
        self.next_id += 1
        call = LiveCall(self.next_id, handler, task)
        handler.member.notify = call.notify
        self.calls[call.id] = call
        self.open_rpcs += 1
        context.add_done_callback(self._rpc_done)
        deadline_ms = None if remaining is None or remaining > 1e12 else max(0, int(remaining * 1000))
        self.log.emit(event_names.CALL_START, call, peer=context.peer() or "",
                      metadata=md.to_json(metadata), deadline_ms=deadline_ms)
        self.diag(2, f"call {call.id} {method} started")
        reader: Optional[asyncio.Task[None]] = None
        try:
            if self.stopping:
                call.end_reason = "shutdown"
                raise asyncio.CancelledError()
            reader = asyncio.create_task(self._read_loop(call, context))
            await self._pump(call, context)
        except asyncio.CancelledError:
            if call.end_reason is None:
                left = context.time_remaining()
                expired = left is not None and left <= DEADLINE_SLACK_S
                self.log.emit(event_names.DEADLINE_EXCEEDED if expired else event_names.CANCELLED,
                              call)
                raise
            task.uncancel()
            self._end_ourselves(call, context)
        finally:
            if reader is not None:
                reader.cancel()
            handler.on_closed(wall_ns())
            del self.calls[call.id]
            self.log.emit(event_names.CALL_END, call)

    def _rpc_done(self, _context: object) -> None:
        self.open_rpcs -= 1
        self.rpcs_closed.set()

    def _end_ourselves(self, call: LiveCall, context: grpc.aio.ServicerContext) -> None:
        if call.end_reason == "shutdown":
            self.log.emit(event_names.CANCELLED, call)
            context.set_code(grpc.StatusCode.UNAVAILABLE)
            context.set_details("server shutting down")
            return
        abort = call.handler.take_abort(wall_ns())
        if abort is not None:
            self._send_status(call, context, abort)

    def _send_status(self, call: LiveCall, context: grpc.aio.ServicerContext, st: Status) -> None:
        if st.code != status.OK:
            context.set_code(status.to_grpc(st.code))
            context.set_details(st.message)
        trailers = call.handler.trailing_metadata()
        if trailers:
            context.set_trailing_metadata(tuple(trailers))
        self.log.emit(event_names.STATUS_SENT, call, code=status.name(st.code), message=st.message)

    async def _pump(self, call: LiveCall, context: grpc.aio.ServicerContext) -> None:
        """Ask the handler what to do next and do it, until the status is decided."""
        h = call.handler
        if h.ctl.compress_responses != "identity":  # before the headers go out (grpcio: per call)
            context.set_compression({"deflate": grpc.Compression.Deflate,
                                     "gzip": grpc.Compression.Gzip}[h.ctl.compress_responses])
        while True:
            call.wake.clear()
            abort = h.take_abort(wall_ns())
            if abort is not None:
                self._send_status(call, context, abort)
                return
            out = h.next_output(mono_ms(), wall_ns())
            if isinstance(out, Status):
                self._send_status(call, context, out)
                return
            if isinstance(out, Headers):
                await context.send_initial_metadata(tuple(out.metadata))
                h.on_sent()
            elif isinstance(out, Message):
                call.writing = True
                if h.sent in h.ctl.no_compress_responses:  # x-sc-no-compress-responses
                    context.disable_next_message_compression()
                try:
                    await context.write(out.message.SerializeToString())
                except asyncio.CancelledError:
                    # The call ended while grpcio held the message; the client may well have it
                    # (a cancel after N responses, a reset over the receive limit). Like the C
                    # server, count a message once the library has taken it.
                    h.on_sent()
                    self.log.emit(event_names.MESSAGE_SENT, call, count=h.sent)
                    raise
                except Exception as err:  # grpc.aio: the write's batch failed (ExecuteBatchError)
                    call.writing = False
                    await self._await_cancel(call, err)
                    raise
                call.writing = False
                h.on_sent()
                self.log.emit(event_names.MESSAGE_SENT, call, count=h.sent)
            else:
                wait = LOOP_MAX_WAIT_S
                if h.wake_ms >= 0:
                    wait = min(wait, max(0.0, (h.wake_ms - mono_ms()) / 1000))
                try:
                    await asyncio.wait_for(call.wake.wait(), wait)
                except asyncio.TimeoutError:
                    pass

    async def _await_cancel(self, call: LiveCall, err: Exception) -> None:
        """The call ended while we wrote to it (measured: a grpcio client's cancel can fail our
        write before grpc.aio cancels this task). Wait (bounded) for that cancellation: it
        raises CancelledError here, and serve_call logs cancelled or deadline_exceeded. Without
        it, the error goes on and the log has the call's end only."""
        self.diag(2, f"call {call.id}: write failed: {err!r}")
        await asyncio.sleep(WRITE_FAILED_WAIT_S)

    @staticmethod
    async def _cancel_follows(context: grpc.aio.ServicerContext) -> bool:
        """grpc.aio ends the request stream the same way for a client's half-close and for its
        cancel or deadline; the cancellation reaches the handler task a moment later. Wait that
        moment (bounded) before believing a half-close, so the event log says what happened."""
        start = time.monotonic()
        turns = 0
        while True:
            if context.cancelled() or context.done():
                return True
            waited = time.monotonic() - start
            enough = waited >= HALF_CLOSE_CONFIRM_S and turns >= HALF_CLOSE_CONFIRM_TURNS
            if enough or waited >= HALF_CLOSE_CONFIRM_MAX_S:
                return False
            await asyncio.sleep(HALF_CLOSE_POLL_S)
            turns += 1

    async def _read_loop(self, call: LiveCall, context: grpc.aio.ServicerContext) -> None:
        h = call.handler
        try:
            while h.wants_recv():
                data = await context.read()
                if data is grpc.aio.EOF:
                    if await self._cancel_follows(context):
                        return  # the handler task is being cancelled; it logs how
                    self.log.emit(event_names.HALF_CLOSE, call)
                    h.on_half_close(wall_ns())
                    call.wake.set()
                    return
                before = h.received
                try:
                    msg = REQUEST_TYPES[h.method].FromString(data)
                except DecodeError:
                    h.on_malformed()
                else:
                    h.on_message(msg, wall_ns())
                if h.received > before:
                    self.log.emit(event_names.MESSAGE_RECEIVED, call, count=h.received)
                call.wake.set()
        except asyncio.CancelledError:
            raise
        except Exception as err:  # the call is going away; its task learns how
            self.diag(2, f"call {call.id}: read ended: {err!r}")


def _open_events(path: Optional[str]) -> Optional[TextIO]:
    if path is None:
        return None
    if path == "-":
        return sys.stdout
    return open(path, "w", encoding="utf-8")


async def run(cfg: ServerConfig) -> int:
    try:
        credentials = server_credentials(cfg)
    except tlsfiles.TlsFileError as err:
        print(f"peer-python server: {err}", file=sys.stderr)
        return 1
    try:
        events = _open_events(cfg.events)
    except OSError as err:
        print(f"peer-python server: --events {cfg.events}: {err.strerror}", file=sys.stderr)
        return 1
    peer = PeerServer(cfg, events)
    try:
        port = await peer.start(credentials)
    except RuntimeError as err:
        print(f"peer-python server: {err}", file=sys.stderr)
        return 1
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    sys.stdout.write(jsonfmt.dumps({"ready": True, "port": port}) + "\n")
    sys.stdout.flush()
    peer.diag(1, f"listening on port {port}")
    await stop.wait()
    try:
        await asyncio.wait_for(peer.stop(), SHUTDOWN_GRACE_S + 2 + cfg.shutdown_grace_ms / 1000)
    except asyncio.TimeoutError:
        peer.diag(1, "shutdown took too long; exiting anyway")
    if events is not None and events is not sys.stdout:
        events.close()
    peer.diag(1, "stopped")
    return 0
