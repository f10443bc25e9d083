package server

import (
	"context"
	"sync"

	"google.golang.org/grpc"
	_ "google.golang.org/grpc/encoding/gzip" // gzip, as a grpc-go application registers it
	"google.golang.org/grpc/stats"

	"streamconform/peers/go/internal/control"
)

// Compression (issue 14). grpc-go takes grpc-encoding out of the metadata a handler sees and
// decompresses before RecvMsg returns; its stats handler is told both: InHeader.Compression
// (the request's grpc-encoding) and, per message, InPayload/OutPayload with the payload's
// length before and after (de)compression. grpc-go 1.85 has no deflate compressor: a deflate
// request is UNIMPLEMENTED, and x-sc-compress-responses: deflate sends identity.

type compressionKey struct{}

// callCompression is what the stats handler saw of one call.
type callCompression struct {
	mu       sync.Mutex
	encoding string
	in, out  bool // the last message received / sent was compressed
}

func compressionOf(ctx context.Context) *callCompression {
	if cc, ok := ctx.Value(compressionKey{}).(*callCompression); ok {
		return cc
	}
	return &callCompression{encoding: "identity"}
}

func (cc *callCompression) requestEncoding() string {
	cc.mu.Lock()
	defer cc.mu.Unlock()
	return cc.encoding
}

func (cc *callCompression) lastIn() bool {
	cc.mu.Lock()
	defer cc.mu.Unlock()
	return cc.in
}

func (cc *callCompression) lastOut() bool {
	cc.mu.Lock()
	defer cc.mu.Unlock()
	return cc.out
}

// compressionStats is the server's stats handler: one callCompression per call, in its context.
type compressionStats struct{}

func (compressionStats) TagRPC(ctx context.Context, _ *stats.RPCTagInfo) context.Context {
	return context.WithValue(ctx, compressionKey{}, &callCompression{encoding: "identity"})
}

// HandleRPC runs on the call's goroutine before RecvMsg / SendMsg return. A payload is taken as
// compressed when its wire length differs from its length (grpc-go reports both equal for an
// uncompressed one; a compressed payload of exactly the same length would be missed).
func (compressionStats) HandleRPC(ctx context.Context, s stats.RPCStats) {
	cc, ok := ctx.Value(compressionKey{}).(*callCompression)
	if !ok {
		return
	}
	cc.mu.Lock()
	defer cc.mu.Unlock()
	switch s := s.(type) {
	case *stats.InHeader:
		if s.Compression != "" {
			cc.encoding = s.Compression
		}
	case *stats.InPayload:
		cc.in = s.CompressedLength != s.Length
	case *stats.OutPayload:
		cc.out = s.CompressedLength != s.Length
	}
}

func (compressionStats) TagConn(ctx context.Context, _ *stats.ConnTagInfo) context.Context {
	return ctx
}

func (compressionStats) HandleConn(context.Context, stats.ConnStats) {}

// setCompressor asks grpc-go to compress the responses as x-sc-compress-responses says. grpc-go
// refuses a compressor it does not have (deflate) or the client did not advertise
// (grpc-accept-encoding); the responses then go uncompressed, which the event log shows.
func (c *call) setCompressor() {
	if c.ctl.CompressResponses == "identity" {
		return
	}
	if err := grpc.SetSendCompressor(c.Context(), c.ctl.CompressResponses); err != nil &&
		c.srv.cfg.Verbose {
		c.srv.logf("call %d: %s: %v", c.id, control.KeyCompressResponses, err)
	}
}
