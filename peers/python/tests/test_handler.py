"""The per-call logic (a port of the C handler), driven without gRPC."""
import unittest

import streaming_pb2 as pb

from streamconform_peer import handler, status
from streamconform_peer.handler import Env, Handler, Headers, Message, Status


def drain(h: Handler, now: int = 0) -> list:
    outs = []
    while True:
        out = h.next_output(now, 1)
        if out is None:
            return outs
        outs.append(out)
        if isinstance(out, Status):
            return outs
        h.on_sent()


class HandlerTest(unittest.TestCase):
    def test_get_data(self) -> None:
        h = Handler("GetData", Env(seed=1), [("x-grpc-test-echo-initial", "e")], 0)
        self.assertIsInstance(drain(h)[0], Headers)
        h.on_message(pb.StreamRequest(subscription_id="s", topics=["a", "b"], batch_size=3), 1)
        outs = drain(h)
        resp = outs[0].message
        self.assertEqual([p.id for p in resp.data_points], ["s-0-0", "s-0-1", "s-0-2"])
        self.assertEqual([p.metadata["topic"] for p in resp.data_points], ["a", "b", "a"])
        self.assertEqual(outs[1], Status(status.OK, ""))

    def test_validation_and_bad_control(self) -> None:
        h = Handler("GetData", Env(), [], 0)
        h.on_message(pb.StreamRequest(topics=["a"], batch_size=10001), 1)
        self.assertEqual(drain(h)[-1], Status(3, "batch_size must be at most 10000 (got 10001)"))
        h = Handler("GetData", Env(), [("x-sc-echo", "x")], 0)
        self.assertEqual(drain(h), [Status(3, 'x-sc-echo: expected true or false, got "x"')])

    def test_subscribe_tick_max_and_failure(self) -> None:
        env = Env(tick_ms=100)
        h = Handler("SubscribeData", env, [("x-sc-max-responses", "2")], 0)
        drain(h)
        h.on_message(pb.StreamRequest(topics=["a"]), 1)
        self.assertEqual(drain(h, 0), [])
        self.assertEqual(h.wake_ms, 100)
        self.assertIsInstance(drain(h, 100)[0], Message)
        outs = drain(h, 200)
        self.assertEqual(outs[0].message.sequence_number, 1)
        self.assertEqual(outs[1], Status(status.OK, ""))
        h = Handler("SubscribeData", env, [("x-sc-fail-code", "14"), ("x-sc-fail-after", "1"),
                                           ("x-sc-max-responses", "1"), ("x-sc-retry-pushback-ms", "9")], 0)
        drain(h)
        h.on_message(pb.StreamRequest(topics=["a"]), 1)
        self.assertEqual(drain(h, 0), [])
        self.assertEqual(drain(h, 100)[-1], Status(14, "injected failure"))  # failure wins
        self.assertIn(("grpc-retry-pushback-ms", "9"), h.trailing_metadata())

    def test_fail_calls_fails_only_the_first_calls_of_a_case(self) -> None:
        env = Env()

        def code(case: str) -> int:
            h = Handler("GetData", env, [("x-sc-case", case), ("x-sc-fail-code", "UNAVAILABLE"),
                                         ("x-sc-fail-calls", "2")], 0)
            drain(h)
            h.on_message(pb.StreamRequest(topics=["a"]), 0)
            return drain(h, 0)[-1].code

        U = status.UNAVAILABLE
        self.assertEqual([code(c) for c in "abaaabb"], [U, U, U, status.OK, status.OK, U, status.OK])

    def test_case_calls_bounded(self) -> None:
        env = Env()
        for i in range(handler.MAX_CASE_CALLS):
            self.assertEqual(env.bump_case_calls(f"case-{i}"), 1)
        self.assertEqual(env.bump_case_calls("case-1"), 2)
        self.assertEqual(env.bump_case_calls(None), 1)  # full: replaces case-0, the oldest
        self.assertEqual(len(env.case_calls), handler.MAX_CASE_CALLS)
        self.assertEqual(env.bump_case_calls("case-0"), 1)  # forgotten: starts over
        self.assertEqual(env.bump_case_calls("case-2"), 2)

    def test_upload(self) -> None:
        h = Handler("UploadFile", Env(), [], 0)
        h.on_message(pb.UploadRequest(metadata=pb.FileMetadata(total_size=3)), 1)
        h.on_message(pb.UploadRequest(chunk=b"ab"), 1)
        h.on_message(pb.UploadRequest(chunk=b"c"), 1)
        h.on_half_close(1)
        outs = drain(h)
        self.assertEqual(outs[1].message.checksum,
                         "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        self.assertEqual(outs[1].message.bytes_received, 3)
        h = Handler("UploadFile", Env(), [], 0)
        h.on_message(pb.UploadRequest(metadata=pb.FileMetadata(total_size=5)), 1)
        h.on_half_close(1)
        self.assertEqual(drain(h)[-1], Status(status.DATA_LOSS, "received 0 bytes but metadata announced 5"))
        h = Handler("UploadFile", Env(), [], 0)
        h.on_half_close(1)
        self.assertEqual(drain(h)[-1], Status(3, "stream ended without metadata"))
        h = Handler("UploadFile", Env(max_upload_bytes=1), [], 0)
        h.on_message(pb.UploadRequest(metadata=pb.FileMetadata()), 1)
        h.on_message(pb.UploadRequest(chunk=b"ab"), 1)
        self.assertEqual(drain(h)[-1], Status(8, "upload exceeds 1 bytes"))

    def test_chat_duplicate_and_slow_receiver(self) -> None:
        env = Env()
        a = Handler("Chat", env, [], 0)
        a.on_message(pb.ChatMessage(user_id="a"), 1)
        b = Handler("Chat", env, [], 0)
        b.on_message(pb.ChatMessage(user_id="a"), 1)
        self.assertEqual(drain(b)[-1], Status(6, 'user "a" is already in the chat'))
        c = Handler("Chat", env, [], 0)
        c.on_message(pb.ChatMessage(user_id="c"), 1)
        for i in range(handler.QUEUE_CAP + 1):
            c.on_message(pb.ChatMessage(user_id="c", content=str(i)), 1)
        self.assertEqual(a.take_abort(1), Status(8, "chat receiver too slow: more than 1024 messages queued"))
        self.assertEqual(len(env.room), 1)


if __name__ == "__main__":
    unittest.main()
