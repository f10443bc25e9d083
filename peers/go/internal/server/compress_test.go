package server

import (
	"context"
	"testing"

	"google.golang.org/grpc/stats"
)

func TestCompressionStatsPerCall(t *testing.T) {
	ctx := compressionStats{}.TagRPC(context.Background(), &stats.RPCTagInfo{})
	cc := compressionOf(ctx)
	if cc.requestEncoding() != "identity" {
		t.Fatalf("default %q", cc.requestEncoding())
	}
	compressionStats{}.HandleRPC(ctx, &stats.InHeader{Compression: "gzip"})
	compressionStats{}.HandleRPC(ctx, &stats.InPayload{Length: 1000, CompressedLength: 40})
	compressionStats{}.HandleRPC(ctx, &stats.OutPayload{Length: 10, CompressedLength: 10})
	if cc.requestEncoding() != "gzip" || !cc.lastIn() || cc.lastOut() {
		t.Fatalf("got %q %v %v", cc.requestEncoding(), cc.lastIn(), cc.lastOut())
	}
	if compressionOf(context.Background()).requestEncoding() != "identity" {
		t.Fatal("a context without a record is identity")
	}
}
