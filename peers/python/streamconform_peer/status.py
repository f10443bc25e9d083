"""gRPC status codes by canonical name and number (as common/sc_status.c)."""
from __future__ import annotations

from typing import Optional

import grpc

NAMES: tuple[str, ...] = (
    "OK", "CANCELLED", "UNKNOWN", "INVALID_ARGUMENT", "DEADLINE_EXCEEDED", "NOT_FOUND",
    "ALREADY_EXISTS", "PERMISSION_DENIED", "RESOURCE_EXHAUSTED", "FAILED_PRECONDITION", "ABORTED",
    "OUT_OF_RANGE", "UNIMPLEMENTED", "INTERNAL", "UNAVAILABLE", "DATA_LOSS", "UNAUTHENTICATED",
)
COUNT = len(NAMES)

OK = 0
CANCELLED = 1
UNKNOWN = 2
INVALID_ARGUMENT = 3
DEADLINE_EXCEEDED = 4
ALREADY_EXISTS = 6
RESOURCE_EXHAUSTED = 8
INTERNAL = 13
UNAVAILABLE = 14
DATA_LOSS = 15

_BY_NUMBER = {c.value[0]: c for c in grpc.StatusCode}


def name(code: int) -> str:
    return NAMES[code] if 0 <= code < COUNT else "UNKNOWN"


def parse(text: str) -> Optional[int]:
    """A name in any case or a decimal number 0-16 (leading digit required, no sign or spaces)."""
    if not text:
        return None
    if "0" <= text[0] <= "9":
        if not text.isascii() or not text.isdigit():
            return None
        value = int(text)
        return value if value < COUNT else None
    upper = text.upper()
    return NAMES.index(upper) if upper in NAMES and text.isascii() else None


def to_grpc(code: int) -> grpc.StatusCode:
    return _BY_NUMBER.get(code, grpc.StatusCode.UNKNOWN)


def from_grpc(code: Optional[grpc.StatusCode]) -> int:
    return UNKNOWN if code is None else int(code.value[0])
