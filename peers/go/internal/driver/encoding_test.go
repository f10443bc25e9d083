package driver

import (
	"context"
	"testing"

	"google.golang.org/grpc/stats"
)

func TestEncodingStatsKeepsTheResponseEncoding(t *testing.T) {
	seen := &encodingSeen{}
	ctx := context.WithValue(context.Background(), encodingKey{}, seen)
	encodingStats{}.HandleRPC(ctx, &stats.InHeader{Client: true, Compression: "gzip"})
	encodingStats{}.HandleRPC(ctx, &stats.InPayload{Client: true})
	if seen.get() != "gzip" {
		t.Fatalf("got %q", seen.get())
	}
	encodingStats{}.HandleRPC(context.Background(), &stats.InHeader{Compression: "gzip"}) // no record: ignored
	j := &job{}
	if j.responseEncodingName() != "identity" {
		t.Fatalf("empty: %q", j.responseEncodingName())
	}
}
