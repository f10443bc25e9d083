package server

import (
	"encoding/base64"
	"errors"
	"io"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/peer"
	"google.golang.org/grpc/status"

	"streamconform/peers/go/internal/control"
	"streamconform/peers/go/internal/events"
	"streamconform/peers/go/internal/scstatus"
)

// errShutdown ends every live call when the server stops.
var errShutdown = status.Error(codes.Unavailable, "server shutting down")

// call is one accepted call: its number, control metadata and counters, and the stream
// wrapped so that every receive and send is logged.
type call struct {
	grpc.ServerStream
	srv      *Server
	id       uint64
	method   string
	ctl      *control.Control
	received atomic.Int64
	sent     atomic.Int64
	// injected is set when the final status is the x-sc-fail-code failure.
	injected bool
	reqType  string
	// headersDone is closed once the initial metadata went out (or the call was interrupted
	// before); headerErr is what sending them returned.
	headersDone chan struct{}
	headerErr   error
}

func (c *call) emit(event string, extra ...events.Field) {
	var caseID any
	if c.ctl != nil && c.ctl.Case != nil {
		caseID = *c.ctl.Case
	}
	fields := append([]events.Field{{Key: "call", Value: c.id}, {Key: "case", Value: caseID},
		{Key: "method", Value: c.method}}, extra...)
	c.srv.events.Emit(event, fields...)
	if c.srv.cfg.Verbose {
		c.srv.logf("call %d %s %s", c.id, c.method, event)
	}
}

// RecvMsg logs message_received / half_close. A request that does not parse ends the call
// with INTERNAL "failed to parse <Type>", as the C server does.
func (c *call) RecvMsg(m any) error {
	err := c.ServerStream.RecvMsg(m)
	switch {
	case err == nil:
		c.emit(events.MessageReceived, events.Field{Key: "count", Value: c.received.Add(1)},
			events.Field{Key: "compressed", Value: compressionOf(c.Context()).lastIn()})
	case errors.Is(err, io.EOF):
		c.emit(events.HalfClose)
	case status.Code(err) == codes.Internal &&
		strings.Contains(status.Convert(err).Message(), "failed to unmarshal"):
		c.emit(events.MessageReceived, events.Field{Key: "count", Value: c.received.Add(1)})
		return status.Errorf(codes.Internal, "failed to parse %s", c.reqType)
	}
	return err
}

// SendMsg waits for the headers (the initial-delay gate), sends, and logs message_sent once the
// message was handed to the transport.
func (c *call) SendMsg(m any) error {
	if err := c.waitHeaders(); err != nil {
		return err
	}
	err := c.ServerStream.SendMsg(m)
	if err == nil {
		c.emit(events.MessageSent, events.Field{Key: "count", Value: c.sent.Add(1)},
			events.Field{Key: "compressed", Value: compressionOf(c.Context()).lastOut()})
	}
	return err
}

// fail is the injected failure status (and marks it for the retry-pushback trailer).
func (c *call) fail() error {
	c.injected = true
	return status.Error(c.ctl.FailCode, c.ctl.FailMessage)
}

// waitHeaders returns once the headers went out, or the reason they never will.
func (c *call) waitHeaders() error {
	<-c.headersDone
	if err := c.interrupted(); err != nil {
		return err
	}
	return c.headerErr
}

// sleep waits for the gate (the headers) and then d, or returns the error that ends the call
// early (client gone, shutdown). Response delays so count from the gate, as in the C server.
func (c *call) sleep(d time.Duration) error {
	ctx := c.Context()
	if err := c.waitHeaders(); err != nil {
		return err
	}
	if d <= 0 {
		return c.interrupted()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	case <-c.srv.shutdown:
		return errShutdown
	}
}

// interrupted is non-nil when the call must end now (client gone, shutdown).
func (c *call) interrupted() error {
	select {
	case <-c.srv.shutdown:
		return errShutdown
	default:
	}
	return c.Context().Err()
}

// transportHeaders are HTTP/2 / gRPC transport headers grpc-go hands to the application and the
// C core does not; the event log shows application metadata (user-agent included) like C.
var transportHeaders = map[string]bool{"content-type": true, "grpc-accept-encoding": true,
	"grpc-encoding": true, "te": true}

// metadataJSON renders request metadata for call_start: -bin values base64, repeated keys joined
// by ",", keys in sorted order.
func metadataJSON(md metadata.MD) map[string]string {
	out := make(map[string]string, len(md))
	for k, vs := range md {
		if strings.HasPrefix(k, ":") || transportHeaders[k] {
			continue
		}
		parts := make([]string, len(vs))
		for i, v := range vs {
			if strings.HasSuffix(k, "-bin") {
				v = base64.StdEncoding.EncodeToString([]byte(v))
			}
			parts[i] = v
		}
		out[k] = strings.Join(parts, ",")
	}
	return out
}

func (c *call) logStart(md metadata.MD) {
	addr := ""
	if p, ok := peer.FromContext(c.Context()); ok && p.Addr != nil {
		addr = p.Addr.String()
	}
	var deadline any
	if d, ok := c.Context().Deadline(); ok {
		deadline = time.Until(d).Milliseconds()
	}
	c.emit(events.CallStart, events.Field{Key: "peer", Value: addr},
		events.Field{Key: "metadata", Value: metadataJSON(md)},
		events.Field{Key: "deadline_ms", Value: deadline},
		events.Field{Key: "encoding", Value: compressionOf(c.Context()).requestEncoding()})
}

// logEnd logs how the call ended: status_sent, or cancelled / deadline_exceeded when the
// status could not reach the client (client cancel, deadline, shutdown); then call_end.
func (c *call) logEnd(err error) {
	ctxErr := c.Context().Err()
	switch {
	case ctxErr != nil && c.deadlinePassed():
		c.emit(events.DeadlineExceeded)
	case ctxErr != nil || err == errShutdown:
		c.emit(events.Cancelled)
	default:
		st := status.Convert(err)
		c.emit(events.StatusSent, events.Field{Key: "code", Value: scstatus.Name(st.Code())},
			events.Field{Key: "message", Value: st.Message()})
	}
	c.emit(events.CallEnd)
}

// deadlineSlack: a call cut off this close to its deadline counts as deadline_exceeded.
const deadlineSlack = 50 * time.Millisecond

// deadlinePassed: the call had a deadline and it is over, or less than deadlineSlack away (a
// client that cancels at its deadline resets the stream a moment before the server's own timer
// fires; docs/peer-protocol.md).
func (c *call) deadlinePassed() bool {
	d, ok := c.Context().Deadline()
	return ok && time.Until(d) <= deadlineSlack
}

// setTrailers attaches the echo-trailing entries and, for an injected failure, the retry
// pushback.
func (c *call) setTrailers() {
	if c.ctl == nil {
		return
	}
	md := metadata.MD{}
	for _, v := range c.ctl.EchoTrailing {
		md.Append(control.KeyEchoTrailing, v)
	}
	if c.injected && c.ctl.RetryPushbackMS >= 0 {
		md.Append("grpc-retry-pushback-ms", strconv.FormatInt(c.ctl.RetryPushbackMS, 10))
	}
	if md.Len() > 0 {
		c.SetTrailer(md)
	}
}
