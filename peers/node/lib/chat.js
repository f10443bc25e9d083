'use strict';
// The one Chat room (as server/sc_chat.c): members with bounded outbound queues, join/leave
// notices from "system", relaying to every other member, overflow marks a slow receiver. Pure:
// no I/O; a member's notify() is called whenever something was delivered to it.

const QUEUE_CAP = 1024; // docs/peer-protocol.md: a member's outbound queue
const SYSTEM_USER = 'system';

class Member {
  constructor(notify) {
    this.notify = notify || (() => {});
    this.userId = null;
    this.joined = false;
    this.overflowed = false;
    this.queue = [];
    this.head = 0; // queue[head..] is pending (an index, so pop is O(1))
  }

  get length() {
    return this.queue.length - this.head;
  }

  deliver(line) {
    if (!this.overflowed) {
      if (this.length >= QUEUE_CAP) this.overflowed = true;
      else this.queue.push(line);
    }
    this.notify();
  }

  pop() {
    if (this.length === 0) return null;
    const line = this.queue[this.head];
    this.queue[this.head] = undefined;
    this.head += 1;
    if (this.head > 256 && this.head * 2 > this.queue.length) {
      this.queue = this.queue.slice(this.head);
      this.head = 0;
    }
    return line;
  }

  clear() {
    this.queue = [];
    this.head = 0;
  }
}

class Room {
  constructor() {
    this.members = [];
  }

  get size() {
    return this.members.length;
  }

  broadcast(sender, line, echoToSender = false) {
    for (const m of this.members.slice()) if (m !== sender || echoToSender) m.deliver(line);
  }

  /** false when a live member already has this user id. */
  join(member, userId, wallNs) {
    if (this.members.some((m) => m.userId === userId)) return false;
    member.userId = userId;
    member.joined = true;
    this.members.unshift(member);
    this.announce(member, 'joined', wallNs);
    return true;
  }

  leave(member, wallNs) {
    if (!member.joined) return;
    member.joined = false;
    this.members = this.members.filter((m) => m !== member);
    this.announce(member, 'left', wallNs);
  }

  announce(about, verb, wallNs) {
    this.broadcast(about, { userId: SYSTEM_USER, content: `${about.userId} ${verb} the chat`, timestamp: wallNs });
  }
}

module.exports = { QUEUE_CAP, SYSTEM_USER, Member, Room };
