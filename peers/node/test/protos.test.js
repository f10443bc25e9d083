'use strict';
// streaming.proto at run time and the canonical proto3 JSON mapping both ways.
const test = require('node:test');
const assert = require('node:assert/strict');
const protos = require('../lib/protos');

const round = (typeName, obj) => {
  const t = protos.type(`streaming.${typeName}`);
  return protos.toJson(t, t.decode(protos.encode(t, obj)));
};
const parseError = (typeName, v) => {
  try {
    protos.fromJson(protos.type(`streaming.${typeName}`), v, 'requests[0]');
  } catch (err) {
    assert.ok(err instanceof protos.JsonError, String(err));
    return err.message;
  }
  return assert.fail('no error');
};

test('the four methods from the proto', () => {
  assert.deepEqual(protos.METHODS.map((m) => [m.path, m.requestStream, m.responseStream]), [
    ['/streaming.DataService/GetData', false, false], ['/streaming.DataService/SubscribeData', false, true],
    ['/streaming.DataService/UploadFile', true, false], ['/streaming.DataService/Chat', true, true]]);
  assert.equal(protos.findMethod('upload').rpcName, 'UploadFile');
  assert.equal(protos.findMethod('/streaming.DataService/Chat').rpcName, 'Chat');
  assert.equal(protos.findMethod('nope'), null);
});

test('canonical JSON out: defaults omitted, int64 as strings, bytes base64, camelCase, oneof', () => {
  assert.deepEqual(round('StreamResponse', { sequence_number: 0, data_points: [] }), {});
  assert.deepEqual(round('StreamResponse', { sequence_number: 5, data_points: [{ id: 'x', value: 1.5, timestamp: '123', metadata: { topic: 'a' } }] }),
    { dataPoints: [{ id: 'x', value: 1.5, timestamp: '123', metadata: { topic: 'a' } }], sequenceNumber: '5' });
  assert.deepEqual(round('UploadRequest', { chunk: Buffer.from('hello') }), { chunk: 'aGVsbG8=' });
  assert.deepEqual(round('UploadRequest', { chunk: Buffer.alloc(0) }), { chunk: '' }); // a set oneof member stays
  assert.deepEqual(round('UploadRequest', { metadata: {} }), { metadata: {} });
  assert.deepEqual(round('UploadResponse', { file_id: 'f', bytes_received: 9007199254740993n.toString() }), { fileId: 'f', bytesReceived: '9007199254740993' });
});

test('JSON in: both field names, integers as numbers or strings, null as default', () => {
  const t = protos.type('streaming.StreamRequest');
  const m = protos.fromJson(t, { subscription_id: 's', topics: ['a'], batchSize: '7' }, 'r');
  assert.deepEqual([m.subscription_id, m.topics, m.batch_size], ['s', ['a'], 7]);
  assert.equal(protos.fromJson(t, { batchSize: null }, 'r').batch_size, 0);
  const c = protos.fromJson(protos.type('streaming.ChatMessage'), { timestamp: '-9223372036854775808' }, 'r');
  assert.equal(String(c.timestamp), '-9223372036854775808');
});

test('JSON in: errors name the path', () => {
  assert.equal(parseError('StreamRequest', { batchSize: true }), 'requests[0].batchSize: expected an integer (number or string), got true');
  assert.equal(parseError('StreamRequest', { batchSize: 2147483648 }), 'requests[0].batchSize: integer out of range, got 2147483648');
  assert.equal(parseError('StreamRequest', { batchSize: 1.5 }), 'requests[0].batchSize: expected an integer (number or string), got 1.5');
  assert.equal(parseError('StreamRequest', { topics: ['a', 5] }), 'requests[0].topics[1]: expected a string, got 5');
  assert.equal(parseError('StreamRequest', { nope: 1 }), 'requests[0].nope: no such field in streaming.StreamRequest');
  assert.equal(parseError('UploadRequest', { chunk: '!!' }), 'requests[0].chunk: expected base64 bytes, got "!!"');
  assert.equal(parseError('UploadRequest', { metadata: 5 }), 'requests[0].metadata: expected an object for streaming.FileMetadata, got 5');
  assert.equal(parseError('UploadRequest', { metadata: {}, chunk: 'AA==' }), 'requests[0].chunk: second member of oneof payload');
  assert.equal(parseError('ChatMessage', []), 'requests[0]: expected an object for streaming.ChatMessage, got an array');
});

test('formatDouble and describe as the C side', () => {
  // the shortest %.<p>g that reads back: 100 is "1e+02" in C and Python too
  assert.deepEqual([0.1, 1e-7, 1e21, 42.5, 100, -0.000123].map(protos.formatDouble), ['0.1', '1e-07', '1e+21', '42.5', '1e+02', '-0.000123']);
  assert.equal(protos.describe('x'.repeat(70)), `"${'x'.repeat(64)}..."`);
  assert.equal(protos.describe({}), 'an object');
});

test('fields at their proto3 default stay off the wire (an empty message is zero bytes)', () => {
  const chat = protos.type('streaming.ChatMessage');
  assert.equal(protos.encode(chat, { user_id: '', content: '', timestamp: '0' }).length, 0);
  assert.equal(protos.encode(chat, { user_id: 'x', content: '', timestamp: 0 }).toString('hex'), '0a0178');
  const batch = protos.type('streaming.StreamResponse');
  const bytes = protos.encode(batch, { data_points: [{ id: '', value: 0, timestamp: '0', metadata: { topic: 't' } }], sequence_number: '0' });
  assert.equal(bytes.toString('hex'), '0a0c220a0a05746f706963120174'); // the point keeps its map entry only
  const upload = protos.type('streaming.UploadRequest');
  assert.equal(protos.encode(upload, { chunk: Buffer.alloc(0) }).toString('hex'), '1200'); // a oneof member stays
});
