"""The reconnect schedule and decisions, with an injected random source."""
import unittest

from streamconform_peer import backoff, status


def source(*values: float):
    it = iter(values)
    return lambda: next(it)


class BackoffTest(unittest.TestCase):
    def test_schedule_without_jitter_effect(self) -> None:
        b = backoff.Backoff(backoff.BackoffPolicy(1000, 1.6, 0.2, 3000), source(*[0.5] * 6))
        self.assertEqual([b.next_delay_ms() for _ in range(5)], [1000, 1600, 2560, 3000, 3000])
        b.reset()
        self.assertEqual(b.next_delay_ms(), 1000)

    def test_jitter_bounds(self) -> None:
        b = backoff.Backoff(backoff.BackoffPolicy(1000, 2.0, 0.2, 10**6), source(0.0, 0.999999, 2.0))
        self.assertEqual(b.next_delay_ms(), 800)    # u = 0: 1 - jitter
        self.assertEqual(b.next_delay_ms(), 2400)   # u -> 1: 1 + jitter
        self.assertEqual(b.next_delay_ms(), 4000)   # a broken source counts as 0.5

    def test_decisions(self) -> None:
        p = backoff.ReconnectPolicy(max_attempts=3)
        self.assertEqual(backoff.decide(status.OK, p, 1, False).action, backoff.STOP)
        self.assertEqual(backoff.decide(status.CANCELLED, p, 1, False).action, backoff.STOP)
        self.assertEqual(backoff.decide(status.INTERNAL, p, 1, False).action, backoff.STOP)
        self.assertEqual(backoff.decide(status.UNAVAILABLE, p, 1, False).action, backoff.RETRY_BACKOFF)
        self.assertEqual(backoff.decide(status.UNAVAILABLE, p, 3, False).action, backoff.STOP)
        self.assertEqual(backoff.decide(status.RESOURCE_EXHAUSTED, p, 1, False).action,
                         backoff.RETRY_EXHAUSTED)

    def test_waits_and_reset_after_a_delivering_attempt(self) -> None:
        p = backoff.ReconnectPolicy(backoff.BackoffPolicy(100, 2.0, 0.0, 1000), 5000, 0)
        s = backoff.Backoff(p.backoff, lambda: 0.5)
        wait = lambda code, delivered: backoff.wait_ms(backoff.decide(code, p, 1, delivered), p, s)
        self.assertEqual(wait(status.UNAVAILABLE, False), 100)
        self.assertEqual(wait(status.DEADLINE_EXCEEDED, False), 200)
        self.assertEqual(wait(status.RESOURCE_EXHAUSTED, False), 5000)  # does not advance
        self.assertEqual(wait(status.UNAVAILABLE, False), 400)
        self.assertEqual(wait(status.UNAVAILABLE, True), 100)  # started over
        self.assertEqual(wait(status.OK, False), -1)

    def test_pushback_parse(self) -> None:
        self.assertEqual(backoff.parse_pushback(None), backoff.PUSHBACK_NONE)
        self.assertEqual(backoff.parse_pushback("250"), 250)
        self.assertEqual(backoff.parse_pushback("0"), 0)
        self.assertEqual(backoff.parse_pushback("2147483647"), 2147483647)
        for bad in ("2147483648", "-1", "1.5", " 5", "", "soon", "\u0661"):
            self.assertEqual(backoff.parse_pushback(bad), backoff.PUSHBACK_INVALID, bad)

    def test_honored_pushback(self) -> None:
        p = backoff.ReconnectPolicy(backoff.BackoffPolicy(100, 2.0, 0.0, 1000), 5000, 3,
                                    honor_pushback=True)
        s = backoff.Backoff(p.backoff, lambda: 0.5)
        wait = lambda code, pb, n=1: backoff.wait_ms(backoff.decide(code, p, n, False, pb), p, s)
        self.assertEqual(wait(status.UNAVAILABLE, backoff.PUSHBACK_NONE), 100)
        self.assertEqual(wait(status.UNAVAILABLE, backoff.PUSHBACK_NONE), 200)
        self.assertEqual(wait(status.UNAVAILABLE, 250), 250)
        self.assertEqual(wait(status.UNAVAILABLE, backoff.PUSHBACK_NONE), 100)  # started over
        self.assertEqual(wait(status.RESOURCE_EXHAUSTED, 0), 0)  # overrides the fixed pause
        self.assertEqual(wait(status.UNAVAILABLE, backoff.PUSHBACK_INVALID), -1)  # stop
        self.assertEqual(wait(status.INTERNAL, 10), -1)  # never revives a final code
        self.assertEqual(wait(status.UNAVAILABLE, 10, 3), -1)  # nor used-up attempts

    def test_pushback_ignored_by_default(self) -> None:
        p = backoff.ReconnectPolicy(backoff.BackoffPolicy(100, 2.0, 0.0, 1000), 5000, 3)
        self.assertEqual(backoff.decide(status.UNAVAILABLE, p, 1, False, 250).action,
                         backoff.RETRY_BACKOFF)
        self.assertEqual(backoff.decide(status.UNAVAILABLE, p, 1, False,
                                        backoff.PUSHBACK_INVALID).action, backoff.RETRY_BACKOFF)


if __name__ == "__main__":
    unittest.main()
