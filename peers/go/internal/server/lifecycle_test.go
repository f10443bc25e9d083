package server

import (
	"bytes"
	"testing"
)

func TestLifecycleFlags(t *testing.T) {
	var errs bytes.Buffer
	o, rc := parseArgs([]string{"--max-connection-age-ms", "1000", "--max-connection-age-grace-ms", "500",
		"--keepalive-min-time-ms", "60000", "--permit-keepalive-without-calls",
		"--max-concurrent-streams", "2", "--shutdown-grace-ms", "800"}, &errs)
	want := Lifecycle{MaxConnectionAgeMS: 1000, MaxConnectionAgeGraceMS: 500, KeepaliveMinTimeMS: 60000,
		PermitWithoutCalls: true, MaxConcurrentStreams: 2, ShutdownGraceMS: 800}
	if o == nil || rc != -1 || o.lifecycle != want {
		t.Fatalf("rc %d %+v: %s", rc, o, errs.String())
	}
	if n := len(o.lifecycle.serverOptions()); n != 3 {
		t.Errorf("%d server options, want 3 (params, policy, streams)", n)
	}
	if n := len((Lifecycle{}).serverOptions()); n != 0 {
		t.Errorf("%d server options without flags", n)
	}
	errs.Reset()
	if o, rc := parseArgs([]string{"--max-concurrent-streams", "0"}, &errs); o != nil || rc != exitUsage ||
		!bytes.Contains(errs.Bytes(), []byte("--max-concurrent-streams: expected a whole number from 1")) {
		t.Errorf("rc %d: %s", rc, errs.String())
	}
}
