"""The chat room: join/leave notices, relaying to others only, duplicate users, overflow."""
import unittest

from streamconform_peer.chat import QUEUE_CAP, ChatLine, Member, Room


class ChatTest(unittest.TestCase):
    def test_join_leave_relay(self) -> None:
        room = Room()
        a, b = Member(), Member()
        self.assertTrue(room.join(a, "alice", 1))
        self.assertEqual(list(a.queue), [])  # nobody else was there
        self.assertTrue(room.join(b, "bob", 2))
        self.assertEqual(a.pop(), ChatLine("system", "bob joined the chat", 2))
        room.broadcast(b, ChatLine("bob", "hi", 3))
        self.assertEqual(a.pop(), ChatLine("bob", "hi", 3))
        self.assertIsNone(b.pop())  # never back to the sender
        room.broadcast(b, ChatLine("bob", "echo", 4), echo_to_sender=True)
        self.assertEqual(b.pop(), ChatLine("bob", "echo", 4))
        self.assertEqual(a.pop(), ChatLine("bob", "echo", 4))
        room.leave(b, 5)
        self.assertEqual(a.pop(), ChatLine("system", "bob left the chat", 5))
        room.leave(b, 6)  # idempotent
        self.assertEqual(len(room), 1)

    def test_duplicate_user(self) -> None:
        room = Room()
        self.assertTrue(room.join(Member(), "u", 0))
        self.assertFalse(room.join(Member(), "u", 0))

    def test_overflow_marks_only_the_full_member(self) -> None:
        room = Room()
        slow, fast, talker = Member(), Member(), Member()
        woken = []
        slow.notify = lambda: woken.append("slow")
        for m, name in ((slow, "slow"), (fast, "fast"), (talker, "talker")):
            room.join(m, name, 0)
        slow.clear()
        fast.clear()
        for i in range(QUEUE_CAP + 1):
            room.broadcast(talker, ChatLine("talker", str(i), 0))
            fast.pop()
        self.assertTrue(slow.overflowed)
        self.assertEqual(len(slow.queue), QUEUE_CAP)
        self.assertFalse(fast.overflowed)
        self.assertTrue(woken)


if __name__ == "__main__":
    unittest.main()
