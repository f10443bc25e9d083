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
	if s.Wait(codes.OK, 1, false) != -1 || s.Wait(codes.Canceled, 1, false) != -1 ||
		s.Wait(codes.Internal, 1, false) != -1 {
		t.Fatal("final codes must stop")
	}
	if w := s.Wait(codes.ResourceExhausted, 1, false); w != 30000 {
		t.Fatalf("exhausted %d", w)
	}
	if w := s.Wait(codes.Unavailable, 1, false); w != 1000 {
		t.Fatalf("first backoff %d", w)
	}
	if w := s.Wait(codes.Unavailable, 2, false); w != 1600 {
		t.Fatalf("second backoff %d", w)
	}
	if w := s.Wait(codes.Unavailable, 3, false); w != -1 {
		t.Fatalf("max attempts %d", w)
	}
	if w := s.Wait(codes.DeadlineExceeded, 2, true); w != 1000 {
		t.Fatalf("delivered resets %d", w)
	}
}
