"""One client-driver instruction (docs/peer-protocol.md, "Client driver protocol") parsed from
its JSON line, with the C driver's validation order and error texts (client/sc_client_instr.c).
Pure: no I/O, no clocks."""
from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass, field
from typing import Any, Optional

import streaming_pb2 as pb
from google.protobuf import json_format
from google.protobuf.message import Message as PbMessage

from . import backoff, md, status
from .jsonfmt import format_double

DEFAULT_TIMEOUT_MS = 60000
MAX_MS = 3600000
MAX_REQUESTS = 100000
MAX_EXACT = 9007199254740991
INT32_MAX = 2147483647
# channel.service_config printed compactly (contract/sc_instr.h SC_INSTR_MAX_SERVICE_CONFIG).
MAX_SERVICE_CONFIG = 65536
SHOWN_STRING_MAX = 64


@dataclass(frozen=True)
class MethodInfo:
    cli_name: str
    rpc_name: str
    request: type
    response: type

    @property
    def path(self) -> str:
        return f"/streaming.DataService/{self.rpc_name}"


METHODS = (
    MethodInfo("get", "GetData", pb.StreamRequest, pb.StreamResponse),
    MethodInfo("subscribe", "SubscribeData", pb.StreamRequest, pb.StreamResponse),
    MethodInfo("upload", "UploadFile", pb.UploadRequest, pb.UploadResponse),
    MethodInfo("chat", "Chat", pb.ChatMessage, pb.ChatMessage),
)


def find_method(text: str) -> Optional[MethodInfo]:
    for m in METHODS:
        if text in (m.cli_name, m.rpc_name, m.path):
            return m
    return None


@dataclass
class Cancel:
    kind: str  # "before_send", "after_responses", "after_ms", "after_close_send_ms"
    n: int = 0


@dataclass
class TlsOpts:
    """channel.tls: file paths as given (the driver reads them when it makes the channel)."""
    ca_file: str = ""
    cert_file: Optional[str] = None  # with key_file: the client's certificate (mTLS)
    key_file: Optional[str] = None
    authority: Optional[str] = None  # the :authority and the name checked against the server's


@dataclass
class ChannelOpts:
    max_receive_bytes: int = 0
    max_send_bytes: int = 0  # a request over it fails in the library (RESOURCE_EXHAUSTED)
    initial_reconnect_backoff_ms: int = 0
    min_reconnect_backoff_ms: int = 0
    max_reconnect_backoff_ms: int = 0
    bdp_probe: bool = True  # False: receive windows stay at HTTP/2's 64 KiB
    service_config: Optional[str] = None  # the gRPC service config as JSON text (retries)
    tls: Optional[TlsOpts] = None  # None: plaintext
    keepalive_time_ms: int = 0  # 0: no keepalive pings (the library's default)
    keepalive_timeout_ms: int = 0
    keepalive_permit_without_calls: bool = False
    share: Optional[str] = None  # channel.share: the name of a channel shared with others

    def keepalive_options(self) -> list[tuple[str, Any]]:
        """channel.keepalive_* (client feature "keepalive"); max_pings_without_data 0 so that a
        quiet stream on a blackholed connection is still probed."""
        if self.keepalive_time_ms <= 0:
            return []
        options: list[tuple[str, Any]] = [("grpc.keepalive_time_ms", self.keepalive_time_ms),
                                          ("grpc.http2.max_pings_without_data", 0)]
        if self.keepalive_timeout_ms > 0:
            options.append(("grpc.keepalive_timeout_ms", self.keepalive_timeout_ms))
        if self.keepalive_permit_without_calls:
            options.append(("grpc.keepalive_permit_without_calls", 1))
        return options

    def grpc_options(self) -> list[tuple[str, Any]]:
        names = (("grpc.max_receive_message_length", self.max_receive_bytes),
                 ("grpc.max_send_message_length", self.max_send_bytes),
                 ("grpc.initial_reconnect_backoff_ms", self.initial_reconnect_backoff_ms),
                 ("grpc.min_reconnect_backoff_ms", self.min_reconnect_backoff_ms),
                 ("grpc.max_reconnect_backoff_ms", self.max_reconnect_backoff_ms))
        options = [(k, v) for k, v in names if v > 0]
        if not self.bdp_probe:
            options.append(("grpc.http2.bdp_probe", 0))
        if self.service_config is not None:
            # The library's own retries (gRFC A6); grpcio has them on by default, the switch
            # keeps them on.
            options.append(("grpc.service_config", self.service_config))
            options.append(("grpc.enable_retries", 1))
        if self.tls is not None and self.tls.authority is not None:
            # grpcio: the first sets the name the certificate is checked against, the second
            # the :authority header; the contract's "authority" is both.
            options.append(("grpc.ssl_target_name_override", self.tls.authority))
            options.append(("grpc.default_authority", self.tls.authority))
        return options + self.keepalive_options()


ENCODINGS = ("identity", "deflate", "gzip")  # bit i of an accept set is ENCODINGS[i] (C core)
MAX_NO_COMPRESS = 1024  # contract/sc_instr_compress.h SC_INSTR_MAX_NO_COMPRESS


@dataclass
class Compression:
    """The instruction's "compression" (issue 14): the call's request encoding, the requests sent
    with the no-compress flag, and the encodings the client accepts (None: the library's)."""
    algorithm: str = "identity"
    no_compress: list[int] = field(default_factory=list)
    accept: Optional[frozenset[str]] = None

    def grpc_options(self) -> list[tuple[str, Any]]:
        if self.accept is None:
            return []
        bits = sum(1 << i for i, name in enumerate(ENCODINGS) if name in self.accept)
        return [("grpc.compression_enabled_algorithms_bitset", bits | 1)]

    def grpc_compression(self) -> Any:
        import grpc
        return {"identity": grpc.Compression.NoCompression, "deflate": grpc.Compression.Deflate,
                "gzip": grpc.Compression.Gzip}[self.algorithm]


@dataclass
class Instruction:
    case: str = ""
    target: str = ""
    method: MethodInfo = METHODS[0]
    path: Optional[str] = None  # the wire path instead of method.path
    metadata: list[tuple[str, md.MdValue]] = field(default_factory=list)
    timeout_ms: int = DEFAULT_TIMEOUT_MS
    start_delay_ms: int = 0  # wait this long after reading the instruction before starting
    read_pause_ms: int = 0  # read no response before this long after an attempt started
    requests: list[PbMessage] = field(default_factory=list)
    request_delay_ms: int = 0
    half_close: bool = True
    pingpong: bool = False  # request i (i >= 1) only once the attempt has i responses
    wait_for_ready: bool = False
    cancel: Optional[Cancel] = None
    reconnect: Optional[backoff.ReconnectPolicy] = None
    channel: ChannelOpts = field(default_factory=ChannelOpts)
    compression: Optional[Compression] = None


class InstrError(ValueError):
    """str() is "<JSON path>: <reason>"; `case` is the instruction's case when it could be read."""

    def __init__(self, path: str, why: str, case: Optional[str] = None) -> None:
        super().__init__(f"{path}: {why}")
        self.case = case


ROOT_FIELDS = ("case", "target", "method", "path", "metadata", "timeout_ms", "requests",
               "request_delay_ms", "half_close", "wait_for_ready", "cancel", "reconnect", "channel",
               "start_delay_ms", "read_pause_ms", "pingpong", "compression")
COMPRESSION_FIELDS = ("algorithm", "no_compress", "accept")
MAX_PATH = 256  # a gRPC method path is "/package.Service/Method"; longer is no method
_PATH_RE = re.compile(r"/[A-Za-z0-9_.]+/[A-Za-z0-9_.]+")


def _parse_path(root: dict[str, Any]) -> Optional[str]:
    path = root.get("path")
    if path is None:
        return None
    if not isinstance(path, str) or len(path) > MAX_PATH or not _PATH_RE.fullmatch(path):
        raise InstrError("path", 'expected "/package.Service/Method" (at most 256 characters)')
    return path
RECONNECT_FIELDS = ("backoff_initial_ms", "backoff_multiplier", "backoff_jitter",
                    "backoff_max_ms", "exhausted_backoff_ms", "max_attempts", "retry_codes",
                    "honor_pushback")
CHANNEL_INT_FIELDS = ("max_receive_bytes", "max_send_bytes", "initial_reconnect_backoff_ms",
                      "min_reconnect_backoff_ms", "max_reconnect_backoff_ms",
                      "keepalive_time_ms", "keepalive_timeout_ms")
CHANNEL_FIELDS = CHANNEL_INT_FIELDS + ("bdp_probe", "service_config", "tls",
                                       "keepalive_permit_without_calls", "share")
MAX_SHARE = 1100  # bytes of a channel.share name (contract/sc_instr.h SC_INSTR_MAX_SHARE)
TLS_FIELDS = ("ca_file", "cert_file", "key_file", "authority")


def describe(value: Any) -> str:
    """A JSON value for "got ..." in messages, as common/sc_json.c describes it."""
    if value is None:
        return "null"
    if value is True:
        return "true"
    if value is False:
        return "false"
    if isinstance(value, list):
        return "an array"
    if isinstance(value, dict):
        return "an object"
    if isinstance(value, (int, float)):
        return format_double(float(value))
    text = str(value)
    return '"' + text[:SHOWN_STRING_MAX] + ('..."' if len(text) > SHOWN_STRING_MAX else '"')


def _is_number(v: Any) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool)


def _check_members(obj: dict[str, Any], prefix: str, names: tuple[str, ...]) -> None:
    for key in obj:
        if key not in names:
            raise InstrError(prefix + key, "unknown field")


def _get_int(obj: dict[str, Any], name: str, path: str, low: int, high: int,
             default: int) -> int:
    v = obj.get(name)
    if v is None:
        return default
    if not _is_number(v) or not math.isfinite(v) or v != math.floor(v) or abs(v) > MAX_EXACT:
        raise InstrError(path, "expected an integer")
    if not low <= v <= high:
        raise InstrError(path, f"must be in {low}..{high}")
    return int(v)


def _get_double(obj: dict[str, Any], name: str, path: str, low: float, high: float,
                default: float) -> float:
    v = obj.get(name)
    if v is None:
        return default
    if not _is_number(v) or not math.isfinite(v):
        raise InstrError(path, "expected a number")
    if not low <= v <= high:
        raise InstrError(path, "must be in %g..%g" % (low, high))
    return float(v)


def _get_bool(obj: dict[str, Any], name: str, default: bool) -> bool:
    v = obj.get(name)
    if v is None:
        return default
    if not isinstance(v, bool):
        raise InstrError(name, "expected true or false")
    return v


def _md_key_ok(key: str) -> bool:
    return bool(key) and not key.startswith("grpc-") and re.fullmatch(r"[0-9a-z_.-]+", key) is not None


def _md_value(key: str, v: Any, path: str) -> md.MdValue:
    if not isinstance(v, str):
        raise InstrError(path, "expected a string (or an array of strings)")
    if not md.is_binary(key):
        return v
    raw = md.b64_decode(v)
    if raw is None:
        raise InstrError(path, "a -bin value must be base64")
    return raw


def _parse_metadata(root: dict[str, Any]) -> list[tuple[str, md.MdValue]]:
    obj = root.get("metadata")
    if obj is None:
        return []
    if not isinstance(obj, dict):
        raise InstrError("metadata", "expected an object of key: value")
    out: list[tuple[str, md.MdValue]] = []
    for key, value in obj.items():
        path = f"metadata.{key}"
        if not _md_key_ok(key):
            raise InstrError(path, "key must be lower-case [0-9a-z_.-] and not start with grpc-")
        for item in value if isinstance(value, list) else [value]:
            out.append((key, _md_value(key, item, path)))
    return out


def _pb_error_path(text: str) -> tuple[str, str]:
    """protobuf's ParseError text as (".a.b" path, reason), best effort."""
    path = ""
    while True:
        m = re.match(r"Failed to parse (\w+) field: (.*)", text, re.S)
        if m is None:
            break
        path += "." + m.group(1)
        text = m.group(2)
    m = re.search(r'has no field named "([^"]+)" at "[^"]*"', text)
    if m is not None:
        type_name = re.search(r'Message type "([^"]+)"', text)
        return path + "." + m.group(1), "no such field in " + (type_name.group(1) if type_name else "the message")
    return path, text.strip().split("\n")[0]


def _parse_request(info: MethodInfo, index: int, item: Any) -> PbMessage:
    msg = info.request()
    name = msg.DESCRIPTOR.full_name
    if not isinstance(item, dict):
        raise InstrError(f"requests[{index}]", f"expected an object for {name}, got {describe(item)}")
    try:
        json_format.ParseDict(item, msg)
    except (json_format.ParseError, ValueError, TypeError) as err:
        path, why = _pb_error_path(str(err))
        raise InstrError(f"requests[{index}]{path}", why) from None
    return msg


def _parse_requests(root: dict[str, Any], info: MethodInfo) -> list[PbMessage]:
    arr = root.get("requests")
    if arr is None:
        return []
    if not isinstance(arr, list):
        raise InstrError("requests", "expected an array of JSON messages")
    if len(arr) > MAX_REQUESTS:
        raise InstrError("requests", "too many requests")
    return [_parse_request(info, i, item) for i, item in enumerate(arr)]


def _parse_cancel(root: dict[str, Any]) -> Optional[Cancel]:
    obj = root.get("cancel")
    if obj is None:
        return None
    if not isinstance(obj, dict) or len(obj) != 1:
        raise InstrError("cancel", "expected one of {before_send} {after_responses: N} "
                                   "{after_ms: N} {after_close_send_ms: N}")
    (kind, value), = obj.items()
    path = f"cancel.{kind}"
    if kind == "before_send":
        if value is True or value is None or isinstance(value, dict):
            return Cancel(kind)
        raise InstrError(path, "expected true")
    if kind in ("after_responses", "after_ms", "after_close_send_ms"):
        low = 1 if kind == "after_responses" else 0
        return Cancel(kind, _get_int(obj, kind, path, low, MAX_MS, 0))
    raise InstrError(path, "unknown cancel position")


def _parse_retry_codes(obj: dict[str, Any]) -> Optional[frozenset[int]]:
    arr = obj.get("retry_codes")
    if arr is None:
        return None
    if not isinstance(arr, list):
        raise InstrError("reconnect.retry_codes", "expected an array of status code names")
    codes = set()
    for i, v in enumerate(arr):
        code = None
        if isinstance(v, str):
            code = status.parse(v)
        elif _is_number(v) and 0 <= v < status.COUNT and v == math.floor(v):
            code = int(v)
        if code is None:
            raise InstrError(f"reconnect.retry_codes[{i}]", "not a status code")
        codes.add(code)
    return frozenset(codes)


def _parse_reconnect(root: dict[str, Any]) -> Optional[backoff.ReconnectPolicy]:
    obj = root.get("reconnect")
    if obj is None or obj is False:
        return None
    policy = backoff.ReconnectPolicy()
    if obj is True:
        return policy
    if not isinstance(obj, dict):
        raise InstrError("reconnect", "expected an object (or true for the defaults)")
    _check_members(obj, "reconnect.", RECONNECT_FIELDS)
    b = policy.backoff
    p = "reconnect."
    b.initial_ms = _get_int(obj, "backoff_initial_ms", p + "backoff_initial_ms", 1, MAX_MS, b.initial_ms)
    b.multiplier = _get_double(obj, "backoff_multiplier", p + "backoff_multiplier", 1.0, 100.0, b.multiplier)
    b.jitter = _get_double(obj, "backoff_jitter", p + "backoff_jitter", 0.0, 0.999, b.jitter)
    b.max_ms = _get_int(obj, "backoff_max_ms", p + "backoff_max_ms", 1, MAX_MS, b.max_ms)
    policy.exhausted_backoff_ms = _get_int(obj, "exhausted_backoff_ms", p + "exhausted_backoff_ms",
                                           0, MAX_MS, policy.exhausted_backoff_ms)
    policy.max_attempts = _get_int(obj, "max_attempts", p + "max_attempts", 1, MAX_REQUESTS,
                                   policy.max_attempts)
    codes = _parse_retry_codes(obj)
    if codes is not None:
        policy.retry_codes = codes
    honor = obj.get("honor_pushback")
    if honor is not None:
        if not isinstance(honor, bool):
            raise InstrError("reconnect.honor_pushback", "expected true or false")
        policy.honor_pushback = honor
    if b.max_ms < b.initial_ms:
        raise InstrError("reconnect.backoff_max_ms", "must be >= backoff_initial_ms")
    return policy


def _parse_channel(root: dict[str, Any]) -> ChannelOpts:
    obj = root.get("channel")
    opts = ChannelOpts()
    if obj is None:
        return opts
    if not isinstance(obj, dict):
        raise InstrError("channel", "expected an object")
    _check_members(obj, "channel.", CHANNEL_FIELDS)
    for name in CHANNEL_INT_FIELDS:
        setattr(opts, name, _get_int(obj, name, f"channel.{name}", 0, INT32_MAX, 0))
    bdp = obj.get("bdp_probe")
    if bdp is not None:
        if not isinstance(bdp, bool):
            raise InstrError("channel.bdp_probe", "expected true or false")
        opts.bdp_probe = bdp
    permit = obj.get("keepalive_permit_without_calls")
    if permit is not None:
        if not isinstance(permit, bool):
            raise InstrError("channel.keepalive_permit_without_calls", "expected true or false")
        opts.keepalive_permit_without_calls = permit
    share = obj.get("share")
    if share is not None:
        if not isinstance(share, str) or not 1 <= len(share.encode("utf-8")) <= MAX_SHARE:
            raise InstrError("channel.share", "expected a name of 1 to 1100 bytes")
        opts.share = share
    opts.service_config = _parse_service_config(obj)
    opts.tls = _parse_tls(obj)
    return opts


def _parse_service_config(channel: dict[str, Any]) -> Optional[str]:
    """channel.service_config: an object, passed on to the library as compact JSON text."""
    sc = channel.get("service_config")
    if sc is None:
        return None
    if not isinstance(sc, dict):
        raise InstrError("channel.service_config", "expected an object")
    text = json.dumps(sc, separators=(",", ":"), ensure_ascii=False)
    if len(text.encode()) > MAX_SERVICE_CONFIG:
        raise InstrError("channel.service_config", "longer than 65536 bytes printed")
    return text


MAX_AUTHORITY = 260  # contract/sc_instr.h SC_INSTR_MAX_AUTHORITY: a host name and a port
_AUTHORITY_RE = re.compile(r"[!-~]+")


def _authority_ok(text: str) -> bool:
    """A name for :authority: printable ASCII without spaces, '/' or '@' (as the C driver)."""
    return (len(text) <= MAX_AUTHORITY and _AUTHORITY_RE.fullmatch(text) is not None
            and "/" not in text and "@" not in text)


def _parse_tls(channel: dict[str, Any]) -> Optional[TlsOpts]:
    """channel.tls with the C driver's checks in its order: members, ca_file present, types,
    empty strings, the certificate pair, the authority."""
    obj = channel.get("tls")
    if obj is None:
        return None
    if not isinstance(obj, dict):
        raise InstrError("channel.tls", "expected an object")
    _check_members(obj, "channel.tls.", TLS_FIELDS)
    if "ca_file" not in obj:
        raise InstrError("channel.tls.ca_file", "missing")
    for name in TLS_FIELDS:  # ca_file may not be null, the others may
        if (name == "ca_file" or obj.get(name) is not None) and not isinstance(obj[name], str):
            raise InstrError(f"channel.tls.{name}", "expected a string")
    for name in TLS_FIELDS:
        if obj.get(name) == "":
            raise InstrError(f"channel.tls.{name}", "expected a non-empty string")
    tls = TlsOpts(obj["ca_file"], obj.get("cert_file"), obj.get("key_file"), obj.get("authority"))
    if (tls.cert_file is None) != (tls.key_file is None):
        missing = "cert_file" if tls.cert_file is None else "key_file"
        raise InstrError(f"channel.tls.{missing}",
                         "cert_file and key_file go together (the client certificate for mTLS)")
    if tls.authority is not None and not _authority_ok(tls.authority):
        raise InstrError("channel.tls.authority", "expected a host name (printable ASCII, no "
                                                  "spaces, '/' or '@', at most 260 bytes)")
    return tls


def _parse_root(root: dict[str, Any], ins: Instruction) -> None:
    case = root.get("case")
    if not isinstance(case, str) or not case:
        raise InstrError("case", "missing" if "case" not in root else "expected a non-empty string")
    ins.case = case
    _check_members(root, "", ROOT_FIELDS)
    target = root.get("target")
    if target is None:
        raise InstrError("target", "missing")
    if not isinstance(target, str) or not target:
        raise InstrError("target", "expected a non-empty string")
    ins.target = target
    if "method" not in root:
        raise InstrError("method", "missing")
    method = root["method"]
    info = find_method(method) if isinstance(method, str) else None
    if info is None:
        raise InstrError("method", "expected GetData, SubscribeData, UploadFile, Chat (or a full path)")
    ins.method = info
    ins.path = _parse_path(root)
    ins.metadata = _parse_metadata(root)
    ins.timeout_ms = _get_int(root, "timeout_ms", "timeout_ms", 1, MAX_MS, DEFAULT_TIMEOUT_MS)
    ins.start_delay_ms = _get_int(root, "start_delay_ms", "start_delay_ms", 0, MAX_MS, 0)
    ins.read_pause_ms = _get_int(root, "read_pause_ms", "read_pause_ms", 0, MAX_MS, 0)
    ins.requests = _parse_requests(root, info)
    ins.request_delay_ms = _get_int(root, "request_delay_ms", "request_delay_ms", 0, MAX_MS, 0)
    ins.half_close = _get_bool(root, "half_close", True)
    ins.pingpong = _get_bool(root, "pingpong", False)
    ins.wait_for_ready = _get_bool(root, "wait_for_ready", False)
    ins.cancel = _parse_cancel(root)
    ins.reconnect = _parse_reconnect(root)
    ins.channel = _parse_channel(root)
    ins.compression = _parse_compression(root)


def _parse_compression(root: dict[str, Any]) -> Optional[Compression]:
    obj = root.get("compression")
    if obj is None:
        return None
    if not isinstance(obj, dict):
        raise InstrError("compression", "expected an object")
    _check_members(obj, "compression.", COMPRESSION_FIELDS)
    out = Compression()
    alg = obj.get("algorithm")
    if alg is not None:
        if alg not in ENCODINGS:
            raise InstrError("compression.algorithm", "expected \"identity\", \"deflate\" or \"gzip\"")
        out.algorithm = alg
    acc = obj.get("accept")
    if acc is not None:
        if not isinstance(acc, list) or any(a not in ENCODINGS for a in acc):
            raise InstrError("compression.accept",
                             "expected an array of \"identity\", \"deflate\", \"gzip\"")
        out.accept = frozenset(acc) | {"identity"}
    nc = obj.get("no_compress")
    if nc is not None:
        if (not isinstance(nc, list) or len(nc) > MAX_NO_COMPRESS
                or any(isinstance(i, bool) or not isinstance(i, int) or not 0 <= i <= 100000
                       for i in nc)):
            raise InstrError("compression.no_compress",
                             "expected an array of request indices (whole numbers from 0)")
        if nc:  # grpc.aio's write() takes no per-message flags
            raise InstrError("compression.no_compress",
                             "not supported by this driver (grpcio has no per-message no-compress)")
        out.no_compress = list(nc)
    return out


def parse(line: str) -> Instruction:
    """The instruction of one line; InstrError (with .case when known) when it is not valid."""
    try:
        root = json.loads(line)
    except ValueError:
        root = None
    if not isinstance(root, dict):
        raise InstrError("(line)", "not a JSON object")
    ins = Instruction()
    try:
        _parse_root(root, ins)
    except InstrError as err:
        err.case = ins.case or None
        raise
    return ins
