#!/usr/bin/env node
'use strict';
// naive_consumer: the same SubscribeData consumer as examples/python/robust_consumer.py, with
// the retry logic many real consumers have. It is here to be caught by `streamconform run`
// (docs/app-check.md); do not copy it. Its bugs, on purpose:
//   - it waits a constant 500 ms before every new call (no exponential backoff, no jitter) and
//     ignores SC_BACKOFF_* and SC_EXHAUSTED_BACKOFF_MS;
//   - it calls again after EVERY status, INVALID_ARGUMENT, PERMISSION_DENIED, UNIMPLEMENTED and
//     even OK included (it ignores SC_RETRY_CODES);
//   - it ignores grpc-retry-pushback-ms (SC_HONOR_PUSHBACK) and treats RESOURCE_EXHAUSTED like
//     any other failure;
//   - it never gives up (ignores SC_MAX_ATTEMPTS), and it sets no deadline on its calls.
// What it does right, so the findings are about the retry logic only: the same request on every
// call, a fresh client per call (a real reconnect), and a prompt exit 0 on SIGTERM or SIGINT.
//
//   naive-consumer [--target HOST:PORT]     (default: $SC_TARGET)

const path = require('path');
const grpc = require('@grpc/grpc-js');
const protoLoader = require('@grpc/proto-loader');

const PROG = 'naive-consumer';
const EXIT_USAGE = 2;
const RETRY_DELAY_MS = 500; // the bug: one fixed wait, whatever happened
// The repository's proto, loaded at run time (no generated code); SC_PROTO overrides it.
const PROTO_FILE = process.env.SC_PROTO || path.resolve(__dirname, '..', '..', 'proto', 'streaming.proto');
const REQUEST = { subscription_id: 'naive-consumer', topics: ['data'] };

const T0 = process.hrtime.bigint();

function log(message) {
  const elapsed = (Number(process.hrtime.bigint() - T0) / 1e9).toFixed(3).padStart(8);
  process.stderr.write(`${new Date().toISOString()} +${elapsed}s ${PROG}: ${message}\n`);
}

function parseTarget(argv) {
  let target = process.env.SC_TARGET || null;
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--target') target = argv[++i];
    else if (argv[i].startsWith('--target=')) target = argv[i].slice('--target='.length);
    else if (argv[i] === '--help' || argv[i] === '-h') {
      process.stdout.write(`usage: ${PROG} [--target HOST:PORT]   (default: $SC_TARGET)\n`);
      process.exit(0);
    } else throw new Error(`unknown argument "${argv[i]}"`);
  }
  if (!target) throw new Error('no target: give --target HOST:PORT or set SC_TARGET');
  return target;
}

function loadService() {
  const def = protoLoader.loadSync(PROTO_FILE, { keepCase: true, longs: String, defaults: true });
  return grpc.loadPackageDefinition(def).streaming.DataService;
}

function statusName(code) {
  return Object.keys(grpc.status).find((k) => grpc.status[k] === code) || String(code);
}

function show(response) {
  const points = response.data_points || [];
  const first = points.length ? ` first ${points[0].id}=${Number(points[0].value).toPrecision(6)}` : '';
  return `seq ${response.sequence_number}: ${points.length} points${first}`;
}

function main() {
  let target;
  try {
    target = parseTarget(process.argv.slice(2));
  } catch (err) {
    process.stderr.write(`${PROG}: ${err.message}\n`);
    process.exit(EXIT_USAGE);
  }
  const DataService = loadService();
  const state = { client: null, call: null, timer: null, attempts: 0 };

  function subscribe() {
    state.timer = null;
    state.attempts += 1;
    const n = state.attempts;
    log(`call ${n}: SubscribeData ${target}`);
    state.client = new DataService(target, grpc.credentials.createInsecure());
    const call = state.client.SubscribeData(REQUEST);
    state.call = call;
    let responses = 0;
    call.on('data', (response) => {
      responses += 1;
      process.stdout.write(`${show(response)}\n`);
    });
    call.on('error', () => {}); // the status handler below sees every end
    call.on('status', (status) => {
      if (state.call !== call) return;
      log(`call ${n}: ${statusName(status.code)} after ${responses} responses${status.details ? `: ${status.details}` : ''}`);
      state.call = null;
      state.client.close();
      state.client = null;
      // The bug: whatever the status, try again after the same short pause.
      log(`waiting ${(RETRY_DELAY_MS / 1000).toFixed(3)} s before call ${n + 1}`);
      state.timer = setTimeout(subscribe, RETRY_DELAY_MS);
    });
  }

  function stop() {
    log('stopping on a signal');
    if (state.timer) clearTimeout(state.timer);
    const { call, client } = state;
    state.call = null;
    if (call) call.cancel();
    if (client) client.close();
    process.exit(0);
  }
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);

  log(`target ${target}; retrying every ${RETRY_DELAY_MS} ms after any status, forever`);
  subscribe();
}

main();
