'use strict';
// Instruction validation: JSON paths and texts as client/sc_client_instr.c.
const test = require('node:test');
const assert = require('node:assert/strict');
const instr = require('../lib/instr');
const status = require('../lib/status');

function line(fields = {}) {
  const base = { case: 'c', target: '127.0.0.1:1', method: 'GetData', ...fields };
  for (const k of Object.keys(base)) if (base[k] === undefined) delete base[k];
  return JSON.stringify(base);
}
function error(text) {
  try {
    instr.parse(text);
  } catch (err) {
    assert.ok(err instanceof instr.InstrError, String(err));
    return err.message;
  }
  return assert.fail(`no error for ${text}`);
}

test('minimal instruction and defaults', () => {
  const ins = instr.parse(line({ method: '/streaming.DataService/Chat' }));
  assert.equal(ins.method.rpcName, 'Chat');
  assert.deepEqual([ins.timeoutMs, ins.requestDelayMs, ins.halfClose, ins.waitForReady], [60000, 0, true, false]);
  assert.equal(ins.cancel, null);
  assert.equal(ins.reconnect, null);
  assert.deepEqual(instr.channelOptions(ins.channel), { 'grpc.use_local_subchannel_pool': 1 });
});

test('every field', () => {
  const ins = instr.parse(line({
    method: 'subscribe', metadata: { a: '1', b: ['2', '3'], 'x-bin': 'AAE' }, timeout_ms: 5000.0,
    requests: [{ subscriptionId: 's', topics: ['t'], batchSize: '3' }], request_delay_ms: 10, half_close: false,
    wait_for_ready: true, cancel: { after_ms: 5 }, reconnect: { max_attempts: 2, retry_codes: ['unavailable', 4] },
    channel: { max_receive_bytes: 100, min_reconnect_backoff_ms: 0 },
  }));
  assert.deepEqual(ins.metadata, [['a', '1'], ['b', '2'], ['b', '3'], ['x-bin', Buffer.from([0, 1])]]);
  assert.equal(ins.timeoutMs, 5000);
  assert.equal(instr.parse(line({ start_delay_ms: 25 })).startDelayMs, 25);
  assert.equal(instr.parse(line({ read_pause_ms: 30 })).readPauseMs, 30);
  assert.equal(instr.channelOptions(instr.parse(line({ channel: { bdp_probe: false } })).channel)['grpc-node.flow_control_window'], 65535);
  const sc = { methodConfig: [{ name: [{}], retryPolicy: { maxAttempts: 3 } }] };
  const scOpts = instr.channelOptions(instr.parse(line({ channel: { service_config: sc } })).channel);
  assert.equal(scOpts['grpc.service_config'], '{"methodConfig":[{"name":[{}],"retryPolicy":{"maxAttempts":3}}]}');
  assert.equal(scOpts['grpc.enable_retries'], 1);
  assert.equal(ins.method.request.decode(ins.requests[0]).batch_size, 3);
  assert.deepEqual(ins.cancel, { kind: 'after_ms', n: 5 });
  assert.equal(ins.reconnect.maxAttempts, 2);
  assert.deepEqual([...ins.reconnect.retryCodes].sort((x, y) => x - y), [4, status.UNAVAILABLE]);
  assert.equal(instr.channelOptions(ins.channel)['grpc.max_receive_message_length'], 100);
  assert.equal(instr.parse(line({ reconnect: true })).reconnect.maxAttempts, 10);
  assert.equal(instr.parse(line({ pingpong: true })).pingpong, true);
  assert.equal(instr.parse(line({})).pingpong, false);
  assert.equal(instr.channelOptions(instr.parse(line({ channel: { max_send_bytes: 64 } })).channel)['grpc.max_send_message_length'], 64);
  assert.throws(() => instr.parse(line({ pingpong: 1 })), /pingpong: expected true or false/);
  assert.equal(instr.parse(line({ reconnect: { honor_pushback: true } })).reconnect.honorPushback, true);
});

test('channel.tls', () => {
  const tls = { ca_file: 'ca.pem', cert_file: 'c.pem', key_file: 'c.key', authority: 'a.example' };
  const ins = instr.parse(line({ channel: { tls } }));
  assert.deepEqual(ins.channel.tls, tls);
  const opts = instr.channelOptions(ins.channel);
  assert.equal(opts['grpc.ssl_target_name_override'], 'a.example');
  assert.equal(opts['grpc.default_authority'], 'a.example');
  const plain = instr.parse(line({ channel: { tls: { ca_file: 'ca.pem' } } })).channel;
  assert.deepEqual(plain.tls, { ca_file: 'ca.pem', cert_file: null, key_file: null, authority: null });
  assert.equal(instr.channelOptions(plain)['grpc.default_authority'], undefined);
  const withNull = instr.parse(line({ channel: { tls: { ca_file: 'a', cert_file: null, authority: 'h.example:443' } } })).channel;
  assert.deepEqual(withNull.tls, { ca_file: 'a', cert_file: null, key_file: null, authority: 'h.example:443' });
  const errors = [
    [[], 'channel.tls: expected an object'],
    [{ ca_file: 'a', alpn: 'h2' }, 'channel.tls.alpn: unknown field'],
    [{}, 'channel.tls.ca_file: missing'],
    [{ cert_file: 1 }, 'channel.tls.ca_file: missing'],
    [{ ca_file: null }, 'channel.tls.ca_file: expected a string'],
    [{ ca_file: 1 }, 'channel.tls.ca_file: expected a string'],
    [{ ca_file: '', cert_file: 1 }, 'channel.tls.cert_file: expected a string'],
    [{ ca_file: 'a', authority: '' }, 'channel.tls.authority: expected a non-empty string'],
    [{ ca_file: 'a', key_file: 'k' }, 'channel.tls.cert_file: cert_file and key_file go together (the client certificate for mTLS)'],
    [{ ca_file: 'a', authority: 'a b' }, `channel.tls.authority: expected a host name (printable ASCII, no spaces, '/' or '@', at most 260 bytes)`],
    [{ ca_file: 'a', authority: 'x'.repeat(261) }, `channel.tls.authority: expected a host name (printable ASCII, no spaces, '/' or '@', at most 260 bytes)`],
  ];
  for (const [value, text] of errors) assert.throws(() => instr.parse(line({ channel: { tls: value } })), { message: text });
});

test('path', () => {
  assert.equal(instr.parse(line()).path, null);
  const ins = instr.parse(line({ path: '/streaming.Nope/Get_Data2' }));
  assert.deepEqual([ins.method.rpcName, ins.path], ['GetData', '/streaming.Nope/Get_Data2']);
  for (const bad of ['', 'streaming.X/Y', '/streaming.X', '/a/b/c', '//b', '/a/', '/a b/c', '/a/c\u00e9', '/a/b\n', 5, `/a/${'b'.repeat(300)}`]) {
    assert.equal(error(line({ path: bad })), 'path: expected "/package.Service/Method" (at most 256 characters)', String(bad));
  }
});

test('errors name the field', () => {
  const table = [
    ['[1]', '(line): not a JSON object'],
    ['{', '(line): not a JSON object'],
    [JSON.stringify({ target: 't' }), 'case: missing'],
    [line({ case: '' }), 'case: expected a non-empty string'],
    [line({ bogus: 1 }), 'bogus: unknown field'],
    [line({ target: undefined }), 'target: missing'],
    [line({ method: 'Nope' }), 'method: expected GetData, SubscribeData, UploadFile, Chat (or a full path)'],
    [line({ metadata: { Bad: 'x' } }), 'metadata.Bad: key must be lower-case [0-9a-z_.-] and not start with grpc-'],
    [line({ metadata: { 'grpc-x': 'x' } }), 'metadata.grpc-x: key must be lower-case [0-9a-z_.-] and not start with grpc-'],
    [line({ metadata: { k: 1 } }), 'metadata.k: expected a string (or an array of strings)'],
    [line({ metadata: { 'k-bin': '!!' } }), 'metadata.k-bin: a -bin value must be base64'],
    [line({ timeout_ms: 0 }), 'timeout_ms: must be in 1..3600000'],
    [line({ start_delay_ms: -1 }), 'start_delay_ms: must be in 0..3600000'],
    [line({ read_pause_ms: -1 }), 'read_pause_ms: must be in 0..3600000'],
    [line({ channel: { bdp_probe: 0 } }), 'channel.bdp_probe: expected true or false'],
    [line({ channel: { service_config: '{}' } }), 'channel.service_config: expected an object'],
    [line({ reconnect: { honor_pushback: 1 } }), 'reconnect.honor_pushback: expected true or false'],
    [line({ timeout_ms: 1.5 }), 'timeout_ms: expected an integer'],
    [line({ timeout_ms: true }), 'timeout_ms: expected an integer'],
    [line({ requests: {} }), 'requests: expected an array of JSON messages'],
    [line({ requests: [5] }), 'requests[0]: expected an object for streaming.StreamRequest, got 5'],
    [line({ half_close: 1 }), 'half_close: expected true or false'],
    [line({ cancel: { soon: 1 } }), 'cancel.soon: unknown cancel position'],
    [line({ cancel: { after_responses: 0 } }), 'cancel.after_responses: must be in 1..3600000'],
    [line({ cancel: { before_send: false } }), 'cancel.before_send: expected true'],
    [line({ cancel: {} }), 'cancel: expected one of {before_send} {after_responses: N} {after_ms: N} {after_close_send_ms: N}'],
    [line({ reconnect: 1 }), 'reconnect: expected an object (or true for the defaults)'],
    [line({ reconnect: { x: 1 } }), 'reconnect.x: unknown field'],
    [line({ reconnect: { backoff_jitter: 1 } }), 'reconnect.backoff_jitter: must be in 0..0.999'],
    [line({ reconnect: { backoff_multiplier: '2' } }), 'reconnect.backoff_multiplier: expected a number'],
    [line({ reconnect: { retry_codes: ['NOPE'] } }), 'reconnect.retry_codes[0]: not a status code'],
    [line({ reconnect: { backoff_initial_ms: 10, backoff_max_ms: 5 } }), 'reconnect.backoff_max_ms: must be >= backoff_initial_ms'],
    [line({ channel: { max_receive_bytes: -1 } }), 'channel.max_receive_bytes: must be in 0..2147483647'],
    [line({ channel: { nope: 1 } }), 'channel.nope: unknown field'],
  ];
  for (const [text, expected] of table) assert.equal(error(text), expected);
});

test('request errors name the field', () => {
  assert.ok(error(line({ requests: [{ batchSize: true }] })).startsWith('requests[0].batchSize: '));
  assert.equal(error(line({ requests: [{}, { nope: 1 }] })), 'requests[1].nope: no such field in streaming.StreamRequest');
  assert.ok(error(line({ method: 'upload', requests: [{ chunk: '!' }] })).startsWith('requests[0].chunk: '));
  assert.ok(error(line({ method: 'upload', requests: [{ chunk: 'AA==', metadata: {} }] })).startsWith('requests[0].'));
});

test('an error keeps the case', () => {
  assert.throws(() => instr.parse(line({ case: 'c9', timeout_ms: -1 })), (err) => err.caseId === 'c9');
  assert.throws(() => instr.parse('{'), (err) => err.caseId === null);
});

test('compression: algorithm, no_compress, and the refused accept', () => {
  const ins = instr.parse(line({ compression: { algorithm: 'deflate', no_compress: [1] } }));
  assert.deepEqual(ins.compression, { algorithm: 'deflate', noCompress: [1] });
  assert.deepEqual(instr.compressionOptions(ins.compression), { 'grpc.default_compression_algorithm': 1 });
  assert.deepEqual(instr.compressionOptions(instr.parse(line()).compression), {});
  assert.equal(error(line({ compression: 'gzip' })), 'compression: expected an object');
  assert.equal(error(line({ compression: { algorithm: 'br' } })), 'compression.algorithm: expected "identity", "deflate" or "gzip"');
  assert.equal(error(line({ compression: { no_compress: [-1] } })),
    'compression.no_compress: expected an array of request indices (whole numbers from 0)');
  assert.equal(error(line({ compression: { accept: ['gzip'] } })),
    'compression.accept: not supported by this driver (grpc-js always accepts identity, deflate and gzip)');
  assert.equal(error(line({ compression: { level: 1 } })), 'compression.level: unknown field');
});

test('channel.keepalive_*', () => {
  const ch = instr.parse(line({ channel: { keepalive_time_ms: 500, keepalive_timeout_ms: 250, keepalive_permit_without_calls: true } })).channel;
  assert.deepEqual(instr.keepaliveOptions(ch), {
    'grpc.keepalive_time_ms': 500, 'grpc.keepalive_timeout_ms': 250, 'grpc.keepalive_permit_without_calls': 1,
  });
  assert.equal(instr.channelOptions(ch)['grpc.keepalive_time_ms'], 500);
  assert.deepEqual(instr.keepaliveOptions(instr.parse(line()).channel), {});
  assert.match(error(line({ channel: { keepalive_time_ms: -1 } })), /^channel\.keepalive_time_ms: /);
  assert.equal(error(line({ channel: { keepalive_permit_without_calls: 1 } })),
    'channel.keepalive_permit_without_calls: expected true or false');
});

test('server lifecycle options', () => {
  const { lifecycleOptions } = require('../lib/server');
  assert.deepEqual(lifecycleOptions({
    maxConnectionAgeMs: 1000, maxConnectionAgeGraceMs: 500, keepaliveMinTimeMs: 60000,
    permitKeepaliveWithoutCalls: true, maxConcurrentStreams: 2, shutdownGraceMs: 800,
  }), {
    'grpc.max_connection_age_ms': 1000, 'grpc.max_connection_age_grace_ms': 500,
    'grpc.http2.min_ping_interval_without_data_ms': 60000, 'grpc.keepalive_permit_without_calls': 1,
    'grpc.max_concurrent_streams': 2,
  });
  assert.deepEqual(lifecycleOptions({ permitKeepaliveWithoutCalls: false }), {});
});

test('channel.share', () => {
  assert.equal(instr.parse(line({ channel: { share: 'c/conn' } })).channel.share, 'c/conn');
  assert.equal(instr.parse(line()).channel.share, null);
  for (const bad of ['', 5, 'x'.repeat(1101)]) {
    assert.equal(error(line({ channel: { share: bad } })), 'channel.share: expected a name of 1 to 1100 bytes');
  }
});
