'use strict';
// One client-driver instruction (docs/peer-protocol.md, "Client driver protocol") parsed from its
// JSON line, with the C driver's validation order and error texts (client/sc_client_instr.c, as
// the Python peer's instr.py). Pure: no I/O, no clocks.

const backoff = require('./backoff');
const md = require('./md');
const protos = require('./protos');
const status = require('./status');

const DEFAULT_TIMEOUT_MS = 60000;
const MAX_MS = 3600000; // an hour: longer than any scenario
const MAX_REQUESTS = 100000; // requests per instruction, attempts per reconnect policy
const MAX_EXACT = 9007199254740991; // 2^53 - 1: larger JSON numbers are not exact integers
const INT32_MAX = 2147483647;
const MAX_PATH = 256; // a gRPC method path is "/package.Service/Method"; longer is no method
const PATH_RE = /^\/[A-Za-z0-9_.]+\/[A-Za-z0-9_.]+$/;
// channel.service_config printed compactly (contract/sc_instr.h SC_INSTR_MAX_SERVICE_CONFIG).
const MAX_SERVICE_CONFIG = 65536;

const ROOT_FIELDS = ['case', 'target', 'method', 'path', 'metadata', 'timeout_ms', 'requests', 'request_delay_ms',
  'half_close', 'wait_for_ready', 'cancel', 'reconnect', 'channel', 'start_delay_ms', 'read_pause_ms', 'pingpong',
  'compression'];
// grpc-js's names of the message encodings, by its 'grpc.default_compression_algorithm' values.
const ENCODINGS = ['identity', 'deflate', 'gzip'];
const MAX_NO_COMPRESS = 1024; // contract/sc_instr_compress.h SC_INSTR_MAX_NO_COMPRESS
const RECONNECT_FIELDS = ['backoff_initial_ms', 'backoff_multiplier', 'backoff_jitter', 'backoff_max_ms',
  'exhausted_backoff_ms', 'max_attempts', 'retry_codes', 'honor_pushback'];
const CHANNEL_FIELDS = ['max_receive_bytes', 'max_send_bytes', 'initial_reconnect_backoff_ms', 'min_reconnect_backoff_ms',
  'max_reconnect_backoff_ms', 'bdp_probe', 'service_config', 'tls', 'keepalive_time_ms', 'keepalive_timeout_ms',
  'keepalive_permit_without_calls', 'share'];
const CHANNEL_INT_FIELDS = CHANNEL_FIELDS.filter(
  (name) => !['bdp_probe', 'service_config', 'tls', 'keepalive_permit_without_calls', 'share'].includes(name));
// Longest channel.share name in bytes (contract/sc_instr.h SC_INSTR_MAX_SHARE).
const MAX_SHARE = 1100;
const TLS_FIELDS = ['ca_file', 'cert_file', 'key_file', 'authority'];
const CANCEL_KINDS = ['before_send', 'after_responses', 'after_ms', 'after_close_send_ms'];

/** message is "<JSON path>: <reason>"; `case` is the instruction's case when it could be read. */
class InstrError extends Error {
  constructor(path, why, caseId = null) {
    super(`${path}: ${why}`);
    this.caseId = caseId;
  }
}

const has = (obj, key) => Object.prototype.hasOwnProperty.call(obj, key);
const isObject = (v) => v !== null && typeof v === 'object' && !Array.isArray(v);
const get = (obj, key) => (has(obj, key) ? obj[key] : null);

function checkMembers(obj, prefix, names) {
  for (const key of Object.keys(obj)) if (!names.includes(key)) throw new InstrError(prefix + key, 'unknown field');
}

function getInt(obj, name, path, low, high, dflt) {
  const v = get(obj, name);
  if (v === null) return dflt;
  if (typeof v !== 'number' || !Number.isInteger(v) || Math.abs(v) > MAX_EXACT) throw new InstrError(path, 'expected an integer');
  if (v < low || v > high) throw new InstrError(path, `must be in ${low}..${high}`);
  return v;
}

function getDouble(obj, name, path, low, high, dflt) {
  const v = get(obj, name);
  if (v === null) return dflt;
  if (typeof v !== 'number' || !Number.isFinite(v)) throw new InstrError(path, 'expected a number');
  if (v < low || v > high) throw new InstrError(path, `must be in ${protos.formatDouble(low)}..${protos.formatDouble(high)}`);
  return v;
}

function getBool(obj, name, path, dflt) {
  const v = get(obj, name);
  if (v === null) return dflt;
  if (typeof v !== 'boolean') throw new InstrError(path, 'expected true or false');
  return v;
}

function parsePath(root) {
  const p = get(root, 'path');
  if (p === null) return null;
  if (typeof p !== 'string' || p.length > MAX_PATH || !PATH_RE.test(p)) {
    throw new InstrError('path', 'expected "/package.Service/Method" (at most 256 characters)');
  }
  return p;
}

function mdKeyOk(key) {
  return key.length > 0 && !key.startsWith('grpc-') && /^[0-9a-z_.-]+$/.test(key);
}

function mdValue(key, v, path) {
  if (typeof v !== 'string') throw new InstrError(path, 'expected a string (or an array of strings)');
  if (!md.isBinary(key)) return v;
  const raw = md.b64Decode(v);
  if (raw === null) throw new InstrError(path, 'a -bin value must be base64');
  return raw;
}

function parseMetadata(root) {
  const obj = get(root, 'metadata');
  if (obj === null) return [];
  if (!isObject(obj)) throw new InstrError('metadata', 'expected an object of key: value');
  const out = [];
  for (const key of Object.keys(obj)) {
    const path = `metadata.${key}`;
    if (!mdKeyOk(key)) throw new InstrError(path, 'key must be lower-case [0-9a-z_.-] and not start with grpc-');
    const values = Array.isArray(obj[key]) ? obj[key] : [obj[key]];
    for (const item of values) out.push([key, mdValue(key, item, path)]);
  }
  return out;
}

function parseRequests(root, info) {
  const arr = get(root, 'requests');
  if (arr === null) return [];
  if (!Array.isArray(arr)) throw new InstrError('requests', 'expected an array of JSON messages');
  if (arr.length > MAX_REQUESTS) throw new InstrError('requests', 'too many requests');
  return arr.map((item, i) => {
    try {
      return Buffer.from(info.request.encode(protos.fromJson(info.request, item, `requests[${i}]`)).finish());
    } catch (err) {
      if (err instanceof protos.JsonError) throw new InstrError(err.path, err.why);
      throw new InstrError(`requests[${i}]`, err.message);
    }
  });
}

function parseCancel(root) {
  const obj = get(root, 'cancel');
  if (obj === null) return null;
  if (!isObject(obj) || Object.keys(obj).length !== 1) {
    throw new InstrError('cancel', 'expected one of {before_send} {after_responses: N} {after_ms: N} {after_close_send_ms: N}');
  }
  const kind = Object.keys(obj)[0];
  const value = obj[kind];
  const path = `cancel.${kind}`;
  if (!CANCEL_KINDS.includes(kind)) throw new InstrError(path, 'unknown cancel position');
  if (kind === 'before_send') {
    if (value === true || value === null || isObject(value)) return { kind, n: 0 };
    throw new InstrError(path, 'expected true');
  }
  return { kind, n: getInt(obj, kind, path, kind === 'after_responses' ? 1 : 0, MAX_MS, 0) };
}

function parseRetryCodes(obj) {
  const arr = get(obj, 'retry_codes');
  if (arr === null) return null;
  if (!Array.isArray(arr)) throw new InstrError('reconnect.retry_codes', 'expected an array of status code names');
  const codes = new Set();
  arr.forEach((v, i) => {
    let code = null;
    if (typeof v === 'string') code = status.parse(v);
    else if (typeof v === 'number' && Number.isInteger(v) && v >= 0 && v < status.COUNT) code = v;
    if (code === null) throw new InstrError(`reconnect.retry_codes[${i}]`, 'not a status code');
    codes.add(code);
  });
  return codes;
}

function parseReconnect(root) {
  const obj = get(root, 'reconnect');
  if (obj === null || obj === false) return null;
  const policy = backoff.defaultPolicy();
  if (obj === true) return policy;
  if (!isObject(obj)) throw new InstrError('reconnect', 'expected an object (or true for the defaults)');
  checkMembers(obj, 'reconnect.', RECONNECT_FIELDS);
  const b = policy.backoff;
  const p = 'reconnect.';
  b.initialMs = getInt(obj, 'backoff_initial_ms', `${p}backoff_initial_ms`, 1, MAX_MS, b.initialMs);
  b.multiplier = getDouble(obj, 'backoff_multiplier', `${p}backoff_multiplier`, 1, 100, b.multiplier);
  b.jitter = getDouble(obj, 'backoff_jitter', `${p}backoff_jitter`, 0, 0.999, b.jitter);
  b.maxMs = getInt(obj, 'backoff_max_ms', `${p}backoff_max_ms`, 1, MAX_MS, b.maxMs);
  policy.exhaustedBackoffMs = getInt(obj, 'exhausted_backoff_ms', `${p}exhausted_backoff_ms`, 0, MAX_MS, policy.exhaustedBackoffMs);
  policy.maxAttempts = getInt(obj, 'max_attempts', `${p}max_attempts`, 1, MAX_REQUESTS, policy.maxAttempts);
  const codes = parseRetryCodes(obj);
  if (codes !== null) policy.retryCodes = codes;
  policy.honorPushback = getBool(obj, 'honor_pushback', `${p}honor_pushback`, false);
  if (b.maxMs < b.initialMs) throw new InstrError('reconnect.backoff_max_ms', 'must be >= backoff_initial_ms');
  return policy;
}

function parseChannel(root) {
  const obj = get(root, 'channel');
  const opts = {
    max_receive_bytes: 0, max_send_bytes: 0, initial_reconnect_backoff_ms: 0, min_reconnect_backoff_ms: 0, max_reconnect_backoff_ms: 0, bdp_probe: true,
    service_config: null, tls: null, keepalive_time_ms: 0, keepalive_timeout_ms: 0, keepalive_permit_without_calls: false,
    share: null,
  };
  if (obj === null) return opts;
  if (!isObject(obj)) throw new InstrError('channel', 'expected an object');
  checkMembers(obj, 'channel.', CHANNEL_FIELDS);
  for (const name of CHANNEL_INT_FIELDS) opts[name] = getInt(obj, name, `channel.${name}`, 0, INT32_MAX, 0);
  opts.bdp_probe = getBool(obj, 'bdp_probe', 'channel.bdp_probe', true);
  opts.keepalive_permit_without_calls = getBool(obj, 'keepalive_permit_without_calls',
    'channel.keepalive_permit_without_calls', false);
  const share = get(obj, 'share');
  if (share !== null) {
    if (typeof share !== 'string' || share.length === 0 || Buffer.byteLength(share) > MAX_SHARE) {
      throw new InstrError('channel.share', 'expected a name of 1 to 1100 bytes');
    }
    opts.share = share;
  }
  opts.service_config = parseServiceConfig(obj);
  opts.tls = parseTls(obj);
  return opts;
}

/** channel.service_config: an object, passed on to grpc-js as compact JSON text (its content is
 * the library's to judge). null when absent. */
function parseServiceConfig(channel) {
  const sc = get(channel, 'service_config');
  if (sc === null) return null;
  if (!isObject(sc)) throw new InstrError('channel.service_config', 'expected an object');
  const text = JSON.stringify(sc);
  if (Buffer.byteLength(text) > MAX_SERVICE_CONFIG) throw new InstrError('channel.service_config', 'longer than 65536 bytes printed');
  return text;
}

const MAX_AUTHORITY = 260; // contract/sc_instr.h SC_INSTR_MAX_AUTHORITY: a host name and a port
const HOST_TEXT = "expected a host name (printable ASCII, no spaces, '/' or '@', at most 260 bytes)";

/** A name for :authority: printable ASCII without spaces, '/' or '@' (as the C driver). */
const authorityOk = (a) => a.length <= MAX_AUTHORITY && /^[!-~]+$/.test(a) && !/[/@]/.test(a);

/** channel.tls with the C driver's checks in its order: members, ca_file present, types, empty
 * strings, the certificate pair, the authority. The files are read later, by the driver. */
function parseTls(channel) {
  const obj = get(channel, 'tls');
  if (obj === null) return null;
  if (!isObject(obj)) throw new InstrError('channel.tls', 'expected an object');
  checkMembers(obj, 'channel.tls.', TLS_FIELDS);
  if (!has(obj, 'ca_file')) throw new InstrError('channel.tls.ca_file', 'missing');
  for (const name of TLS_FIELDS) { // ca_file may not be null, the others may
    if ((name === 'ca_file' || get(obj, name) !== null) && typeof obj[name] !== 'string') throw new InstrError(`channel.tls.${name}`, 'expected a string');
  }
  for (const name of TLS_FIELDS) if (get(obj, name) === '') throw new InstrError(`channel.tls.${name}`, 'expected a non-empty string');
  const tls = {
    ca_file: obj.ca_file, cert_file: get(obj, 'cert_file'), key_file: get(obj, 'key_file'), authority: get(obj, 'authority'),
  };
  if ((tls.cert_file === null) !== (tls.key_file === null)) {
    throw new InstrError(`channel.tls.${tls.cert_file === null ? 'cert_file' : 'key_file'}`, 'cert_file and key_file go together (the client certificate for mTLS)');
  }
  if (tls.authority !== null && !authorityOk(tls.authority)) throw new InstrError('channel.tls.authority', HOST_TEXT);
  return tls;
}

function parseRoot(root, ins) {
  const caseId = get(root, 'case');
  if (typeof caseId !== 'string' || caseId === '') throw new InstrError('case', has(root, 'case') ? 'expected a non-empty string' : 'missing');
  ins.caseId = caseId;
  checkMembers(root, '', ROOT_FIELDS);
  const target = get(root, 'target');
  if (target === null) throw new InstrError('target', 'missing');
  if (typeof target !== 'string' || target === '') throw new InstrError('target', 'expected a non-empty string');
  ins.target = target;
  if (!has(root, 'method')) throw new InstrError('method', 'missing');
  const info = typeof root.method === 'string' ? protos.findMethod(root.method) : null;
  if (info === null) throw new InstrError('method', 'expected GetData, SubscribeData, UploadFile, Chat (or a full path)');
  ins.method = info;
  ins.path = parsePath(root);
  ins.metadata = parseMetadata(root);
  ins.timeoutMs = getInt(root, 'timeout_ms', 'timeout_ms', 1, MAX_MS, DEFAULT_TIMEOUT_MS);
  ins.startDelayMs = getInt(root, 'start_delay_ms', 'start_delay_ms', 0, MAX_MS, 0);
  ins.readPauseMs = getInt(root, 'read_pause_ms', 'read_pause_ms', 0, MAX_MS, 0);
  ins.requests = parseRequests(root, info);
  ins.requestDelayMs = getInt(root, 'request_delay_ms', 'request_delay_ms', 0, MAX_MS, 0);
  ins.halfClose = getBool(root, 'half_close', 'half_close', true);
  ins.pingpong = getBool(root, 'pingpong', 'pingpong', false); // request i only after i responses
  ins.waitForReady = getBool(root, 'wait_for_ready', 'wait_for_ready', false);
  ins.cancel = parseCancel(root);
  ins.reconnect = parseReconnect(root);
  ins.channel = parseChannel(root);
  ins.compression = parseCompression(root);
}

/** "compression" (issue 14): the request encoding and the requests sent uncompressed. grpc-js
 * always advertises grpc-accept-encoding "identity,deflate,gzip": "accept" is refused. */
function parseCompression(root) {
  const obj = root.compression;
  if (obj === undefined || obj === null) return null;
  if (!isObject(obj)) throw new InstrError('compression', 'expected an object');
  checkMembers(obj, 'compression.', ['algorithm', 'no_compress', 'accept']);
  const out = { algorithm: 'identity', noCompress: [] };
  if (obj.algorithm !== undefined && obj.algorithm !== null) {
    if (!ENCODINGS.includes(obj.algorithm)) throw new InstrError('compression.algorithm', 'expected "identity", "deflate" or "gzip"');
    out.algorithm = obj.algorithm;
  }
  const nc = obj.no_compress;
  if (nc !== undefined && nc !== null) {
    if (!Array.isArray(nc) || nc.length > MAX_NO_COMPRESS || nc.some((i) => !Number.isInteger(i) || i < 0 || i > 100000)) {
      throw new InstrError('compression.no_compress', 'expected an array of request indices (whole numbers from 0)');
    }
    out.noCompress = nc.slice();
  }
  if (obj.accept !== undefined && obj.accept !== null) {
    throw new InstrError('compression.accept', 'not supported by this driver (grpc-js always accepts identity, deflate and gzip)');
  }
  return out;
}

/** The channel options of "compression": the channel's request encoding. */
function compressionOptions(c) {
  return c === null ? {} : { 'grpc.default_compression_algorithm': ENCODINGS.indexOf(c.algorithm) };
}

/** The instruction of one line (a string); throws InstrError (with .caseId when known). Request
 * messages come out encoded (Buffers). */
function parse(line) {
  let root = null;
  try {
    root = JSON.parse(line);
  } catch (err) {
    root = null;
  }
  if (!isObject(root)) throw new InstrError('(line)', 'not a JSON object');
  const ins = {
    caseId: '', target: '', method: null, path: null, metadata: [], timeoutMs: DEFAULT_TIMEOUT_MS, startDelayMs: 0,
    readPauseMs: 0, requests: [], requestDelayMs: 0, halfClose: true, pingpong: false, waitForReady: false, cancel: null, reconnect: null, channel: null,
    compression: null,
  };
  try {
    parseRoot(root, ins);
  } catch (err) {
    if (err instanceof InstrError) err.caseId = ins.caseId || null;
    throw err;
  }
  return ins;
}

/** channel.max_send_bytes: grpc-js fails a call whose request is larger (RESOURCE_EXHAUSTED). */
function sendLimitOptions(ch) {
  return ch.max_send_bytes > 0 ? { 'grpc.max_send_message_length': ch.max_send_bytes } : {};
}

/** channel.keepalive_* (client feature "keepalive") as grpc-js channel options. */
function keepaliveOptions(ch) {
  if (!(ch.keepalive_time_ms > 0)) return {};
  const opts = { 'grpc.keepalive_time_ms': ch.keepalive_time_ms };
  if (ch.keepalive_timeout_ms > 0) opts['grpc.keepalive_timeout_ms'] = ch.keepalive_timeout_ms;
  if (ch.keepalive_permit_without_calls) opts['grpc.keepalive_permit_without_calls'] = 1;
  return opts;
}

/** The grpc-js channel options of the instruction's `channel`. Every instruction gets a
 * connection of its own (a local subchannel pool), as a channel of its own means in C core. */
function channelOptions(ch) {
  const opts = { 'grpc.use_local_subchannel_pool': 1 };
  if (ch.max_receive_bytes > 0) opts['grpc.max_receive_message_length'] = ch.max_receive_bytes;
  Object.assign(opts, sendLimitOptions(ch));
  if (ch.initial_reconnect_backoff_ms > 0) opts['grpc.initial_reconnect_backoff_ms'] = ch.initial_reconnect_backoff_ms;
  if (ch.min_reconnect_backoff_ms > 0) opts['grpc.min_reconnect_backoff_ms'] = ch.min_reconnect_backoff_ms;
  if (ch.max_reconnect_backoff_ms > 0) opts['grpc.max_reconnect_backoff_ms'] = ch.max_reconnect_backoff_ms;
  // grpc-js has no BDP probing: its windows are HTTP/2's 64 KiB unless raised; bdp_probe false
  // pins them there explicitly.
  if (!ch.bdp_probe) opts['grpc-node.flow_control_window'] = 65535;
  if (ch.service_config !== null) {
    // The library's own retries (gRFC A6); grpc-js has them on unless grpc.enable_retries is 0.
    opts['grpc.service_config'] = ch.service_config;
    opts['grpc.enable_retries'] = 1;
  }
  Object.assign(opts, keepaliveOptions(ch));
  if (ch.tls && ch.tls.authority !== null) {
    // grpc-js: the first sets the name the certificate is checked against, the second the
    // :authority header; the contract's "authority" is both.
    opts['grpc.ssl_target_name_override'] = ch.tls.authority;
    opts['grpc.default_authority'] = ch.tls.authority;
  }
  return opts;
}

module.exports = { DEFAULT_TIMEOUT_MS, MAX_MS, InstrError, parse, channelOptions, compressionOptions, keepaliveOptions };
