"""The server event-log names (docs/peer-protocol.md, "Event log"), in the order they can happen
for one call. The same list as the C table contract/sc_event_names.h and the Go peer's
internal/events/names.go; tests/unit/test_event_names.c checks the three agree. Never rename one:
the names are the peer protocol."""

CALL_START = "call_start"
MESSAGE_RECEIVED = "message_received"
HALF_CLOSE = "half_close"
MESSAGE_SENT = "message_sent"
STATUS_SENT = "status_sent"
CANCELLED = "cancelled"
DEADLINE_EXCEEDED = "deadline_exceeded"
CALL_END = "call_end"

ALL = (CALL_START, MESSAGE_RECEIVED, HALF_CLOSE, MESSAGE_SENT, STATUS_SENT, CANCELLED,
       DEADLINE_EXCEEDED, CALL_END)
