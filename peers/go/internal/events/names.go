package events

// The event names (docs/peer-protocol.md, "Event log"), in the order they can happen for one
// call. The same list as the C table contract/sc_event_names.h and the Python peer's
// streamconform_peer/event_names.py; tests/unit/test_event_names.c checks the three agree. Never
// rename one: the names are the peer protocol.
const (
	CallStart        = "call_start"
	MessageReceived  = "message_received"
	HalfClose        = "half_close"
	MessageSent      = "message_sent"
	StatusSent       = "status_sent"
	Cancelled        = "cancelled"
	DeadlineExceeded = "deadline_exceeded"
	CallEnd          = "call_end"
)
