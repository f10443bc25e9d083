// Package backoff is the client driver's reconnect policy (docs/peer-protocol.md, "reconnect"):
// the jittered exponential schedule and the decision after each attempt, as in the C driver's
// sc_backoff.c and sc_reconnect.c.
package backoff

import (
	"math"

	"google.golang.org/grpc/codes"
)

// Policy is a reconnect policy; Default gives the documented defaults.
type Policy struct {
	InitialMS   int64
	Multiplier  float64
	Jitter      float64
	MaxMS       int64
	ExhaustedMS int64
	MaxAttempts int
	RetryCodes  map[codes.Code]bool
	// HonorPushback: a retryable failure's grpc-retry-pushback-ms decides the wait.
	HonorPushback bool
}

// An attempt's grpc-retry-pushback-ms other than a wait (gRPC A6: a negative or unparseable
// value means "do not retry"); the largest wait taken is INT32_MAX ms, as the libraries read it.
const (
	PushbackNone    int64 = -1
	PushbackInvalid int64 = -2
	PushbackMaxMS   int64 = math.MaxInt32
)

// ParsePushback reads the first grpc-retry-pushback-ms value (vals as metadata.MD.Get returns
// them): the wait in ms for plain decimal digits up to PushbackMaxMS, PushbackNone when absent,
// PushbackInvalid otherwise.
func ParsePushback(vals []string) int64 {
	if len(vals) == 0 {
		return PushbackNone
	}
	v := vals[0]
	if v == "" {
		return PushbackInvalid
	}
	var ms int64
	for _, c := range []byte(v) {
		if c < '0' || c > '9' {
			return PushbackInvalid
		}
		ms = ms*10 + int64(c-'0')
		if ms > PushbackMaxMS {
			return PushbackInvalid
		}
	}
	return ms
}

// Default is the policy of `"reconnect": true`.
func Default() Policy {
	return Policy{
		InitialMS:   1000,
		Multiplier:  1.6,
		Jitter:      0.2,
		MaxMS:       120000,
		ExhaustedMS: 30000,
		MaxAttempts: 10,
		RetryCodes: map[codes.Code]bool{
			codes.Unavailable: true, codes.DeadlineExceeded: true, codes.ResourceExhausted: true,
		},
	}
}

// Schedule yields the waits before successive attempts. Random returns u in [0, 1).
type Schedule struct {
	policy  Policy
	current float64
	random  func() float64
}

// NewSchedule starts a schedule at the policy's initial wait.
func NewSchedule(p Policy, random func() float64) *Schedule {
	return &Schedule{policy: p, current: float64(p.InitialMS), random: random}
}

// Next is current * (1 + jitter * (2u - 1)), rounded; then current grows by the multiplier up
// to the cap.
func (s *Schedule) Next() int64 {
	u := s.random()
	if !(u >= 0) || u >= 1 {
		u = 0.5
	}
	delay := s.current * (1 + s.policy.Jitter*(2*u-1))
	s.current = math.Min(s.current*s.policy.Multiplier, float64(s.policy.MaxMS))
	return int64(math.Round(delay))
}

// Reset starts over at the initial wait.
func (s *Schedule) Reset() {
	s.current = float64(s.policy.InitialMS)
}

// Wait decides what follows an attempt that ended with code, being attempt number attempts
// (1-based), having delivered at least one response when delivered is set and carrying pushback
// (ParsePushback of its trailers). It returns the wait in ms before the next attempt, or -1 to
// stop. With HonorPushback a valid pushback is the wait and starts the backoff over; an invalid
// one stops.
func (s *Schedule) Wait(code codes.Code, attempts int, delivered bool, pushback int64) int64 {
	if delivered {
		s.Reset()
	}
	if code == codes.OK || code == codes.Canceled || !s.policy.RetryCodes[code] {
		return -1
	}
	if s.policy.MaxAttempts > 0 && attempts >= s.policy.MaxAttempts {
		return -1
	}
	if s.policy.HonorPushback && pushback != PushbackNone {
		if pushback < 0 {
			return -1
		}
		s.Reset()
		return pushback
	}
	if code == codes.ResourceExhausted {
		return s.policy.ExhaustedMS
	}
	return s.Next()
}
