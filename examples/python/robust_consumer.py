#!/usr/bin/env python3
"""robust_consumer: a streaming.DataService SubscribeData consumer whose retry logic is right.

  robust-consumer [--target HOST:PORT]

It subscribes (subscription_id "robust-consumer", topics ["data"]), prints one line per response
on stdout, and when the stream fails with a retryable code it subscribes again with the same
request after the wait of its policy (docs/app-check.md, "The policy"):

  SC_TARGET                 the address when --target is not given
  SC_RETRY_CODES            codes it calls again after (default UNAVAILABLE,DEADLINE_EXCEEDED,
                            RESOURCE_EXHAUSTED; empty: none)
  SC_BACKOFF_INITIAL_MS     first wait after a failure (1000)
  SC_BACKOFF_MULTIPLIER     each next wait is this times the previous one (1.6)
  SC_BACKOFF_JITTER         each wait is up to this fraction shorter or longer, uniform (0.2)
  SC_BACKOFF_MAX_MS         the waits grow up to this (120000)
  SC_EXHAUSTED_BACKOFF_MS   the wait after RESOURCE_EXHAUSTED, with the same jitter (30000)
  SC_HONOR_PUSHBACK         true: a grpc-retry-pushback-ms trailer is the wait; a negative or
                            malformed one means "do not retry" (false)
  SC_MAX_ATTEMPTS           gives up after this many calls; 0: never (0)

The waits start over at SC_BACKOFF_INITIAL_MS after a call that received a response, and after a
pushback. Exit codes: 0 the stream ended OK, or SIGTERM/SIGINT; 2 a code it does not retry, or
bad arguments; 3 it gave up (SC_MAX_ATTEMPTS calls, or the server's pushback said stop).
Logs go to stderr, one timestamped line per event.
"""
from __future__ import annotations

import argparse
import asyncio
import math
import os
import random
import signal
import sys
import time
from dataclasses import dataclass
from datetime import datetime
from typing import Callable, Mapping, Optional, Sequence

import grpc

import streaming_pb2
import streaming_pb2_grpc

PROG = "robust-consumer"
EXIT_OK = 0
EXIT_ERROR = 2  # a status it does not retry, or a usage error
EXIT_GAVE_UP = 3

SUBSCRIPTION_ID = "robust-consumer"
TOPICS = ("data",)
# Every call has a deadline, so a stream that silently stalls ends at last; a subscription is
# meant to last, so the deadline is long, and the DEADLINE_EXCEEDED it ends with is retried.
CALL_DEADLINE_S = 3600.0
# The largest pushback taken, as the gRPC libraries read grpc-retry-pushback-ms (INT32_MAX ms).
PUSHBACK_MAX_MS = 2147483647
PUSHBACK_KEY = "grpc-retry-pushback-ms"
# Bound on closing a channel after a call: the next attempt must not wait on a stuck close.
CLOSE_TIMEOUT_S = 1.0

DEFAULT_RETRY_CODES = "UNAVAILABLE,DEADLINE_EXCEEDED,RESOURCE_EXHAUSTED"

_T0 = time.monotonic()


def log(message: str) -> None:
    """One stderr line: wall-clock time, seconds since start, the message."""
    now = datetime.now().isoformat(timespec="milliseconds")
    sys.stderr.write(f"{now} +{time.monotonic() - _T0:8.3f}s {PROG}: {message}\n")
    sys.stderr.flush()


# ---- the policy, from the environment


class ConfigError(ValueError):
    pass


@dataclass(frozen=True)
class Policy:
    initial_ms: float
    multiplier: float
    jitter: float
    max_ms: float
    exhausted_ms: float
    max_attempts: int
    retry_codes: frozenset[grpc.StatusCode]
    honor_pushback: bool

    def describe(self) -> str:
        codes = ",".join(sorted(c.name for c in self.retry_codes)) or "none"
        return (f"backoff {self.initial_ms:g} ms x{self.multiplier:g} up to {self.max_ms:g} ms "
                f"(+-{self.jitter * 100:g}%), after RESOURCE_EXHAUSTED {self.exhausted_ms:g} ms, "
                f"pushback {'honoured' if self.honor_pushback else 'ignored'}, "
                f"max attempts {self.max_attempts or 'unlimited'}, retry on {codes}")


def _number(env: Mapping[str, str], name: str, default: float, low: float,
            high: float = math.inf) -> float:
    text = env.get(name, "").strip()
    if not text:
        return default
    try:
        value = float(text)
    except ValueError:
        raise ConfigError(f'{name}: expected a number, got "{text}"') from None
    if not low <= value <= high:
        raise ConfigError(f"{name}: expected a number from {low:g} to {high:g}, got {text}")
    return value


def _whole(env: Mapping[str, str], name: str, default: int) -> int:
    text = env.get(name, "").strip()
    if not text:
        return default
    if not text.isdigit():
        raise ConfigError(f'{name}: expected a whole number >= 0, got "{text}"')
    return int(text)


def _flag(env: Mapping[str, str], name: str, default: bool) -> bool:
    text = env.get(name, "").strip().lower()
    if not text:
        return default
    if text in ("true", "1", "yes"):
        return True
    if text in ("false", "0", "no"):
        return False
    raise ConfigError(f'{name}: expected true or false, got "{text}"')


def _codes(env: Mapping[str, str], name: str) -> frozenset[grpc.StatusCode]:
    text = env.get(name, DEFAULT_RETRY_CODES)
    codes = set()
    for part in (p.strip().upper() for p in text.split(",")):
        if not part:
            continue
        code = grpc.StatusCode.__members__.get(part)
        if code is None:
            raise ConfigError(f'{name}: "{part}" is not a gRPC status code name')
        codes.add(code)
    return frozenset(codes)


def policy_from_env(env: Mapping[str, str]) -> Policy:
    """The policy of the SC_* variables (unset or empty: the default); raises ConfigError."""
    initial = _number(env, "SC_BACKOFF_INITIAL_MS", 1000, 0)
    return Policy(initial_ms=initial,
                  multiplier=_number(env, "SC_BACKOFF_MULTIPLIER", 1.6, 1),
                  jitter=_number(env, "SC_BACKOFF_JITTER", 0.2, 0, 1),
                  max_ms=_number(env, "SC_BACKOFF_MAX_MS", 120000, initial),
                  exhausted_ms=_number(env, "SC_EXHAUSTED_BACKOFF_MS", 30000, 0),
                  max_attempts=_whole(env, "SC_MAX_ATTEMPTS", 0),
                  retry_codes=_codes(env, "SC_RETRY_CODES"),
                  honor_pushback=_flag(env, "SC_HONOR_PUSHBACK", False))


# ---- the waits: pure, the random source injected


def jittered(ms: float, jitter: float, rng: Callable[[], float]) -> float:
    """`ms` made up to `jitter` shorter or longer, uniformly."""
    return max(0.0, ms * (1.0 + jitter * (2.0 * rng() - 1.0)))


class Backoff:
    """gRPC connection backoff: wait = jittered(current); then current = min(current * m, max)."""

    def __init__(self, policy: Policy, rng: Callable[[], float]) -> None:
        self.policy = policy
        self.rng = rng
        self.current_ms = policy.initial_ms

    def next_ms(self) -> float:
        wait = jittered(self.current_ms, self.policy.jitter, self.rng)
        self.current_ms = min(self.current_ms * self.policy.multiplier, self.policy.max_ms)
        return wait

    def reset(self) -> None:
        self.current_ms = self.policy.initial_ms


@dataclass(frozen=True)
class CallResult:
    code: grpc.StatusCode
    details: str
    responses: int
    pushback_ms: Optional[int]  # None: no trailer; -1: negative or malformed ("do not retry")


@dataclass(frozen=True)
class Outcome:
    wait_ms: Optional[float]  # None: stop with exit_code
    exit_code: int
    reason: str


def parse_pushback(trailers: Optional[Sequence[tuple[str, object]]]) -> Optional[int]:
    """grpc-retry-pushback-ms of the trailers: the wait, None when absent, -1 when it is negative
    or not plain decimal digits up to PUSHBACK_MAX_MS (gRPC A6: the server says do not retry)."""
    for key, value in trailers or ():
        if key.lower() != PUSHBACK_KEY:
            continue
        text = value.decode("ascii", "replace") if isinstance(value, bytes) else str(value)
        if text.isascii() and text.isdigit() and int(text) <= PUSHBACK_MAX_MS:
            return int(text)
        return -1
    return None


def decide(result: CallResult, attempts: int, policy: Policy, backoff: Backoff) -> Outcome:
    """What follows call number `attempts`, which ended with `result`."""
    if result.code == grpc.StatusCode.OK:
        return Outcome(None, EXIT_OK, "the stream ended OK")
    if result.code not in policy.retry_codes:
        return Outcome(None, EXIT_ERROR, f"{result.code.name} is not retried: {result.details}")
    if result.responses > 0:
        backoff.reset()  # the stream was up: this failure starts a new series of waits
    if 0 < policy.max_attempts <= attempts:
        return Outcome(None, EXIT_GAVE_UP, f"giving up after {attempts} calls (SC_MAX_ATTEMPTS)")
    if policy.honor_pushback and result.pushback_ms is not None:
        if result.pushback_ms < 0:
            return Outcome(None, EXIT_GAVE_UP, f"the server's {PUSHBACK_KEY} says do not retry")
        backoff.reset()  # gRPC A6: after a pushback the backoff starts over
        return Outcome(float(result.pushback_ms), EXIT_OK, "pushback")
    if result.code == grpc.StatusCode.RESOURCE_EXHAUSTED:
        return Outcome(jittered(policy.exhausted_ms, policy.jitter, backoff.rng), EXIT_OK,
                       "RESOURCE_EXHAUSTED pause")
    return Outcome(backoff.next_ms(), EXIT_OK, "backoff")


# ---- the calls


def show(response: streaming_pb2.StreamResponse) -> str:
    points = response.data_points
    first = f" first {points[0].id}={points[0].value:g}" if points else ""
    return f"seq {response.sequence_number}: {len(points)} points{first}"


async def _close(channel: grpc.aio.Channel) -> None:
    try:
        await asyncio.wait_for(channel.close(), CLOSE_TIMEOUT_S)
    except Exception:  # noqa: BLE001 - a close that fails leaves nothing to do
        pass


async def subscribe_once(target: str, request: streaming_pb2.StreamRequest) -> CallResult:
    """One SubscribeData call on a fresh channel (so a retry really reconnects instead of
    failing fast inside the old channel's own connection backoff)."""
    channel = grpc.aio.insecure_channel(target)
    responses = 0
    try:
        call = streaming_pb2_grpc.DataServiceStub(channel).SubscribeData(
            request, timeout=CALL_DEADLINE_S)
        try:
            async for response in call:
                responses += 1
                print(show(response), flush=True)
        except grpc.aio.AioRpcError as err:
            return CallResult(err.code(), err.details() or "", responses,
                              parse_pushback(err.trailing_metadata()))
        return CallResult(grpc.StatusCode.OK, "", responses, None)
    finally:
        await _close(channel)


async def consume(target: str, policy: Policy) -> int:
    request = streaming_pb2.StreamRequest(subscription_id=SUBSCRIPTION_ID, topics=list(TOPICS))
    backoff = Backoff(policy, random.random)
    attempts = 0
    while True:
        attempts += 1
        log(f"call {attempts}: SubscribeData {target}")
        result = await subscribe_once(target, request)
        pushback = ("" if result.pushback_ms is None else
                    f", {PUSHBACK_KEY} {'invalid' if result.pushback_ms < 0 else result.pushback_ms}")
        log(f"call {attempts}: {result.code.name} after {result.responses} responses"
            f"{pushback}{': ' + result.details if result.details else ''}")
        outcome = decide(result, attempts, policy, backoff)
        if outcome.wait_ms is None:
            log(outcome.reason)
            return outcome.exit_code
        log(f"waiting {outcome.wait_ms / 1000:.3f} s ({outcome.reason}) before call {attempts + 1}")
        await asyncio.sleep(outcome.wait_ms / 1000)


async def run(target: str, policy: Policy) -> int:
    """consume() until it ends, or until SIGTERM/SIGINT cancels it (then exit 0 at once: the
    cancel closes the call and the channel, and interrupts a wait)."""
    task = asyncio.current_task()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, task.cancel)
    try:
        return await consume(target, policy)
    except asyncio.CancelledError:
        log("stopping on a signal")
        return EXIT_OK


def main(argv: Optional[Sequence[str]] = None) -> int:
    parser = argparse.ArgumentParser(prog=PROG, description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--target", metavar="HOST:PORT", default=os.environ.get("SC_TARGET"),
                        help="the server to subscribe to (default: $SC_TARGET)")
    args = parser.parse_args(argv)
    if not args.target:
        parser.error("no target: give --target HOST:PORT or set SC_TARGET")
    try:
        policy = policy_from_env(os.environ)
    except ConfigError as err:
        print(f"{PROG}: {err}", file=sys.stderr)
        return EXIT_ERROR
    log(f"target {args.target}; {policy.describe()}")
    return asyncio.run(run(args.target, policy))


if __name__ == "__main__":
    sys.exit(main())
