'use strict';
// Control metadata: the request metadata that makes a server misbehave on purpose
// (docs/peer-protocol.md, "Control metadata"). Pure parsing, same rules, order and error texts as
// server/sc_control.c and the Python/Go peers. Metadata is a list of [key, value] pairs; a value
// is a string (the header's bytes, one char per byte) or a Buffer (-bin keys).

const status = require('./status');

const MAX_DELAY_MS = 3600000; // an hour: longer than any scenario
const MAX_COUNT = 1000000000; // counts of messages and calls
const MAX_TEXT = 4096; // x-sc-case and x-sc-fail-message

const KEY = Object.freeze({
  CASE: 'x-sc-case',
  INITIAL_DELAY: 'x-sc-initial-delay-ms',
  RESPONSE_DELAY: 'x-sc-response-delay-ms',
  MAX_RESPONSES: 'x-sc-max-responses',
  FAIL_CODE: 'x-sc-fail-code',
  FAIL_MESSAGE: 'x-sc-fail-message',
  FAIL_AFTER: 'x-sc-fail-after',
  FAIL_CALLS: 'x-sc-fail-calls',
  RETRY_PUSHBACK: 'x-sc-retry-pushback-ms',
  ECHO: 'x-sc-echo',
  LAZY_HEADERS: 'x-sc-lazy-headers',
  ECHO_INITIAL: 'x-grpc-test-echo-initial',
  ECHO_TRAILING: 'x-grpc-test-echo-trailing-bin',
});

const YES = ['1', 'true', 'yes', 'on'];
const NO = ['0', 'false', 'no', 'off'];

class ControlError extends Error {}

/** The value's bytes: a Buffer as is; a string of one-byte chars (HTTP/2 header text) as latin1,
 * anything else as UTF-8. */
function raw(value) {
  if (Buffer.isBuffer(value)) return value;
  const text = String(value);
  // eslint-disable-next-line no-control-regex
  return /^[\x00-\xff]*$/.test(text) ? Buffer.from(text, 'latin1') : Buffer.from(text, 'utf8');
}

function first(md, key) {
  for (const [k, v] of md) if (k === key) return raw(v);
  return null;
}

/** The value as the C server quotes it: at most 64 bytes, up to a NUL. */
function shown(bytes) {
  let end = bytes.indexOf(0);
  if (end < 0) end = bytes.length;
  return bytes.subarray(0, Math.min(end, 64)).toString('utf8');
}

/** A non-negative decimal integer <= maximum (no sign, no spaces), else null. */
function parseCount(bytes, maximum) {
  if (!bytes || bytes.length === 0) return null;
  let value = 0;
  for (const b of bytes) {
    if (b < 0x30 || b > 0x39) return null;
    value = value * 10 + (b - 0x30);
    if (value > maximum) return null;
  }
  return value;
}

function number(md, key, maximum, dflt) {
  const bytes = first(md, key);
  if (bytes === null) return dflt;
  const value = parseCount(bytes, maximum);
  if (value === null) {
    throw new ControlError(`${key}: expected a whole number from 0 to ${maximum}, got "${shown(bytes)}"`);
  }
  return value;
}

function text(md, key) {
  const bytes = first(md, key);
  if (bytes !== null && bytes.length > MAX_TEXT) throw new ControlError(`${key}: longer than ${MAX_TEXT} bytes`);
  return bytes;
}

function hex(b) {
  if (b >= 0x30 && b <= 0x39) return b - 0x30;
  if (b >= 0x41 && b <= 0x46) return b - 0x41 + 10;
  if (b >= 0x61 && b <= 0x66) return b - 0x61 + 10;
  return -1;
}

/** %XX escapes decoded; a '%' not followed by two hex digits stays as it is. */
function percentDecode(bytes) {
  const out = [];
  for (let i = 0; i < bytes.length;) {
    if (bytes[i] === 0x25 && i + 2 < bytes.length && hex(bytes[i + 1]) >= 0 && hex(bytes[i + 2]) >= 0) {
      out.push(hex(bytes[i + 1]) * 16 + hex(bytes[i + 2]));
      i += 3;
    } else {
      out.push(bytes[i]);
      i += 1;
    }
  }
  return Buffer.from(out);
}

function failCode(md, ctl) {
  const bytes = first(md, KEY.FAIL_CODE);
  if (bytes === null) return;
  const code = bytes.includes(0) ? null : status.parse(bytes.toString('utf8'));
  if (code === null) {
    throw new ControlError(`${KEY.FAIL_CODE}: unknown status code "${shown(bytes)}" (use a name like UNAVAILABLE or 0-16)`);
  }
  ctl.fail = true;
  ctl.failCode = code;
}

function echoFlag(md, key = KEY.ECHO) {
  const bytes = first(md, key);
  if (bytes === null) return false;
  const word = bytes.includes(0) ? '' : bytes.toString('utf8').toLowerCase();
  if (YES.includes(word)) return true;
  if (NO.includes(word)) return false;
  throw new ControlError(`${key}: expected true or false, got "${shown(bytes)}"`);
}

function defaults() {
  return {
    caseId: null,
    initialDelayMs: 0,
    responseDelayMs: -1, // -1: absent (SubscribeData uses the tick)
    maxResponses: -1,
    fail: false,
    failCode: 0,
    failMessage: null,
    failAfter: 0,
    failCalls: 0, // 0: every call fails; else only the case's first N calls
    retryPushbackMs: -1,
    echo: false,
    // x-sc-lazy-headers: the headers wait for the first response message; a call that ends before
    // one gets a trailers-only response (which a client library may retry, gRFC A6)
    lazyHeaders: false,
    echoInitial: [],
    echoTrailing: [],
  };
}

/** The control keys of `md` (other keys are ignored); throws ControlError on a malformed value.
 * Keys are checked in the C server's order, so the first bad key reported is the same. */
function parse(md) {
  const ctl = defaults();
  const caseRaw = text(md, KEY.CASE);
  ctl.caseId = caseRaw === null ? null : caseRaw.toString('utf8');
  ctl.initialDelayMs = number(md, KEY.INITIAL_DELAY, MAX_DELAY_MS, 0);
  ctl.responseDelayMs = number(md, KEY.RESPONSE_DELAY, MAX_DELAY_MS, -1);
  ctl.maxResponses = number(md, KEY.MAX_RESPONSES, MAX_COUNT, -1);
  failCode(md, ctl);
  const message = text(md, KEY.FAIL_MESSAGE);
  ctl.failAfter = number(md, KEY.FAIL_AFTER, MAX_COUNT, 0);
  ctl.failCalls = number(md, KEY.FAIL_CALLS, MAX_COUNT, 0);
  ctl.retryPushbackMs = number(md, KEY.RETRY_PUSHBACK, MAX_DELAY_MS, -1);
  ctl.echo = echoFlag(md);
  ctl.lazyHeaders = echoFlag(md, KEY.LAZY_HEADERS);
  ctl.echoInitial = md.filter(([k]) => k === KEY.ECHO_INITIAL);
  ctl.echoTrailing = md.filter(([k]) => k === KEY.ECHO_TRAILING);
  if (message !== null) {
    // C keeps the text up to its first NUL, then decodes the escapes.
    const nul = message.indexOf(0);
    ctl.failMessage = percentDecode(nul < 0 ? message : message.subarray(0, nul)).toString('utf8');
  }
  return ctl;
}

module.exports = {
  MAX_DELAY_MS, MAX_COUNT, MAX_TEXT, KEY, ControlError, parse, parseCount, percentDecode, defaults, raw,
};
