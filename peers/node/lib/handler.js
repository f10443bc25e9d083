'use strict';
// What the server does on one call, as pure logic (a port of server/sc_handler.c, as the Python
// peer's handler.py). The server (server.js) feeds events in (a message arrived, the client
// half-closed, a send completed) and asks what to do next (nextOutput, wantsRecv, takeAbort,
// wakeMs). Time comes in as arguments; nothing here reads a clock or touches gRPC.

const crypto = require('crypto');
const control = require('./control');
const status = require('./status');
const { QUEUE_CAP, Member, Room } = require('./chat');

const MAX_BATCH_SIZE = 10000; // docs/peer-protocol.md, GetData validation
const DEFAULT_BATCH_SIZE = 10;
const INJECTED_FAILURE_MESSAGE = 'injected failure';
const MAX_CASE_CALLS = 4096; // distinct cases remembered for x-sc-fail-calls (as the C server)
const METHODS = Object.freeze(['GetData', 'SubscribeData', 'UploadFile', 'Chat']);
const REQUEST_TYPE_NAMES = Object.freeze({
  GetData: 'StreamRequest', SubscribeData: 'StreamRequest', UploadFile: 'UploadRequest', Chat: 'ChatMessage',
});

/** A deterministic uniform source in [0, 1) from a seed (mulberry32), or Math.random. */
function makeRandom(seed) {
  if (seed === null || seed === undefined) return Math.random;
  let a = Number(BigInt.asUintN(32, BigInt(seed)));
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Server-wide state the handlers share. */
class Env {
  constructor({ tickMs = 1000, maxUploadBytes = 2 ** 30, seed = null } = {}) {
    this.tickMs = tickMs;
    this.maxUploadBytes = maxUploadBytes;
    this.room = new Room();
    this.random = makeRandom(seed);
    this.fileCounter = 0;
    // Calls per x-sc-case for x-sc-fail-calls, oldest first (a Map keeps insertion order);
    // bounded as the C server's table.
    this.caseCalls = new Map();
  }

  /** Count one more call of the case (null counts as ""); returns its number, 1 first. */
  bumpCaseCalls(caseId) {
    const key = caseId || '';
    const n = (this.caseCalls.get(key) || 0) + 1;
    if (n === 1 && this.caseCalls.size >= MAX_CASE_CALLS) {
      this.caseCalls.delete(this.caseCalls.keys().next().value); // the oldest case makes room
    }
    this.caseCalls.set(key, n);
    return n;
  }
}

/** A StreamResponse object (proto field names) for request `req` and batch `seq`. */
function makeBatch(req, seq, random, wallNs) {
  const n = req.batch_size > 0 ? req.batch_size : DEFAULT_BATCH_SIZE;
  const points = [];
  for (let i = 0; i < n; i++) {
    points.push({
      id: `${req.subscription_id}-${seq}-${i}`,
      value: random() * 100,
      timestamp: String(wallNs),
      metadata: { topic: req.topics[i % req.topics.length] },
    });
  }
  return { sequence_number: seq, data_points: points };
}

class Handler {
  constructor(method, env, md, nowMs, member) {
    this.method = method;
    this.env = env;
    this.member = member || new Member();
    this.ctl = control.defaults();
    this.ctlOk = false;
    this.gateMs = nowMs;
    this.readySince = -1;
    this.wakeMs = -1;
    this.headersOut = false;
    this.statusOut = false;
    this.closed = false;
    this.aborted = false;
    this.finished = false;
    this.finalCode = status.OK;
    this.finalMessage = '';
    this.finalIsInjected = false;
    this.halfClosed = false;
    this.received = 0;
    this.sent = 0;
    this.request = null;
    this.unaryDone = false;
    this.haveMetadata = false;
    this.announcedSize = 0n;
    this.bytes = 0;
    this.sha = crypto.createHash('sha256');
    this.uploadResponseDue = false;
    try {
      this.ctl = control.parse(md);
    } catch (err) {
      if (!(err instanceof control.ControlError)) throw err;
      this.finish(status.INVALID_ARGUMENT, err.message);
      return;
    }
    this.ctlOk = true;
    if (this.ctl.fail && this.ctl.failCalls > 0) {
      // later calls of the case run without the failure
      this.ctl.fail = env.bumpCaseCalls(this.ctl.caseId) <= this.ctl.failCalls;
    }
    this.gateMs = nowMs + this.ctl.initialDelayMs;
    if (method === 'UploadFile' || method === 'Chat') this.maybeInjectFailure(0); // before any message
  }

  // ---- final status
  finish(code, message) {
    if (this.finished) return;
    this.finished = true;
    this.finalCode = code;
    this.finalMessage = message;
  }

  maybeInjectFailure(count) {
    if (!this.ctl.fail || count < this.ctl.failAfter || this.finished) return;
    this.finish(this.ctl.failCode, this.ctl.failMessage !== null ? this.ctl.failMessage : INJECTED_FAILURE_MESSAGE);
    this.finalIsInjected = true;
  }

  // ---- inputs
  wantsRecv() {
    if (!this.ctlOk || this.finished || this.halfClosed || this.closed) return false;
    if (this.method === 'GetData' || this.method === 'SubscribeData') return this.received === 0;
    return true;
  }

  /** A request message (a decoded protobufjs message, proto field names). */
  onMessage(msg, wallNs) {
    if (this.finished || this.closed) return;
    this.received += 1;
    if (this.method === 'GetData' || this.method === 'SubscribeData') this.onStreamRequest(msg);
    else if (this.method === 'UploadFile') this.onUpload(msg);
    else this.onChat(msg, wallNs);
  }

  onMalformed() {
    this.received += 1;
    this.finish(status.INTERNAL, `failed to parse ${REQUEST_TYPE_NAMES[this.method]}`);
  }

  onStreamRequest(req) {
    if (req.topics.length === 0) {
      this.finish(status.INVALID_ARGUMENT, 'topics must not be empty');
      return;
    }
    if (req.batch_size > MAX_BATCH_SIZE) {
      this.finish(status.INVALID_ARGUMENT, `batch_size must be at most ${MAX_BATCH_SIZE} (got ${req.batch_size})`);
      return;
    }
    this.request = req;
    // GetData fails before responding whatever N; SubscribeData: fail-after 0 = before batch 1.
    this.maybeInjectFailure(this.method === 'GetData' ? Number.MAX_SAFE_INTEGER : 0);
  }

  onUpload(req) {
    if (req.payload === 'metadata') {
      if (this.haveMetadata) {
        this.finish(status.INVALID_ARGUMENT, 'second metadata message');
        return;
      }
      this.haveMetadata = true;
      this.announcedSize = BigInt(String(req.metadata.total_size || 0));
    } else if (req.payload === 'chunk') {
      if (!this.haveMetadata) {
        this.finish(status.INVALID_ARGUMENT, 'chunk before metadata');
        return;
      }
      this.bytes += req.chunk.length;
      if (this.bytes > this.env.maxUploadBytes) {
        this.finish(status.RESOURCE_EXHAUSTED, `upload exceeds ${this.env.maxUploadBytes} bytes`);
        return;
      }
      this.sha.update(req.chunk);
    } else {
      this.finish(status.INVALID_ARGUMENT, 'message has neither metadata nor chunk');
      return;
    }
    this.maybeInjectFailure(this.received);
  }

  onChat(msg, wallNs) {
    const line = { userId: msg.user_id, content: msg.content, timestamp: String(msg.timestamp || 0) };
    if (this.member.joined) {
      this.env.room.broadcast(this.member, line, this.ctl.echo);
      return;
    }
    if (!msg.user_id) {
      this.finish(status.INVALID_ARGUMENT, 'first message must set user_id');
      return;
    }
    if (!this.env.room.join(this.member, msg.user_id, wallNs)) {
      const shown = Buffer.from(msg.user_id, 'utf8').subarray(0, 256).toString('utf8').replace(/\uFFFD+$/, '');
      this.finish(status.ALREADY_EXISTS, `user "${shown}" is already in the chat`);
      return;
    }
    if (this.ctl.echo) this.member.deliver(line); // the first message is not relayed, but echoed
  }

  onHalfClose(wallNs) {
    if (this.halfClosed || this.closed) return;
    this.halfClosed = true;
    if (this.finished) return;
    if (this.method === 'GetData' || this.method === 'SubscribeData') {
      if (this.received === 0) this.finish(status.INVALID_ARGUMENT, 'no request message');
    } else if (this.method === 'UploadFile') {
      this.finishUpload();
    } else {
      // Leave now so nothing new is queued; OK goes out once the queue is drained.
      this.env.room.leave(this.member, wallNs);
      this.finish(status.OK, '');
    }
  }

  finishUpload() {
    if (!this.haveMetadata) {
      this.finish(status.INVALID_ARGUMENT, 'stream ended without metadata');
    } else if (this.announcedSize > 0n && this.announcedSize !== BigInt(this.bytes)) {
      this.finish(status.DATA_LOSS, `received ${this.bytes} bytes but metadata announced ${this.announcedSize}`);
    } else {
      this.uploadResponseDue = true;
    }
  }

  /** A headers or message send completed. */
  onSent() {
    this.readySince = -1;
    if (!this.headersOut) {
      this.headersOut = true;
      return;
    }
    this.sent += 1;
    if (this.method === 'GetData' || this.method === 'UploadFile') {
      this.finish(status.OK, '');
    } else if (this.method === 'SubscribeData') {
      this.maybeInjectFailure(this.sent);
      if (this.ctl.maxResponses >= 0 && this.ctl.maxResponses <= this.sent) this.finish(status.OK, '');
    } else {
      this.maybeInjectFailure(this.sent);
    }
  }

  onClosed(wallNs) {
    this.closed = true;
    this.wakeMs = -1;
    this.env.room.leave(this.member, wallNs);
    this.member.clear();
  }

  // ---- outputs
  responseDelay() {
    if (this.ctl.responseDelayMs >= 0) return this.ctl.responseDelayMs;
    return this.method === 'SubscribeData' ? this.env.tickMs : 0;
  }

  messageAvailable() {
    switch (this.method) {
      case 'GetData':
        return this.request !== null && !this.unaryDone && !this.finished;
      case 'SubscribeData':
        return this.request !== null && !this.finished;
      case 'UploadFile':
        return this.uploadResponseDue;
      default:
        return this.member.length > 0 && !(this.finished && this.finalCode !== status.OK);
    }
  }

  /** The next response: { type: 'StreamResponse' | 'UploadResponse' | 'ChatMessage', body }. */
  takeMessage(wallNs) {
    if (this.method === 'GetData' || this.method === 'SubscribeData') {
      this.unaryDone = true;
      const seq = this.method === 'GetData' ? 0 : this.sent;
      return { type: 'StreamResponse', body: makeBatch(this.request, seq, this.env.random, wallNs) };
    }
    if (this.method === 'UploadFile') {
      this.uploadResponseDue = false;
      this.env.fileCounter += 1;
      return {
        type: 'UploadResponse',
        body: { file_id: `file-${wallNs}-${this.env.fileCounter}`, bytes_received: this.bytes, checksum: this.sha.digest('hex') },
      };
    }
    const line = this.member.pop();
    return { type: 'ChatMessage', body: { user_id: line.userId, content: line.content, timestamp: line.timestamp } };
  }

  takeStatus() {
    this.statusOut = true;
    this.wakeMs = -1;
    return { kind: 'status', code: this.finalCode, message: this.finalMessage };
  }

  /** null (nothing now; wakeMs says when to ask again, -1: on the next event),
   * {kind:'headers', metadata}, {kind:'message', type, body} or {kind:'status', code, message}. */
  nextOutput(nowMs, wallNs) {
    this.wakeMs = -1;
    if (this.statusOut || this.closed || this.aborted) return null;
    if (!this.ctlOk) return this.takeStatus(); // trailers-only: bad control metadata
    if (nowMs < this.gateMs) {
      this.wakeMs = this.gateMs;
      return null;
    }
    if (!this.headersOut && this.ctl.lazyHeaders && !this.messageAvailable()) {
      return this.finished ? this.takeStatus() : null; // trailers-only when it ends first
    }
    if (!this.headersOut) return { kind: 'headers', metadata: this.ctl.echoInitial.slice() };
    if (this.messageAvailable()) {
      if (this.readySince < 0) this.readySince = nowMs;
      const due = this.readySince + this.responseDelay();
      if (nowMs < due) {
        this.wakeMs = due;
        return null;
      }
      return { kind: 'message', ...this.takeMessage(wallNs) };
    }
    if (this.finished) return this.takeStatus();
    return null;
  }

  /** The slow-receiver end of a Chat stream, once, when its queue overflowed. */
  takeAbort(wallNs) {
    if (!this.member.overflowed || this.aborted || this.statusOut || this.closed) return null;
    this.aborted = true;
    this.finished = true;
    this.finalCode = status.RESOURCE_EXHAUSTED;
    this.finalMessage = `chat receiver too slow: more than ${QUEUE_CAP} messages queued`;
    this.env.room.leave(this.member, wallNs);
    this.member.clear();
    return { kind: 'status', code: this.finalCode, message: this.finalMessage };
  }

  trailingMetadata() {
    const out = this.ctl.echoTrailing.slice();
    if (this.finalIsInjected && this.ctl.retryPushbackMs >= 0) out.push(['grpc-retry-pushback-ms', String(this.ctl.retryPushbackMs)]);
    return out;
  }
}

module.exports = { MAX_BATCH_SIZE, DEFAULT_BATCH_SIZE, MAX_CASE_CALLS, METHODS, Env, Handler, makeBatch, makeRandom };
