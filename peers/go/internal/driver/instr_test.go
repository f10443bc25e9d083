package driver

import (
	"strings"
	"testing"

	"google.golang.org/grpc/codes"

	"streamconform/peers/go/pb"
)

func TestParseFull(t *testing.T) {
	in, c, err := ParseInstruction([]byte(`{"case":"c1","target":"127.0.0.1:1","method":"subscribe",
		"metadata":{"x-a":"1","x-b":["2","3"],"x-c-bin":"AAE="},"timeout_ms":500,
		"requests":[{"subscriptionId":"s","topics":["t"],"batchSize":"3"}],"request_delay_ms":10,
		"half_close":false,"wait_for_ready":true,"cancel":{"after_responses":2},
		"reconnect":{"max_attempts":4,"retry_codes":["unavailable",4],"backoff_multiplier":2},
		"channel":{"max_receive_bytes":1024}}`))
	if err != nil || *c != "c1" {
		t.Fatal(err)
	}
	req := in.Requests[0].(*pb.StreamRequest)
	if in.Method.RPCName != "SubscribeData" || in.TimeoutMS != 500 || req.GetBatchSize() != 3 ||
		in.RequestDelayMS != 10 || in.HalfClose || !in.WaitForReady || in.Cancel != CancelAfterResponses ||
		in.CancelN != 2 || !in.Reconnect || in.Policy.MaxAttempts != 4 || in.Policy.Multiplier != 2 ||
		!in.Policy.RetryCodes[codes.Unavailable] || !in.Policy.RetryCodes[codes.DeadlineExceeded] ||
		in.Policy.RetryCodes[codes.ResourceExhausted] || in.Channel.MaxReceiveBytes != 1024 {
		t.Fatalf("unexpected %+v", in)
	}
	if got := in.Metadata.Get("x-b"); len(got) != 2 || in.Metadata.Get("x-c-bin")[0] != "\x00\x01" {
		t.Fatalf("metadata %v", in.Metadata)
	}
}

func TestPingPongAndSendLimit(t *testing.T) {
	in, _, err := ParseInstruction([]byte(`{"case":"c","target":"t","method":"Chat","pingpong":true,
		"channel":{"max_send_bytes":64}}`))
	if err != nil || !in.PingPong || in.Channel.MaxSendBytes != 64 || len(sendLimitOptions(in.Channel)) != 1 {
		t.Fatalf("unexpected %+v %v", in, err)
	}
	in, _, err = ParseInstruction([]byte(`{"case":"c","target":"t","method":"Chat"}`))
	if err != nil || in.PingPong || sendLimitOptions(in.Channel) != nil {
		t.Fatalf("defaults %+v %v", in, err)
	}
	if _, _, err = ParseInstruction([]byte(`{"case":"c","target":"t","method":"Chat","pingpong":1}`)); err == nil ||
		err.Error() != "pingpong: expected true or false" {
		t.Fatalf("got %v", err)
	}
}

func TestDefaults(t *testing.T) {
	in, _, err := ParseInstruction([]byte(`{"case":"c","target":"t","method":"GetData","reconnect":true}`))
	if err != nil {
		t.Fatal(err)
	}
	if in.TimeoutMS != 60000 || !in.HalfClose || in.WaitForReady || in.Cancel != CancelNone ||
		in.Policy.MaxAttempts != 10 || in.Policy.InitialMS != 1000 {
		t.Fatalf("%+v", in)
	}
}

func TestStartDelayReadPauseBDP(t *testing.T) {
	in, _, err := ParseInstruction([]byte(`{"case":"c","target":"t","method":"GetData","start_delay_ms":25,"read_pause_ms":30,"channel":{"bdp_probe":false}}`))
	if err != nil || in.StartDelayMS != 25 || in.ReadPauseMS != 30 || !in.Channel.NoBDPProbe {
		t.Fatalf("%v %+v", err, in)
	}
	in, _, err = ParseInstruction([]byte(`{"case":"c","target":"t","method":"GetData","channel":{"bdp_probe":true}}`))
	if err != nil || in.Channel.NoBDPProbe {
		t.Fatalf("%v %+v", err, in)
	}
}

func TestServiceConfig(t *testing.T) {
	in, _, err := ParseInstruction([]byte(`{"case":"c","target":"t","method":"GetData","channel":{"service_config":{"methodConfig":[{"name":[{}],"retryPolicy":{"maxAttempts":3,"backoffMultiplier":1.5}}]}}}`))
	want := `{"methodConfig":[{"name":[{}],"retryPolicy":{"maxAttempts":3,"backoffMultiplier":1.5}}]}`
	if err != nil || in.Channel.ServiceConfig != want {
		t.Fatalf("%v %+v", err, in)
	}
}

func TestPath(t *testing.T) {
	in, _, err := ParseInstruction([]byte(`{"case":"c","target":"t","method":"GetData","path":"/streaming.Nope/Get_Data2"}`))
	if err != nil || in.Path != "/streaming.Nope/Get_Data2" || in.Method.RPCName != "GetData" {
		t.Fatalf("%v %+v", err, in)
	}
	want := `path: expected "/package.Service/Method" (at most 256 characters)`
	for _, bad := range []string{`""`, `"streaming.X/Y"`, `"/streaming.X"`, `"/a/b/c"`, `"//b"`,
		`"/a/"`, `"/a b/c"`, `"/a/c\u00e9"`, `5`, `"/a/` + strings.Repeat("b", 300) + `"`} {
		_, _, err := ParseInstruction([]byte(`{"case":"c","target":"t","method":"GetData","path":` + bad + `}`))
		if err == nil || err.Error() != want {
			t.Errorf("%s: %v", bad, err)
		}
	}
}

func TestErrors(t *testing.T) {
	base := `"case":"c","target":"t","method":"GetData"`
	cases := map[string]string{
		`[1]`:                             "(line): not a JSON object",
		`{"case":`:                        "(line): not a JSON object",
		`{"target":"t"}`:                  "case: missing",
		`{"case":""}`:                     "case: expected a non-empty string",
		`{"case":"c","bogus":1}`:          "bogus: unknown field",
		`{"case":"c","method":"GetData"}`: "target: missing",
		`{"case":"c","target":"t"}`:       "method: missing",
		`{"case":"c","target":"t","method":"Nope"}`:                "method: expected GetData, SubscribeData, UploadFile, Chat (or a full path)",
		`{` + base + `,"metadata":{"X":"1"}}`:                      "metadata.X: key must be lower-case [0-9a-z_.-] and not start with grpc-",
		`{` + base + `,"metadata":{"grpc-x":"1"}}`:                 "metadata.grpc-x: key must be lower-case [0-9a-z_.-] and not start with grpc-",
		`{` + base + `,"metadata":{"x":1}}`:                        "metadata.x: expected a string (or an array of strings)",
		`{` + base + `,"metadata":{"x-bin":"!"}}`:                  "metadata.x-bin: a -bin value must be base64",
		`{` + base + `,"timeout_ms":0}`:                            "timeout_ms: must be in 1..3600000",
		`{` + base + `,"timeout_ms":1.5}`:                          "timeout_ms: expected an integer",
		`{` + base + `,"requests":{}}`:                             "requests: expected an array of JSON messages",
		`{` + base + `,"half_close":1}`:                            "half_close: expected true or false",
		`{` + base + `,"cancel":{"soon":true}}`:                    "cancel.soon: unknown cancel position",
		`{` + base + `,"cancel":{}}`:                               "cancel: expected one of {before_send} {after_responses: N} {after_ms: N} {after_close_send_ms: N}",
		`{` + base + `,"cancel":{"after_responses":0}}`:            "cancel.after_responses: must be in 1..3600000",
		`{` + base + `,"cancel":{"before_send":false}}`:            "cancel.before_send: expected true",
		`{` + base + `,"reconnect":1}`:                             "reconnect: expected an object (or true for the defaults)",
		`{` + base + `,"reconnect":{"x":1}}`:                       "reconnect.x: unknown field",
		`{` + base + `,"start_delay_ms":-1}`:                       "start_delay_ms: must be in 0..3600000",
		`{` + base + `,"read_pause_ms":-1}`:                        "read_pause_ms: must be in 0..3600000",
		`{` + base + `,"channel":{"bdp_probe":0}}`:                 "channel.bdp_probe: expected true or false",
		`{` + base + `,"reconnect":{"honor_pushback":1}}`:          "reconnect.honor_pushback: expected true or false",
		`{` + base + `,"reconnect":{"backoff_jitter":1}}`:          "reconnect.backoff_jitter: must be in 0..0.999",
		`{` + base + `,"reconnect":{"backoff_multiplier":0.5}}`:    "reconnect.backoff_multiplier: must be in 1..100",
		`{` + base + `,"reconnect":{"retry_codes":["NOPE"]}}`:      "reconnect.retry_codes[0]: not a status code",
		`{` + base + `,"reconnect":{"backoff_initial_ms":500000}}`: "reconnect.backoff_max_ms: must be >= backoff_initial_ms",
		`{` + base + `,"channel":{"max_receive_bytes":-1}}`:        "channel.max_receive_bytes: must be in 0..2147483647",
		`{` + base + `,"channel":{"foo":1}}`:                       "channel.foo: unknown field",
		`{` + base + `,"channel":{"service_config":"{}"}}`:         "channel.service_config: expected an object",
	}
	for line, want := range cases {
		_, _, err := ParseInstruction([]byte(line))
		if err == nil || err.Error() != want {
			t.Errorf("%s: got %v, want %s", line, err, want)
		}
	}
}

func TestRequestErrorNamesIndex(t *testing.T) {
	_, c, err := ParseInstruction([]byte(`{"case":"c2","target":"t","method":"GetData",
		"requests":[{},{"batchSize":true}]}`))
	if err == nil || c == nil || *c != "c2" || err.Error()[:12] != "requests[1]:" {
		t.Fatalf("%v %v", c, err)
	}
}

func TestCompression(t *testing.T) {
	in, _, err := ParseInstruction([]byte(`{"case":"c","target":"t","method":"GetData",
		"compression":{"algorithm":"gzip","no_compress":[]}}`))
	if err != nil || in.Compression != "gzip" {
		t.Fatalf("unexpected %+v %v", in, err)
	}
	in, _, err = ParseInstruction([]byte(`{"case":"c","target":"t","method":"GetData","compression":{}}`))
	if err != nil || in.Compression != "identity" {
		t.Fatalf("unexpected %+v %v", in, err)
	}
	for text, want := range map[string]string{
		`"gzip"`:                  "compression: expected an object",
		`{"algorithm":"snappy"}`:  `compression.algorithm: expected "identity", "deflate" or "gzip"`,
		`{"algorithm":"deflate"}`: "compression.algorithm: deflate is not available in grpc-go (no deflate compressor)",
		`{"no_compress":[0]}`:     "compression.no_compress: not supported by this driver (grpc-go has no per-message no-compress)",
		`{"accept":["gzip"]}`:     "compression.accept: not supported by this driver (grpc-go advertises every registered compressor)",
		`{"level":1}`:             "compression.level: unknown field",
	} {
		_, _, err := ParseInstruction([]byte(`{"case":"c","target":"t","method":"GetData","compression":` + text + `}`))
		if err == nil || err.Error() != want {
			t.Errorf("%s: got %v, want %s", text, err, want)
		}
	}
}

func TestKeepalive(t *testing.T) {
	in, _, err := ParseInstruction([]byte(`{"case":"c","target":"t","method":"GetData","channel":{"keepalive_time_ms":500,"keepalive_timeout_ms":250,"keepalive_permit_without_calls":true}}`))
	want := Keepalive{TimeMS: 500, TimeoutMS: 250, PermitWithoutCalls: true}
	if err != nil || in.Channel.Keepalive != want {
		t.Fatalf("%v %+v", err, in.Channel.Keepalive)
	}
	for line, prefix := range map[string]string{
		`{"case":"c","target":"t","method":"GetData","channel":{"keepalive_time_ms":-1}}`:             "channel.keepalive_time_ms: ",
		`{"case":"c","target":"t","method":"GetData","channel":{"keepalive_permit_without_calls":1}}`: "channel.keepalive_permit_without_calls: expected true or false",
	} {
		_, _, err := ParseInstruction([]byte(line))
		if err == nil || !strings.HasPrefix(err.Error(), prefix) {
			t.Errorf("%s: %v, want prefix %q", line, err, prefix)
		}
	}
}

func TestShare(t *testing.T) {
	in, _, err := ParseInstruction([]byte(`{"case":"c","target":"t","method":"GetData","channel":{"share":"c/conn"}}`))
	if err != nil || in.Channel.Share != "c/conn" {
		t.Fatalf("%v %+v", err, in.Channel)
	}
	for _, bad := range []string{`""`, `5`} {
		_, _, err := ParseInstruction([]byte(`{"case":"c","target":"t","method":"GetData","channel":{"share":` + bad + `}}`))
		if err == nil || err.Error() != "channel.share: expected a name of 1 to 1100 bytes" {
			t.Errorf("share %s: %v", bad, err)
		}
	}
	var s shares
	a, releaseA, errA := s.take(&Instruction{Target: "127.0.0.1:1", Channel: Channel{Share: "n"}})
	b, releaseB, errB := s.take(&Instruction{Target: "127.0.0.1:1", Channel: Channel{Share: "n"}})
	if errA != nil || errB != nil || a != b || len(s.conns) != 1 {
		t.Fatalf("one connection for one name: %v %v", errA, errB)
	}
	releaseA()
	releaseB()
	if len(s.conns) != 0 {
		t.Errorf("closed after the last release: %d left", len(s.conns))
	}
}
