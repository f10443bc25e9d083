"""Instruction validation: JSON paths and texts as client/sc_client_instr.c."""
import json
import unittest

from streamconform_peer import instr, status


def line(**fields) -> str:
    base = {"case": "c", "target": "127.0.0.1:1", "method": "GetData"}
    base.update(fields)
    return json.dumps({k: v for k, v in base.items() if v is not ...})


class InstrTest(unittest.TestCase):
    def error(self, text: str) -> str:
        with self.assertRaises(instr.InstrError) as caught:
            instr.parse(text)
        return str(caught.exception)

    def test_minimal_defaults(self) -> None:
        ins = instr.parse(line(method="/streaming.DataService/Chat"))
        self.assertEqual(ins.method.rpc_name, "Chat")
        self.assertEqual((ins.timeout_ms, ins.request_delay_ms, ins.half_close, ins.wait_for_ready),
                         (60000, 0, True, False))
        self.assertIsNone(ins.cancel)
        self.assertIsNone(ins.reconnect)
        self.assertEqual(ins.channel.grpc_options(), [])

    def test_full(self) -> None:
        ins = instr.parse(line(
            method="subscribe", metadata={"a": "1", "b": ["2", "3"], "x-bin": "AAE"},
            timeout_ms=5000.0, requests=[{"subscriptionId": "s", "topics": ["t"], "batchSize": "3"}],
            request_delay_ms=10, half_close=False, wait_for_ready=True, cancel={"after_ms": 5},
            reconnect={"max_attempts": 2, "retry_codes": ["unavailable", 4]},
            channel={"max_receive_bytes": 100, "min_reconnect_backoff_ms": 0}))
        self.assertEqual(ins.metadata, [("a", "1"), ("b", "2"), ("b", "3"), ("x-bin", b"\x00\x01")])
        self.assertEqual(ins.timeout_ms, 5000)
        self.assertEqual(instr.parse(line(start_delay_ms=25)).start_delay_ms, 25)
        self.assertEqual(instr.parse(line(read_pause_ms=30)).read_pause_ms, 30)
        self.assertEqual(instr.parse(line(channel={"bdp_probe": False})).channel.grpc_options(),
                         [("grpc.http2.bdp_probe", 0)])
        self.assertEqual(instr.parse(line(channel={"bdp_probe": True})).channel.grpc_options(), [])
        sc = {"methodConfig": [{"name": [{}], "retryPolicy": {"maxAttempts": 3}}]}
        self.assertEqual(instr.parse(line(channel={"service_config": sc})).channel.grpc_options(),
                         [("grpc.service_config",
                           '{"methodConfig":[{"name":[{}],"retryPolicy":{"maxAttempts":3}}]}'),
                          ("grpc.enable_retries", 1)])
        self.assertEqual(ins.requests[0].batch_size, 3)
        self.assertEqual((ins.cancel.kind, ins.cancel.n), ("after_ms", 5))
        self.assertEqual(ins.reconnect.max_attempts, 2)
        self.assertEqual(ins.reconnect.retry_codes, frozenset({status.UNAVAILABLE, 4}))
        self.assertEqual(ins.channel.grpc_options(), [("grpc.max_receive_message_length", 100)])
        self.assertEqual(instr.parse(line(reconnect=True)).reconnect.max_attempts, 10)
        self.assertTrue(instr.parse(line(pingpong=True)).pingpong)
        self.assertFalse(instr.parse(line()).pingpong)
        self.assertEqual(instr.parse(line(channel={"max_send_bytes": 64})).channel.grpc_options(),
                         [("grpc.max_send_message_length", 64)])
        with self.assertRaisesRegex(instr.InstrError, "^pingpong: expected true or false$"):
            instr.parse(line(pingpong=1))

    def test_tls(self) -> None:
        ins = instr.parse(line(channel={"tls": {"ca_file": "ca.pem", "cert_file": "c.pem",
                                                "key_file": "c.key", "authority": "a.example"}}))
        self.assertEqual(ins.channel.tls, instr.TlsOpts("ca.pem", "c.pem", "c.key", "a.example"))
        self.assertEqual(ins.channel.grpc_options(),
                         [("grpc.ssl_target_name_override", "a.example"),
                          ("grpc.default_authority", "a.example")])
        ins = instr.parse(line(channel={"tls": {"ca_file": "ca.pem"}}))
        self.assertEqual(ins.channel.tls, instr.TlsOpts("ca.pem"))
        self.assertEqual(ins.channel.grpc_options(), [])
        self.assertIsNone(instr.parse(line(channel={"tls": None})).channel.tls)
        ins = instr.parse(line(channel={"tls": {"ca_file": "a", "cert_file": None,
                                                "authority": "sc.test.example:443"}}))
        self.assertEqual(ins.channel.tls, instr.TlsOpts("a", None, None, "sc.test.example:443"))
        for tls, text in (
                ([], "channel.tls: expected an object"),
                ({"ca_file": "a", "alpn": "h2"}, "channel.tls.alpn: unknown field"),
                ({}, "channel.tls.ca_file: missing"),
                ({"cert_file": 1}, "channel.tls.ca_file: missing"),
                ({"ca_file": None}, "channel.tls.ca_file: expected a string"),
                ({"ca_file": 1}, "channel.tls.ca_file: expected a string"),
                ({"ca_file": "", "cert_file": 1}, "channel.tls.cert_file: expected a string"),
                ({"ca_file": "a", "authority": ""}, "channel.tls.authority: expected a non-empty string"),
                ({"ca_file": "a", "key_file": "k"}, "channel.tls.cert_file: cert_file and key_file "
                                                    "go together (the client certificate for mTLS)"),
                ({"ca_file": "a", "authority": "a b"}, "channel.tls.authority: expected a host name "
                 "(printable ASCII, no spaces, '/' or '@', at most 260 bytes)"),
                ({"ca_file": "a", "authority": "x" * 261}, "channel.tls.authority: expected a host "
                 "name (printable ASCII, no spaces, '/' or '@', at most 260 bytes)")):
            with self.subTest(tls=tls):
                self.assertEqual(self.error(line(channel={"tls": tls})), text)

    def test_path(self) -> None:
        self.assertIsNone(instr.parse(line()).path)
        ins = instr.parse(line(method="GetData", path="/streaming.Nope/Get_Data2"))
        self.assertEqual((ins.method.rpc_name, ins.path), ("GetData", "/streaming.Nope/Get_Data2"))
        for bad in ("", "streaming.X/Y", "/streaming.X", "/a/b/c", "//b", "/a/", "/a b/c",
                    "/a/c\u00e9", "/a/b\n", 5, "/a/" + "b" * 300):
            self.assertEqual(self.error(line(path=bad)),
                             'path: expected "/package.Service/Method" (at most 256 characters)',
                             repr(bad))

    def test_errors(self) -> None:
        table = [
            ("[1]", "(line): not a JSON object"),
            ("{", "(line): not a JSON object"),
            (json.dumps({"target": "t"}), "case: missing"),
            (line(case=""), "case: expected a non-empty string"),
            (line(bogus=1), "bogus: unknown field"),
            (line(target=...), "target: missing"),
            (line(method="Nope"), "method: expected GetData, SubscribeData, UploadFile, Chat (or a full path)"),
            (line(metadata={"Bad": "x"}), "metadata.Bad: key must be lower-case [0-9a-z_.-] and not start with grpc-"),
            (line(metadata={"grpc-x": "x"}), "metadata.grpc-x: key must be lower-case [0-9a-z_.-] and not start with grpc-"),
            (line(metadata={"k": 1}), "metadata.k: expected a string (or an array of strings)"),
            (line(metadata={"k-bin": "!!"}), "metadata.k-bin: a -bin value must be base64"),
            (line(timeout_ms=0), "timeout_ms: must be in 1..3600000"),
            (line(start_delay_ms=-1), "start_delay_ms: must be in 0..3600000"),
            (line(read_pause_ms=-1), "read_pause_ms: must be in 0..3600000"),
            (line(channel={"bdp_probe": 0}), "channel.bdp_probe: expected true or false"),
            (line(channel={"service_config": "{}"}), "channel.service_config: expected an object"),
            (line(channel={"service_config": {"x": "a" * 70000}}),
             "channel.service_config: longer than 65536 bytes printed"),
            (line(reconnect={"honor_pushback": 1}), "reconnect.honor_pushback: expected true or false"),
            (line(timeout_ms=1.5), "timeout_ms: expected an integer"),
            (line(timeout_ms=True), "timeout_ms: expected an integer"),
            (line(requests={}), "requests: expected an array of JSON messages"),
            (line(requests=[5]), "requests[0]: expected an object for streaming.StreamRequest, got 5"),
            (line(half_close=1), "half_close: expected true or false"),
            (line(cancel={"soon": 1}), "cancel.soon: unknown cancel position"),
            (line(cancel={"after_responses": 0}), "cancel.after_responses: must be in 1..3600000"),
            (line(cancel={"before_send": False}), "cancel.before_send: expected true"),
            (line(cancel={}), "cancel: expected one of {before_send} {after_responses: N} {after_ms: N} {after_close_send_ms: N}"),
            (line(reconnect=1), "reconnect: expected an object (or true for the defaults)"),
            (line(reconnect={"x": 1}), "reconnect.x: unknown field"),
            (line(reconnect={"backoff_jitter": 1}), "reconnect.backoff_jitter: must be in 0..0.999"),
            (line(reconnect={"backoff_multiplier": "2"}), "reconnect.backoff_multiplier: expected a number"),
            (line(reconnect={"retry_codes": ["NOPE"]}), "reconnect.retry_codes[0]: not a status code"),
            (line(reconnect={"backoff_initial_ms": 10, "backoff_max_ms": 5}), "reconnect.backoff_max_ms: must be >= backoff_initial_ms"),
            (line(channel={"max_receive_bytes": -1}), "channel.max_receive_bytes: must be in 0..2147483647"),
            (line(channel={"nope": 1}), "channel.nope: unknown field"),
        ]
        for text, expected in table:
            with self.subTest(expected=expected):
                self.assertEqual(self.error(text), expected)

    def test_request_errors_name_the_field(self) -> None:
        self.assertTrue(self.error(line(requests=[{"batchSize": True}])).startswith("requests[0].batchSize: "))
        self.assertEqual(self.error(line(requests=[{}, {"nope": 1}])),
                         "requests[1].nope: no such field in streaming.StreamRequest")

    def test_compression(self) -> None:
        ins = instr.parse(line(compression={"algorithm": "gzip", "accept": ["deflate"]}))
        self.assertEqual(ins.compression.algorithm, "gzip")
        self.assertEqual(ins.compression.accept, frozenset({"identity", "deflate"}))
        self.assertEqual(ins.compression.grpc_options(),
                         [("grpc.compression_enabled_algorithms_bitset", 3)])
        self.assertIsNone(instr.parse(line()).compression)
        self.assertEqual(instr.parse(line(compression={})).compression.algorithm, "identity")
        table = [
            (line(compression="gzip"), "compression: expected an object"),
            (line(compression={"algorithm": "snappy"}),
             'compression.algorithm: expected "identity", "deflate" or "gzip"'),
            (line(compression={"accept": ["br"]}),
             'compression.accept: expected an array of "identity", "deflate", "gzip"'),
            (line(compression={"no_compress": [-1]}),
             "compression.no_compress: expected an array of request indices (whole numbers from 0)"),
            (line(compression={"no_compress": [0]}),
             "compression.no_compress: not supported by this driver (grpcio has no per-message no-compress)"),
            (line(compression={"level": 1}), "compression.level: unknown field"),
        ]
        for text, expected in table:
            with self.subTest(expected=expected):
                self.assertEqual(self.error(text), expected)

    def test_error_keeps_case(self) -> None:
        with self.assertRaises(instr.InstrError) as caught:
            instr.parse(line(case="c9", timeout_ms=-1))
        self.assertEqual(caught.exception.case, "c9")


if __name__ == "__main__":
    unittest.main()


class KeepaliveTest(unittest.TestCase):
    """channel.keepalive_* (client feature "keepalive") and the server's lifecycle options."""

    def test_keepalive_options(self) -> None:
        ch = instr.parse(line(channel={"keepalive_time_ms": 500, "keepalive_timeout_ms": 250,
                                       "keepalive_permit_without_calls": True})).channel
        self.assertEqual(ch.grpc_options(), [("grpc.keepalive_time_ms", 500),
                                             ("grpc.http2.max_pings_without_data", 0),
                                             ("grpc.keepalive_timeout_ms", 250),
                                             ("grpc.keepalive_permit_without_calls", 1)])
        self.assertEqual(instr.parse(line(channel={"keepalive_timeout_ms": 250})).channel
                         .grpc_options(), [])

    def test_keepalive_errors(self) -> None:
        for channel, want in (({"keepalive_time_ms": -1}, "channel.keepalive_time_ms: "),
                              ({"keepalive_permit_without_calls": 1},
                               "channel.keepalive_permit_without_calls: expected true or false")):
            with self.assertRaises(instr.InstrError) as ctx:
                instr.parse(line(channel=channel))
            self.assertTrue(str(ctx.exception).startswith(want), str(ctx.exception))

    def test_server_lifecycle_options(self) -> None:
        from streamconform_peer import server
        cfg = server.ServerConfig(max_connection_age_ms=1000, max_connection_age_grace_ms=500,
                                  keepalive_min_time_ms=60000, permit_keepalive_without_calls=True,
                                  max_concurrent_streams=2)
        self.assertEqual(cfg.lifecycle_options(), [
            ("grpc.max_connection_age_ms", 1000), ("grpc.max_connection_age_grace_ms", 500),
            ("grpc.http2.min_ping_interval_without_data_ms", 60000),
            ("grpc.max_concurrent_streams", 2), ("grpc.keepalive_permit_without_calls", 1)])
        self.assertEqual(server.ServerConfig().lifecycle_options(), [])

    def test_share(self) -> None:
        self.assertEqual(instr.parse(line(channel={"share": "c/conn"})).channel.share, "c/conn")
        self.assertIsNone(instr.parse(line()).channel.share)
        for bad in ("", 5, "x" * 1101):
            with self.assertRaises(instr.InstrError) as ctx:
                instr.parse(line(channel={"share": bad}))
            self.assertEqual(str(ctx.exception), "channel.share: expected a name of 1 to 1100 bytes")
