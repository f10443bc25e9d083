'use strict';
// `peer-node client`: the client driver (docs/peer-protocol.md, "Client driver protocol").
// Instructions arrive as JSON lines on stdin; each runs concurrently on the one event loop, with
// its own grpc-js channel (its own connection), and its result line is written when it completes.
// GetData / SubscribeData with one request and a half-close are called as an application calls
// them (makeUnaryRequest / makeServerStreamRequest); anything else (a misbehaving client on
// purpose) is a raw bidirectional stream, identical on the wire. Messages travel as raw bytes:
// the driver encodes requests and decodes responses itself.

const grpc = require('@grpc/grpc-js');
const backoff = require('./backoff');
const md = require('./md');
const protos = require('./protos');
const status = require('./status');
const tlsfiles = require('./tlsfiles');
const { InstrError, parse, channelOptions, compressionOptions } = require('./instr');

// grpc-js's write flag for a message sent uncompressed (WriteFlags.NoCompress), passed as
// write()'s encoding argument.
const WRITE_NO_COMPRESS = 2;

const MAX_LINE = 8 * 1024 * 1024; // docs/peer-protocol.md: longer lines are rejected
// Metadata the transport adds that C core does not hand to the application.
const TRANSPORT_HEADERS = new Set(['content-type', 'grpc-encoding', 'grpc-accept-encoding', 'grpc-status', 'grpc-message']);
const identity = (x) => x;

function monoMs() {
  return Number(process.hrtime.bigint() / 1000000n);
}

function emit(obj) {
  process.stdout.write(`${JSON.stringify(obj)}\n`);
}

function metadataJson(metadata) {
  return md.toJson(md.fromGrpc(metadata).filter(([k]) => !k.startsWith(':') && !TRANSPORT_HEADERS.has(k)));
}

const sleep = (ms) => new Promise((resolve) => { setTimeout(resolve, Math.max(0, ms)); });

/** channel.tls as grpc-js credentials: the CA as the only root, the client's certificate when
 * given (mTLS). A file that cannot be used is the instruction's error (InstrError), named by its
 * field; a handshake that fails later is the call's status (UNAVAILABLE). */
function tlsCredentials(tls) {
  const named = (field, fn) => {
    try {
      return fn();
    } catch (err) {
      if (err instanceof tlsfiles.TlsFileError) throw new InstrError(field, err.message);
      throw err;
    }
  };
  const ca = named('channel.tls.ca_file', () => tlsfiles.ca(tls.ca_file));
  const own = tls.cert_file === null ? null : named('channel.tls.cert_file', () => tlsfiles.pair(tls.cert_file, tls.key_file));
  return grpc.credentials.createSsl(ca, own ? own.key : null, own ? own.cert : null);
}

/** channel.share (client feature "share-channel"): instructions in flight with the same name use
 * one grpc.Client (one channel), made by the first with its options and closed by the last. */
class SharedChannels {
  constructor() {
    this.clients = new Map(); // name -> { client, refs }
  }

  take(name, make) {
    let entry = this.clients.get(name);
    if (!entry) {
      entry = { client: make(), refs: 0 };
      this.clients.set(name, entry);
    }
    entry.refs += 1;
    return entry.client;
  }

  release(name) {
    const entry = this.clients.get(name);
    entry.refs -= 1;
    if (entry.refs === 0) {
      this.clients.delete(name);
      entry.client.close();
    }
  }
}

/** One instruction: its attempts, and what the result line reports. */
class Job {
  constructor(ins, startMs, random, verbose, shares = new SharedChannels()) {
    this.shares = shares;
    this.ins = ins;
    this.startMs = startMs;
    this.random = random;
    this.verbose = verbose;
    this.responses = [];
    this.responsesMs = [];
    this.headersMs = null;
    this.firstResponseMs = null;
    this.attempts = [];
    this.last = null;
    this.live = null; // the running call, for an abort
    this.aborted = false;
    this.credentials = null; // channel.tls, once read (null: plaintext)
  }

  rel(t) {
    return t === null || t === undefined ? null : t - this.startMs;
  }

  trace(text) {
    if (this.verbose) process.stderr.write(`peer-node client: ${this.ins.caseId} +${monoMs() - this.startMs}ms ${text}\n`);
  }

  newClient() {
    return new grpc.Client(this.ins.target, this.credentials || grpc.credentials.createInsecure(), { ...channelOptions(this.ins.channel), ...compressionOptions(this.ins.compression) });
  }

  abort() {
    this.aborted = true;
    if (this.live) this.live.cancel();
  }

  async run() {
    const policy = this.ins.reconnect;
    const schedule = new backoff.Backoff(policy ? policy.backoff : backoff.defaultPolicy().backoff, this.random);
    if (this.ins.channel.tls) this.credentials = tlsCredentials(this.ins.channel.tls);
    const share = this.ins.channel.share;
    // A shared channel is held from the reading of the instruction, as the C driver does.
    let client = share !== null ? this.shares.take(share, () => this.newClient()) : null;
    try {
      if (this.ins.startDelayMs > 0) await sleep(this.ins.startDelayMs - (monoMs() - this.startMs));
      if (share === null) client = this.newClient();
      return await this.attempts_(client, policy, schedule);
    } finally {
      if (share !== null) this.shares.release(share);
    }
  }

  async attempts_(client, policy, schedule) {
    const shared = this.ins.channel.share !== null;
    try {
      for (;;) {
        if (this.aborted) return null;
        if (this.attempts.length > 0 && this.last.code === status.UNAVAILABLE && !shared) {
          // A fresh channel, so the attempt really reconnects instead of failing fast inside the
          // old channel's own backoff.
          client.close();
          client = this.newClient();
        }
        const start = monoMs();
        this.last = await this.attempt(client, start);
        const record = { start_ms: start - this.startMs, end_ms: monoMs() - this.startMs, code: status.name(this.last.code) };
        const pushback = backoff.parsePushback(this.last.trailers['grpc-retry-pushback-ms']);
        if (pushback !== backoff.PUSHBACK_NONE) record.pushback_ms = Math.max(pushback, -1);
        this.attempts.push(record);
        let wait = -1;
        if (policy) {
          const d = backoff.decide(this.last.code, policy, this.attempts.length, this.last.responses > 0, pushback);
          wait = backoff.waitMs(d, policy, schedule);
        }
        if (wait < 0 || this.aborted) break;
        this.trace(`attempt ${this.attempts.length} ${status.name(this.last.code)}; next in ${wait} ms`);
        await sleep(wait);
      }
    } finally {
      if (!shared) client.close();
    }
    return this.result();
  }

  result() {
    const last = this.last;
    return {
      case: this.ins.caseId,
      status: { code: status.name(last.code), message: last.message },
      headers: last.headers,
      trailers: last.trailers,
      responses: this.responses,
      attempts: this.attempts,
      timings: {
        headers_ms: this.rel(this.headersMs),
        first_response_ms: this.rel(this.firstResponseMs),
        responses_ms: this.responsesMs,
        close_send_ms: this.rel(last.closeSendMs),
        status_ms: this.rel(last.statusMs),
      },
    };
  }

  /** GetData / SubscribeData called the way an application does when the instruction is such a
   * call (one request, half-close, no cancel before sending). */
  asApplication() {
    const ins = this.ins;
    return (ins.method.rpcName === 'GetData' || ins.method.rpcName === 'SubscribeData') && ins.requests.length === 1
      && ins.halfClose && !(ins.cancel && ins.cancel.kind === 'before_send')
      && !(ins.compression && ins.compression.noCompress.length > 0); // per-message flags need write()
  }

  startCall(client, out) {
    const ins = this.ins;
    const metadata = new grpc.Metadata({ waitForReady: ins.waitForReady });
    for (const [k, v] of ins.metadata) metadata.add(k, v);
    const options = { deadline: Date.now() + ins.timeoutMs };
    const path = ins.path || ins.method.path;
    if (!this.asApplication()) return { call: client.makeBidiStreamRequest(path, identity, identity, metadata, options), streaming: true };
    let call;
    if (ins.method.rpcName === 'GetData') {
      call = client.makeUnaryRequest(path, identity, identity, ins.requests[0], metadata, options, (err, value) => {
        if (!err && value) out.onResponse(value);
      });
    } else {
      call = client.makeServerStreamRequest(path, identity, identity, ins.requests[0], metadata, options);
    }
    out.closeSendMs = monoMs(); // the request and the half-close go with the call
    return { call, streaming: false };
  }

  attempt(client, start) {
    return new Promise((resolve) => {
      const ins = this.ins;
      const out = {
        code: status.UNKNOWN, message: '', headers: {}, trailers: {}, closeSendMs: null, statusMs: 0, responses: 0,
        gotHeaders: false, done: false, localError: null, onResponse: null, wakeSender: null,
      };
      const timers = [];
      const at = (ms, fn) => timers.push(setTimeout(fn, Math.max(0, ms - monoMs())));
      out.onResponse = (buf) => this.record(call, buf, out);
      const started = this.startCall(client, out);
      const call = started.call;
      this.live = call;
      call.on('metadata', (m) => {
        const t = monoMs();
        if (this.headersMs === null) this.headersMs = t;
        out.gotHeaders = true;
        out.headers = metadataJson(m);
      });
      call.on('error', () => {}); // the status event says it all
      call.on('status', (st) => {
        if (out.done) return;
        this.finishAttempt(st, out);
        for (const t of timers) clearTimeout(t);
        resolve(out);
      });
      const kind = ins.cancel ? ins.cancel.kind : null;
      if (kind === 'before_send') {
        call.cancel();
      } else {
        if (started.streaming) this.send(call, start, out, at);
        else if (kind === 'after_close_send_ms') at(out.closeSendMs + ins.cancel.n, () => call.cancel());
        if (kind === 'after_ms') at(start + ins.cancel.n, () => call.cancel());
      }
      if (ins.method.rpcName === 'GetData' && !started.streaming) return; // the callback reads
      const read = () => { if (!out.done) call.on('data', (buf) => this.record(call, buf, out)); };
      if (ins.readPauseMs > 0) {
        // A slow receiver: flow control holds the rest. grpc-js pauses the HTTP/2 stream only
        // once the application asked for a message; before that it queues whatever arrives
        // without limit. read(0) asks for the first one, and the stream (no 'data' listener)
        // stays paused with at most its high-water mark of messages buffered.
        call.read(0);
        at(start + ins.readPauseMs, read);
      } else {
        read();
      }
    });
  }

  /** The attempt's final status (grpc-js 'status' event): code, message, trailers, times. */
  finishAttempt(st, out) {
    out.done = true;
    out.statusMs = monoMs();
    out.code = st.code;
    out.message = st.details || '';
    if (out.localError !== null) {
      out.code = status.INTERNAL;
      out.message = out.localError;
    }
    out.trailers = metadataJson(st.metadata);
    if (!out.gotHeaders && this.headersMs === null && ![status.UNAVAILABLE, status.DEADLINE_EXCEEDED, status.CANCELLED].includes(st.code)) {
      // A trailers-only answer (grpc-js emits no 'metadata' for it): the server did answer, and
      // the C driver counts that as headers. Local endings (no connection, deadline, cancel) have none.
      this.headersMs = out.statusMs;
    }
    this.live = null;
  }

  async send(call, start, out, at) {
    const ins = this.ins;
    for (let i = 0; i < ins.requests.length; i++) {
      if (ins.pingpong) await this.waitForReplies(out, i);
      const due = start + i * ins.requestDelayMs;
      if (ins.requestDelayMs > 0 && due > monoMs()) await sleep(due - monoMs());
      if (out.done) return;
      const plain = ins.compression && ins.compression.noCompress.includes(i);
      if (!(plain ? call.write(ins.requests[i], WRITE_NO_COMPRESS) : call.write(ins.requests[i]))) {
        await new Promise((resolve) => {
          const poll = setInterval(() => { if (out.done) { clearInterval(poll); resolve(); } }, 50);
          call.once('drain', () => { clearInterval(poll); resolve(); });
        });
        if (out.done) return;
      }
    }
    if (!ins.halfClose || out.done) return;
    call.once('finish', () => {
      if (out.done) return;
      out.closeSendMs = monoMs(); // grpc-js half-closes once every write went out
      this.trace('half-closed');
      if (ins.cancel && ins.cancel.kind === 'after_close_send_ms') at(out.closeSendMs + ins.cancel.n, () => call.cancel());
    });
    call.end();
  }

  /** pingpong: resolves once the attempt has n responses (or has ended). */
  async waitForReplies(out, n) {
    while (!out.done && out.responses < n) {
      // record() wakes the sender; the timer only bounds a wait on a call that ended meanwhile
      await new Promise((resolve) => {
        const poll = setTimeout(resolve, 50);
        out.wakeSender = () => { clearTimeout(poll); resolve(); };
      });
      out.wakeSender = null;
    }
  }

  /** Keep one response; a local parse failure cancels the call and becomes its status. */
  record(call, buf, out) {
    if (out.done || out.localError !== null) return;
    const t = monoMs();
    const type = this.ins.method.response;
    let msg;
    try {
      msg = protos.decode(type, buf);
    } catch (err) {
      out.localError = `client: response ${out.responses} is not a valid streaming.${type.name}`;
      call.cancel();
      return;
    }
    out.responses += 1;
    if (out.wakeSender !== null) out.wakeSender();
    this.responses.push(protos.toJson(type, msg));
    this.responsesMs.push(t - this.startMs);
    if (this.firstResponseMs === null) this.firstResponseMs = t;
    const cancel = this.ins.cancel;
    if (cancel && cancel.kind === 'after_responses' && out.responses >= cancel.n) call.cancel();
  }
}

class Driver {
  constructor(verbose) {
    this.verbose = verbose;
    this.jobs = new Set();
    this.eof = false;
    this.abortSignal = 0;
    this.onChange = null;
    this.shares = new SharedChannels();
  }

  changed() {
    if (this.onChange) this.onChange();
  }

  onLine(bytes, readMs) {
    if (this.abortSignal) return;
    let ins;
    try {
      ins = parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes));
    } catch (err) {
      if (err instanceof InstrError) emit({ case: err.caseId, error: err.message });
      else if (err instanceof TypeError) emit({ case: null, error: '(line): not a JSON object' });
      else throw err;
      return;
    }
    const job = new Job(ins, readMs, Math.random, this.verbose, this.shares);
    this.jobs.add(job);
    job.run().then((result) => {
      if (result && !this.abortSignal) emit(result);
    }, (err) => {
      if (this.abortSignal) return;
      if (err instanceof InstrError) emit({ case: ins.caseId, error: err.message });
      else emit({ case: ins.caseId, error: `target: ${err && err.message ? err.message : err}` });
    }).finally(() => {
      this.jobs.delete(job);
      this.changed();
    });
  }

  readStdin() {
    let parts = [];
    let size = 0;
    let overlong = false;
    const lineDone = (readMs) => {
      const line = Buffer.concat(parts);
      parts = [];
      size = 0;
      if (overlong) {
        overlong = false;
        emit({ case: null, error: `(line): longer than ${MAX_LINE} bytes` });
        return;
      }
      if (line.toString('latin1').replace(/[ \t\r]/g, '') === '') return; // blank
      this.onLine(line, readMs);
    };
    process.stdin.on('data', (chunk) => {
      const readMs = monoMs();
      let from = 0;
      for (;;) {
        const nl = chunk.indexOf(10, from);
        const piece = chunk.subarray(from, nl < 0 ? chunk.length : nl);
        if (!overlong) {
          if (size + piece.length > MAX_LINE) {
            overlong = true;
            parts = [];
          } else {
            parts.push(piece);
            size += piece.length;
          }
        }
        if (nl < 0) break;
        lineDone(readMs);
        from = nl + 1;
      }
    });
    process.stdin.on('end', () => {
      if (size > 0 || overlong) lineDone(monoMs());
      this.eof = true;
      this.changed();
    });
  }

  run() {
    return new Promise((resolve) => {
      const onSignal = (sig, num) => {
        if (this.abortSignal) return;
        this.abortSignal = num;
        process.stderr.write(`peer-node client: aborted by signal ${num} (${sig}) with ${this.jobs.size} instructions running\n`);
        for (const job of this.jobs) job.abort();
        resolve(128 + num);
      };
      process.on('SIGTERM', () => onSignal('SIGTERM', 15));
      process.on('SIGINT', () => onSignal('SIGINT', 2));
      this.onChange = () => {
        if (!this.abortSignal && this.eof && this.jobs.size === 0) resolve(0);
      };
      this.readStdin();
    });
  }
}

async function main(verbose) {
  return new Driver(verbose).run();
}

module.exports = { main, Driver, Job };
