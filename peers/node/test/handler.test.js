'use strict';
// The per-call logic (a port of the C handler), driven without gRPC: messages are decoded
// protobufjs messages, as the server hands them over.
const test = require('node:test');
const assert = require('node:assert/strict');
const protos = require('../lib/protos');
const { Env, Handler } = require('../lib/handler');
const status = require('../lib/status');

const msg = (typeName, obj) => protos.type(`streaming.${typeName}`).fromObject(obj);
const req = (obj) => msg('StreamRequest', obj);
const upload = (obj) => msg('UploadRequest', obj);
const st = (code, message) => ({ kind: 'status', code, message });

/** Every output until nothing is due or the status went out; each send completes at once. */
function drain(h, now = 0) {
  const outs = [];
  for (;;) {
    const out = h.nextOutput(now, 1n);
    if (out === null) return outs;
    outs.push(out);
    if (out.kind === 'status') return outs;
    h.onSent();
  }
}

test('GetData: headers with the echoed entries, one batch, OK', () => {
  const h = new Handler('GetData', new Env({ seed: 1n }), [['x-grpc-test-echo-initial', 'e']], 0);
  assert.deepEqual(drain(h), [{ kind: 'headers', metadata: [['x-grpc-test-echo-initial', 'e']] }]);
  h.onMessage(req({ subscription_id: 's', topics: ['a', 'b'], batch_size: 3 }), 1n);
  const outs = drain(h);
  const points = outs[0].body.data_points;
  assert.deepEqual(points.map((p) => p.id), ['s-0-0', 's-0-1', 's-0-2']);
  assert.deepEqual(points.map((p) => p.metadata.topic), ['a', 'b', 'a']);
  assert.ok(points.every((p) => p.value >= 0 && p.value < 100));
  assert.deepEqual(outs[1], st(status.OK, ''));
});

test('validation and bad control metadata (trailers-only)', () => {
  let h = new Handler('GetData', new Env(), [], 0);
  h.onMessage(req({ topics: ['a'], batch_size: 10001 }), 1n);
  assert.deepEqual(drain(h).pop(), st(3, 'batch_size must be at most 10000 (got 10001)'));
  h = new Handler('GetData', new Env(), [], 0);
  h.onMessage(req({}), 1n);
  assert.deepEqual(drain(h).pop(), st(3, 'topics must not be empty'));
  h = new Handler('GetData', new Env(), [['x-sc-echo', 'x']], 0);
  assert.deepEqual(drain(h), [st(3, 'x-sc-echo: expected true or false, got "x"')]);
});

test('SubscribeData: tick, max responses, and the failure winning over max', () => {
  const env = new Env({ tickMs: 100 });
  let h = new Handler('SubscribeData', env, [['x-sc-max-responses', '2']], 0);
  drain(h);
  h.onMessage(req({ topics: ['a'] }), 1n);
  assert.deepEqual(drain(h, 0), []);
  assert.equal(h.wakeMs, 100);
  assert.equal(drain(h, 100)[0].kind, 'message');
  const outs = drain(h, 200);
  assert.equal(outs[0].body.sequence_number, 1);
  assert.deepEqual(outs[1], st(status.OK, ''));
  h = new Handler('SubscribeData', env, [['x-sc-fail-code', '14'], ['x-sc-fail-after', '1'], ['x-sc-max-responses', '1'], ['x-sc-retry-pushback-ms', '9']], 0);
  drain(h);
  h.onMessage(req({ topics: ['a'] }), 1n);
  assert.deepEqual(drain(h, 0), []);
  assert.deepEqual(drain(h, 100).pop(), st(14, 'injected failure'));
  assert.deepEqual(h.trailingMetadata(), [['grpc-retry-pushback-ms', '9']]);
});

test('initial delay gates the headers; response delay replaces the tick', () => {
  const h = new Handler('SubscribeData', new Env(), [['x-sc-initial-delay-ms', '50'], ['x-sc-response-delay-ms', '5']], 0);
  assert.deepEqual(drain(h, 0), []);
  assert.equal(h.wakeMs, 50);
  assert.equal(drain(h, 50)[0].kind, 'headers');
  h.onMessage(req({ topics: ['a'] }), 1n);
  assert.deepEqual(drain(h, 50), []);
  assert.equal(h.wakeMs, 55);
});

test('UploadFile: checksum, size mismatch, no metadata, limit, failure after N messages', () => {
  let h = new Handler('UploadFile', new Env(), [], 0);
  h.onMessage(upload({ metadata: { total_size: 3 } }), 1n);
  h.onMessage(upload({ chunk: Buffer.from('ab') }), 1n);
  h.onMessage(upload({ chunk: Buffer.from('c') }), 1n);
  h.onHalfClose(1n);
  let outs = drain(h);
  assert.equal(outs[1].body.checksum, 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
  assert.equal(outs[1].body.bytes_received, 3);
  assert.deepEqual(outs[2], st(status.OK, ''));
  h = new Handler('UploadFile', new Env(), [], 0);
  h.onMessage(upload({ metadata: { total_size: 5 } }), 1n);
  h.onHalfClose(1n);
  assert.deepEqual(drain(h).pop(), st(status.DATA_LOSS, 'received 0 bytes but metadata announced 5'));
  h = new Handler('UploadFile', new Env(), [], 0);
  h.onHalfClose(1n);
  assert.deepEqual(drain(h).pop(), st(3, 'stream ended without metadata'));
  h = new Handler('UploadFile', new Env(), [], 0);
  h.onMessage(upload({ chunk: Buffer.from('x') }), 1n);
  assert.deepEqual(drain(h).pop(), st(3, 'chunk before metadata'));
  h = new Handler('UploadFile', new Env({ maxUploadBytes: 1 }), [], 0);
  h.onMessage(upload({ metadata: {} }), 1n);
  h.onMessage(upload({ chunk: Buffer.from('ab') }), 1n);
  assert.deepEqual(drain(h).pop(), st(8, 'upload exceeds 1 bytes'));
  h = new Handler('UploadFile', new Env(), [['x-sc-fail-code', 'ABORTED'], ['x-sc-fail-after', '2'], ['x-sc-fail-message', 'no%20way']], 0);
  h.onMessage(upload({ metadata: {} }), 1n);
  assert.equal(h.wantsRecv(), true);
  h.onMessage(upload({ chunk: Buffer.from('a') }), 1n);
  assert.equal(h.wantsRecv(), false);
  outs = drain(h);
  assert.deepEqual(outs.pop(), st(10, 'no way'));
  h.onMalformed();
  h = new Handler('UploadFile', new Env(), [], 0);
  h.onMalformed();
  assert.deepEqual(drain(h).pop(), st(status.INTERNAL, 'failed to parse UploadRequest'));
});
