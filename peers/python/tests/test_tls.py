"""TLS and mTLS end to end: throwaway certificates made with the openssl command line at test
time (no key is committed), the server peer with --tls-cert/--tls-key [--tls-client-ca], and the
client driver with channel.tls against it: TLS, an authority override, mTLS, and the failures
(wrong CA, wrong authority, no client certificate under mTLS: UNAVAILABLE), bad files (a clear
error before the ready line, an instruction error), unknown fields. Every wait is bounded."""
import json
import os
import queue
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import unittest
from typing import Optional

PEER = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "peer.py")
WAIT_S = 30  # bound on every wait below
SERVER_NAMES = "subjectAltName=DNS:localhost,DNS:sc.test.example,IP:127.0.0.1"


def _openssl(*args: str, cwd: str) -> None:
    subprocess.run(["openssl", *args], cwd=cwd, check=True, stdout=subprocess.DEVNULL,
                   stderr=subprocess.DEVNULL, timeout=WAIT_S)


def make_certs(folder: str) -> None:
    """ca.pem, other-ca.pem (a CA that signed nothing here), server.pem/.key (localhost,
    sc.test.example, 127.0.0.1) and client.pem/.key, all signed by ca.pem; P-256 keys; and
    encrypted.key, the server's key under a passphrase."""
    ec = ("-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes")
    for ca in ("ca", "other-ca"):
        _openssl("req", "-x509", *ec, "-keyout", f"{ca}.key", "-out", f"{ca}.pem", "-days", "1",
                 "-subj", f"/CN=sc-test-{ca}", cwd=folder)
    for who, ext in (("server", SERVER_NAMES + "\nextendedKeyUsage=serverAuth\n"),
                     ("client", "extendedKeyUsage=clientAuth\n")):
        with open(os.path.join(folder, f"{who}.ext"), "w", encoding="ascii") as f:
            f.write(ext)
        _openssl("req", *ec, "-keyout", f"{who}.key", "-out", f"{who}.csr", "-subj",
                 f"/CN=sc-test-{who}", cwd=folder)
        _openssl("x509", "-req", "-in", f"{who}.csr", "-CA", "ca.pem", "-CAkey", "ca.key",
                 "-CAcreateserial", "-out", f"{who}.pem", "-days", "1", "-extfile", f"{who}.ext",
                 cwd=folder)
    _openssl("pkey", "-in", "server.key", "-aes256", "-passout", "pass:secret", "-out",
             "encrypted.key", cwd=folder)


def start_server(*args: str) -> tuple[subprocess.Popen, Optional[int]]:
    """The server and its port (None when it exited before a ready line)."""
    proc = subprocess.Popen([sys.executable, PEER, "server", "--port", "0", "--quiet", *args],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=os.environ.copy())
    lines: "queue.Queue[bytes]" = queue.Queue()
    threading.Thread(target=lambda: lines.put(proc.stdout.readline()), daemon=True).start()
    first = lines.get(timeout=WAIT_S)
    return proc, json.loads(first)["port"] if first else None


def stop_server(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
    try:
        proc.wait(timeout=10)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(timeout=5)
        proc.stdout.close()
        proc.stderr.close()


def drive(instructions: list[dict]) -> dict[str, dict]:
    """Every instruction through one client driver; the results by case."""
    text = "".join(json.dumps(i) + "\n" for i in instructions)
    out = subprocess.run([sys.executable, PEER, "client"], input=text.encode(), capture_output=True,
                         timeout=WAIT_S, env=os.environ.copy()).stdout
    results = [json.loads(line) for line in out.decode().splitlines()]
    return {r["case"]: r for r in results}


def get_data(case: str, port: int, tls: dict, method: str = "GetData") -> dict:
    return {"case": case, "target": f"127.0.0.1:{port}", "method": method, "timeout_ms": 10000,
            "requests": [{"topics": ["t"], "batchSize": 2}], "channel": {"tls": tls}}


@unittest.skipUnless(shutil.which("openssl"), "needs the openssl command line")
class TlsTest(unittest.TestCase):
    folder: str

    @classmethod
    def setUpClass(cls) -> None:
        cls.folder = tempfile.mkdtemp(prefix="sc-py-tls-")
        make_certs(cls.folder)

    @classmethod
    def tearDownClass(cls) -> None:
        shutil.rmtree(cls.folder, ignore_errors=True)

    def f(self, name: str) -> str:
        return os.path.join(self.folder, name)

    def serve(self, mtls: bool) -> int:
        args = ["--tls-cert", self.f("server.pem"), "--tls-key", self.f("server.key")]
        if mtls:
            args += ["--tls-client-ca", self.f("ca.pem")]
        proc, port = start_server(*args)
        self.addCleanup(stop_server, proc)
        self.assertIsNotNone(port, "the TLS server did not start")
        return port

    def assert_ok(self, result: dict) -> None:
        self.assertEqual(result["status"]["code"], "OK", result)
        self.assertEqual(len(result["responses"]), 1)
        self.assertEqual(len(result["responses"][0]["dataPoints"]), 2)

    def assert_unavailable(self, result: dict) -> None:
        self.assertEqual(result["status"]["code"], "UNAVAILABLE", result)
        self.assertNotEqual(result["status"]["message"], "")
        self.assertEqual(result["responses"], [])

    def test_tls_authority_and_wrong_ca(self) -> None:
        port = self.serve(mtls=False)
        ca = self.f("ca.pem")
        got = drive([
            get_data("tls", port, {"ca_file": ca}),
            get_data("authority", port, {"ca_file": ca, "authority": "sc.test.example"}),
            get_data("wrong-authority", port, {"ca_file": ca, "authority": "wrong.example"}),
            get_data("wrong-ca", port, {"ca_file": self.f("other-ca.pem")}),
            {"case": "plaintext", "target": f"127.0.0.1:{port}", "method": "GetData",
             "timeout_ms": 10000, "requests": [{"topics": ["t"]}]},
        ])
        self.assert_ok(got["tls"])
        self.assert_ok(got["authority"])
        self.assert_unavailable(got["wrong-authority"])
        self.assert_unavailable(got["wrong-ca"])
        self.assert_unavailable(got["plaintext"])

    def test_mtls(self) -> None:
        port = self.serve(mtls=True)
        ca, cert, key = self.f("ca.pem"), self.f("client.pem"), self.f("client.key")
        got = drive([
            get_data("mtls", port, {"ca_file": ca, "cert_file": cert, "key_file": key}),
            get_data("no-client-cert", port, {"ca_file": ca}),
            get_data("wrong-ca", port, {"ca_file": self.f("other-ca.pem"), "cert_file": cert,
                                        "key_file": key}),
        ])
        self.assert_ok(got["mtls"])
        self.assert_unavailable(got["no-client-cert"])
        self.assert_unavailable(got["wrong-ca"])

    def test_server_bad_files_exit_before_ready(self) -> None:
        cases = (
            (["--tls-cert", self.f("server.pem"), "--tls-key", self.f("nope.key")], 1,
             "cannot read"),
            (["--tls-cert", self.f("server.pem"), "--tls-key", self.f("client.key")], 1,
             "not a PEM certificate and its key"),
            (["--tls-cert", self.f("server.pem"), "--tls-key", self.f("encrypted.key")], 1,
             "an encrypted private key"),
            (["--tls-cert", self.f("server.pem"), "--tls-key", self.f("server.key"),
              "--tls-client-ca", self.f("server.key")], 1, "--tls-client-ca"),
            (["--tls-cert", self.f("server.pem")], 2, "--tls-cert and --tls-key go together"),
        )
        for args, rc, text in cases:
            with self.subTest(args=args):
                proc, port = start_server(*args)
                try:
                    self.assertIsNone(port)
                    self.assertEqual(proc.wait(timeout=WAIT_S), rc)
                    self.assertIn(text, proc.stderr.read().decode())
                finally:
                    stop_server(proc)

    def test_driver_instruction_errors(self) -> None:
        ca = self.f("ca.pem")
        got = drive([
            get_data("unknown", 1, {"ca_file": ca, "sni": "x"}),
            get_data("no-ca", 1, {"authority": "x"}),
            get_data("half-pair", 1, {"ca_file": ca, "cert_file": self.f("client.pem")}),
            get_data("missing-file", 1, {"ca_file": self.f("nope.pem")}),
            get_data("not-pem", 1, {"ca_file": self.f("ca.key")}),
        ])
        self.assertEqual(got["unknown"]["error"], "channel.tls.sni: unknown field")
        self.assertEqual(got["no-ca"]["error"], "channel.tls.ca_file: missing")
        self.assertEqual(got["half-pair"]["error"], "channel.tls.key_file: cert_file and key_file go "
                                                    "together (the client certificate for mTLS)")
        self.assertTrue(got["missing-file"]["error"].startswith("channel.tls.ca_file: cannot read"))
        self.assertTrue(got["not-pem"]["error"].startswith("channel.tls.ca_file: "))


if __name__ == "__main__":
    unittest.main()
