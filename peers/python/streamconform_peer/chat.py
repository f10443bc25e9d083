"""The one Chat room (as server/sc_chat.c): members with bounded outbound queues, join/leave
notices from "system", relaying to every other member, overflow marks a slow receiver. Pure: no
I/O; a member's `notify` is called whenever something was delivered to it."""
from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field
from typing import Callable, Optional

QUEUE_CAP = 1024
SYSTEM_USER = "system"


@dataclass(frozen=True)
class ChatLine:
    user_id: str
    content: str
    timestamp: int


def _nothing() -> None:
    return None


@dataclass(eq=False)
class Member:
    notify: Callable[[], None] = _nothing
    user_id: Optional[str] = None
    joined: bool = False
    overflowed: bool = False
    queue: deque[ChatLine] = field(default_factory=deque)

    def deliver(self, line: ChatLine) -> None:
        if not self.overflowed:
            if len(self.queue) >= QUEUE_CAP:
                self.overflowed = True
            else:
                self.queue.append(line)
        self.notify()

    def pop(self) -> Optional[ChatLine]:
        return self.queue.popleft() if self.queue else None

    def clear(self) -> None:
        self.queue.clear()


class Room:
    def __init__(self) -> None:
        self._members: list[Member] = []

    def __len__(self) -> int:
        return len(self._members)

    def broadcast(self, sender: Member, line: ChatLine, echo_to_sender: bool = False) -> None:
        for member in list(self._members):
            if member is not sender or echo_to_sender:
                member.deliver(line)

    def join(self, member: Member, user_id: str, wall_ns: int) -> bool:
        """False when a live member already has this user id."""
        if any(m.user_id == user_id for m in self._members):
            return False
        member.user_id = user_id
        member.joined = True
        self._members.insert(0, member)
        self._announce(member, "joined", wall_ns)
        return True

    def leave(self, member: Member, wall_ns: int) -> None:
        if not member.joined:
            return
        member.joined = False
        self._members.remove(member)
        self._announce(member, "left", wall_ns)

    def _announce(self, about: Member, verb: str, wall_ns: int) -> None:
        line = ChatLine(SYSTEM_USER, f"{about.user_id} {verb} the chat", wall_ns)
        self.broadcast(about, line)
