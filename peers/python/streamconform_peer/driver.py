"""`peer-python client`: the client driver (docs/peer-protocol.md, "Client driver protocol").

Instructions arrive as JSON lines on stdin (read by a thread, handed to the event loop); each runs
as an asyncio task on grpc.aio, with its own channel, and its result line is written when it
completes. Every method is called as a bidirectional stream of raw bytes (identical on the wire),
so one code path serves all four and the driver parses responses itself."""
from __future__ import annotations

import asyncio
import os
import random
import signal
import sys
import threading
import time
from dataclasses import dataclass, field
from typing import Any, Optional

import grpc
from google.protobuf import json_format
from google.protobuf.message import DecodeError

from . import backoff, jsonfmt, md, status, tlsfiles
from .instr import InstrError, Instruction, TlsOpts, parse

MAX_LINE = 8 * 1024 * 1024
# Bounds on the driver's own clean-up (closing channels, cancelled calls draining).
CLOSE_TIMEOUT_S = 2.0


def mono_ms() -> int:
    return time.monotonic_ns() // 1_000_000


def emit(obj: dict[str, Any]) -> None:
    sys.stdout.write(jsonfmt.dumps(obj) + "\n")
    sys.stdout.flush()


@dataclass
class AttemptResult:
    code: int = status.UNKNOWN
    message: str = ""
    headers: dict[str, str] = field(default_factory=dict)
    trailers: dict[str, str] = field(default_factory=dict)
    close_send_ms: Optional[int] = None  # absolute (mono ms)
    status_ms: int = 0
    responses: int = 0
    # pingpong: set on every response, so that the sender waits for its reply
    replied: asyncio.Event = field(default_factory=asyncio.Event)


class SharedChannels:
    """channel.share (client feature "share-channel"): instructions in flight with the same name
    use one channel, made by the first with its options and closed when the last one ends."""

    def __init__(self) -> None:
        self.channels: dict[str, list[Any]] = {}  # name -> [channel, references]

    def take(self, name: str, make: Any) -> grpc.aio.Channel:
        entry = self.channels.get(name)
        if entry is None:
            entry = self.channels[name] = [make(), 0]
        entry[1] += 1
        return entry[0]

    async def release(self, name: str) -> None:
        entry = self.channels[name]
        entry[1] -= 1
        if entry[1] == 0:
            del self.channels[name]
            await _close(entry[0])


class Job:
    """One instruction: its attempts, and what the result line reports."""

    def __init__(self, ins: Instruction, start_ms: int, rng: random.Random, verbose: bool,
                 shares: Optional[SharedChannels] = None) -> None:
        self.shares = shares if shares is not None else SharedChannels()
        self.ins = ins
        self.start_ms = start_ms
        self.rng = rng
        self.verbose = verbose
        self.responses: list[Any] = []
        self.responses_ms: list[int] = []
        self.headers_ms: Optional[int] = None
        self.first_response_ms: Optional[int] = None
        self.attempts: list[dict[str, Any]] = []
        self.last = AttemptResult()
        self.credentials: Optional[grpc.ChannelCredentials] = None  # channel.tls, once read

    def rel(self, t: Optional[int]) -> Optional[int]:
        return None if t is None else t - self.start_ms

    def trace(self, text: str) -> None:
        if self.verbose:
            print(f"peer-python client: {self.ins.case} +{mono_ms() - self.start_ms}ms {text}",
                  file=sys.stderr, flush=True)

    def new_channel(self) -> grpc.aio.Channel:
        # grpcio shares connections (subchannels) process-wide between channels with equal
        # options: a channel of its own must mean a connection of its own (as in the C and Node
        # drivers), or a server's --max-concurrent-streams would queue calls of separate
        # channels behind each other (measured: lifecycle/max-streams/one-stream-per-channel).
        options = self.ins.channel.grpc_options() + [("grpc.use_local_subchannel_pool", 1)]
        if self.ins.compression is not None:
            options += self.ins.compression.grpc_options()
        if self.credentials is None:
            return grpc.aio.insecure_channel(self.ins.target, options=options)
        return grpc.aio.secure_channel(self.ins.target, self.credentials, options=options)

    async def run(self) -> dict[str, Any]:
        policy = self.ins.reconnect
        schedule = backoff.Backoff(policy.backoff if policy else backoff.BackoffPolicy(),
                                   self.rng.random)
        if self.ins.channel.tls is not None:
            self.credentials = tls_credentials(self.ins.channel.tls)
        share = self.ins.channel.share
        if share is not None:  # held from the reading of the instruction, as the C driver does
            channel = self.shares.take(share, self.new_channel)
        try:
            if self.ins.start_delay_ms > 0:
                await asyncio.sleep(self.ins.start_delay_ms / 1000)
            if share is None:
                channel = self.new_channel()
            return await self._attempts(channel, policy, schedule)
        finally:
            if share is not None:
                await self.shares.release(share)

    async def _attempts(self, channel: grpc.aio.Channel, policy: Any, schedule: Any) -> dict[str, Any]:
        share = self.ins.channel.share
        try:
            while True:
                if self.attempts and self.last.code == status.UNAVAILABLE and share is None:
                    # A fresh channel, so the attempt really reconnects instead of failing fast
                    # inside the old channel's own backoff.
                    await _close(channel)
                    channel = self.new_channel()
                start = mono_ms()
                self.last = await self.attempt(channel, start)
                record = {"start_ms": start - self.start_ms, "end_ms": mono_ms() - self.start_ms,
                          "code": status.name(self.last.code)}
                pushback = backoff.parse_pushback(self.last.trailers.get("grpc-retry-pushback-ms"))
                if pushback != backoff.PUSHBACK_NONE:
                    record["pushback_ms"] = max(pushback, -1)
                self.attempts.append(record)
                wait = -1
                if policy is not None:
                    d = backoff.decide(self.last.code, policy, len(self.attempts),
                                       self.last.responses > 0, pushback)
                    wait = backoff.wait_ms(d, policy, schedule)
                if wait < 0:
                    break
                self.trace(f"attempt {len(self.attempts)} {status.name(self.last.code)}; "
                           f"next in {wait} ms")
                await asyncio.sleep(wait / 1000)
        finally:
            if share is None:
                await _close(channel)
        return self.result()

    def result(self) -> dict[str, Any]:
        last = self.last
        return {
            "case": self.ins.case,
            "status": {"code": status.name(last.code), "message": last.message},
            "headers": last.headers,
            "trailers": last.trailers,
            "responses": self.responses,
            "attempts": self.attempts,
            "timings": {"headers_ms": self.rel(self.headers_ms),
                        "first_response_ms": self.rel(self.first_response_ms),
                        "responses_ms": self.responses_ms,
                        "close_send_ms": self.rel(last.close_send_ms),
                        "status_ms": self.rel(last.status_ms)},
        }

    def _as_application(self) -> bool:
        """Call GetData / SubscribeData the way a Python application does (unary_unary /
        unary_stream: the library sends the one request and the half-close with the call) when
        the instruction is such a call. Anything else (no request, several, no half-close, cancel
        before sending: a misbehaving client on purpose) needs the raw stream_stream form. This
        matters: grpc.aio's stream_stream calls report INTERNAL "Internal error from Core" for
        some trailers-only answers that arrive while the client is still writing
        (docs/peer-protocol.md, "Known differences"), which its unary-request calls never do."""
        ins = self.ins
        return (ins.method.rpc_name in ("GetData", "SubscribeData") and len(ins.requests) == 1
                and ins.half_close and not (ins.cancel and ins.cancel.kind == "before_send"))

    def _start_call(self, channel: grpc.aio.Channel, out: AttemptResult) -> Any:
        ins = self.ins
        opts = {"metadata": tuple(ins.metadata), "timeout": ins.timeout_ms / 1000,
                "wait_for_ready": ins.wait_for_ready}
        if ins.compression is not None:  # the call's grpc-encoding (grpcio: per call)
            opts["compression"] = ins.compression.grpc_compression()
        if not self._as_application():
            return channel.stream_stream(ins.path or ins.method.path)(**opts)
        request = ins.requests[0].SerializeToString()
        if ins.method.rpc_name == "GetData":
            call = channel.unary_unary(ins.path or ins.method.path)(request, **opts)
        else:
            call = channel.unary_stream(ins.path or ins.method.path)(request, **opts)
        out.close_send_ms = mono_ms()  # the request and the half-close go with the call
        return call

    async def attempt(self, channel: grpc.aio.Channel, start: int) -> AttemptResult:
        ins = self.ins
        out = AttemptResult()
        call = self._start_call(channel, out)
        streaming_request = not self._as_application()
        helpers: list[asyncio.Task[Any]] = [asyncio.create_task(self._headers(call))]
        kind = ins.cancel.kind if ins.cancel else None
        if kind == "before_send":
            call.cancel()
        else:
            if streaming_request:
                helpers.append(asyncio.create_task(self._send(call, start, out)))
            elif kind == "after_close_send_ms":
                helpers.append(asyncio.create_task(
                    _cancel_at(call, out.close_send_ms + ins.cancel.n)))
            if kind == "after_ms":
                helpers.append(asyncio.create_task(_cancel_at(call, start + ins.cancel.n)))
        try:
            if ins.read_pause_ms > 0:  # a slow receiver: responses wait in flow control
                await asyncio.sleep(max(0, start + ins.read_pause_ms - mono_ms()) / 1000)
            if ins.method.rpc_name == "GetData" and not streaming_request:
                local_error = await self._receive_unary(call, out)
            else:
                local_error = await self._receive(call, out)
            code = await call.code()
            out.status_ms = mono_ms()
            out.code = status.from_grpc(code)
            out.message = (await call.details()) or ""
            if local_error is not None:
                out.code, out.message = status.INTERNAL, local_error
            out.trailers = md.to_json(await call.trailing_metadata() or ())
            out.headers = md.to_json(await call.initial_metadata() or ())
        finally:
            for task in helpers:
                task.cancel()
            await asyncio.gather(*helpers, return_exceptions=True)
        return out

    async def _headers(self, call: Any) -> None:
        try:
            await call.initial_metadata()
        except (grpc.RpcError, asyncio.CancelledError):
            if _being_cancelled():
                raise
            return
        if self.headers_ms is not None:
            return
        t = mono_ms()
        if call.done():
            # grpc.aio resolves initial_metadata() at the end of a call that never got headers
            # too; the C driver reports headers only when the server answered (a trailers-only
            # answer counts). Local endings (no connection, deadline, cancel) have none.
            code = await call.code()
            if code in (grpc.StatusCode.UNAVAILABLE, grpc.StatusCode.DEADLINE_EXCEEDED,
                        grpc.StatusCode.CANCELLED):
                return
        self.headers_ms = t

    async def _send(self, call: Any, start: int, out: AttemptResult) -> None:
        ins = self.ins
        try:
            for i, req in enumerate(ins.requests):
                while ins.pingpong and out.responses < i:  # ping-pong: after the reply
                    out.replied.clear()
                    await out.replied.wait()
                due = start + i * ins.request_delay_ms
                if ins.request_delay_ms and due > mono_ms():
                    await asyncio.sleep((due - mono_ms()) / 1000)
                await call.write(req.SerializeToString())
            if not ins.half_close:
                return
            await call.done_writing()
            out.close_send_ms = mono_ms()
            self.trace("half-closed")
        except asyncio.CancelledError:
            raise
        except Exception as err:  # the call is over; its status says why
            self.trace(f"send stopped: {err!r}")
            return
        if ins.cancel is not None and ins.cancel.kind == "after_close_send_ms":
            await _cancel_at(call, out.close_send_ms + ins.cancel.n)

    async def _receive(self, call: Any, out: AttemptResult) -> Optional[str]:
        """Read every response; a local parse failure cancels the call and is returned."""
        while True:
            try:
                data = await call.read()
            except (grpc.RpcError, asyncio.CancelledError):
                if _being_cancelled():
                    raise
                return None
            if data is grpc.aio.EOF:
                return None
            error = self._record(call, data, out)
            if error is not None:
                return error

    async def _receive_unary(self, call: Any, out: AttemptResult) -> Optional[str]:
        """The one response of a unary_unary call (none when the call failed)."""
        try:
            data = await call
        except (grpc.RpcError, asyncio.CancelledError):
            if _being_cancelled():
                raise
            return None
        return self._record(call, data, out)

    def _record(self, call: Any, data: bytes, out: AttemptResult) -> Optional[str]:
        """Keep one response; a local parse failure cancels the call and is returned."""
        response_type = self.ins.method.response
        cancel = self.ins.cancel
        t = mono_ms()
        try:
            msg = response_type.FromString(data)
        except DecodeError:
            call.cancel()
            return f"client: response {out.responses} is not a valid {response_type.DESCRIPTOR.full_name}"
        out.responses += 1
        out.replied.set()
        self.responses.append(json_format.MessageToDict(msg))
        self.responses_ms.append(t - self.start_ms)
        if self.first_response_ms is None:
            self.first_response_ms = t
        if cancel is not None and cancel.kind == "after_responses" and out.responses >= cancel.n:
            call.cancel()
        return None


def tls_credentials(tls: TlsOpts) -> grpc.ChannelCredentials:
    """channel.tls as grpcio credentials: the CA as the only root, the client's certificate when
    given (mTLS). A file that cannot be used is the instruction's error (InstrError), named by
    its field; a handshake that fails later is the call's status (UNAVAILABLE)."""
    try:
        ca = tlsfiles.check_ca(tls.ca_file)
    except tlsfiles.TlsFileError as err:
        raise InstrError("channel.tls.ca_file", str(err)) from None
    cert = key = None
    if tls.cert_file is not None and tls.key_file is not None:
        try:
            cert, key = tlsfiles.check_pair(tls.cert_file, tls.key_file)
        except tlsfiles.TlsFileError as err:
            raise InstrError("channel.tls.cert_file", str(err)) from None
    return grpc.ssl_channel_credentials(root_certificates=ca, private_key=key,
                                        certificate_chain=cert)


def _being_cancelled() -> bool:
    task = asyncio.current_task()
    return task is not None and task.cancelling() > 0


async def _cancel_at(call: Any, at_ms: int) -> None:
    await asyncio.sleep(max(0, at_ms - mono_ms()) / 1000)
    call.cancel()


async def _close(channel: grpc.aio.Channel) -> None:
    try:
        await asyncio.wait_for(channel.close(), CLOSE_TIMEOUT_S)
    except (asyncio.TimeoutError, Exception):
        pass


class Driver:
    def __init__(self, verbose: bool) -> None:
        self.verbose = verbose
        self.rng = random.Random()
        self.jobs: set[asyncio.Task[Any]] = set()
        self.eof = False
        self.abort_signal = 0
        self.changed = asyncio.Event()
        self.shares = SharedChannels()

    def on_line(self, line: bytes, read_ms: int) -> None:
        if self.abort_signal:
            return
        try:
            ins = parse(line.decode("utf-8"))
        except UnicodeDecodeError:
            emit({"case": None, "error": "(line): not a JSON object"})
            return
        except InstrError as err:
            emit({"case": err.case, "error": str(err)})
            return
        job = Job(ins, read_ms, self.rng, self.verbose, self.shares)
        task = asyncio.create_task(self._run_job(job))
        self.jobs.add(task)
        task.add_done_callback(self._job_done)

    async def _run_job(self, job: Job) -> None:
        try:
            result = await job.run()
        except asyncio.CancelledError:
            raise
        except InstrError as err:  # a file the instruction names cannot be used
            if not self.abort_signal:
                emit({"case": job.ins.case, "error": str(err)})
            return
        except Exception as err:  # a driver-side failure to run the instruction
            if not self.abort_signal:
                emit({"case": job.ins.case, "error": f"target: {err}"})
            return
        if not self.abort_signal:
            emit(result)

    def _job_done(self, task: "asyncio.Task[Any]") -> None:
        self.jobs.discard(task)
        self.changed.set()

    def on_eof(self) -> None:
        self.eof = True
        self.changed.set()

    def on_signal(self, sig: int) -> None:
        if not self.abort_signal:
            self.abort_signal = sig
        self.changed.set()

    async def run(self) -> int:
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(sig, self.on_signal, sig)
        threading.Thread(target=_read_stdin, args=(loop, self), daemon=True).start()
        while not self.abort_signal and not (self.eof and not self.jobs):
            self.changed.clear()
            await self.changed.wait()
        if self.abort_signal:
            print(f"peer-python client: aborted by signal {self.abort_signal} with "
                  f"{len(self.jobs)} instructions running", file=sys.stderr, flush=True)
            for task in list(self.jobs):
                task.cancel()
            if self.jobs:
                await asyncio.wait(list(self.jobs), timeout=CLOSE_TIMEOUT_S)
            return 128 + self.abort_signal
        return 0


def _blank(line: bytes) -> bool:
    return not line.strip(b" \t\r")


def _read_stdin(loop: asyncio.AbstractEventLoop, driver: Driver) -> None:
    """Lines (the last one may lack its newline); over-long lines are reported and skipped."""
    stream = sys.stdin.buffer
    while True:
        line = stream.readline(MAX_LINE + 1)
        if not line:
            break
        read_ms = mono_ms()
        if line.endswith(b"\n"):
            line = line[:-1]
        elif len(line) > MAX_LINE:
            while True:  # skip the rest of the over-long line
                rest = stream.readline(MAX_LINE)
                if not rest or rest.endswith(b"\n"):
                    break
        if len(line) > MAX_LINE:
            loop.call_soon_threadsafe(emit, {"case": None,
                                             "error": f"(line): longer than {MAX_LINE} bytes"})
            continue
        if not _blank(line):
            loop.call_soon_threadsafe(driver.on_line, line, read_ms)
    loop.call_soon_threadsafe(driver.on_eof)


def main(verbose: bool = False) -> int:
    rc = 70  # EX_SOFTWARE: only when the driver itself failed
    try:
        rc = asyncio.run(Driver(verbose).run())
    except BaseException as err:  # report, then still leave through os._exit below
        print(f"peer-python client: internal error: {err!r}", file=sys.stderr)
    finally:
        sys.stdout.flush()
        sys.stderr.flush()
        # The stdin thread may still block in read(): leave without joining it (a normal
        # interpreter exit would wait for its lock on stdin).
        os._exit(rc)
