#!/usr/bin/env python3
"""streamconform Python peer (docs/peer-protocol.md).

  peer-python server [--listen HOST:PORT | --port N] [--events FILE|-] [--tick-ms N]
                     [--max-receive-bytes N] [--max-upload-bytes N] [--seed N] [--quiet|--verbose]
                     [--tls-cert FILE --tls-key FILE [--tls-client-ca FILE]]
                     [--max-connection-age-ms N] [--max-connection-age-grace-ms N]
                     [--keepalive-min-time-ms N] [--permit-keepalive-without-calls]
                     [--max-concurrent-streams N] [--shutdown-grace-ms N]
  peer-python client [--verbose]
"""
from __future__ import annotations

import argparse
import asyncio
import sys
from typing import Optional, Sequence

EXIT_USAGE = 2


def _int_option(name: str, low: int, high: int):
    def parse(text: str) -> int:
        if not text.isdigit() or not low <= int(text) <= high:
            raise argparse.ArgumentTypeError(f"{name}: expected a whole number from {low} to {high}, "
                                             f'got "{text}"')
        return int(text)
    return parse


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="peer-python", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)
    srv = sub.add_parser("server", help="serve streaming.DataService")
    where = srv.add_mutually_exclusive_group()
    where.add_argument("--listen", metavar="HOST:PORT", default=None,
                       help="address to listen on (default 127.0.0.1:50051; port 0 = any)")
    where.add_argument("--port", type=_int_option("--port", 0, 65535), default=None,
                       help="port on 127.0.0.1")
    srv.add_argument("--events", metavar="FILE|-", default=None, help="write the event log")
    srv.add_argument("--tick-ms", type=_int_option("--tick-ms", 1, 3600000), default=1000)
    srv.add_argument("--max-receive-bytes", type=_int_option("--max-receive-bytes", 1, 2047 << 20),
                     default=4 << 20)
    srv.add_argument("--max-upload-bytes", type=_int_option("--max-upload-bytes", 0, 1 << 40),
                     default=1 << 30)
    srv.add_argument("--seed", type=_int_option("--seed", 1, (1 << 63) - 1), default=None)
    srv.add_argument("--tls-cert", metavar="FILE", default=None,
                     help="serve TLS with this PEM certificate chain (needs --tls-key)")
    srv.add_argument("--tls-key", metavar="FILE", default=None, help="its PEM private key")
    srv.add_argument("--tls-client-ca", metavar="FILE", default=None,
                     help="require a client certificate signed by this PEM CA (mTLS)")
    _lifecycle_options(srv)
    loud = srv.add_mutually_exclusive_group()
    loud.add_argument("--quiet", action="store_true")
    loud.add_argument("--verbose", action="store_true")
    cli = sub.add_parser("client", help="the client driver: JSON instructions on stdin")
    cli.add_argument("--verbose", "-v", action="store_true")
    return parser


LIFECYCLE_INT_OPTIONS = ("max_connection_age_ms", "max_connection_age_grace_ms",
                         "keepalive_min_time_ms", "max_concurrent_streams", "shutdown_grace_ms")


def _lifecycle_options(srv: argparse.ArgumentParser) -> None:
    """Server feature "lifecycle" (docs/peer-protocol.md, "Connection lifecycle")."""
    for name in LIFECYCLE_INT_OPTIONS:
        flag = "--" + name.replace("_", "-")
        srv.add_argument(flag, type=_int_option(flag, 1, (1 << 31) - 1), default=0)
    srv.add_argument("--permit-keepalive-without-calls", action="store_true")


def _tls_options_error(args: argparse.Namespace) -> Optional[str]:
    if (args.tls_cert is None) != (args.tls_key is None):
        return "--tls-cert and --tls-key go together"
    if args.tls_client_ca is not None and args.tls_cert is None:
        return "--tls-client-ca needs --tls-cert and --tls-key"
    return None


def main(argv: Optional[Sequence[str]] = None) -> int:
    args = _parser().parse_args(argv)
    if args.command == "server":
        from streamconform_peer import server
        listen = args.listen or ("127.0.0.1:%d" % args.port if args.port is not None
                                 else "127.0.0.1:50051")
        if ":" not in listen:
            print(f'peer-python server: --listen: expected HOST:PORT, got "{listen}"',
                  file=sys.stderr)
            return EXIT_USAGE
        tls_error = _tls_options_error(args)
        if tls_error:
            print(f"peer-python server: {tls_error}", file=sys.stderr)
            return EXIT_USAGE
        cfg = server.ServerConfig(listen=listen, events=args.events, tick_ms=args.tick_ms,
                                  max_receive_bytes=args.max_receive_bytes,
                                  max_upload_bytes=args.max_upload_bytes, seed=args.seed,
                                  verbosity=0 if args.quiet else 2 if args.verbose else 1,
                                  tls_cert=args.tls_cert, tls_key=args.tls_key,
                                  tls_client_ca=args.tls_client_ca,
                                  permit_keepalive_without_calls=(
                                      args.permit_keepalive_without_calls),
                                  **{k: getattr(args, k) for k in LIFECYCLE_INT_OPTIONS})
        return asyncio.run(server.run(cfg))
    from streamconform_peer import driver
    return driver.main(verbose=args.verbose)


if __name__ == "__main__":
    sys.exit(main())
