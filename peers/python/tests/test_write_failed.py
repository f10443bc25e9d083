"""Server._await_cancel: a write that failed waits (bounded) for grpc.aio to cancel the handler's
task, so the cancellation, not the write's error, ends the call and the log says how it ended."""
import asyncio
import time
import types
import unittest

from streamconform_peer import server


CALL = types.SimpleNamespace(id=7)


class Stub:
    def diag(self, _level: int, _text: str) -> None:
        pass


class AwaitCancelTest(unittest.TestCase):
    def test_the_cancel_that_follows_ends_the_wait(self) -> None:
        async def scenario() -> float:
            task = asyncio.ensure_future(
                server.PeerServer._await_cancel(Stub(), CALL, RuntimeError("batch failed")))
            await asyncio.sleep(0.01)
            t0 = time.monotonic()
            task.cancel()  # what grpc.aio does when the core reports the client's cancel
            with self.assertRaises(asyncio.CancelledError):
                await task
            return time.monotonic() - t0

        self.assertLess(asyncio.run(scenario()), 0.5)

    def test_bounded_without_a_cancel(self) -> None:
        saved = server.WRITE_FAILED_WAIT_S
        server.WRITE_FAILED_WAIT_S = 0.05
        try:
            t0 = time.monotonic()
            asyncio.run(server.PeerServer._await_cancel(Stub(), CALL, RuntimeError("x")))
            self.assertGreaterEqual(time.monotonic() - t0, 0.05)
            self.assertLess(time.monotonic() - t0, 1.0)
        finally:
            server.WRITE_FAILED_WAIT_S = saved


if __name__ == "__main__":
    unittest.main()
