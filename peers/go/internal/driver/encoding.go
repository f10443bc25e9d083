package driver

import (
	"context"
	"sync"

	"google.golang.org/grpc/stats"
)

// The result's response_encoding (issue 14, client feature response-encoding): grpc-go takes
// grpc-encoding out of the header metadata it shows; its stats handler is told
// (InHeader.Compression). Each attempt puts an encodingSeen in its context.

type encodingKey struct{}

type encodingSeen struct {
	mu  sync.Mutex
	enc string
}

func (e *encodingSeen) get() string {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.enc
}

type encodingStats struct{}

func (encodingStats) TagRPC(ctx context.Context, _ *stats.RPCTagInfo) context.Context { return ctx }

func (encodingStats) HandleRPC(ctx context.Context, s stats.RPCStats) {
	h, ok := s.(*stats.InHeader)
	e, found := ctx.Value(encodingKey{}).(*encodingSeen)
	if !ok || !found {
		return
	}
	e.mu.Lock()
	e.enc = h.Compression
	e.mu.Unlock()
}

func (encodingStats) TagConn(ctx context.Context, _ *stats.ConnTagInfo) context.Context {
	return ctx
}

func (encodingStats) HandleConn(context.Context, stats.ConnStats) {}

// responseEncodingName is "identity" when the responses had no grpc-encoding.
func (j *job) responseEncodingName() string {
	if j.responseEncoding == "" {
		return "identity"
	}
	return j.responseEncoding
}
