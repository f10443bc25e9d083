// Package control parses the x-sc-* control metadata of a call (docs/peer-protocol.md, "Control
// metadata") with the same rules and error texts as the C server's sc_control.c.
package control

import (
	"fmt"
	"strings"
	"sync"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/metadata"

	"streamconform/peers/go/internal/scstatus"
)

// Limits and keys, as in server/sc_control.h.
const (
	MaxDelayMS = 3600000
	MaxCount   = 1000000000
	MaxText    = 4096

	KeyCase          = "x-sc-case"
	KeyInitialDelay  = "x-sc-initial-delay-ms"
	KeyResponseDelay = "x-sc-response-delay-ms"
	KeyMaxResponses  = "x-sc-max-responses"
	KeyFailCode      = "x-sc-fail-code"
	KeyFailMessage   = "x-sc-fail-message"
	KeyFailAfter     = "x-sc-fail-after"
	KeyFailCalls     = "x-sc-fail-calls"
	KeyRetryPushback = "x-sc-retry-pushback-ms"
	KeyEcho          = "x-sc-echo"
	KeyLazyHeaders   = "x-sc-lazy-headers"
	// KeyCompressResponses (issue 14): the responses' encoding, gzip, deflate or identity.
	KeyCompressResponses = "x-sc-compress-responses"
	KeyEchoInitial       = "x-grpc-test-echo-initial"
	KeyEchoTrailing      = "x-grpc-test-echo-trailing-bin"

	// InjectedFailureMessage is the failure status message when x-sc-fail-message is absent.
	InjectedFailureMessage = "injected failure"
)

// Control is what the metadata of one call asks for. Numbers are -1 when absent (except
// InitialDelayMS and FailAfter, which default to 0).
type Control struct {
	Case            *string
	InitialDelayMS  int64
	ResponseDelayMS int64
	MaxResponses    int64
	Fail            bool
	FailCode        codes.Code
	FailMessage     string
	FailAfter       int64
	FailCalls       int64 // 0: every call fails; else only the case's first N calls
	RetryPushbackMS int64
	Echo            bool
	// LazyHeaders (x-sc-lazy-headers): the headers wait for the first response message; a call
	// that ends before one gets a trailers-only response (which a client may retry, gRFC A6).
	LazyHeaders bool
	EchoInitial []string
	// CompressResponses (x-sc-compress-responses): "identity" (default), "deflate" or "gzip".
	CompressResponses string
	EchoTrailing      []string
}

// ParseCount accepts plain decimal digits (no sign, no spaces) up to max.
func ParseCount(text string, max int64) (int64, bool) {
	if text == "" {
		return 0, false
	}
	var v int64
	for i := 0; i < len(text); i++ {
		c := text[i]
		if c < '0' || c > '9' {
			return 0, false
		}
		v = v*10 + int64(c-'0')
		if v > max {
			return 0, false
		}
	}
	return v, true
}

// shown is how the C server quotes a bad value: up to the first NUL, at most 64 bytes.
func shown(v string) string {
	if i := strings.IndexByte(v, 0); i >= 0 {
		v = v[:i]
	}
	if len(v) > 64 {
		v = v[:64]
	}
	return v
}

func first(md metadata.MD, key string) (string, bool) {
	vs := md.Get(key)
	if len(vs) == 0 {
		return "", false
	}
	return vs[0], true
}

type parser struct {
	md  metadata.MD
	err error
}

func (p *parser) number(key string, max int64, out *int64) {
	if p.err != nil {
		return
	}
	v, ok := first(p.md, key)
	if !ok {
		return
	}
	n, good := ParseCount(v, max)
	if strings.IndexByte(v, 0) >= 0 || !good {
		p.err = fmt.Errorf("%s: expected a whole number from 0 to %d, got \"%s\"", key, max, shown(v))
		return
	}
	*out = n
}

// encoding reads gzip, deflate or identity.
func (p *parser) encoding(key string, out *string) {
	if p.err != nil {
		return
	}
	v, ok := first(p.md, key)
	if !ok {
		return
	}
	if v != "gzip" && v != "deflate" && v != "identity" {
		p.err = fmt.Errorf("%s: expected gzip, deflate or identity, got \"%s\"", key, shown(v))
		return
	}
	*out = v
}

func (p *parser) text(key string, out **string) {
	if p.err != nil {
		return
	}
	v, ok := first(p.md, key)
	if !ok {
		return
	}
	if len(v) > MaxText {
		p.err = fmt.Errorf("%s: longer than %d bytes", key, MaxText)
		return
	}
	*out = &v
}

func (p *parser) failCode(c *Control) {
	if p.err != nil {
		return
	}
	v, ok := first(p.md, KeyFailCode)
	if !ok {
		return
	}
	code, good := scstatus.Parse(v)
	if strings.IndexByte(v, 0) >= 0 || !good {
		p.err = fmt.Errorf("%s: unknown status code \"%s\" (use a name like UNAVAILABLE or 0-16)",
			KeyFailCode, shown(v))
		return
	}
	c.Fail = true
	c.FailCode = code
}

func (p *parser) flag(key string, out *bool) {
	if p.err != nil {
		return
	}
	v, ok := first(p.md, key)
	if !ok {
		return
	}
	b, good := ParseBool(v)
	if !good {
		p.err = fmt.Errorf("%s: expected true or false, got \"%s\"", key, shown(v))
		return
	}
	*out = b
}

// ParseBool accepts 1/true/yes/on and 0/false/no/off in any case.
func ParseBool(v string) (bool, bool) {
	for _, y := range []string{"1", "true", "yes", "on"} {
		if strings.EqualFold(v, y) {
			return true, true
		}
	}
	for _, n := range []string{"0", "false", "no", "off"} {
		if strings.EqualFold(v, n) {
			return false, true
		}
	}
	return false, false
}

// Parse reads the control metadata of a call. The error text is the status message of the
// INVALID_ARGUMENT the call ends with.
func Parse(md metadata.MD) (*Control, error) {
	c := &Control{ResponseDelayMS: -1, MaxResponses: -1, RetryPushbackMS: -1,
		CompressResponses: "identity"}
	p := &parser{md: md}
	var failMessage *string
	p.text(KeyCase, &c.Case)
	p.number(KeyInitialDelay, MaxDelayMS, &c.InitialDelayMS)
	p.number(KeyResponseDelay, MaxDelayMS, &c.ResponseDelayMS)
	p.number(KeyMaxResponses, MaxCount, &c.MaxResponses)
	p.failCode(c)
	p.text(KeyFailMessage, &failMessage)
	p.number(KeyFailAfter, MaxCount, &c.FailAfter)
	p.number(KeyFailCalls, MaxCount, &c.FailCalls)
	p.number(KeyRetryPushback, MaxDelayMS, &c.RetryPushbackMS)
	p.flag(KeyEcho, &c.Echo)
	p.flag(KeyLazyHeaders, &c.LazyHeaders)
	p.encoding(KeyCompressResponses, &c.CompressResponses)
	if p.err != nil {
		return nil, p.err
	}
	c.EchoInitial = md.Get(KeyEchoInitial)
	c.EchoTrailing = md.Get(KeyEchoTrailing)
	c.FailMessage = InjectedFailureMessage
	if failMessage != nil {
		c.FailMessage = PercentDecode(*failMessage)
	}
	return c, nil
}

// FailureDue reports whether the injected failure applies once count messages were sent or
// received.
func (c *Control) FailureDue(count int64) bool {
	return c.Fail && count >= c.FailAfter
}

func hexDigit(c byte) int {
	switch {
	case c >= '0' && c <= '9':
		return int(c - '0')
	case c >= 'a' && c <= 'f':
		return int(c-'a') + 10
	case c >= 'A' && c <= 'F':
		return int(c-'A') + 10
	}
	return -1
}

// PercentDecode decodes %XX escapes; a '%' not followed by two hex digits stays as it is. Like
// the C server, the text ends at the first NUL (decoded or not).
func PercentDecode(s string) string {
	if i := strings.IndexByte(s, 0); i >= 0 {
		s = s[:i]
	}
	out := make([]byte, 0, len(s))
	for i := 0; i < len(s); i++ {
		if s[i] == '%' && i+2 < len(s) && hexDigit(s[i+1]) >= 0 && hexDigit(s[i+2]) >= 0 {
			out = append(out, byte(hexDigit(s[i+1])*16+hexDigit(s[i+2])))
			i += 2
			continue
		}
		out = append(out, s[i])
	}
	if i := strings.IndexByte(string(out), 0); i >= 0 {
		out = out[:i]
	}
	return string(out)
}

// MaxCaseCalls bounds CaseCalls: distinct cases remembered (a matrix run has about a thousand
// per server), as the C server's table.
const MaxCaseCalls = 4096

// CaseCalls counts the calls of each x-sc-case on one server run, for x-sc-fail-calls. When
// full, the oldest case makes room. Safe for concurrent use.
type CaseCalls struct {
	mu    sync.Mutex
	calls map[string]int64
	order []string // insertion order, oldest first
}

// Bump counts one more call of the case (nil counts as "") and returns its number, 1 first.
func (t *CaseCalls) Bump(caseID *string) int64 {
	key := ""
	if caseID != nil {
		key = *caseID
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.calls == nil {
		t.calls = make(map[string]int64)
	}
	if n, ok := t.calls[key]; ok {
		t.calls[key] = n + 1
		return n + 1
	}
	if len(t.order) >= MaxCaseCalls {
		delete(t.calls, t.order[0])
		t.order = t.order[1:]
	}
	t.order = append(t.order, key)
	t.calls[key] = 1
	return 1
}

// Len is the number of cases remembered.
func (t *CaseCalls) Len() int {
	t.mu.Lock()
	defer t.mu.Unlock()
	return len(t.calls)
}
