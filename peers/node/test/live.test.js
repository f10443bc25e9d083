'use strict';
// The peer as processes: the server on port 0 and the client driver against it (every method,
// control metadata, x-sc-fail-calls with reconnect, pushback, a bad line), the event log, and
// SIGTERM ending a live stream UNAVAILABLE "server shutting down". Every wait is bounded and
// every child is killed at the end.
const test = require('node:test');
const assert = require('node:assert/strict');
const { spawn } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const EV = require('../lib/event_names');

const PEER = path.resolve(__dirname, '..', 'peer.js');
const WAIT_MS = 20000; // bound on every wait below
const children = new Set();

function start(args) {
  const child = spawn(process.execPath, [PEER, ...args], { stdio: ['pipe', 'pipe', 'inherit'], env: process.env });
  children.add(child);
  child.on('exit', () => children.delete(child));
  return child;
}

function lines(child) {
  const out = [];
  let buf = '';
  child.stdout.on('data', (d) => {
    buf += d;
    let nl;
    while ((nl = buf.indexOf('\n')) >= 0) {
      out.push(JSON.parse(buf.slice(0, nl)));
      buf = buf.slice(nl + 1);
    }
  });
  return out;
}

async function until(cond, what) {
  const end = Date.now() + WAIT_MS;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => { setTimeout(r, 10); });
  }
}

/** The child's exit code, or 'timeout' after WAIT_MS. */
function exited(child) {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) {
      resolve(child.exitCode);
      return;
    }
    const timer = setTimeout(() => resolve('timeout'), WAIT_MS);
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve(code);
    });
  });
}

test.after(() => {
  for (const child of children) child.kill('SIGKILL');
});

test('server and client driver', async () => {
  const events = path.join(os.tmpdir(), `sc-node-events-${process.pid}.jsonl`);
  const server = start(['server', '--port', '0', '--quiet', '--tick-ms', '50', '--events', events]);
  const ready = lines(server);
  await until(() => ready.length > 0, 'the ready line');
  assert.equal(ready[0].ready, true);
  const target = `127.0.0.1:${ready[0].port}`;
  const req = { subscriptionId: 's', topics: ['t'], batchSize: 2 };
  const instructions = [
    { case: 'get', target, method: 'GetData', requests: [req], metadata: { 'x-sc-case': 'get' } },
    { case: 'sub', target, method: 'subscribe', requests: [req], metadata: { 'x-sc-max-responses': '3', 'x-grpc-test-echo-initial': 'hi' } },
    { case: 'up', target, method: 'UploadFile', requests: [{ metadata: { filename: 'f', totalSize: 5 } }, { chunk: 'aGVsbG8=' }] },
    { case: 'chat', target, method: 'Chat', requests: [{ userId: 'u' }, { content: 'x' }], metadata: { 'x-sc-echo': 'on' } },
    { case: 'retry', target, method: 'GetData', requests: [req], metadata: { 'x-sc-case': 'retry', 'x-sc-fail-code': 'UNAVAILABLE', 'x-sc-fail-calls': '2' }, reconnect: { backoff_initial_ms: 10, max_attempts: 5 } },
    { case: 'push', target, method: 'GetData', requests: [req], metadata: { 'x-sc-fail-code': '14', 'x-sc-retry-pushback-ms': '30', 'x-grpc-test-echo-trailing-bin': 'AAE=' }, reconnect: { honor_pushback: true, max_attempts: 2 } },
    { case: 'bad', target, method: 'GetData', metadata: { 'x-sc-max-responses': 'ten' }, requests: [req] },
    { case: 'cancel', target, method: 'Chat', requests: [{ userId: 'c' }], half_close: false, cancel: { after_ms: 50 } },
  ];
  const client = start(['client']);
  const results = lines(client);
  client.stdin.write(`${instructions.map((i) => JSON.stringify(i)).join('\n')}\n{"case":"oops","target":"x","method":"GetData","timeout_ms":0}\n \t\n`);
  client.stdin.write(`${'x'.repeat(9 * 1024 * 1024)}\n`); // over the 8 MiB line limit
  client.stdin.end();
  assert.equal(await exited(client), 0);
  const by = Object.fromEntries(results.map((r) => [r.case, r]));
  assert.equal(results.length, instructions.length + 2);
  assert.ok(results.some((r) => r.case === null && r.error === '(line): longer than 8388608 bytes'));
  assert.equal(by.get.status.code, 'OK');
  assert.equal(by.get.responses[0].dataPoints.length, 2);
  assert.deepEqual(by.sub.responses.map((r) => r.sequenceNumber), [undefined, '1', '2']);
  assert.equal(by.sub.headers['x-grpc-test-echo-initial'], 'hi');
  assert.equal(by.up.responses[0].checksum, '2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824');
  assert.deepEqual(by.chat.responses.filter((r) => r.userId !== 'system'), [{ userId: 'u' }, { content: 'x' }]);
  assert.deepEqual(by.retry.attempts.map((a) => a.code), ['UNAVAILABLE', 'UNAVAILABLE', 'OK']);
  assert.deepEqual(by.push.attempts.map((a) => a.pushback_ms), [30, 30]);
  assert.ok(by.push.attempts[1].start_ms - by.push.attempts[0].end_ms >= 25);
  assert.equal(by.push.trailers['x-grpc-test-echo-trailing-bin'], 'AAE=');
  assert.equal(by.bad.status.code, 'INVALID_ARGUMENT');
  assert.equal(by.bad.status.message, 'x-sc-max-responses: expected a whole number from 0 to 1000000000, got "ten"');
  assert.equal(by.cancel.status.code, 'CANCELLED');
  assert.equal(by.oops.error, 'timeout_ms: must be in 1..3600000');

  // SIGTERM with a live subscription: it ends UNAVAILABLE, the server exits 0.
  const live = start(['client']);
  const liveResults = lines(live);
  live.stdin.write(`${JSON.stringify({ case: 'live', target, method: 'SubscribeData', requests: [req], metadata: { 'x-sc-case': 'live' } })}\n`);
  live.stdin.end();
  const log = () => fs.readFileSync(events, 'utf8').trim().split('\n').map((l) => JSON.parse(l));
  await until(() => log().some((e) => e.case === 'live' && e.event === EV.MESSAGE_SENT), 'the live stream');
  server.kill('SIGTERM');
  assert.equal(await exited(server), 0);
  assert.equal(await exited(live), 0);
  assert.equal(liveResults[0].status.code, 'UNAVAILABLE');
  assert.equal(liveResults[0].status.message, 'server shutting down');

  const names = new Set(Object.values(EV));
  const evs = log();
  for (const e of evs) assert.ok(names.has(e.event), e.event);
  const get = evs.filter((e) => e.case === 'get').map((e) => e.event);
  assert.deepEqual(get, [EV.CALL_START, EV.MESSAGE_RECEIVED, EV.MESSAGE_SENT, EV.STATUS_SENT, EV.CALL_END]);
  const cancelled = evs.find((e) => e.method === 'Chat' && e.event === EV.CANCELLED);
  assert.ok(cancelled, 'the chat cancel is logged as cancelled');
  assert.ok(evs.some((e) => e.case === 'live' && e.event === EV.CANCELLED));
  fs.unlinkSync(events);
});

test('SIGTERM aborts the client driver: no result for running calls, exit 128 + 15', async () => {
  const server = start(['server', '--port', '0', '--events', '-', '--quiet', '--tick-ms', '20']);
  const ready = lines(server);
  await until(() => ready.length > 0, 'the ready line');
  const client = start(['client']);
  const results = lines(client);
  client.stdin.write(`${JSON.stringify({ case: 'long', target: `127.0.0.1:${ready[0].port}`, method: 'SubscribeData', requests: [{ topics: ['t'] }] })}\n`);
  // The call reaching the server proves the driver is up with its signal handlers installed (a
  // fixed sleep lost that race on a loaded machine: the default SIGTERM action killed it).
  await until(() => ready.some((e) => e.event === 'message_sent'), 'the stream running');
  client.kill('SIGTERM');
  assert.equal(await exited(client), 143);
  assert.deepEqual(results, []);
  server.kill('SIGTERM');
  assert.equal(await exited(server), 0);
});
