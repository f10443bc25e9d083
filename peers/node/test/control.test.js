'use strict';
// Control metadata parsing: the same values and error texts as server/sc_control.c.
const test = require('node:test');
const assert = require('node:assert/strict');
const control = require('../lib/control');

test('defaults', () => {
  const ctl = control.parse([['user-agent', 'x']]);
  assert.equal(ctl.caseId, null);
  assert.deepEqual([ctl.initialDelayMs, ctl.responseDelayMs, ctl.maxResponses], [0, -1, -1]);
  assert.equal(ctl.fail, false);
  assert.deepEqual([ctl.failAfter, ctl.failCalls, ctl.retryPushbackMs, ctl.echo], [0, 0, -1, false]);
});

test('values', () => {
  const ctl = control.parse([
    ['x-sc-case', 'c1'], ['x-sc-initial-delay-ms', '5'], ['x-sc-response-delay-ms', '0'],
    ['x-sc-max-responses', '1000000000'], ['x-sc-fail-code', 'resource_exhausted'],
    ['x-sc-fail-message', 'a%20b%zz%E2%9C%93%'], ['x-sc-fail-after', '3'], ['x-sc-fail-calls', '2'],
    ['x-sc-retry-pushback-ms', '7'], ['x-sc-echo', 'On'],
    ['x-grpc-test-echo-initial', 'v1'], ['x-grpc-test-echo-initial', 'v2'],
    ['x-grpc-test-echo-trailing-bin', Buffer.from([0, 1])]]);
  assert.equal(ctl.caseId, 'c1');
  assert.deepEqual([ctl.initialDelayMs, ctl.responseDelayMs, ctl.maxResponses], [5, 0, 1e9]);
  assert.equal(ctl.fail, true);
  assert.equal(ctl.failCode, 8);
  assert.equal(ctl.failMessage, 'a b%zz\u2713%');
  assert.deepEqual([ctl.failAfter, ctl.failCalls, ctl.retryPushbackMs, ctl.echo], [3, 2, 7, true]);
  assert.deepEqual(ctl.echoInitial.map(([, v]) => v), ['v1', 'v2']);
  assert.deepEqual(ctl.echoTrailing, [['x-grpc-test-echo-trailing-bin', Buffer.from([0, 1])]]);
});

test('fail code numbers and first entry wins', () => {
  assert.equal(control.parse([['x-sc-fail-code', '14']]).failCode, 14);
  assert.equal(control.parse([['x-sc-fail-code', '016']]).failCode, 16);
  assert.equal(control.parse([['x-sc-fail-code', '0']]).failCode, 0);
  assert.equal(control.parse([['x-sc-fail-after', '1'], ['x-sc-fail-after', 'x']]).failAfter, 1);
});

test('errors name the key, as the C server', () => {
  const table = [
    ['x-sc-max-responses', 'ten', 'x-sc-max-responses: expected a whole number from 0 to 1000000000, got "ten"'],
    ['x-sc-initial-delay-ms', '3600001', 'x-sc-initial-delay-ms: expected a whole number from 0 to 3600000, got "3600001"'],
    ['x-sc-response-delay-ms', '-1', 'x-sc-response-delay-ms: expected a whole number from 0 to 3600000, got "-1"'],
    ['x-sc-fail-after', ' 1', 'x-sc-fail-after: expected a whole number from 0 to 1000000000, got " 1"'],
    ['x-sc-fail-calls', '-1', 'x-sc-fail-calls: expected a whole number from 0 to 1000000000, got "-1"'],
    ['x-sc-retry-pushback-ms', '', 'x-sc-retry-pushback-ms: expected a whole number from 0 to 3600000, got ""'],
    ['x-sc-fail-code', 'BOGUS', 'x-sc-fail-code: unknown status code "BOGUS" (use a name like UNAVAILABLE or 0-16)'],
    ['x-sc-fail-code', '17', 'x-sc-fail-code: unknown status code "17" (use a name like UNAVAILABLE or 0-16)'],
    ['x-sc-fail-code', '+1', 'x-sc-fail-code: unknown status code "+1" (use a name like UNAVAILABLE or 0-16)'],
    ['x-sc-echo', 'maybe', 'x-sc-echo: expected true or false, got "maybe"'],
    ['x-sc-case', 'c'.repeat(4097), 'x-sc-case: longer than 4096 bytes'],
    ['x-sc-fail-message', 'm'.repeat(4097), 'x-sc-fail-message: longer than 4096 bytes'],
  ];
  for (const [key, value, text] of table) {
    assert.throws(() => control.parse([[key, value]]), (err) => err instanceof control.ControlError && err.message === text, key);
  }
});

test('a bad value is quoted with at most 64 bytes', () => {
  assert.throws(() => control.parse([['x-sc-fail-after', '9'.repeat(100)]]), (err) => err.message.includes(`got "${'9'.repeat(64)}"`));
});

test('order of checks: the delay keys before the fail code', () => {
  assert.throws(() => control.parse([['x-sc-fail-code', 'BOGUS'], ['x-sc-initial-delay-ms', 'x']]),
    (err) => err.message.startsWith('x-sc-initial-delay-ms:'));
});

test('parseCount', () => {
  assert.equal(control.parseCount(Buffer.from('0'), 5), 0);
  assert.equal(control.parseCount(Buffer.from('5'), 5), 5);
  assert.equal(control.parseCount(Buffer.from('6'), 5), null);
  assert.equal(control.parseCount(Buffer.from(''), 5), null);
  assert.equal(control.parseCount(Buffer.from('1e3'), 5000), null);
});
