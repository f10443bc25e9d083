'use strict';
// streaming.proto loaded at run time (no generated code): the service definition through
// @grpc/proto-loader (method paths and streaming kinds), the message types through protobufjs
// (encode/decode), and the canonical proto3 JSON mapping both ways for the client driver
// (requests in, responses out), with JSON-path error messages.

const path = require('path');
const protobuf = require('protobufjs');
const protoLoader = require('@grpc/proto-loader');
const md = require('./md');

// The proto of the repository; SC_PROTO overrides it (tests of a copied tree).
const PROTO_FILE = process.env.SC_PROTO || path.resolve(__dirname, '..', '..', '..', 'proto', 'streaming.proto');
const SERVICE = 'streaming.DataService';
const INT32_MIN = -2147483648;
const INT32_MAX = 2147483647;
const INT64_MIN = -9223372036854775808n;
const INT64_MAX = 9223372036854775807n;
const SHOWN_STRING_MAX = 64; // "got ..." quotes at most this many characters

const packageDefinition = protoLoader.loadSync(PROTO_FILE, { keepCase: true, longs: String, defaults: false });
const root = new protobuf.Root().loadSync(PROTO_FILE, { keepCase: true });
root.resolveAll();

function type(name) {
  return root.lookupType(name);
}

/** The four methods: CLI name, rpc name, wire path, request/response types and kinds. */
const METHODS = Object.freeze(['GetData', 'SubscribeData', 'UploadFile', 'Chat'].map((rpc, i) => {
  const def = packageDefinition[SERVICE][rpc];
  return Object.freeze({
    cliName: ['get', 'subscribe', 'upload', 'chat'][i],
    rpcName: rpc,
    path: def.path,
    requestStream: def.requestStream,
    responseStream: def.responseStream,
    request: type(`streaming.${def.requestType.type.name}`),
    response: type(`streaming.${def.responseType.type.name}`),
  });
}));

function findMethod(text) {
  return METHODS.find((m) => text === m.cliName || text === m.rpcName || text === m.path) || null;
}

function byRpc(rpc) {
  return METHODS.find((m) => m.rpcName === rpc);
}

/** The field's proto3 JSON name (lowerCamelCase of the proto name). */
function jsonName(field) {
  return field.name.replace(/_([a-z0-9])/g, (_, c) => c.toUpperCase());
}

// ---- output: canonical proto3 JSON (defaults omitted, int64 as strings, bytes as base64)

function isLong(v) {
  return v !== null && typeof v === 'object' && typeof v.low === 'number' && typeof v.high === 'number';
}

function scalarJson(field, v) {
  switch (field.type) {
    case 'int64': case 'uint64': case 'sint64': case 'fixed64': case 'sfixed64':
      return isLong(v) ? protobuf.util.Long.fromValue(v).toString() : String(v);
    case 'bytes':
      return Buffer.from(v).toString('base64');
    case 'double': case 'float':
      if (Number.isNaN(v)) return 'NaN';
      if (v === Infinity) return 'Infinity';
      if (v === -Infinity) return '-Infinity';
      return v;
    default:
      return v;
  }
}

function isDefault(field, v) {
  if (v === null || v === undefined) return true;
  if (field.map) return Object.keys(v).length === 0;
  if (field.repeated) return v.length === 0;
  if (field.resolvedType instanceof protobuf.Type) return false;
  if (isLong(v)) return v.low === 0 && v.high === 0;
  if (Buffer.isBuffer(v) || v instanceof Uint8Array || Array.isArray(v)) return v.length === 0;
  return v === 0 || v === '' || v === false;
}

function toJson(msgType, msg) {
  const out = {};
  for (const field of msgType.fieldsArray) {
    const v = msg[field.name];
    if (field.partOf) {
      if (msg[field.partOf.name] !== field.name) continue; // proto3 oneof: only the member set
    } else if (isDefault(field, v)) continue;
    if (v === null || v === undefined) continue;
    const key = jsonName(field);
    if (field.map) {
      const obj = {};
      for (const k of Object.keys(v)) obj[k] = scalarJson(field, v[k]);
      out[key] = obj;
    } else if (field.repeated) {
      out[key] = v.map((item) => (field.resolvedType instanceof protobuf.Type ? toJson(field.resolvedType, item) : scalarJson(field, item)));
    } else if (field.resolvedType instanceof protobuf.Type) {
      out[key] = toJson(field.resolvedType, v);
    } else {
      out[key] = scalarJson(field, v);
    }
  }
  return out;
}

/** The message of `bytes` (throws on malformed input). */
function decode(msgType, bytes) {
  return msgType.decode(bytes);
}

/** A scalar equal to its proto3 default (0, "", false, empty bytes, 64-bit zero as Long). */
function isDefaultScalar(v) {
  if (v === 0 || v === '' || v === false) return true;
  if (Buffer.isBuffer(v) || v instanceof Uint8Array) return v.length === 0;
  return v !== null && typeof v === 'object' && typeof v.isZero === 'function' && v.isZero();
}

/** Delete the singular scalar fields that hold their default from a message (and its nested
 * messages): protobufjs writes every field set on the object, even "" or 0, but proto3 leaves
 * them off the wire (an empty ChatMessage is zero bytes, as from every other peer). Fields of a
 * oneof keep their value: there presence is the point. */
function dropDefaults(msgType, msg) {
  for (const field of msgType.fieldsArray) {
    const key = field.name;
    if (!Object.prototype.hasOwnProperty.call(msg, key) || msg[key] === null) continue;
    if (field.resolvedType instanceof protobuf.Type) {
      const items = field.repeated ? msg[key] : [msg[key]];
      if (!field.map) for (const item of items) dropDefaults(field.resolvedType, item);
    } else if (!field.repeated && !field.map && !field.partOf && isDefaultScalar(msg[key])) {
      delete msg[key];
    }
  }
  return msg;
}

function encode(msgType, obj) {
  return Buffer.from(msgType.encode(dropDefaults(msgType, msgType.fromObject(obj))).finish());
}

// ---- input: canonical proto3 JSON to a message, errors as "<path>: <reason>"

class JsonError extends Error {
  constructor(path, why) {
    super(`${path}: ${why}`);
    this.path = path;
    this.why = why;
  }
}

function formatG(v, prec) {
  if (v === 0) return Object.is(v, -0) ? '-0' : '0';
  const exp = Number(v.toExponential(prec - 1).split('e')[1]);
  if (exp < -4 || exp >= prec) {
    const [mant, e] = v.toExponential(prec - 1).split('e');
    const m = mant.includes('.') ? mant.replace(/\.?0+$/, '') : mant;
    const n = Number(e);
    return `${m}e${n < 0 ? '-' : '+'}${String(Math.abs(n)).padStart(2, '0')}`;
  }
  const fixed = v.toFixed(Math.max(0, prec - 1 - exp));
  return fixed.includes('.') ? fixed.replace(/\.?0+$/, '') : fixed;
}

/** A double as the C side prints it: the shortest "%.<p>g" that reads back exactly. */
function formatDouble(v) {
  if (Number.isNaN(v)) return 'NaN';
  if (!Number.isFinite(v)) return v > 0 ? 'Infinity' : '-Infinity';
  for (let p = 1; p <= 17; p++) {
    const text = formatG(v, p);
    if (Number(text) === v) return text;
  }
  return String(v);
}

/** A JSON value for "got ..." in messages, as common/sc_json.c describes it. */
function describe(v) {
  if (v === null) return 'null';
  if (v === true) return 'true';
  if (v === false) return 'false';
  if (Array.isArray(v)) return 'an array';
  if (typeof v === 'object') return 'an object';
  if (typeof v === 'number') return formatDouble(v);
  const text = String(v);
  return `"${text.slice(0, SHOWN_STRING_MAX)}${text.length > SHOWN_STRING_MAX ? '..."' : '"'}`;
}

function intFrom(v, path, is64) {
  let big = null;
  if (typeof v === 'number' && Number.isInteger(v)) big = BigInt(v);
  else if (typeof v === 'string' && /^-?[0-9]+$/.test(v)) big = BigInt(v);
  else if (typeof v === 'string' && /^-?[0-9]+(\.0*)?(e\+?[0-9]+)?$/i.test(v) && Number.isInteger(Number(v))) big = BigInt(Number(v));
  if (big === null) throw new JsonError(path, `expected an integer (number or string), got ${describe(v)}`);
  const [lo, hi] = is64 ? [INT64_MIN, INT64_MAX] : [BigInt(INT32_MIN), BigInt(INT32_MAX)];
  if (big < lo || big > hi) throw new JsonError(path, `integer out of range, got ${describe(v)}`);
  return is64 ? big.toString() : Number(big);
}

function doubleFrom(v, path) {
  if (typeof v === 'number') return v;
  if (typeof v === 'string') {
    if (v === 'NaN') return NaN;
    if (v === 'Infinity') return Infinity;
    if (v === '-Infinity') return -Infinity;
    if (v.trim() === v && v !== '' && Number.isFinite(Number(v))) return Number(v);
  }
  throw new JsonError(path, `expected a number, got ${describe(v)}`);
}

function bytesFrom(v, path) {
  const raw = typeof v === 'string' ? md.b64Decode(v) : null;
  if (raw === null) throw new JsonError(path, `expected base64 bytes, got ${describe(v)}`);
  return raw;
}

function scalarFrom(field, v, path) {
  switch (field.type) {
    case 'string':
      if (typeof v !== 'string') throw new JsonError(path, `expected a string, got ${describe(v)}`);
      return v;
    case 'bool':
      if (typeof v !== 'boolean') throw new JsonError(path, `expected true or false, got ${describe(v)}`);
      return v;
    case 'int32': case 'sint32': case 'sfixed32':
      return intFrom(v, path, false);
    case 'int64': case 'sint64': case 'sfixed64': case 'uint64': case 'fixed64':
      return intFrom(v, path, true);
    case 'double': case 'float':
      return doubleFrom(v, path);
    case 'bytes':
      return bytesFrom(v, path);
    default:
      throw new JsonError(path, `unsupported field type ${field.type}`);
  }
}

function fieldFrom(field, v, path) {
  if (field.map) {
    if (typeof v !== 'object' || Array.isArray(v)) throw new JsonError(path, `expected an object, got ${describe(v)}`);
    const out = {};
    for (const k of Object.keys(v)) out[k] = scalarFrom(field, v[k], `${path}.${k}`);
    return out;
  }
  const one = (item, p) => (field.resolvedType instanceof protobuf.Type ? objectFrom(field.resolvedType, item, p) : scalarFrom(field, item, p));
  if (field.repeated) {
    if (!Array.isArray(v)) throw new JsonError(path, `expected an array, got ${describe(v)}`);
    return v.map((item, i) => one(item, `${path}[${i}]`));
  }
  return one(v, path);
}

/** A plain object with proto field names from proto3 JSON `v` (keys in JSON or proto names). */
function objectFrom(msgType, v, path) {
  if (v === null || typeof v !== 'object' || Array.isArray(v)) {
    throw new JsonError(path, `expected an object for ${msgType.fullName.replace(/^\./, '')}, got ${describe(v)}`);
  }
  const out = {};
  const oneofSeen = {};
  for (const key of Object.keys(v)) {
    const field = msgType.fieldsArray.find((f) => f.name === key || jsonName(f) === key);
    const p = `${path}.${key}`;
    if (!field) throw new JsonError(p, `no such field in ${msgType.fullName.replace(/^\./, '')}`);
    if (v[key] === null) continue; // null: the field's default
    if (Object.prototype.hasOwnProperty.call(out, field.name)) throw new JsonError(p, 'field given twice');
    if (field.partOf) {
      if (oneofSeen[field.partOf.name]) throw new JsonError(p, `second member of oneof ${field.partOf.name}`);
      oneofSeen[field.partOf.name] = true;
    }
    out[field.name] = fieldFrom(field, v[key], p);
  }
  return out;
}

/** The message of canonical proto3 JSON `v`; throws JsonError naming the path under `path`. */
function fromJson(msgType, v, path) {
  return msgType.fromObject(objectFrom(msgType, v, path));
}

module.exports = {
  PROTO_FILE, SERVICE, METHODS, findMethod, byRpc, type, toJson, fromJson, decode, encode, JsonError,
  describe, formatDouble, jsonName,
};
