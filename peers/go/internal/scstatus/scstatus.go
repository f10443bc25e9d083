// Package scstatus names gRPC status codes the way the peer protocol writes them
// (canonical upper-case names) and parses names or numbers back.
package scstatus

import (
	"strconv"
	"strings"

	"google.golang.org/grpc/codes"
)

// Count is the number of canonical status codes (0-16).
const Count = 17

var names = [Count]string{
	"OK", "CANCELLED", "UNKNOWN", "INVALID_ARGUMENT", "DEADLINE_EXCEEDED", "NOT_FOUND",
	"ALREADY_EXISTS", "PERMISSION_DENIED", "RESOURCE_EXHAUSTED", "FAILED_PRECONDITION", "ABORTED",
	"OUT_OF_RANGE", "UNIMPLEMENTED", "INTERNAL", "UNAVAILABLE", "DATA_LOSS", "UNAUTHENTICATED",
}

// Name is the canonical name of c, "UNKNOWN" for codes outside 0-16.
func Name(c codes.Code) string {
	if int(c) < Count {
		return names[c]
	}
	return "UNKNOWN"
}

// Parse accepts a decimal code 0-16 or a canonical name in any case (as the C server's
// sc_status_parse does).
func Parse(text string) (codes.Code, bool) {
	if text == "" {
		return 0, false
	}
	if text[0] >= '0' && text[0] <= '9' {
		v, err := strconv.Atoi(text)
		if err != nil || v < 0 || v >= Count {
			return 0, false
		}
		return codes.Code(v), true
	}
	for i, n := range names {
		if strings.EqualFold(text, n) {
			return codes.Code(i), true
		}
	}
	return 0, false
}
