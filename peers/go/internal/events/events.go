// Package events writes the server event log (docs/peer-protocol.md, "Event log"): one JSON
// object per line, t_ms and event first, flushed at once.
package events

import (
	"bytes"
	"encoding/json"
	"io"
	"sync"
	"time"
)

// Field is one extra member of an event line, kept in order.
type Field struct {
	Key   string
	Value any
}

// Log writes event lines; a nil *Log writes nothing.
type Log struct {
	mu     sync.Mutex
	out    io.Writer
	origin time.Time
}

// New writes to out with t_ms counted from origin.
func New(out io.Writer, origin time.Time) *Log {
	return &Log{out: out, origin: origin}
}

// Emit writes {"t_ms":..,"event":event, fields...}.
func (l *Log) Emit(event string, fields ...Field) {
	if l == nil {
		return
	}
	var b bytes.Buffer
	b.WriteString(`{"t_ms":`)
	l.mu.Lock()
	defer l.mu.Unlock()
	writeValue(&b, time.Since(l.origin).Milliseconds())
	b.WriteString(`,"event":`)
	writeValue(&b, event)
	for _, f := range fields {
		b.WriteByte(',')
		writeValue(&b, f.Key)
		b.WriteByte(':')
		writeValue(&b, f.Value)
	}
	b.WriteString("}\n")
	_, _ = l.out.Write(b.Bytes())
}

// writeValue appends v as compact JSON without HTML escaping.
func writeValue(b *bytes.Buffer, v any) {
	var tmp bytes.Buffer
	enc := json.NewEncoder(&tmp)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		tmp.Reset()
		tmp.WriteString("null")
	}
	b.Write(bytes.TrimRight(tmp.Bytes(), "\n"))
}
