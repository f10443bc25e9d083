"""Metadata helpers shared by the server and the driver (as common/sc_md.c, common/sc_base64.c)."""
from __future__ import annotations

import base64
from typing import Iterable, Optional, Union

MdValue = Union[str, bytes]

_DIGITS = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"


def is_binary(key: str) -> bool:
    return key.endswith("-bin")


def b64_decode(text: str) -> Optional[bytes]:
    """Standard or URL-safe alphabet, padding optional; None when malformed."""
    body = text.rstrip("=")
    if len(body) % 4 == 1:
        return None
    acc = bits = 0
    out = bytearray()
    for char in body:
        if char in _DIGITS:
            digit = _DIGITS.index(char)
        elif char in "+-":
            digit = 62
        elif char in "/_":
            digit = 63
        else:
            return None
        acc = ((acc << 6) | digit) & 0xFFFFFF
        bits += 6
        if bits >= 8:
            bits -= 8
            out.append((acc >> bits) & 0xFF)
    return bytes(out)


def value_text(key: str, value: MdValue) -> str:
    if is_binary(key):
        raw = value if isinstance(value, bytes) else value.encode("utf-8", "surrogateescape")
        return base64.b64encode(raw).decode("ascii")
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    return value


def to_json(md: Iterable[tuple[str, MdValue]]) -> dict[str, str]:
    """key -> value text; -bin values base64; a repeated key's values joined with ','."""
    out: dict[str, str] = {}
    for key, value in md:
        text = value_text(key, value)
        out[key] = f"{out[key]},{text}" if key in out else text
    return out
