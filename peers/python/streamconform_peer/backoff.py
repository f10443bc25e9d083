"""The reconnect policy (as client/sc_backoff.c and client/sc_reconnect.c): the gRPC
connection-backoff schedule with an injected random source, and the decision after an attempt.
Pure: no clocks, no I/O."""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Callable

from . import status

DEFAULT_INITIAL_MS = 1000
DEFAULT_MULTIPLIER = 1.6
DEFAULT_JITTER = 0.2
DEFAULT_MAX_MS = 120000
DEFAULT_EXHAUSTED_MS = 30000
DEFAULT_MAX_ATTEMPTS = 10  # when an instruction gives `reconnect` without max_attempts
DEFAULT_RETRY_CODES = frozenset({status.UNAVAILABLE, status.DEADLINE_EXCEEDED,
                                 status.RESOURCE_EXHAUSTED})

STOP = "stop"
RETRY_BACKOFF = "backoff"
RETRY_EXHAUSTED = "exhausted"
RETRY_PUSHBACK = "pushback"

# An attempt's grpc-retry-pushback-ms other than a wait (gRPC A6: negative or unparseable means
# "do not retry"); the largest wait taken is INT32_MAX ms, as the gRPC libraries read it.
PUSHBACK_NONE = -1
PUSHBACK_INVALID = -2
PUSHBACK_MAX_MS = 2147483647


@dataclass
class BackoffPolicy:
    initial_ms: int = DEFAULT_INITIAL_MS
    multiplier: float = DEFAULT_MULTIPLIER
    jitter: float = DEFAULT_JITTER
    max_ms: int = DEFAULT_MAX_MS


@dataclass
class ReconnectPolicy:
    backoff: BackoffPolicy = field(default_factory=BackoffPolicy)
    exhausted_backoff_ms: int = DEFAULT_EXHAUSTED_MS
    max_attempts: int = DEFAULT_MAX_ATTEMPTS  # total, the first included; 0 = unlimited
    retry_codes: frozenset[int] = DEFAULT_RETRY_CODES
    honor_pushback: bool = False  # a retryable failure's grpc-retry-pushback-ms is the wait


class Backoff:
    """wait = current * (1 + jitter * (2u - 1)); then current = min(current * multiplier, max)."""

    def __init__(self, policy: BackoffPolicy, random: Callable[[], float]) -> None:
        self.policy = policy
        self.random = random
        self.current_ms = float(policy.initial_ms)

    def next_delay_ms(self) -> int:
        u = self.random()
        if not 0.0 <= u < 1.0:
            u = 0.5  # a broken source must not produce a negative or runaway delay
        delay = self.current_ms * (1.0 + self.policy.jitter * (2.0 * u - 1.0))
        self.current_ms = min(self.current_ms * self.policy.multiplier, float(self.policy.max_ms))
        return int(math.floor(delay + 0.5))  # llround for a non-negative value

    def reset(self) -> None:
        self.current_ms = float(self.policy.initial_ms)


@dataclass(frozen=True)
class Decision:
    action: str
    reset_backoff: bool
    pushback_ms: int = 0  # the wait of RETRY_PUSHBACK


def parse_pushback(value: str | None) -> int:
    """A grpc-retry-pushback-ms value: the wait in ms when it is plain decimal digits up to
    PUSHBACK_MAX_MS, PUSHBACK_NONE when absent, PUSHBACK_INVALID otherwise."""
    if value is None:
        return PUSHBACK_NONE
    if not value or not all("0" <= ch <= "9" for ch in value):
        return PUSHBACK_INVALID
    ms = int(value)
    return ms if ms <= PUSHBACK_MAX_MS else PUSHBACK_INVALID


def decide(code: int, policy: ReconnectPolicy, attempts_done: int, delivered: bool,
           pushback_ms: int = PUSHBACK_NONE) -> Decision:
    """OK and CANCELLED always stop; a code outside retry_codes stops; max_attempts reached
    stops; with honor_pushback the server's pushback decides (a valid one is the wait, an invalid
    one stops); RESOURCE_EXHAUSTED waits the fixed pause; other retry codes wait the backoff."""
    if code in (status.OK, status.CANCELLED) or code not in policy.retry_codes:
        return Decision(STOP, delivered)
    if 0 < policy.max_attempts <= attempts_done:
        return Decision(STOP, delivered)
    if policy.honor_pushback and pushback_ms != PUSHBACK_NONE:
        if pushback_ms < 0:
            return Decision(STOP, delivered)
        return Decision(RETRY_PUSHBACK, delivered, pushback_ms)
    action = RETRY_EXHAUSTED if code == status.RESOURCE_EXHAUSTED else RETRY_BACKOFF
    return Decision(action, delivered)


def wait_ms(decision: Decision, policy: ReconnectPolicy, schedule: Backoff) -> int:
    """The wait before the next attempt, or -1 to stop (the schedule restarts first when the
    attempt delivered a response)."""
    if decision.reset_backoff:
        schedule.reset()
    if decision.action == RETRY_BACKOFF:
        return schedule.next_delay_ms()
    if decision.action == RETRY_EXHAUSTED:
        return policy.exhausted_backoff_ms
    if decision.action == RETRY_PUSHBACK:
        schedule.reset()  # gRPC A6: after a pushback the backoff starts over
        return decision.pushback_ms
    return -1
