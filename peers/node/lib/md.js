'use strict';
// Metadata helpers shared by the server and the driver (as common/sc_md.c, common/sc_base64.c).
// Metadata here is a list of [key, value] pairs; a value is a string, or a Buffer for -bin keys.

const DIGITS = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

function isBinary(key) {
  return key.endsWith('-bin');
}

/** Standard or URL-safe alphabet, padding optional; null when malformed. */
function b64Decode(text) {
  const body = text.replace(/=+$/, '');
  if (body.length % 4 === 1) return null;
  let acc = 0;
  let bits = 0;
  const out = [];
  for (const ch of body) {
    let digit = DIGITS.indexOf(ch);
    if (ch === '+' || ch === '-') digit = 62;
    else if (ch === '/' || ch === '_') digit = 63;
    if (digit < 0) return null;
    acc = ((acc << 6) | digit) & 0xffffff;
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out.push((acc >> bits) & 0xff);
    }
  }
  return Buffer.from(out);
}

function valueText(key, value) {
  if (isBinary(key)) {
    return (Buffer.isBuffer(value) ? value : Buffer.from(String(value), 'utf8')).toString('base64');
  }
  return Buffer.isBuffer(value) ? value.toString('utf8') : String(value);
}

/** key -> value text; -bin values base64; a repeated key's values joined with ','. */
function toJson(pairs) {
  const out = {};
  for (const [key, value] of pairs) {
    const text = valueText(key, value);
    out[key] = Object.prototype.hasOwnProperty.call(out, key) ? `${out[key]},${text}` : text;
  }
  return out;
}

/** The pairs of a grpc-js Metadata, in its order (keys lower-case; -bin values are Buffers). */
function fromGrpc(metadata) {
  const pairs = [];
  if (!metadata) return pairs;
  const all = metadata.toJSON(); // key -> every value, in arrival order
  for (const key of Object.keys(all)) for (const v of all[key]) pairs.push([key, v]);
  return pairs;
}

module.exports = { isBinary, b64Decode, valueText, toJson, fromGrpc };
