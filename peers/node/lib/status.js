'use strict';
// gRPC status codes by canonical name and number (as common/sc_status.c).

const NAMES = Object.freeze([
  'OK', 'CANCELLED', 'UNKNOWN', 'INVALID_ARGUMENT', 'DEADLINE_EXCEEDED', 'NOT_FOUND',
  'ALREADY_EXISTS', 'PERMISSION_DENIED', 'RESOURCE_EXHAUSTED', 'FAILED_PRECONDITION', 'ABORTED',
  'OUT_OF_RANGE', 'UNIMPLEMENTED', 'INTERNAL', 'UNAVAILABLE', 'DATA_LOSS', 'UNAUTHENTICATED',
]);
const COUNT = NAMES.length;

function name(code) {
  return Number.isInteger(code) && code >= 0 && code < COUNT ? NAMES[code] : 'UNKNOWN';
}

/** A name in any case or a decimal number 0-16 (leading digit required, no sign or spaces);
 * null when it is neither. */
function parse(text) {
  if (typeof text !== 'string' || text.length === 0) return null;
  if (text[0] >= '0' && text[0] <= '9') {
    if (!/^[0-9]+$/.test(text)) return null;
    const value = Number(text);
    return value < COUNT ? value : null;
  }
  // eslint-disable-next-line no-control-regex
  if (!/^[\x00-\x7f]*$/.test(text)) return null;
  const i = NAMES.indexOf(text.toUpperCase());
  return i >= 0 ? i : null;
}

module.exports = {
  NAMES, COUNT, name, parse,
  OK: 0, CANCELLED: 1, UNKNOWN: 2, INVALID_ARGUMENT: 3, DEADLINE_EXCEEDED: 4, ALREADY_EXISTS: 6,
  RESOURCE_EXHAUSTED: 8, INTERNAL: 13, UNAVAILABLE: 14, DATA_LOSS: 15,
};
