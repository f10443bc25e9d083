package backoff

import (
	"testing"

	"google.golang.org/grpc/codes"
)

func constant(u float64) func() float64 { return func() float64 { return u } }

func TestScheduleNoJitterMidpoint(t *testing.T) {
	p := Default()
	p.InitialMS, p.MaxMS = 100, 300
	s := NewSchedule(p, constant(0.5))
	want := []int64{100, 160, 256, 300, 300}
	for i, w := range want {
		if got := s.Next(); got != w {
			t.Fatalf("wait %d: got %d want %d", i, got, w)
		}
	}
	s.Reset()
	if got := s.Next(); got != 100 {
		t.Fatalf("after reset %d", got)
	}
}

func TestScheduleJitterBounds(t *testing.T) {
	p := Default()
	if got := NewSchedule(p, constant(0)).Next(); got != 800 {
		t.Fatalf("u=0: %d", got)
	}
	if got := NewSchedule(p, constant(0.999999)).Next(); got != 1200 {
		t.Fatalf("u~1: %d", got)
	}
	if got := NewSchedule(p, constant(7)).Next(); got != 1000 {
		t.Fatalf("broken source: %d", got)
	}
}

func TestDecision(t *testing.T) {
	p := Default()
	p.MaxAttempts = 3
	s := NewSchedule(p, constant(0.5))
	if s.Wait(codes.OK, 1, false, PushbackNone) != -1 || s.Wait(codes.Canceled, 1, false, PushbackNone) != -1 ||
		s.Wait(codes.Internal, 1, false, PushbackNone) != -1 {
		t.Fatal("final codes must stop")
	}
	if w := s.Wait(codes.ResourceExhausted, 1, false, PushbackNone); w != 30000 {
		t.Fatalf("exhausted %d", w)
	}
	if w := s.Wait(codes.Unavailable, 1, false, PushbackNone); w != 1000 {
		t.Fatalf("first backoff %d", w)
	}
	if w := s.Wait(codes.Unavailable, 2, false, PushbackNone); w != 1600 {
		t.Fatalf("second backoff %d", w)
	}
	if w := s.Wait(codes.Unavailable, 3, false, PushbackNone); w != -1 {
		t.Fatalf("max attempts %d", w)
	}
	if w := s.Wait(codes.DeadlineExceeded, 2, true, PushbackNone); w != 1000 {
		t.Fatalf("delivered resets %d", w)
	}
}

func TestParsePushback(t *testing.T) {
	cases := map[string]int64{"250": 250, "0": 0, "2147483647": 2147483647,
		"2147483648": PushbackInvalid, "-1": PushbackInvalid, "1.5": PushbackInvalid,
		" 5": PushbackInvalid, "": PushbackInvalid, "soon": PushbackInvalid}
	for in, want := range cases {
		if got := ParsePushback([]string{in}); got != want {
			t.Errorf("%q: got %d want %d", in, got, want)
		}
	}
	if got := ParsePushback(nil); got != PushbackNone {
		t.Errorf("absent: %d", got)
	}
}

func TestHonoredPushback(t *testing.T) {
	p := Default()
	p.InitialMS, p.Multiplier, p.Jitter, p.MaxAttempts, p.HonorPushback = 100, 2, 0, 3, true
	s := NewSchedule(p, constant(0.5))
	steps := []struct {
		code     codes.Code
		n        int
		pushback int64
		want     int64
	}{
		{codes.Unavailable, 1, PushbackNone, 100},
		{codes.Unavailable, 1, PushbackNone, 200},
		{codes.Unavailable, 1, 250, 250},
		{codes.Unavailable, 1, PushbackNone, 100}, // the backoff started over
		{codes.ResourceExhausted, 1, 0, 0},        // overrides the fixed pause
		{codes.Unavailable, 1, PushbackInvalid, -1},
		{codes.Internal, 1, 10, -1},    // never revives a final code
		{codes.Unavailable, 3, 10, -1}, // nor used-up attempts
	}
	for i, st := range steps {
		if got := s.Wait(st.code, st.n, false, st.pushback); got != st.want {
			t.Fatalf("step %d: got %d want %d", i, got, st.want)
		}
	}
	p.HonorPushback = false
	s = NewSchedule(p, constant(0.5))
	if got := s.Wait(codes.Unavailable, 1, false, 250); got != 100 {
		t.Fatalf("ignored pushback: %d", got)
	}
	if got := s.Wait(codes.Unavailable, 1, false, PushbackInvalid); got != 200 {
		t.Fatalf("ignored invalid pushback: %d", got)
	}
}
