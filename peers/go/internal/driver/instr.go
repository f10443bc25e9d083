package driver

import (
	"bytes"
	"encoding/base64"
	"fmt"
	"math"
	"strconv"
	"strings"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/metadata"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"

	"streamconform/peers/go/internal/backoff"
	"streamconform/peers/go/internal/scstatus"
)

// Limits, as in client/sc_client_instr.h.
const (
	defaultTimeoutMS = 60000
	maxMS            = 3600000
	maxRequests      = 100000
	maxExact         = 9007199254740991.0
	// channel.service_config printed compactly (contract/sc_instr.h SC_INSTR_MAX_SERVICE_CONFIG).
	maxServiceConfig = 65536
)

// CancelKind is where the client cancels its call.
type CancelKind int

// Cancel positions.
const (
	CancelNone CancelKind = iota
	CancelBeforeSend
	CancelAfterResponses
	CancelAfterMS
	CancelAfterCloseSendMS
)

// Channel holds the channel options (0 = the library default).
type Channel struct {
	MaxReceiveBytes           int64
	MaxSendBytes              int64 // a request over it fails in the library (RESOURCE_EXHAUSTED)
	InitialReconnectBackoffMS int64
	MinReconnectBackoffMS     int64
	MaxReconnectBackoffMS     int64
	NoBDPProbe                bool // receive windows stay at HTTP/2's 64 KiB
	// ServiceConfig is the gRPC service config as JSON text ("" = none): the library's own
	// retries (gRFC A6).
	ServiceConfig string
	TLS           *TLS // nil: plaintext
	Keepalive     Keepalive
	Share         string // channel.share: the name of a channel shared with others ("" = its own)
}

// Keepalive is channel.keepalive_* (client feature "keepalive"); TimeMS 0: no pings.
type Keepalive struct {
	TimeMS, TimeoutMS  int64
	PermitWithoutCalls bool
}

// maxShare is the longest channel.share name (contract/sc_instr.h SC_INSTR_MAX_SHARE).
const maxShare = 1100

// parseShare reads channel.share, a name of 1 to 1100 bytes.
func parseShare(obj *value, ch *Channel) error {
	v := obj.get("share")
	if v.absent() {
		return nil
	}
	if v.kind != 's' || len(v.str) == 0 || len(v.str) > maxShare {
		return fail("channel.share", "expected a name of 1 to 1100 bytes")
	}
	ch.Share = v.str
	return nil
}

// parseKeepalive reads channel.keepalive_time_ms, keepalive_timeout_ms and
// keepalive_permit_without_calls.
func parseKeepalive(obj *value, ch *Channel) error {
	if err := getInt(obj, "keepalive_time_ms", "channel.keepalive_time_ms", 0, math.MaxInt32,
		&ch.Keepalive.TimeMS); err != nil {
		return err
	}
	if err := getInt(obj, "keepalive_timeout_ms", "channel.keepalive_timeout_ms", 0, math.MaxInt32,
		&ch.Keepalive.TimeoutMS); err != nil {
		return err
	}
	v := obj.get("keepalive_permit_without_calls")
	if v.absent() {
		return nil
	}
	if v.kind != 'b' {
		return fail("channel.keepalive_permit_without_calls", "expected true or false")
	}
	ch.Keepalive.PermitWithoutCalls = v.b
	return nil
}

// Instruction is one parsed driver instruction.
type Instruction struct {
	Case           string
	Target         string
	Method         *Method
	Path           string // the wire path instead of Method.Path ("" = the method's)
	Metadata       metadata.MD
	TimeoutMS      int64
	StartDelayMS   int64 // wait this long after reading the instruction before starting
	ReadPauseMS    int64 // read no response before this long after an attempt started
	Requests       []proto.Message
	RequestDelayMS int64
	HalfClose      bool
	PingPong       bool // request i (i >= 1) only once the attempt has i responses
	WaitForReady   bool
	Cancel         CancelKind
	CancelN        int64
	Reconnect      bool
	Policy         backoff.Policy
	Channel        Channel
	// Compression is the call's request encoding ("" when the instruction has no
	// "compression"; "identity", "gzip"). grpc-go 1.85 has no deflate compressor, no
	// per-message no-compress and no way to narrow what it accepts: the parser refuses those.
	Compression string
}

// fieldError is "<json path>: <reason>".
type fieldError struct {
	field, why string
}

func (e *fieldError) Error() string { return e.field + ": " + e.why }

func fail(field, why string) error { return &fieldError{field, why} }

// ParseInstruction parses one instruction line. caseID is set whenever the line named a usable
// case, also on error, so that the error result can carry it.
func ParseInstruction(line []byte) (in *Instruction, caseID *string, err error) {
	root, perr := parseJSON(line)
	if perr != nil || root.kind != 'o' {
		return nil, nil, fail("(line)", "not a JSON object")
	}
	in = &Instruction{TimeoutMS: defaultTimeoutMS, HalfClose: true, Policy: backoff.Default()}
	c := root.get("case")
	if c == nil {
		return nil, nil, fail("case", "missing")
	}
	if c.kind != 's' || c.str == "" {
		return nil, nil, fail("case", "expected a non-empty string")
	}
	in.Case = c.str
	caseID = &in.Case
	steps := []func(*value, *Instruction) error{
		checkRootMembers, parseTarget, parseMethod, parsePath, parseMetadata,
		func(r *value, in *Instruction) error {
			return getInt(r, "timeout_ms", "timeout_ms", 1, maxMS, &in.TimeoutMS)
		},
		func(r *value, in *Instruction) error {
			return getInt(r, "start_delay_ms", "start_delay_ms", 0, maxMS, &in.StartDelayMS)
		},
		func(r *value, in *Instruction) error {
			return getInt(r, "read_pause_ms", "read_pause_ms", 0, maxMS, &in.ReadPauseMS)
		},
		parseRequests,
		func(r *value, in *Instruction) error {
			return getInt(r, "request_delay_ms", "request_delay_ms", 0, maxMS, &in.RequestDelayMS)
		},
		func(r *value, in *Instruction) error { return getBool(r, "half_close", &in.HalfClose) },
		func(r *value, in *Instruction) error { return getBool(r, "pingpong", &in.PingPong) },
		func(r *value, in *Instruction) error { return getBool(r, "wait_for_ready", &in.WaitForReady) },
		parseCancel, parseReconnect, parseChannel, parseCompression,
	}
	for _, step := range steps {
		if err := step(root, in); err != nil {
			return nil, caseID, err
		}
	}
	return in, caseID, nil
}

func checkMembers(obj *value, prefix string, names []string) error {
	for _, m := range obj.members {
		known := false
		for _, n := range names {
			known = known || m.key == n
		}
		if !known {
			return fail(prefix+m.key, "unknown field")
		}
	}
	return nil
}

func checkRootMembers(root *value, _ *Instruction) error {
	return checkMembers(root, "", []string{"case", "target", "method", "metadata", "timeout_ms",
		"requests", "request_delay_ms", "half_close", "wait_for_ready", "cancel", "reconnect",
		"channel", "path", "start_delay_ms", "read_pause_ms", "pingpong", "compression"})
}

// maxPath bounds "path": a gRPC method path is "/package.Service/Method"; longer is no method.
const maxPath = 256

// pathSegmentOK: a proto identifier, dots allowed for the package ([A-Za-z0-9_.]+).
func pathSegmentOK(s string) bool {
	if s == "" {
		return false
	}
	for _, c := range []byte(s) {
		ok := (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
			c == '_' || c == '.'
		if !ok {
			return false
		}
	}
	return true
}

// parsePath reads the optional "path": "/package.Service/Method".
func parsePath(root *value, in *Instruction) error {
	v := root.get("path")
	if v.absent() {
		return nil
	}
	bad := fail("path", `expected "/package.Service/Method" (at most 256 characters)`)
	if v.kind != 's' || len(v.str) > maxPath || !strings.HasPrefix(v.str, "/") {
		return bad
	}
	parts := strings.Split(v.str[1:], "/")
	if len(parts) != 2 || !pathSegmentOK(parts[0]) || !pathSegmentOK(parts[1]) {
		return bad
	}
	in.Path = v.str
	return nil
}

// number is v as a float64, false unless v is a JSON number.
func number(v *value) (float64, bool) {
	if v.kind != 'n' {
		return 0, false
	}
	f, err := strconv.ParseFloat(string(v.num), 64)
	return f, err == nil
}

// getInt reads an optional integer member in [min, max]; absent or null leaves *out alone.
func getInt(obj *value, name, field string, min, max int64, out *int64) error {
	v := obj.get(name)
	if v.absent() {
		return nil
	}
	f, ok := number(v)
	if !ok || f != math.Floor(f) || math.Abs(f) > maxExact {
		return fail(field, "expected an integer")
	}
	if f < float64(min) || f > float64(max) {
		return fail(field, fmt.Sprintf("must be in %d..%d", min, max))
	}
	*out = int64(f)
	return nil
}

func fmtG(f float64) string { return strconv.FormatFloat(f, 'g', -1, 64) }

func getDouble(obj *value, name, field string, min, max float64, out *float64) error {
	v := obj.get(name)
	if v.absent() {
		return nil
	}
	f, ok := number(v)
	if !ok || math.IsInf(f, 0) || math.IsNaN(f) {
		return fail(field, "expected a number")
	}
	if f < min || f > max {
		return fail(field, fmt.Sprintf("must be in %s..%s", fmtG(min), fmtG(max)))
	}
	*out = f
	return nil
}

func getBool(obj *value, name string, out *bool) error {
	v := obj.get(name)
	if v.absent() {
		return nil
	}
	if v.kind != 'b' {
		return fail(name, "expected true or false")
	}
	*out = v.b
	return nil
}

func parseTarget(root *value, in *Instruction) error {
	v := root.get("target")
	if v.absent() {
		return fail("target", "missing")
	}
	if v.kind != 's' || v.str == "" {
		return fail("target", "expected a non-empty string")
	}
	in.Target = v.str
	return nil
}

func parseMethod(root *value, in *Instruction) error {
	v := root.get("method")
	if v == nil {
		return fail("method", "missing")
	}
	if v.kind == 's' {
		in.Method = LookupMethod(v.str)
	}
	if in.Method == nil {
		return fail("method", "expected GetData, SubscribeData, UploadFile, Chat (or a full path)")
	}
	return nil
}

// ---- metadata ----

func mdKeyOK(key string) bool {
	if key == "" || strings.HasPrefix(key, "grpc-") {
		return false
	}
	for i := 0; i < len(key); i++ {
		c := key[i]
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-' || c == '_' || c == '.') {
			return false
		}
	}
	return true
}

func decodeBase64(s string) ([]byte, bool) {
	if b, err := base64.StdEncoding.DecodeString(s); err == nil {
		return b, true
	}
	b, err := base64.RawStdEncoding.DecodeString(s)
	return b, err == nil
}

func addMDValue(md metadata.MD, key string, v *value, field string) error {
	if v.kind != 's' {
		return fail(field, "expected a string (or an array of strings)")
	}
	if !strings.HasSuffix(key, "-bin") {
		md.Append(key, v.str)
		return nil
	}
	raw, ok := decodeBase64(v.str)
	if !ok {
		return fail(field, "a -bin value must be base64")
	}
	md.Append(key, string(raw))
	return nil
}

func parseMetadata(root *value, in *Instruction) error {
	in.Metadata = metadata.MD{}
	obj := root.get("metadata")
	if obj.absent() {
		return nil
	}
	if obj.kind != 'o' {
		return fail("metadata", "expected an object of key: value")
	}
	for _, m := range obj.members {
		field := "metadata." + m.key
		if !mdKeyOK(m.key) {
			return fail(field, "key must be lower-case [0-9a-z_.-] and not start with grpc-")
		}
		values := []*value{m.val}
		if m.val.kind == 'a' {
			values = m.val.items
		}
		for _, v := range values {
			if err := addMDValue(in.Metadata, m.key, v, field); err != nil {
				return err
			}
		}
	}
	return nil
}

// ---- requests ----

// protojsonReason turns a protojson error into the reason part of our message.
func protojsonReason(err error) string {
	msg := strings.TrimPrefix(err.Error(), "proto:")
	msg = strings.TrimSpace(strings.ReplaceAll(msg, "\u00a0", " "))
	if strings.HasPrefix(msg, "(line ") {
		if i := strings.Index(msg, "): "); i >= 0 {
			msg = msg[i+3:]
		}
	}
	return msg
}

func parseRequests(root *value, in *Instruction) error {
	arr := root.get("requests")
	if arr.absent() {
		return nil
	}
	if arr.kind != 'a' {
		return fail("requests", "expected an array of JSON messages")
	}
	if len(arr.items) > maxRequests {
		return fail("requests", "too many requests")
	}
	for i, item := range arr.items {
		field := fmt.Sprintf("requests[%d]", i)
		if item.kind != 'o' {
			return fail(field, "expected an object")
		}
		var buf bytes.Buffer
		item.marshal(&buf)
		msg := in.Method.NewRequest()
		if err := protojson.Unmarshal(buf.Bytes(), msg); err != nil {
			return fail(field, protojsonReason(err))
		}
		in.Requests = append(in.Requests, msg)
	}
	return nil
}

// ---- cancel ----

var cancelKinds = []struct {
	name string
	kind CancelKind
}{
	{"before_send", CancelBeforeSend},
	{"after_responses", CancelAfterResponses},
	{"after_ms", CancelAfterMS},
	{"after_close_send_ms", CancelAfterCloseSendMS},
}

func parseCancel(root *value, in *Instruction) error {
	obj := root.get("cancel")
	if obj.absent() {
		return nil
	}
	if obj.kind != 'o' || len(obj.members) != 1 {
		return fail("cancel", "expected one of {before_send} {after_responses: N} {after_ms: N} "+
			"{after_close_send_ms: N}")
	}
	m := obj.members[0]
	for _, k := range cancelKinds {
		if m.key != k.name {
			continue
		}
		in.Cancel = k.kind
		field := "cancel." + k.name
		if k.kind == CancelBeforeSend {
			if (m.val.kind == 'b' && m.val.b) || m.val.kind == 'o' || m.val.kind == 'z' {
				return nil
			}
			return fail(field, "expected true")
		}
		lo := int64(0)
		if k.kind == CancelAfterResponses {
			lo = 1
		}
		return getInt(obj, k.name, field, lo, maxMS, &in.CancelN)
	}
	return fail("cancel."+m.key, "unknown cancel position")
}

// ---- reconnect ----

func parseRetryCodes(obj *value, p *backoff.Policy) error {
	arr := obj.get("retry_codes")
	if arr.absent() {
		return nil
	}
	if arr.kind != 'a' {
		return fail("reconnect.retry_codes", "expected an array of status code names")
	}
	p.RetryCodes = map[codes.Code]bool{}
	for i, v := range arr.items {
		field := fmt.Sprintf("reconnect.retry_codes[%d]", i)
		var code codes.Code
		ok := false
		switch v.kind {
		case 's':
			code, ok = scstatus.Parse(v.str)
		case 'n':
			f, _ := number(v)
			ok = f >= 0 && f < scstatus.Count && f == math.Floor(f)
			code = codes.Code(f)
		}
		if !ok {
			return fail(field, "not a status code")
		}
		p.RetryCodes[code] = true
	}
	return nil
}

func parseHonorPushback(obj *value, p *backoff.Policy) error {
	v := obj.get("honor_pushback")
	if v.absent() {
		return nil
	}
	if v.kind != 'b' {
		return fail("reconnect.honor_pushback", "expected true or false")
	}
	p.HonorPushback = v.b
	return nil
}

func parseReconnect(root *value, in *Instruction) error {
	obj := root.get("reconnect")
	if obj.absent() || (obj.kind == 'b' && !obj.b) {
		return nil
	}
	in.Reconnect = true
	if obj.kind == 'b' {
		return nil
	}
	if obj.kind != 'o' {
		return fail("reconnect", "expected an object (or true for the defaults)")
	}
	p := &in.Policy
	attempts := int64(p.MaxAttempts)
	for _, err := range []error{
		checkMembers(obj, "reconnect.", []string{"backoff_initial_ms", "backoff_multiplier",
			"backoff_jitter", "backoff_max_ms", "exhausted_backoff_ms", "max_attempts", "retry_codes",
			"honor_pushback"}),
		getInt(obj, "backoff_initial_ms", "reconnect.backoff_initial_ms", 1, maxMS, &p.InitialMS),
		getDouble(obj, "backoff_multiplier", "reconnect.backoff_multiplier", 1, 100, &p.Multiplier),
		getDouble(obj, "backoff_jitter", "reconnect.backoff_jitter", 0, 0.999, &p.Jitter),
		getInt(obj, "backoff_max_ms", "reconnect.backoff_max_ms", 1, maxMS, &p.MaxMS),
		getInt(obj, "exhausted_backoff_ms", "reconnect.exhausted_backoff_ms", 0, maxMS, &p.ExhaustedMS),
		getInt(obj, "max_attempts", "reconnect.max_attempts", 1, maxRequests, &attempts),
		parseRetryCodes(obj, p),
		parseHonorPushback(obj, p),
	} {
		if err != nil {
			return err
		}
	}
	p.MaxAttempts = int(attempts)
	if p.MaxMS < p.InitialMS {
		return fail("reconnect.backoff_max_ms", "must be >= backoff_initial_ms")
	}
	return nil
}

// ---- channel ----

func parseBDPProbe(obj *value, ch *Channel) error {
	v := obj.get("bdp_probe")
	if v.absent() {
		return nil
	}
	if v.kind != 'b' {
		return fail("channel.bdp_probe", "expected true or false")
	}
	ch.NoBDPProbe = !v.b
	return nil
}

// parseServiceConfig keeps channel.service_config (an object) as compact JSON for the library,
// which alone judges its content.
func parseServiceConfig(obj *value, ch *Channel) error {
	v := obj.get("service_config")
	if v.absent() {
		return nil
	}
	if v.kind != 'o' {
		return fail("channel.service_config", "expected an object")
	}
	var buf bytes.Buffer
	v.marshal(&buf)
	if buf.Len() > maxServiceConfig {
		return fail("channel.service_config", "longer than 65536 bytes printed")
	}
	ch.ServiceConfig = buf.String()
	return nil
}

func parseChannel(root *value, in *Instruction) error {
	obj := root.get("channel")
	if obj.absent() {
		return nil
	}
	if obj.kind != 'o' {
		return fail("channel", "expected an object")
	}
	ch := &in.Channel
	for _, err := range []error{
		checkMembers(obj, "channel.", []string{"max_receive_bytes", "max_send_bytes", "initial_reconnect_backoff_ms",
			"min_reconnect_backoff_ms", "max_reconnect_backoff_ms", "bdp_probe", "service_config", "tls",
			"keepalive_time_ms", "keepalive_timeout_ms", "keepalive_permit_without_calls", "share"}),
		parseKeepalive(obj, ch),
		parseShare(obj, ch),
		parseBDPProbe(obj, ch),
		getInt(obj, "max_receive_bytes", "channel.max_receive_bytes", 0, math.MaxInt32, &ch.MaxReceiveBytes),
		getInt(obj, "max_send_bytes", "channel.max_send_bytes", 0, math.MaxInt32, &ch.MaxSendBytes),
		getInt(obj, "initial_reconnect_backoff_ms", "channel.initial_reconnect_backoff_ms", 0,
			math.MaxInt32, &ch.InitialReconnectBackoffMS),
		getInt(obj, "min_reconnect_backoff_ms", "channel.min_reconnect_backoff_ms", 0, math.MaxInt32,
			&ch.MinReconnectBackoffMS),
		getInt(obj, "max_reconnect_backoff_ms", "channel.max_reconnect_backoff_ms", 0, math.MaxInt32,
			&ch.MaxReconnectBackoffMS),
		parseServiceConfig(obj, ch),
		parseTLS(obj, ch),
	} {
		if err != nil {
			return err
		}
	}
	return nil
}

// parseCompression reads "compression" (issue 14): {"algorithm", "no_compress", "accept"}.
func parseCompression(root *value, in *Instruction) error {
	obj := root.get("compression")
	if obj.absent() {
		return nil
	}
	if obj.kind != 'o' {
		return fail("compression", "expected an object")
	}
	if err := checkMembers(obj, "compression.", []string{"algorithm", "no_compress", "accept"}); err != nil {
		return err
	}
	in.Compression = "identity"
	if alg := obj.get("algorithm"); !alg.absent() {
		if alg.kind != 's' || (alg.str != "identity" && alg.str != "deflate" && alg.str != "gzip") {
			return fail("compression.algorithm", `expected "identity", "deflate" or "gzip"`)
		}
		if alg.str == "deflate" {
			return fail("compression.algorithm", "deflate is not available in grpc-go (no deflate compressor)")
		}
		in.Compression = alg.str
	}
	if nc := obj.get("no_compress"); !nc.absent() && (nc.kind != 'a' || len(nc.items) > 0) {
		return fail("compression.no_compress", "not supported by this driver (grpc-go has no per-message no-compress)")
	}
	if acc := obj.get("accept"); !acc.absent() {
		return fail("compression.accept", "not supported by this driver (grpc-go advertises every registered compressor)")
	}
	return nil
}
