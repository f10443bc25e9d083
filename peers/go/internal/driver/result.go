package driver

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"sort"
	"strings"

	"google.golang.org/grpc/metadata"

	"streamconform/peers/go/internal/backoff"
	"streamconform/peers/go/internal/scstatus"
)

// hiddenHeaders are transport headers grpc-go shows as metadata that the C core keeps to
// itself; the result lists application metadata only, as the C driver does.
var hiddenHeaders = map[string]bool{"content-type": true, "grpc-accept-encoding": true,
	"grpc-encoding": true}

// ordered is a JSON object whose members keep their order.
type ordered []kv

type kv struct {
	key   string
	value any
}

func (o ordered) MarshalJSON() ([]byte, error) {
	var b bytes.Buffer
	b.WriteByte('{')
	for i, m := range o {
		if i > 0 {
			b.WriteByte(',')
		}
		k, _ := marshalNoEscape(m.key)
		b.Write(k)
		b.WriteByte(':')
		v, err := marshalNoEscape(m.value)
		if err != nil {
			return nil, err
		}
		b.Write(v)
	}
	b.WriteByte('}')
	return b.Bytes(), nil
}

func marshalNoEscape(v any) ([]byte, error) {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimRight(b.Bytes(), "\n"), nil
}

func compactJSON(text []byte) (json.RawMessage, error) {
	var b bytes.Buffer
	if err := json.Compact(&b, text); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

// msOrNull is n, or null for -1.
func msOrNull(n int64) any {
	if n < 0 {
		return nil
	}
	return n
}

// mdJSON renders metadata: -bin values base64, repeated keys joined with ",", keys sorted.
func mdJSON(md metadata.MD) ordered {
	keys := make([]string, 0, len(md))
	for k := range md {
		if !hiddenHeaders[k] {
			keys = append(keys, k)
		}
	}
	sort.Strings(keys)
	out := ordered{}
	for _, k := range keys {
		vals := make([]string, len(md[k]))
		for i, v := range md[k] {
			if strings.HasSuffix(k, "-bin") {
				v = base64.StdEncoding.EncodeToString([]byte(v))
			}
			vals[i] = v
		}
		out = append(out, kv{k, strings.Join(vals, ",")})
	}
	return out
}

// resultJSON is the result line of a finished job.
func (j *job) resultJSON() ([]byte, error) {
	attempts := make([]ordered, len(j.attempts))
	for i, a := range j.attempts {
		attempts[i] = ordered{{"start_ms", a.startMS}, {"end_ms", a.endMS},
			{"code", scstatus.Name(a.code)}}
		if a.pushbackMS != backoff.PushbackNone {
			attempts[i] = append(attempts[i], kv{"pushback_ms", max(a.pushbackMS, -1)})
		}
	}
	responses := j.responses
	if responses == nil {
		responses = []json.RawMessage{}
	}
	responsesMS := j.responsesMS
	if responsesMS == nil {
		responsesMS = []int64{}
	}
	return marshalNoEscape(ordered{
		{"case", j.in.Case},
		{"status", ordered{{"code", scstatus.Name(j.code)}, {"message", j.message}}},
		{"headers", mdJSON(j.headers)},
		{"trailers", mdJSON(j.trailers)},
		{"responses", responses},
		{"attempts", attempts},
		{"timings", ordered{
			{"headers_ms", msOrNull(j.headersMS)},
			{"first_response_ms", msOrNull(j.firstResponseMS)},
			{"responses_ms", responsesMS},
			{"close_send_ms", msOrNull(j.closeSendMS)},
			{"status_ms", msOrNull(j.statusMS)},
		}},
		{"response_encoding", j.responseEncodingName()},
	})
}

// errorJSON is the result line of an instruction that could not run.
func errorJSON(caseID *string, err error) []byte {
	var c any
	if caseID != nil {
		c = *caseID
	}
	b, _ := marshalNoEscape(ordered{{"case", c}, {"error", err.Error()}})
	return b
}
