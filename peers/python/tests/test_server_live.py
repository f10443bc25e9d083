"""The server peer as a process on port 0: chat with a stalled member (the others keep receiving,
the stalled one ends RESOURCE_EXHAUSTED), many live subscribers, and SIGTERM ending live streams
UNAVAILABLE "server shutting down". Every wait is bounded."""
import json
import os
import queue
import signal
import subprocess
import sys
import threading
import time
import unittest

import grpc
import streaming_pb2 as pb

PEER = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "peer.py")
FLOOD = 3000


class LiveServer:
    def __init__(self, *args: str) -> None:
        self.events_path = os.path.join(os.environ.get("TMPDIR", "/tmp"),
                                        f"sc-py-events-{os.getpid()}-{id(self)}.jsonl")
        self.proc = subprocess.Popen(
            [sys.executable, PEER, "server", "--port", "0", "--quiet", "--events",
             self.events_path, *args], stdout=subprocess.PIPE, env=os.environ.copy())
        lines: "queue.Queue[bytes]" = queue.Queue()
        threading.Thread(target=lambda: lines.put(self.proc.stdout.readline()), daemon=True).start()
        ready = json.loads(lines.get(timeout=20))
        self.port = ready["port"]

    def events(self) -> list[dict]:
        with open(self.events_path, encoding="utf-8") as f:
            return [json.loads(line) for line in f if line.strip()]

    def stop(self) -> int:
        if self.proc.poll() is not None and self.proc.stdout.closed:
            return self.proc.returncode
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
        try:
            return self.proc.wait(timeout=10)
        finally:
            if self.proc.poll() is None:
                self.proc.kill()
                self.proc.wait(timeout=5)
            self.proc.stdout.close()
            if os.path.exists(self.events_path):
                os.unlink(self.events_path)


def chat_stub(port: int, own: bool = False):
    # A connection of its own, without BDP probing: its flow-control window stays at 64 KiB, so
    # the server's queue for it fills instead of the transport buffers.
    opts = [("grpc.use_local_subchannel_pool", 1), ("grpc.http2.bdp_probe", 0)] if own else []
    channel = grpc.insecure_channel(f"127.0.0.1:{port}", options=opts)
    return channel, channel.stream_stream("/streaming.DataService/Chat",
                                          request_serializer=pb.ChatMessage.SerializeToString,
                                          response_deserializer=pb.ChatMessage.FromString)


def wait_until(cond, timeout: float = 20.0) -> bool:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if cond():
            return True
        time.sleep(0.02)
    return cond()


class ServerLiveTest(unittest.TestCase):
    def setUp(self) -> None:
        self.server = LiveServer("--tick-ms", "50")

    def tearDown(self) -> None:
        self.server.stop()

    def test_stalled_chat_member_does_not_stall_others(self) -> None:
        port = self.server.port
        stalled_ch, stalled = chat_stub(port, own=True)
        talk_done = threading.Event()

        def stalled_requests():
            yield pb.ChatMessage(user_id="stalled")
            talk_done.wait(30)
        stalled_call = stalled(stalled_requests(), timeout=30,
                               metadata=(("x-sc-case", "stalled"),))
        seen = {"from_talker": 0, "stalled_left": False}
        listen_ch, listen = chat_stub(port)
        listen_queue: "queue.Queue[pb.ChatMessage]" = queue.Queue()

        def listener_requests():
            yield pb.ChatMessage(user_id="listener")
            talk_done.wait(30)

        def read_listener():
            try:
                for msg in listen(listener_requests(), timeout=30):
                    listen_queue.put(msg)
            except grpc.RpcError:
                pass
        threading.Thread(target=read_listener, daemon=True).start()

        def count():
            while True:
                try:
                    msg = listen_queue.get_nowait()
                except queue.Empty:
                    return
                if msg.user_id == "talker":
                    seen["from_talker"] += 1
                if msg.content == "stalled left the chat":
                    seen["stalled_left"] = True
        self.assertTrue(wait_until(lambda: any(e["event"] == "message_received" and e["method"] == "Chat"
                                               for e in self.server.events()) and len(
            [e for e in self.server.events() if e["event"] == "message_received"]) >= 2))
        talker_ch, talker = chat_stub(port)
        msgs = [pb.ChatMessage(user_id="talker")] + [
            pb.ChatMessage(user_id="talker", content=f"m{i}" + "x" * 1024) for i in range(FLOOD)]
        for _ in talker(iter(msgs), timeout=30):
            pass
        self.assertTrue(wait_until(lambda: (count(), seen["from_talker"] == FLOOD and seen["stalled_left"])[1]),
                        f"listener saw {seen}")
        talk_done.set()
        stalled_events = [e for e in self.server.events() if e["case"] == "stalled"]
        self.assertTrue(any(e["event"] == "status_sent" and e["case"] == "stalled"
                            and e["code"] == "RESOURCE_EXHAUSTED"
                            and e["message"] == "chat receiver too slow: more than 1024 messages queued"
                            for e in stalled_events), stalled_events[-5:])
        stalled_call.cancel()
        for ch in (stalled_ch, listen_ch, talker_ch):
            ch.close()

    def test_many_subscribers_then_sigterm(self) -> None:
        channel = grpc.insecure_channel(f"127.0.0.1:{self.server.port}")
        sub = channel.unary_stream("/streaming.DataService/SubscribeData",
                                   request_serializer=pb.StreamRequest.SerializeToString,
                                   response_deserializer=pb.StreamResponse.FromString)
        n = 200
        results: "queue.Queue[tuple[grpc.StatusCode, str, int]]" = queue.Queue()

        def run():
            got = 0
            call = sub(pb.StreamRequest(topics=["t"], batch_size=1), timeout=30)
            try:
                for _ in call:
                    got += 1
            except grpc.RpcError:
                pass
            results.put((call.code(), call.details(), got))
        for _ in range(n):
            threading.Thread(target=run, daemon=True).start()
        self.assertTrue(wait_until(lambda: len({e["call"] for e in self.server.events()
                                                 if e["event"] == "message_sent"}) == n))
        start = time.monotonic()
        self.assertEqual(self.server.stop(), 0)
        self.assertLess(time.monotonic() - start, 8)
        for _ in range(n):
            code, details, got = results.get(timeout=10)
            self.assertEqual((code, details), (grpc.StatusCode.UNAVAILABLE, "server shutting down"))
            self.assertGreaterEqual(got, 1)
        channel.close()


if __name__ == "__main__":
    unittest.main()
