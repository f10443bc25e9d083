'use strict';
// `peer-node server`: DataService on @grpc/grpc-js with the reference semantics
// (docs/peer-protocol.md). Every method is registered as a bidirectional stream of raw bytes:
// on the wire a unary call is a stream of one message, and this way the peer parses requests
// itself (a malformed one ends the call INTERNAL "failed to parse <Type>", as the C server) and
// sees every message and half-close as the reference logic expects. The per-call logic is
// handler.js (pure); this module moves its outputs to gRPC and writes the event log.

const fs = require('fs');
const grpc = require('@grpc/grpc-js');
const control = require('./control');
const EV = require('./event_names');
const md = require('./md');
const protos = require('./protos');
const status = require('./status');
const tlsfiles = require('./tlsfiles');
const { Member } = require('./chat');
const { Env, Handler, METHODS } = require('./handler');
const { Builtin } = require('./builtin');

// A call cut off this close to its deadline counts as deadline_exceeded: the client resets the
// stream at its own deadline, which can reach us just before ours (docs/peer-protocol.md).
const DEADLINE_SLACK_MS = 50;
// How long an end of the request stream waits to be sure it is a half-close and not a reset
// (LiveCall.onEnd); a few ms suffice, 20 leaves room on a loaded machine.
const HALF_CLOSE_CONFIRM_MS = 20;
const HALF_CLOSE_POLL_MS = 1;
// How often the drain of --shutdown-grace-ms looks whether every call ended.
const DRAIN_POLL_MS = 10;
// How long live calls get to end after SIGTERM before the library cancels what is left.
const SHUTDOWN_GRACE_MS = 3000;
// Transport headers grpc-js hands to the application and the C core does not; the event log
// shows application metadata (user-agent included) like C.
const TRANSPORT_HEADERS = new Set(['content-type', 'grpc-accept-encoding', 'grpc-encoding', 'te', 'accept-encoding']);

function monoMs() {
  return Number(process.hrtime.bigint() / 1000000n);
}

// Wall-clock ns since the Unix epoch: the clock read once, then advanced by the monotonic clock.
const WALL_ORIGIN_NS = BigInt(Date.now()) * 1000000n;
const MONO_ORIGIN_NS = process.hrtime.bigint();
function wallNs() {
  return WALL_ORIGIN_NS + (process.hrtime.bigint() - MONO_ORIGIN_NS);
}

/** One JSON object per line, written at once (docs/peer-protocol.md, "Event log"). */
class EventLog {
  constructor(sink, originMs) {
    this.sink = sink; // null, or a function(text)
    this.originMs = originMs;
  }

  emit(event, call, extra = {}) {
    if (!this.sink) return;
    const line = { t_ms: monoMs() - this.originMs, event, call: call.id, case: call.handler.ctl.caseId, method: call.handler.method, ...extra };
    this.sink(`${JSON.stringify(line)}\n`);
  }
}

function toGrpcMetadata(pairs) {
  const out = new grpc.Metadata();
  for (const [k, v] of pairs) out.add(k, md.isBinary(k) ? (Buffer.isBuffer(v) ? v : Buffer.from(String(v), 'latin1')) : v);
  return out;
}

/** Request metadata as [key, value] pairs, transport headers left out. */
function requestPairs(metadata) {
  return md.fromGrpc(metadata).filter(([k]) => !k.startsWith(':') && !TRANSPORT_HEADERS.has(k));
}

/** The metadata object of call_start: -bin values base64, text values as UTF-8 (HTTP/2 hands
 * header text over one char per byte). */
function metadataJson(pairs) {
  return md.toJson(pairs.map(([k, v]) => [k, Buffer.isBuffer(v) || md.isBinary(k) ? v : control.raw(v).toString('utf8')]));
}

class LiveCall {
  constructor(server, id, method, stream) {
    this.server = server;
    this.id = id;
    this.stream = stream;
    this.writing = false;
    this.pumpQueued = false;
    this.statusSent = false; // our status went out (or was handed to grpc-js)
    this.ended = false; // call_end logged
    this.timer = null;
    this.endReason = null; // 'shutdown' when the server ends it
    const pairs = requestPairs(stream.metadata);
    this.pairs = pairs;
    this.member = new Member(() => this.onDelivered());
    this.handler = new Handler(method, server.env, pairs, monoMs(), this.member);
  }

  log(event, extra) {
    this.server.log.emit(event, this, extra);
  }

  deadlineLeftMs() {
    const d = this.stream.getDeadline();
    const t = d instanceof Date ? d.getTime() : Number(d);
    return Number.isFinite(t) ? t - Date.now() : null;
  }

  start() {
    const left = this.deadlineLeftMs();
    this.log(EV.CALL_START, {
      peer: this.stream.getPeer() || '', metadata: metadataJson(this.pairs), deadline_ms: left === null ? null : Math.max(0, Math.floor(left)),
    });
    this.stream.on('data', (buf) => this.onData(buf));
    this.stream.on('end', () => this.onEnd());
    this.stream.on('error', () => {}); // grpc-js reports what it did with the status itself
    this.stream.on('cancelled', () => this.onCancelled());
    if (this.server.stopping) {
      this.shutdown();
      return;
    }
    this.pump();
  }

  onData(buf) {
    const h = this.handler;
    if (this.statusSent || !h.wantsRecv()) return;
    const before = h.received;
    let msg = null;
    try {
      msg = protos.decode(protos.byRpc(h.method).request, buf);
    } catch (err) {
      h.onMalformed();
    }
    if (msg !== null) h.onMessage(msg, wallNs());
    if (h.received > before) this.log(EV.MESSAGE_RECEIVED, { count: h.received });
    if (!h.wantsRecv()) this.stream.pause(); // read no further: flow control holds the rest
    this.pump();
  }

  /** The call was reset or its connection dropped (grpc-js's own flag; 'cancelled' follows). */
  resetSeen() {
    const base = this.stream.call;
    const h2 = base && base.stream;
    return Boolean((base && base.cancelled) || (h2 && (h2.aborted || h2.destroyed)));
  }

  onEnd() {
    // grpc-js ends the request stream the same way for a client's half-close and for a reset or a
    // dropped connection (a client that cancels and closes its channel at once); the reset is
    // seen a moment later. Wait that moment (bounded) before believing a half-close, so the
    // event log says what happened (as the Python server does).
    const until = monoMs() + HALF_CLOSE_CONFIRM_MS;
    const check = () => {
      if (this.resetSeen()) return; // 'cancelled' logs it
      if (monoMs() < until) {
        setTimeout(check, HALF_CLOSE_POLL_MS);
        return;
      }
      this.onHalfClose();
    };
    check();
  }

  onHalfClose() {
    const h = this.handler;
    if (this.statusSent || this.ended || !h.wantsRecv()) return;
    this.log(EV.HALF_CLOSE);
    h.onHalfClose(wallNs());
    this.pump();
  }

  onDelivered() {
    if (this.member.overflowed && this.writing && !this.statusSent) {
      // Its send is stuck behind a stalled receiver: decide the end without waiting for it.
      const abort = this.handler.takeAbort(wallNs());
      if (abort) this.sendStatus(abort);
      return;
    }
    if (this.pumpQueued) return; // one pump for a burst of deliveries
    this.pumpQueued = true;
    setImmediate(() => {
      this.pumpQueued = false;
      this.pump();
    });
  }

  /** Ask the handler what to do next and do it, until the status is decided. */
  pump() {
    if (this.statusSent || this.ended || this.writing) return;
    if (this.timer) {
      clearTimeout(this.timer);
      this.timer = null;
    }
    const h = this.handler;
    for (;;) {
      const abort = h.takeAbort(wallNs());
      if (abort) {
        this.sendStatus(abort);
        return;
      }
      const out = h.nextOutput(monoMs(), wallNs());
      if (out === null) {
        if (h.wakeMs >= 0) this.timer = setTimeout(() => { this.timer = null; this.pump(); }, Math.max(0, h.wakeMs - monoMs()));
        return;
      }
      if (out.kind === 'status') {
        this.sendStatus(out);
        return;
      }
      if (out.kind === 'headers') {
        this.stream.sendMetadata(toGrpcMetadata(out.metadata));
        h.onSent();
        continue;
      }
      this.writing = true;
      const bytes = protos.encode(protos.type(`streaming.${out.type}`), out.body);
      this.stream.write(bytes, () => {
        this.writing = false;
        if (this.ended) return;
        h.onSent();
        this.log(EV.MESSAGE_SENT, { count: h.sent });
        this.pump();
      });
      return;
    }
  }

  sendStatus(st) {
    this.statusSent = true;
    const trailers = toGrpcMetadata(this.handler.trailingMetadata());
    this.log(EV.STATUS_SENT, { code: status.name(st.code), message: st.message });
    this.finishStream(st.code, st.message, trailers);
  }

  finishStream(code, message, trailers) {
    // The 'error' path for OK too: grpc-js's own end() would send OK with the text "OK", the
    // reference sends an empty message.
    this.stream.emit('error', { code, details: message, metadata: trailers });
  }

  /** SIGTERM: the call ends UNAVAILABLE "server shutting down", logged as cancelled. */
  shutdown() {
    if (this.statusSent || this.ended) return;
    this.endReason = 'shutdown';
    this.statusSent = true;
    this.log(EV.CANCELLED);
    this.finishStream(status.UNAVAILABLE, 'server shutting down', new grpc.Metadata());
  }

  onCancelled() {
    if (this.ended) return;
    if (!this.statusSent) {
      const left = this.deadlineLeftMs();
      this.log(left !== null && left <= DEADLINE_SLACK_MS ? EV.DEADLINE_EXCEEDED : EV.CANCELLED);
    }
    this.end();
  }

  end() {
    this.ended = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.handler.onClosed(wallNs());
    this.server.calls.delete(this.id);
    this.log(EV.CALL_END);
    this.server.maybeDrained();
  }
}

class PeerServer {
  constructor(cfg, sink) {
    this.cfg = cfg;
    this.env = new Env({ tickMs: cfg.tickMs, maxUploadBytes: cfg.maxUploadBytes, seed: cfg.seed });
    this.log = new EventLog(sink, monoMs());
    this.calls = new Map();
    this.nextId = 0;
    this.stopping = false;
    this.onDrained = null;
    this.grpcServer = null;
  }

  diag(level, text) {
    if (this.cfg.verbosity >= level) process.stderr.write(`peer-node server: ${text}\n`);
  }

  definition() {
    const identity = (x) => x;
    const def = {};
    for (const name of METHODS) {
      def[name] = {
        path: protos.byRpc(name).path, requestStream: true, responseStream: true, originalName: name,
        requestSerialize: identity, requestDeserialize: identity, responseSerialize: identity, responseDeserialize: identity,
      };
    }
    return def;
  }

  serve(method, stream) {
    this.nextId += 1;
    const call = new LiveCall(this, this.nextId, method, stream);
    this.calls.set(call.id, call);
    this.diag(2, `call ${call.id} ${method} started`);
    call.start();
  }

  /** The --tls-* files as grpc-js credentials (insecure without them); throws TlsFileError
   * naming the option and the file when one cannot be used. */
  credentials() {
    const cfg = this.cfg;
    if (!cfg.tlsCert) return grpc.ServerCredentials.createInsecure();
    const prefixed = (option, fn) => {
      try {
        return fn();
      } catch (err) {
        if (err instanceof tlsfiles.TlsFileError) throw new tlsfiles.TlsFileError(`${option}: ${err.message}`);
        throw err;
      }
    };
    const own = prefixed('--tls-cert/--tls-key', () => tlsfiles.pair(cfg.tlsCert, cfg.tlsKey));
    const clientCa = cfg.tlsClientCa ? prefixed('--tls-client-ca', () => tlsfiles.ca(cfg.tlsClientCa)) : null;
    return grpc.ServerCredentials.createSsl(clientCa, [{ private_key: own.key, cert_chain: own.cert }], clientCa !== null);
  }

  start() {
    const credentials = this.credentials();
    const server = new grpc.Server({
      'grpc.max_receive_message_length': this.cfg.maxReceiveBytes, 'grpc.so_reuseport': 0,
      ...lifecycleOptions(this.cfg.lifecycle),
    });
    const handlers = {};
    for (const name of METHODS) handlers[name] = (stream) => this.serve(name, stream);
    server.addService(this.definition(), handlers);
    this.builtin = new Builtin(); // health and reflection (builtin.js)
    this.builtin.addToServer(server);
    this.grpcServer = server;
    return new Promise((resolve, reject) => {
      server.bindAsync(this.cfg.listen, credentials, (err, port) => {
        if (err) reject(new Error(`cannot listen on ${this.cfg.listen}: ${err.message}`));
        else resolve(port);
      });
    });
  }

  maybeDrained() {
    if (this.onDrained && this.calls.size === 0) this.onDrained();
  }

  /** --shutdown-grace-ms: stop accepting (tryShutdown sends GOAWAY) and give the live calls that
   * long to end on their own; resolves with {closed}: tryShutdown's promise of completion (wrapped:
   * a promise resolved with a promise would wait for it). */
  drain() {
    const graceMs = (this.cfg.lifecycle && this.cfg.lifecycle.shutdownGraceMs) || 0;
    if (graceMs <= 0) return Promise.resolve({ closed: null });
    const closed = new Promise((resolve) => this.grpcServer.tryShutdown(() => resolve()));
    return new Promise((resolve) => {
      const timer = setTimeout(() => resolve({ closed }), graceMs);
      const poll = setInterval(() => {
        if (this.calls.size > 0) return;
        clearInterval(poll);
        clearTimeout(timer);
        resolve({ closed });
      }, DRAIN_POLL_MS);
      setTimeout(() => clearInterval(poll), graceMs);
    });
  }

  /** Stop accepting; after the drain every live call ends UNAVAILABLE "server shutting down". */
  async stop() {
    const { closed: draining } = await this.drain();
    this.stopping = true;
    if (this.builtin) this.builtin.shuttingDown(); // NOT_SERVING before the drain
    for (const call of this.calls.values()) call.shutdown();
    return new Promise((resolve) => {
      let done = false;
      const finish = () => {
        if (done) return;
        done = true;
        clearTimeout(timer);
        resolve();
      };
      const timer = setTimeout(() => {
        this.grpcServer.forceShutdown();
        finish();
      }, SHUTDOWN_GRACE_MS);
      if (draining) draining.then(finish);
      else this.grpcServer.tryShutdown(() => finish());
    });
  }
}

/** The lifecycle options as grpc-js server options (absent: the library's default). */
function lifecycleOptions(lc) {
  const opts = {};
  if (!lc) return opts;
  if (lc.maxConnectionAgeMs) opts['grpc.max_connection_age_ms'] = lc.maxConnectionAgeMs;
  if (lc.maxConnectionAgeGraceMs) opts['grpc.max_connection_age_grace_ms'] = lc.maxConnectionAgeGraceMs;
  if (lc.keepaliveMinTimeMs) opts['grpc.http2.min_ping_interval_without_data_ms'] = lc.keepaliveMinTimeMs;
  if (lc.permitKeepaliveWithoutCalls) opts['grpc.keepalive_permit_without_calls'] = 1;
  if (lc.maxConcurrentStreams) opts['grpc.max_concurrent_streams'] = lc.maxConcurrentStreams;
  return opts;
}

function openEvents(path) {
  if (path === null || path === undefined) return null;
  if (path === '-') return (text) => process.stdout.write(text);
  const fd = fs.openSync(path, 'w');
  return (text) => fs.writeSync(fd, text);
}

async function run(cfg) {
  let sink;
  try {
    sink = openEvents(cfg.events);
  } catch (err) {
    process.stderr.write(`peer-node server: --events ${cfg.events}: ${err.message}\n`);
    return 1;
  }
  const peer = new PeerServer(cfg, sink);
  let port;
  try {
    port = await peer.start();
  } catch (err) {
    process.stderr.write(`peer-node server: ${err.message}\n`);
    return 1;
  }
  process.stdout.write(`${JSON.stringify({ ready: true, port })}\n`);
  peer.diag(1, `listening on port ${port}`);
  await new Promise((resolve) => {
    process.once('SIGTERM', resolve);
    process.once('SIGINT', resolve);
  });
  await peer.stop();
  peer.diag(1, 'stopped');
  return 0;
}

module.exports = { run, PeerServer, EventLog, DEADLINE_SLACK_MS, lifecycleOptions };
