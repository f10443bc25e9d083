'use strict';
// The chat room: join/leave notices, relaying to the others, a full queue marks only its member;
// and the handler's room semantics (echo, duplicate user, x-sc-fail-calls table).
const test = require('node:test');
const assert = require('node:assert/strict');
const { QUEUE_CAP, Member, Room } = require('../lib/chat');
const { Env, Handler, MAX_CASE_CALLS } = require('../lib/handler');
const status = require('../lib/status');

const contents = (m) => m.queue.slice(m.head).map((l) => `${l.userId}:${l.content}`);

test('join, relay to the others, leave', () => {
  const room = new Room();
  const a = new Member();
  const b = new Member();
  assert.equal(room.join(a, 'alice', 1), true);
  assert.equal(room.join(b, 'bob', 2), true);
  assert.deepEqual(contents(a), ['system:bob joined the chat']);
  assert.deepEqual(contents(b), []);
  room.broadcast(a, { userId: 'alice', content: 'hi', timestamp: '0' });
  assert.deepEqual(contents(b), ['alice:hi']);
  assert.equal(contents(a).length, 1); // never back to its sender
  room.leave(a, 3);
  assert.deepEqual(contents(b), ['alice:hi', 'system:alice left the chat']);
  assert.equal(room.size, 1);
});

test('a second live stream with the same user is refused', () => {
  const room = new Room();
  assert.equal(room.join(new Member(), 'u', 0), true);
  assert.equal(room.join(new Member(), 'u', 0), false);
});

test('overflow marks only the full member', () => {
  const room = new Room();
  const slow = new Member();
  const fast = new Member();
  room.join(slow, 'slow', 0);
  room.join(fast, 'fast', 0);
  const sender = new Member();
  room.join(sender, 'sender', 0);
  for (let i = 0; i <= QUEUE_CAP + 1; i++) {
    room.broadcast(sender, { userId: 'sender', content: String(i), timestamp: '0' });
    while (fast.length) fast.pop();
  }
  assert.equal(slow.overflowed, true);
  assert.equal(fast.overflowed, false);
});

test('handler: echo returns the first message, a duplicate user ends ALREADY_EXISTS', () => {
  const env = new Env();
  const h = new Handler('Chat', env, [['x-sc-echo', 'yes']], 0);
  assert.deepEqual(h.nextOutput(0, 0n), { kind: 'headers', metadata: [] });
  h.onSent();
  h.onMessage({ user_id: 'u', content: 'first', timestamp: 0 }, 0n);
  const out = h.nextOutput(0, 0n);
  assert.equal(out.kind, 'message');
  assert.equal(out.body.content, 'first');
  const dup = new Handler('Chat', env, [], 0);
  dup.onMessage({ user_id: 'u', content: '', timestamp: 0 }, 0n);
  dup.nextOutput(0, 0n);
  dup.onSent();
  assert.deepEqual(dup.nextOutput(0, 0n), { kind: 'status', code: status.ALREADY_EXISTS, message: 'user "u" is already in the chat' });
});

test('handler: slow receiver ends RESOURCE_EXHAUSTED once', () => {
  const env = new Env();
  const slow = new Handler('Chat', env, [], 0);
  slow.onMessage({ user_id: 'slow', content: '', timestamp: 0 }, 0n);
  const sender = new Handler('Chat', env, [], 0);
  sender.onMessage({ user_id: 's', content: '', timestamp: 0 }, 0n);
  for (let i = 0; i <= QUEUE_CAP; i++) sender.onMessage({ user_id: 's', content: String(i), timestamp: 0 }, 0n);
  assert.deepEqual(slow.takeAbort(0n), { kind: 'status', code: status.RESOURCE_EXHAUSTED, message: 'chat receiver too slow: more than 1024 messages queued' });
  assert.equal(slow.takeAbort(0n), null);
});

test('x-sc-fail-calls: only the first N calls of a case fail; the table is bounded', () => {
  const env = new Env();
  const md = [['x-sc-case', 'k'], ['x-sc-fail-code', 'UNAVAILABLE'], ['x-sc-fail-calls', '2']];
  const fails = [1, 2, 3].map(() => new Handler('GetData', env, md, 0).ctl.fail);
  assert.deepEqual(fails, [true, true, false]);
  for (let i = 0; i < MAX_CASE_CALLS; i++) env.bumpCaseCalls(`other-${i}`);
  assert.equal(env.caseCalls.size, MAX_CASE_CALLS);
  assert.equal(env.caseCalls.has('k'), false); // the oldest case was forgotten: it starts over
  assert.equal(new Handler('GetData', env, md, 0).ctl.fail, true);
});
