"""Server._cancel_follows: an end of the request stream is a half-close only once the cancel had
its time and its turns of the event loop to arrive."""
import asyncio
import unittest

from streamconform_peer import server


class FakeContext:
    """cancelled() turns true after `after` looks (None: never)."""

    def __init__(self, after):
        self.after = after
        self.looks = 0

    def cancelled(self) -> bool:
        self.looks += 1
        return self.after is not None and self.looks > self.after

    def done(self) -> bool:
        return False


class CancelFollowsTest(unittest.TestCase):
    def test_a_late_cancel_is_seen(self) -> None:
        ctx = FakeContext(after=15)  # the cancel shows up on the 16th turn
        self.assertTrue(asyncio.run(server.PeerServer._cancel_follows(ctx)))

    def test_a_half_close_after_enough_turns_and_time(self) -> None:
        ctx = FakeContext(after=None)
        self.assertFalse(asyncio.run(server.PeerServer._cancel_follows(ctx)))
        self.assertGreaterEqual(ctx.looks, server.HALF_CLOSE_CONFIRM_TURNS)

    def test_bounded_however_slow_the_loop(self) -> None:
        async def slow() -> bool:
            real_sleep = asyncio.sleep

            async def crawl(_s):
                await real_sleep(0.05)  # a loop this slow: 50 ms per turn

            server.asyncio.sleep = crawl
            try:
                return await server.PeerServer._cancel_follows(FakeContext(after=None))
            finally:
                server.asyncio.sleep = real_sleep

        loop_start = asyncio.new_event_loop()
        try:
            t0 = loop_start.time()
            self.assertFalse(loop_start.run_until_complete(slow()))
            self.assertLess(loop_start.time() - t0, server.HALF_CLOSE_CONFIRM_MAX_S + 0.2)
        finally:
            loop_start.close()


if __name__ == "__main__":
    unittest.main()
