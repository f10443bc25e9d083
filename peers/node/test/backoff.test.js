'use strict';
// The reconnect schedule and decisions, with an injected random source.
const test = require('node:test');
const assert = require('node:assert/strict');
const backoff = require('../lib/backoff');
const status = require('../lib/status');

const source = (...values) => () => values.shift();
function policy(initialMs, multiplier, jitter, maxMs, exhaustedMs = 30000, maxAttempts = 10, honorPushback = false) {
  const p = backoff.defaultPolicy();
  p.backoff = { initialMs, multiplier, jitter, maxMs };
  p.exhaustedBackoffMs = exhaustedMs;
  p.maxAttempts = maxAttempts;
  p.honorPushback = honorPushback;
  return p;
}

test('schedule: multiplier, cap, reset', () => {
  const b = new backoff.Backoff({ initialMs: 1000, multiplier: 1.6, jitter: 0.2, maxMs: 3000 }, () => 0.5);
  assert.deepEqual([1, 2, 3, 4, 5].map(() => b.nextDelayMs()), [1000, 1600, 2560, 3000, 3000]);
  b.reset();
  assert.equal(b.nextDelayMs(), 1000);
});

test('jitter bounds and a broken source', () => {
  const b = new backoff.Backoff({ initialMs: 1000, multiplier: 2, jitter: 0.2, maxMs: 1e6 }, source(0, 0.999999, 2));
  assert.equal(b.nextDelayMs(), 800);
  assert.equal(b.nextDelayMs(), 2400);
  assert.equal(b.nextDelayMs(), 4000);
});

test('decisions', () => {
  const p = policy(1000, 1.6, 0.2, 120000, 30000, 3);
  assert.equal(backoff.decide(status.OK, p, 1, false).action, backoff.STOP);
  assert.equal(backoff.decide(status.CANCELLED, p, 1, false).action, backoff.STOP);
  assert.equal(backoff.decide(status.INTERNAL, p, 1, false).action, backoff.STOP);
  assert.equal(backoff.decide(status.UNAVAILABLE, p, 1, false).action, backoff.RETRY_BACKOFF);
  assert.equal(backoff.decide(status.UNAVAILABLE, p, 3, false).action, backoff.STOP);
  assert.equal(backoff.decide(status.RESOURCE_EXHAUSTED, p, 1, false).action, backoff.RETRY_EXHAUSTED);
});

test('waits, and the schedule starts over after a delivering attempt', () => {
  const p = policy(100, 2, 0, 1000, 5000, 0);
  const s = new backoff.Backoff(p.backoff, () => 0.5);
  const wait = (code, delivered) => backoff.waitMs(backoff.decide(code, p, 1, delivered), p, s);
  assert.equal(wait(status.UNAVAILABLE, false), 100);
  assert.equal(wait(status.DEADLINE_EXCEEDED, false), 200);
  assert.equal(wait(status.RESOURCE_EXHAUSTED, false), 5000);
  assert.equal(wait(status.UNAVAILABLE, false), 400);
  assert.equal(wait(status.UNAVAILABLE, true), 100);
  assert.equal(wait(status.OK, false), -1);
});

test('pushback values', () => {
  assert.equal(backoff.parsePushback(undefined), backoff.PUSHBACK_NONE);
  assert.equal(backoff.parsePushback('250'), 250);
  assert.equal(backoff.parsePushback('0'), 0);
  assert.equal(backoff.parsePushback('2147483647'), 2147483647);
  for (const bad of ['2147483648', '-1', '1.5', ' 5', '', 'soon', '\u0661']) assert.equal(backoff.parsePushback(bad), backoff.PUSHBACK_INVALID, bad);
});

test('honored pushback', () => {
  const p = policy(100, 2, 0, 1000, 5000, 3, true);
  const s = new backoff.Backoff(p.backoff, () => 0.5);
  const wait = (code, pb, n = 1) => backoff.waitMs(backoff.decide(code, p, n, false, pb), p, s);
  assert.equal(wait(status.UNAVAILABLE, backoff.PUSHBACK_NONE), 100);
  assert.equal(wait(status.UNAVAILABLE, backoff.PUSHBACK_NONE), 200);
  assert.equal(wait(status.UNAVAILABLE, 250), 250);
  assert.equal(wait(status.UNAVAILABLE, backoff.PUSHBACK_NONE), 100);
  assert.equal(wait(status.RESOURCE_EXHAUSTED, 0), 0);
  assert.equal(wait(status.UNAVAILABLE, backoff.PUSHBACK_INVALID), -1);
  assert.equal(wait(status.INTERNAL, 10), -1);
  assert.equal(wait(status.UNAVAILABLE, 10, 3), -1);
});

test('pushback ignored by default', () => {
  const p = policy(100, 2, 0, 1000, 5000, 3);
  assert.equal(backoff.decide(status.UNAVAILABLE, p, 1, false, 250).action, backoff.RETRY_BACKOFF);
  assert.equal(backoff.decide(status.UNAVAILABLE, p, 1, false, backoff.PUSHBACK_INVALID).action, backoff.RETRY_BACKOFF);
});
