"""Control metadata parsing: the same values and error texts as server/sc_control.c."""
import unittest

from streamconform_peer import control


class ControlTest(unittest.TestCase):
    def test_defaults(self) -> None:
        ctl = control.parse([("user-agent", "x")])
        self.assertIsNone(ctl.case_id)
        self.assertEqual((ctl.initial_delay_ms, ctl.response_delay_ms, ctl.max_responses), (0, -1, -1))
        self.assertFalse(ctl.fail)
        self.assertEqual((ctl.fail_after, ctl.retry_pushback_ms, ctl.echo), (0, -1, False))

    def test_values(self) -> None:
        ctl = control.parse([
            ("x-sc-case", "c1"), ("x-sc-initial-delay-ms", "5"), ("x-sc-response-delay-ms", "0"),
            ("x-sc-max-responses", "1000000000"), ("x-sc-fail-code", "resource_exhausted"),
            ("x-sc-fail-message", "a%20b%zz%E2%9C%93%"), ("x-sc-fail-after", "3"),
            ("x-sc-retry-pushback-ms", "7"), ("x-sc-echo", "On"),
            ("x-grpc-test-echo-initial", "v1"), ("x-grpc-test-echo-initial", "v2"),
            ("x-grpc-test-echo-trailing-bin", b"\x00\x01")])
        self.assertEqual(ctl.case_id, "c1")
        self.assertEqual((ctl.initial_delay_ms, ctl.response_delay_ms, ctl.max_responses), (5, 0, 10**9))
        self.assertTrue(ctl.fail)
        self.assertEqual(ctl.fail_code, 8)
        self.assertEqual(ctl.fail_message, "a b%zz\u2713%")
        self.assertEqual((ctl.fail_after, ctl.retry_pushback_ms, ctl.echo), (3, 7, True))
        self.assertEqual([v for _, v in ctl.echo_initial], ["v1", "v2"])
        self.assertEqual(ctl.echo_trailing, [("x-grpc-test-echo-trailing-bin", b"\x00\x01")])

    def test_fail_code_numbers(self) -> None:
        self.assertEqual(control.parse([("x-sc-fail-code", "14")]).fail_code, 14)
        self.assertEqual(control.parse([("x-sc-fail-code", "016")]).fail_code, 16)
        self.assertEqual(control.parse([("x-sc-fail-code", "0")]).fail_code, 0)

    def test_first_entry_wins(self) -> None:
        self.assertEqual(control.parse([("x-sc-fail-after", "1"), ("x-sc-fail-after", "x")]).fail_after, 1)

    def test_errors(self) -> None:
        table = [
            ("x-sc-max-responses", "ten",
             'x-sc-max-responses: expected a whole number from 0 to 1000000000, got "ten"'),
            ("x-sc-initial-delay-ms", "3600001",
             'x-sc-initial-delay-ms: expected a whole number from 0 to 3600000, got "3600001"'),
            ("x-sc-response-delay-ms", "-1",
             'x-sc-response-delay-ms: expected a whole number from 0 to 3600000, got "-1"'),
            ("x-sc-fail-after", " 1",
             'x-sc-fail-after: expected a whole number from 0 to 1000000000, got " 1"'),
            ("x-sc-fail-calls", "-1",
             'x-sc-fail-calls: expected a whole number from 0 to 1000000000, got "-1"'),
            ("x-sc-retry-pushback-ms", "",
             'x-sc-retry-pushback-ms: expected a whole number from 0 to 3600000, got ""'),
            ("x-sc-fail-code", "BOGUS",
             'x-sc-fail-code: unknown status code "BOGUS" (use a name like UNAVAILABLE or 0-16)'),
            ("x-sc-fail-code", "17",
             'x-sc-fail-code: unknown status code "17" (use a name like UNAVAILABLE or 0-16)'),
            ("x-sc-fail-code", "+1",
             'x-sc-fail-code: unknown status code "+1" (use a name like UNAVAILABLE or 0-16)'),
            ("x-sc-echo", "maybe", 'x-sc-echo: expected true or false, got "maybe"'),
            ("x-sc-case", "c" * 4097, "x-sc-case: longer than 4096 bytes"),
            ("x-sc-fail-message", "m" * 4097, "x-sc-fail-message: longer than 4096 bytes"),
        ]
        for key, value, text in table:
            with self.subTest(key=key, value=value[:10]):
                with self.assertRaises(control.ControlError) as caught:
                    control.parse([(key, value)])
                self.assertEqual(str(caught.exception), text)

    def test_value_quoted_at_most_64_bytes(self) -> None:
        with self.assertRaises(control.ControlError) as caught:
            control.parse([("x-sc-fail-after", "9" * 100)])
        self.assertIn('got "' + "9" * 64 + '"', str(caught.exception))

    def test_order_of_checks(self) -> None:
        # The C server checks the delay keys before the fail code: the same key is reported.
        with self.assertRaises(control.ControlError) as caught:
            control.parse([("x-sc-fail-code", "BOGUS"), ("x-sc-initial-delay-ms", "x")])
        self.assertTrue(str(caught.exception).startswith("x-sc-initial-delay-ms:"))

    def test_compress_responses(self) -> None:
        self.assertEqual(control.parse([]).compress_responses, "identity")
        ctl = control.parse([("x-sc-compress-responses", b"gzip")])
        self.assertEqual(ctl.compress_responses, "gzip")
        with self.assertRaises(control.ControlError) as caught:
            control.parse([("x-sc-compress-responses", b"snappy")])
        self.assertEqual(str(caught.exception),
                         'x-sc-compress-responses: expected gzip, deflate or identity, got "snappy"')

    def test_no_compress_responses(self) -> None:
        ctl = control.parse([("x-sc-no-compress-responses", b"0,2")])
        self.assertEqual(ctl.no_compress_responses, frozenset({0, 2}))
        for bad in (b"", b"1,", b"64", b"a", b"-1"):
            with self.assertRaises(control.ControlError) as caught:
                control.parse([("x-sc-no-compress-responses", bad)])
            self.assertTrue(str(caught.exception).startswith(
                "x-sc-no-compress-responses: expected response indices 0-63 separated by commas"))

    def test_parse_count(self) -> None:
        self.assertEqual(control.parse_count(b"0", 5), 0)
        self.assertEqual(control.parse_count(b"5", 5), 5)
        self.assertIsNone(control.parse_count(b"6", 5))
        self.assertIsNone(control.parse_count(b"", 5))
        self.assertIsNone(control.parse_count(b"1e3", 5000))


if __name__ == "__main__":
    unittest.main()
