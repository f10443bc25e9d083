package main

import (
	"context"
	"fmt"
	"os"
	"strings"
	"sync"
	"time"

	"google.golang.org/grpc/metadata"

	"streamconform/bench/loadgen/pb"
)

// drainBound bounds the wait for the goroutines of a finished variant.
const drainBound = 5 * time.Second

// runVariant runs one variant: warm-up, then the windows; returns its JSON object.
func runVariant(client pb.DataServiceClient, o *options, v variant) map[string]any {
	ctx, cancel := context.WithCancel(context.Background())
	c := &counters{}
	var wg sync.WaitGroup
	for i := 0; i < v.conc; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			work(ctx, client, o, v, c, i)
		}(i)
	}
	samples := measure(o, c)
	cancel()
	done := make(chan struct{})
	go func() { wg.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(drainBound):
	}
	r := map[string]any{"name": variantName(o, v), "workload": v.kind, "batch": v.batch,
		"concurrency": v.conc, "ok": !c.failed.Load(), "samples": samples}
	if c.failed.Load() {
		r["error"] = c.err
		r["figures"] = map[string]any{}
	} else {
		r["figures"] = figures(v.kind, samples)
	}
	return r
}

func measure(o *options, c *counters) []sample {
	time.Sleep(o.warmup)
	var samples []sample
	for r := 0; r < o.repeats && !c.failed.Load(); r++ {
		cpu0, ok0 := procCPU(o.pid)
		mine0, mok0 := procCPU(os.Getpid())
		ops0, items0, t0 := c.ops.Load(), c.items.Load(), time.Now()
		c.mu.Lock()
		c.lat = make([]int64, 0, 1024)
		c.mu.Unlock()
		time.Sleep(o.measure)
		c.mu.Lock()
		lat := c.lat
		c.lat = nil
		c.mu.Unlock()
		s := sample{Seconds: time.Since(t0).Seconds(), Ops: c.ops.Load() - ops0,
			Items: c.items.Load() - items0, lat: lat, Latencies: len(lat)}
		if cpu1, ok1 := procCPU(o.pid); ok0 && ok1 {
			s.ServerCPU, s.cpuKnown = cpu1-cpu0, true
		}
		if mine1, mok1 := procCPU(os.Getpid()); mok0 && mok1 {
			s.ClientCPU, s.clientKnown = mine1-mine0, true
		}
		samples = append(samples, s)
	}
	return samples
}

func work(ctx context.Context, client pb.DataServiceClient, o *options, v variant, c *counters, i int) {
	long := o.warmup + time.Duration(o.repeats)*o.measure + streamMargin
	switch v.kind {
	case "pingpong":
		cctx, cancel := context.WithTimeout(metadata.AppendToOutgoingContext(ctx, "x-sc-echo", "true"), long)
		defer cancel()
		pingpong(cctx, client, o, c, i)
	case "stream":
		cctx, cancel := context.WithTimeout(
			metadata.AppendToOutgoingContext(ctx, "x-sc-response-delay-ms", "0"), long)
		defer cancel()
		subscribe(cctx, client, v, c)
	case "upload":
		for ctx.Err() == nil && !c.failed.Load() {
			upload(ctx, client, o, c)
		}
	default:
		for ctx.Err() == nil && !c.failed.Load() {
			unary(ctx, client, o, v, c)
		}
	}
}

func pingpong(ctx context.Context, client pb.DataServiceClient, o *options, c *counters, i int) {
	st, err := client.Chat(ctx)
	if err != nil {
		c.fail(ctx, err)
		return
	}
	msg := &pb.ChatMessage{UserId: fmt.Sprintf("loadgen-%d-%d", os.Getpid(), i),
		Content: strings.Repeat("x", o.payload)}
	for ctx.Err() == nil {
		t0 := time.Now()
		if err := st.Send(msg); err != nil {
			c.fail(ctx, err)
			return
		}
		for {
			m, err := st.Recv()
			if err != nil {
				c.fail(ctx, err)
				return
			}
			if m.UserId == msg.UserId { // not a join notice or another member's message
				c.items.Add(uint64(len(m.Content)))
				break
			}
		}
		c.record(time.Since(t0).Nanoseconds())
		c.ops.Add(1)
	}
}

func subscribe(ctx context.Context, client pb.DataServiceClient, v variant, c *counters) {
	st, err := client.SubscribeData(ctx, &pb.StreamRequest{SubscriptionId: "bench",
		Topics: []string{"bench"}, BatchSize: int32(v.batch)})
	if err != nil {
		c.fail(ctx, err)
		return
	}
	for {
		r, err := st.Recv()
		if err != nil {
			c.fail(ctx, fmt.Errorf("stream ended: %w", err))
			return
		}
		c.ops.Add(1)
		c.items.Add(uint64(len(r.DataPoints)))
	}
}

func upload(ctx context.Context, client pb.DataServiceClient, o *options, c *counters) {
	cctx, cancel := context.WithTimeout(ctx, o.deadline)
	defer cancel()
	st, err := client.UploadFile(cctx)
	if err != nil {
		c.fail(ctx, err)
		return
	}
	meta := &pb.UploadRequest{Payload: &pb.UploadRequest_Metadata{Metadata: &pb.FileMetadata{
		Filename: "bench.bin", ContentType: "application/octet-stream", TotalSize: o.uploadBytes}}}
	if err := st.Send(meta); err != nil {
		c.fail(ctx, err)
		return
	}
	chunk := make([]byte, o.chunkBytes)
	for i := range chunk {
		chunk[i] = byte(i*131 + 7)
	}
	for sent := int64(0); sent < o.uploadBytes; {
		n := min(o.chunkBytes, o.uploadBytes-sent)
		if err := st.Send(&pb.UploadRequest{Payload: &pb.UploadRequest_Chunk{Chunk: chunk[:n]}}); err != nil {
			c.fail(ctx, err)
			return
		}
		sent += n
		c.ops.Add(1)
		c.items.Add(uint64(n))
	}
	r, err := st.CloseAndRecv()
	if err != nil {
		c.fail(ctx, err)
		return
	}
	if r.BytesReceived != o.uploadBytes {
		c.fail(ctx, fmt.Errorf("the server received %d bytes of %d", r.BytesReceived, o.uploadBytes))
	}
}

func unary(ctx context.Context, client pb.DataServiceClient, o *options, v variant, c *counters) {
	cctx, cancel := context.WithTimeout(ctx, o.deadline)
	defer cancel()
	t0 := time.Now()
	r, err := client.GetData(cctx, &pb.StreamRequest{SubscriptionId: "bench", Topics: []string{"bench"},
		BatchSize: int32(v.batch)})
	if err != nil {
		c.fail(ctx, err)
		return
	}
	c.record(time.Since(t0).Nanoseconds())
	c.ops.Add(1)
	c.items.Add(uint64(len(r.DataPoints)))
}
