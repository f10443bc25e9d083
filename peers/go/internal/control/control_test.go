package control

import (
	"fmt"
	"strings"
	"testing"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/metadata"
)

func TestDefaults(t *testing.T) {
	c, err := Parse(metadata.MD{})
	if err != nil {
		t.Fatal(err)
	}
	if c.Case != nil || c.ResponseDelayMS != -1 || c.MaxResponses != -1 || c.RetryPushbackMS != -1 ||
		c.Fail || c.FailAfter != 0 || c.FailMessage != InjectedFailureMessage || c.Echo {
		t.Fatalf("unexpected defaults %+v", c)
	}
}

func TestValues(t *testing.T) {
	md := metadata.Pairs(KeyCase, "c1", KeyInitialDelay, "5", KeyResponseDelay, "0",
		KeyMaxResponses, "1000000000", KeyFailCode, "resource_exhausted", KeyFailMessage,
		"caf%C3%A9 100%", KeyFailAfter, "3", KeyRetryPushback, "250", KeyEcho, "On", KeyLazyHeaders, "yes",
		KeyEchoInitial, "a", KeyEchoInitial, "b", KeyEchoTrailing, "\x00\x01")
	c, err := Parse(md)
	if err != nil {
		t.Fatal(err)
	}
	if *c.Case != "c1" || c.InitialDelayMS != 5 || c.ResponseDelayMS != 0 || c.MaxResponses != 1000000000 ||
		!c.Fail || c.FailCode != codes.ResourceExhausted || c.FailMessage != "café 100%" ||
		c.FailAfter != 3 || c.RetryPushbackMS != 250 || !c.Echo || !c.LazyHeaders ||
		strings.Join(c.EchoInitial, ",") != "a,b" || c.EchoTrailing[0] != "\x00\x01" {
		t.Fatalf("unexpected %+v", c)
	}
	if !c.FailureDue(3) || c.FailureDue(2) {
		t.Fatal("FailureDue")
	}
}

func TestErrors(t *testing.T) {
	cases := []struct{ key, value, want string }{
		{KeyMaxResponses, "ten", `x-sc-max-responses: expected a whole number from 0 to 1000000000, got "ten"`},
		{KeyInitialDelay, "3600001", `x-sc-initial-delay-ms: expected a whole number from 0 to 3600000, got "3600001"`},
		{KeyResponseDelay, "-1", `x-sc-response-delay-ms: expected a whole number from 0 to 3600000, got "-1"`},
		{KeyFailAfter, " 1", `x-sc-fail-after: expected a whole number from 0 to 1000000000, got " 1"`},
		{KeyFailCalls, "-1", `x-sc-fail-calls: expected a whole number from 0 to 1000000000, got "-1"`},
		{KeyRetryPushback, "", `x-sc-retry-pushback-ms: expected a whole number from 0 to 3600000, got ""`},
		{KeyFailCode, "BOGUS", `x-sc-fail-code: unknown status code "BOGUS" (use a name like UNAVAILABLE or 0-16)`},
		{KeyFailCode, "17", `x-sc-fail-code: unknown status code "17" (use a name like UNAVAILABLE or 0-16)`},
		{KeyEcho, "maybe", `x-sc-echo: expected true or false, got "maybe"`},
		{KeyCase, strings.Repeat("x", MaxText+1), `x-sc-case: longer than 4096 bytes`},
		{KeyFailMessage, strings.Repeat("x", MaxText+1), `x-sc-fail-message: longer than 4096 bytes`},
		{KeyMaxResponses, strings.Repeat("9", 80), `x-sc-max-responses: expected a whole number from 0 to 1000000000, got "` + strings.Repeat("9", 64) + `"`},
	}
	for _, tc := range cases {
		_, err := Parse(metadata.Pairs(tc.key, tc.value))
		if err == nil || err.Error() != tc.want {
			t.Errorf("%s=%q: got %v, want %s", tc.key, tc.value, err, tc.want)
		}
	}
}

func TestFailCodeForms(t *testing.T) {
	for text, want := range map[string]codes.Code{"14": codes.Unavailable, "0": codes.OK,
		"Unavailable": codes.Unavailable, "DATA_LOSS": codes.DataLoss, "016": codes.Unauthenticated} {
		c, err := Parse(metadata.Pairs(KeyFailCode, text))
		if err != nil || c.FailCode != want {
			t.Errorf("%q: %v %v", text, c, err)
		}
	}
}

func TestPercentDecode(t *testing.T) {
	for in, want := range map[string]string{"a%20b": "a b", "100%": "100%", "%zz": "%zz",
		"%4": "%4", "%41%42": "AB", "x%00y": "x"} {
		if got := PercentDecode(in); got != want {
			t.Errorf("%q: got %q want %q", in, got, want)
		}
	}
}

func TestCaseCalls(t *testing.T) {
	var calls CaseCalls
	id := func(s string) *string { return &s }
	for i := 0; i < MaxCaseCalls; i++ {
		if n := calls.Bump(id(fmt.Sprintf("case-%d", i))); n != 1 {
			t.Fatalf("case-%d: %d", i, n)
		}
	}
	if n := calls.Bump(id("case-1")); n != 2 {
		t.Fatalf("case-1 again: %d", n)
	}
	if n := calls.Bump(nil); n != 1 { // full: replaces case-0, the oldest
		t.Fatalf("nil: %d", n)
	}
	if calls.Len() != MaxCaseCalls {
		t.Fatalf("len %d", calls.Len())
	}
	if n := calls.Bump(id("")); n != 2 {
		t.Fatalf("empty: %d", n)
	}
	if n := calls.Bump(id("case-0")); n != 1 { // forgotten: starts over
		t.Fatalf("case-0: %d", n)
	}
	if n := calls.Bump(id("case-2")); n != 2 {
		t.Fatalf("case-2: %d", n)
	}
}

func TestCompressResponses(t *testing.T) {
	c, err := Parse(metadata.MD{})
	if err != nil || c.CompressResponses != "identity" {
		t.Fatalf("default %+v %v", c, err)
	}
	c, err = Parse(metadata.Pairs(KeyCompressResponses, "gzip"))
	if err != nil || c.CompressResponses != "gzip" {
		t.Fatalf("gzip %+v %v", c, err)
	}
	_, err = Parse(metadata.Pairs(KeyCompressResponses, "snappy"))
	if err == nil || err.Error() != `x-sc-compress-responses: expected gzip, deflate or identity, got "snappy"` {
		t.Fatalf("snappy: %v", err)
	}
}
