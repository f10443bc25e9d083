"""Control metadata: the request metadata that makes a server misbehave on purpose
(docs/peer-protocol.md, "Control metadata"). Pure parsing, same rules and error texts as
server/sc_control.c."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Optional, Sequence, Union

from . import status

MAX_DELAY_MS = 3600000
MAX_COUNT = 1000000000
MAX_TEXT = 4096

KEY_CASE = "x-sc-case"
KEY_INITIAL_DELAY = "x-sc-initial-delay-ms"
KEY_RESPONSE_DELAY = "x-sc-response-delay-ms"
KEY_MAX_RESPONSES = "x-sc-max-responses"
KEY_FAIL_CODE = "x-sc-fail-code"
KEY_FAIL_MESSAGE = "x-sc-fail-message"
KEY_FAIL_AFTER = "x-sc-fail-after"
KEY_FAIL_CALLS = "x-sc-fail-calls"
KEY_RETRY_PUSHBACK = "x-sc-retry-pushback-ms"
KEY_ECHO = "x-sc-echo"
KEY_LAZY_HEADERS = "x-sc-lazy-headers"
KEY_COMPRESS_RESPONSES = "x-sc-compress-responses"
KEY_NO_COMPRESS_RESPONSES = "x-sc-no-compress-responses"
MAX_NO_COMPRESS = 64  # response indices 0..63 (the C server's bit mask)
ENCODINGS = ("identity", "deflate", "gzip")
KEY_ECHO_INITIAL = "x-grpc-test-echo-initial"
KEY_ECHO_TRAILING = "x-grpc-test-echo-trailing-bin"

MdValue = Union[str, bytes]
Metadata = Sequence[tuple[str, MdValue]]

_YES = ("1", "true", "yes", "on")
_NO = ("0", "false", "no", "off")


class ControlError(ValueError):
    """A malformed control value; str() is the status message ("<key>: <reason>")."""


@dataclass
class Control:
    case_id: Optional[str] = None
    initial_delay_ms: int = 0
    response_delay_ms: int = -1  # -1: absent (SubscribeData uses the tick)
    max_responses: int = -1
    fail: bool = False
    fail_code: int = 0
    fail_message: Optional[str] = None
    fail_after: int = 0
    fail_calls: int = 0  # 0: every call fails; else only the case's first N calls
    retry_pushback_ms: int = -1
    echo: bool = False
    # x-sc-lazy-headers: the headers wait for the first response message; a call that ends
    # before one gets a trailers-only response (which a client library may retry, gRFC A6)
    lazy_headers: bool = False
    compress_responses: str = "identity"  # x-sc-compress-responses: the responses' encoding
    no_compress_responses: frozenset[int] = frozenset()  # response indices sent uncompressed
    echo_initial: list[tuple[str, MdValue]] = field(default_factory=list)
    echo_trailing: list[tuple[str, MdValue]] = field(default_factory=list)


def _raw(value: MdValue) -> bytes:
    return value if isinstance(value, bytes) else value.encode("utf-8", "surrogateescape")


def _first(md: Metadata, key: str) -> Optional[bytes]:
    for k, v in md:
        if k == key:
            return _raw(v)
    return None


def _shown(raw: bytes) -> str:
    """The value as the C server quotes it: at most 64 bytes, up to a NUL."""
    return raw.split(b"\0", 1)[0][:64].decode("utf-8", "replace")


def parse_count(text: bytes, maximum: int) -> Optional[int]:
    """A non-negative decimal integer <= maximum (no sign, no spaces), else None."""
    if not text:
        return None
    value = 0
    for byte in text:
        if not 0x30 <= byte <= 0x39:
            return None
        value = value * 10 + (byte - 0x30)
        if value > maximum:
            return None
    return value


def _number(md: Metadata, key: str, maximum: int, default: int) -> int:
    raw = _first(md, key)
    if raw is None:
        return default
    value = parse_count(raw, maximum)
    if value is None:
        raise ControlError(
            f'{key}: expected a whole number from 0 to {maximum}, got "{_shown(raw)}"')
    return value


def _text(md: Metadata, key: str) -> Optional[bytes]:
    raw = _first(md, key)
    if raw is not None and len(raw) > MAX_TEXT:
        raise ControlError(f"{key}: longer than {MAX_TEXT} bytes")
    return raw


def _hex(byte: int) -> int:
    char = chr(byte)
    return int(char, 16) if char in "0123456789abcdefABCDEF" else -1


def percent_decode(raw: bytes) -> bytes:
    """%XX escapes decoded; a '%' not followed by two hex digits stays as it is."""
    out = bytearray()
    i = 0
    while i < len(raw):
        if raw[i] == 0x25 and i + 2 < len(raw) and _hex(raw[i + 1]) >= 0 and _hex(raw[i + 2]) >= 0:
            out.append(_hex(raw[i + 1]) * 16 + _hex(raw[i + 2]))
            i += 3
        else:
            out.append(raw[i])
            i += 1
    return bytes(out)


def _fail_code(md: Metadata, ctl: Control) -> None:
    raw = _first(md, KEY_FAIL_CODE)
    if raw is None:
        return
    code = None if b"\0" in raw else status.parse(raw.decode("utf-8", "replace"))
    if code is None:
        raise ControlError(f'{KEY_FAIL_CODE}: unknown status code "{_shown(raw)}" '
                           "(use a name like UNAVAILABLE or 0-16)")
    ctl.fail = True
    ctl.fail_code = code


def _echo_flag(md: Metadata, key: str = KEY_ECHO) -> bool:
    raw = _first(md, key)
    if raw is None:
        return False
    text = raw.decode("utf-8", "replace").lower() if b"\0" not in raw else ""
    if text in _YES:
        return True
    if text in _NO:
        return False
    raise ControlError(f'{key}: expected true or false, got "{_shown(raw)}"')


def parse(md: Metadata) -> Control:
    """The control keys of `md` (other keys are ignored); ControlError on a malformed value. Keys
    are checked in the C server's order, so the first bad key reported is the same."""
    ctl = Control()
    case_raw = _text(md, KEY_CASE)
    ctl.case_id = None if case_raw is None else case_raw.decode("utf-8", "replace")
    ctl.initial_delay_ms = _number(md, KEY_INITIAL_DELAY, MAX_DELAY_MS, 0)
    ctl.response_delay_ms = _number(md, KEY_RESPONSE_DELAY, MAX_DELAY_MS, -1)
    ctl.max_responses = _number(md, KEY_MAX_RESPONSES, MAX_COUNT, -1)
    _fail_code(md, ctl)
    message = _text(md, KEY_FAIL_MESSAGE)
    ctl.fail_after = _number(md, KEY_FAIL_AFTER, MAX_COUNT, 0)
    ctl.fail_calls = _number(md, KEY_FAIL_CALLS, MAX_COUNT, 0)
    ctl.retry_pushback_ms = _number(md, KEY_RETRY_PUSHBACK, MAX_DELAY_MS, -1)
    ctl.echo = _echo_flag(md)
    ctl.lazy_headers = _echo_flag(md, KEY_LAZY_HEADERS)
    ctl.echo_initial = [(k, v) for k, v in md if k == KEY_ECHO_INITIAL]
    ctl.echo_trailing = [(k, v) for k, v in md if k == KEY_ECHO_TRAILING]
    raw = _first(md, KEY_COMPRESS_RESPONSES)
    if raw is not None:
        text = raw.decode("utf-8", "replace") if b"\0" not in raw else ""
        if text not in ENCODINGS:
            raise ControlError(f'{KEY_COMPRESS_RESPONSES}: expected gzip, deflate or identity, '
                               f'got "{_shown(raw)}"')
        ctl.compress_responses = text
    raw = _first(md, KEY_NO_COMPRESS_RESPONSES)
    if raw is not None:
        items = raw.split(b",") if raw and b"\0" not in raw else [b""]
        indices = [parse_count(i, MAX_NO_COMPRESS - 1) for i in items]
        if any(i is None for i in indices):
            raise ControlError(f"{KEY_NO_COMPRESS_RESPONSES}: expected response indices 0-63 "
                               f'separated by commas, got "{_shown(raw)}"')
        ctl.no_compress_responses = frozenset(indices)
    if message is not None:
        # C keeps the text up to its first NUL, then decodes the escapes.
        ctl.fail_message = percent_decode(message.split(b"\0", 1)[0]).decode("utf-8", "replace")
    return ctl
