'use strict';
// The reconnect policy (as client/sc_backoff.c, client/sc_reconnect.c): the gRPC
// connection-backoff schedule with an injected random source, and the decision after an attempt.
// Pure: no clocks, no I/O.

const status = require('./status');

const DEFAULTS = Object.freeze({
  initialMs: 1000,
  multiplier: 1.6,
  jitter: 0.2,
  maxMs: 120000,
  exhaustedMs: 30000, // the seed's pause for rate limiting
  maxAttempts: 10, // when an instruction gives `reconnect` without max_attempts
});

const STOP = 'stop';
const RETRY_BACKOFF = 'backoff';
const RETRY_EXHAUSTED = 'exhausted';
const RETRY_PUSHBACK = 'pushback';

// An attempt's grpc-retry-pushback-ms other than a wait (gRPC A6: negative or unparseable means
// "do not retry"); the largest wait taken is INT32_MAX ms, as the gRPC libraries read it.
const PUSHBACK_NONE = -1;
const PUSHBACK_INVALID = -2;
const PUSHBACK_MAX_MS = 2147483647;

function defaultPolicy() {
  return {
    backoff: { initialMs: DEFAULTS.initialMs, multiplier: DEFAULTS.multiplier, jitter: DEFAULTS.jitter, maxMs: DEFAULTS.maxMs },
    exhaustedBackoffMs: DEFAULTS.exhaustedMs,
    maxAttempts: DEFAULTS.maxAttempts, // total, the first included; 0 = unlimited
    retryCodes: new Set([status.UNAVAILABLE, status.DEADLINE_EXCEEDED, status.RESOURCE_EXHAUSTED]),
    honorPushback: false,
  };
}

/** wait = current * (1 + jitter * (2u - 1)); then current = min(current * multiplier, max). */
class Backoff {
  constructor(policy, random) {
    this.policy = policy;
    this.random = random;
    this.currentMs = policy.initialMs;
  }

  nextDelayMs() {
    let u = this.random();
    if (!(u >= 0 && u < 1)) u = 0.5; // a broken source must not produce a negative or runaway delay
    const delay = this.currentMs * (1 + this.policy.jitter * (2 * u - 1));
    this.currentMs = Math.min(this.currentMs * this.policy.multiplier, this.policy.maxMs);
    return Math.floor(delay + 0.5); // llround for a non-negative value
  }

  reset() {
    this.currentMs = this.policy.initialMs;
  }
}

/** A grpc-retry-pushback-ms value: the wait in ms when it is plain decimal digits up to
 * PUSHBACK_MAX_MS, PUSHBACK_NONE when absent, PUSHBACK_INVALID otherwise. */
function parsePushback(value) {
  if (value === undefined || value === null) return PUSHBACK_NONE;
  if (!/^[0-9]+$/.test(value)) return PUSHBACK_INVALID;
  const ms = Number(value);
  return ms <= PUSHBACK_MAX_MS ? ms : PUSHBACK_INVALID;
}

/** OK and CANCELLED always stop; a code outside retryCodes stops; maxAttempts reached stops;
 * with honorPushback the server's pushback decides (a valid one is the wait, an invalid one
 * stops); RESOURCE_EXHAUSTED waits the fixed pause; other retry codes wait the backoff. */
function decide(code, policy, attemptsDone, delivered, pushbackMs = PUSHBACK_NONE) {
  const stop = { action: STOP, resetBackoff: delivered, pushbackMs: 0 };
  if (code === status.OK || code === status.CANCELLED || !policy.retryCodes.has(code)) return stop;
  if (policy.maxAttempts > 0 && attemptsDone >= policy.maxAttempts) return stop;
  if (policy.honorPushback && pushbackMs !== PUSHBACK_NONE) {
    if (pushbackMs < 0) return stop;
    return { action: RETRY_PUSHBACK, resetBackoff: delivered, pushbackMs };
  }
  const action = code === status.RESOURCE_EXHAUSTED ? RETRY_EXHAUSTED : RETRY_BACKOFF;
  return { action, resetBackoff: delivered, pushbackMs: 0 };
}

/** The wait before the next attempt, or -1 to stop (the schedule restarts first when the attempt
 * delivered a response). */
function waitMs(decision, policy, schedule) {
  if (decision.resetBackoff) schedule.reset();
  switch (decision.action) {
    case RETRY_BACKOFF:
      return schedule.nextDelayMs();
    case RETRY_EXHAUSTED:
      return policy.exhaustedBackoffMs;
    case RETRY_PUSHBACK:
      schedule.reset(); // gRPC A6: after a pushback the backoff starts over
      return decision.pushbackMs;
    default:
      return -1;
  }
}

module.exports = {
  DEFAULTS, STOP, RETRY_BACKOFF, RETRY_EXHAUSTED, RETRY_PUSHBACK, PUSHBACK_NONE, PUSHBACK_INVALID,
  PUSHBACK_MAX_MS, defaultPolicy, Backoff, parsePushback, decide, waitMs,
};
