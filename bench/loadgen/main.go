// Command loadgen is bench/run's reference load client: the workloads of
// `streamconform bench` (pingpong, stream, upload, unary) on grpc-go, one goroutine per call,
// with the same windows, repeats, figure names and JSON document, so that Go client -> Go server
// can be set beside C client -> each server.
//
//	loadgen -workload all -target 127.0.0.1:N [-server-pid PID] [-warmup-ms N] [-measure-ms N]
//	        [-repeats N] [-payload-bytes N] [-upload-bytes N] [-chunk-bytes N] [-deadline-ms N]
//
// The streaming.proto stubs (package pb) are generated into the build folder by bench/run.
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"sync"
	"sync/atomic"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"

	"streamconform/bench/loadgen/pb"
)

// streamMargin is added to the deadline of the calls that live for a whole variant.
const streamMargin = 30 * time.Second

type options struct {
	target                    string
	pid                       int
	warmup, measure, deadline time.Duration
	repeats, payload          int
	uploadBytes, chunkBytes   int64
	workload                  string
}

type variant struct {
	kind        string
	batch, conc int
}

// window counters, shared by the goroutines of one variant.
type counters struct {
	ops, items atomic.Uint64
	mu         sync.Mutex
	lat        []int64 // ns, nil outside a window
	failed     atomic.Bool
	errMu      sync.Mutex
	err        string
}

func (c *counters) record(ns int64) {
	c.mu.Lock()
	if c.lat != nil {
		c.lat = append(c.lat, ns)
	}
	c.mu.Unlock()
}

func (c *counters) fail(ctx context.Context, err error) {
	if ctx.Err() != nil {
		return // the bench cancelled it
	}
	c.errMu.Lock()
	if c.err == "" {
		c.err = err.Error()
	}
	c.errMu.Unlock()
	c.failed.Store(true)
}

type sample struct {
	Seconds     float64 `json:"seconds"`
	ServerCPU   float64 `json:"server_cpu_s,omitempty"`
	ClientCPU   float64 `json:"client_cpu_s,omitempty"`
	Ops         uint64  `json:"ops"`
	Items       uint64  `json:"items"`
	Latencies   int     `json:"latencies,omitempty"`
	cpuKnown    bool
	clientKnown bool
	lat         []int64
}

func main() {
	o := options{}
	var warmup, measure, deadline int
	flag.StringVar(&o.workload, "workload", "all", "pingpong, stream, upload, unary or all")
	flag.StringVar(&o.target, "target", "", "host:port")
	flag.IntVar(&o.pid, "server-pid", 0, "server process for CPU time")
	flag.IntVar(&warmup, "warmup-ms", 1000, "warm-up")
	flag.IntVar(&measure, "measure-ms", 3000, "one window")
	flag.IntVar(&o.repeats, "repeats", 3, "windows")
	flag.IntVar(&o.payload, "payload-bytes", 64, "ping-pong content")
	flag.Int64Var(&o.uploadBytes, "upload-bytes", 256<<20, "one upload")
	flag.Int64Var(&o.chunkBytes, "chunk-bytes", 64<<10, "one upload message")
	flag.IntVar(&deadline, "deadline-ms", 60000, "unary and upload deadline")
	flag.Parse()
	if o.target == "" || o.repeats < 1 || o.repeats > 100 || measure < 1 || warmup < 0 ||
		o.chunkBytes < 1 || o.uploadBytes < 1 || flag.NArg() != 0 {
		fmt.Fprintln(os.Stderr, "loadgen: bad arguments (see -help)")
		os.Exit(2)
	}
	o.warmup = time.Duration(warmup) * time.Millisecond
	o.measure = time.Duration(measure) * time.Millisecond
	o.deadline = time.Duration(deadline) * time.Millisecond
	conn, err := grpc.NewClient(o.target, grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		fmt.Fprintln(os.Stderr, "loadgen:", err)
		os.Exit(1)
	}
	defer conn.Close()
	client := pb.NewDataServiceClient(conn)
	var results []map[string]any
	rc := 0
	for _, v := range variants(o.workload) {
		r := runVariant(client, &o, v)
		if r["ok"] != true {
			fmt.Fprintf(os.Stderr, "loadgen: %s: %v\n", r["name"], r["error"])
			rc = 1
		}
		results = append(results, r)
	}
	doc := map[string]any{"target": o.target, "client": "grpc-go", "warmup_ms": warmup,
		"measure_ms": measure, "repeats": o.repeats, "payload_bytes": o.payload,
		"upload_bytes": o.uploadBytes, "chunk_bytes": o.chunkBytes, "results": results}
	if o.pid > 0 {
		doc["server_pid"] = o.pid
	}
	out, _ := json.Marshal(doc)
	fmt.Println(string(out))
	os.Exit(rc)
}

func variants(workload string) []variant {
	var vs []variant
	if workload == "all" || workload == "pingpong" {
		vs = append(vs, variant{"pingpong", 0, 1})
	}
	if workload == "all" || workload == "stream" {
		vs = append(vs, variant{"stream", 1, 1}, variant{"stream", 1, 4}, variant{"stream", 10, 1},
			variant{"stream", 10, 4})
	}
	if workload == "all" || workload == "upload" {
		vs = append(vs, variant{"upload", 0, 1})
	}
	if workload == "all" || workload == "unary" {
		vs = append(vs, variant{"unary", 1, 1}, variant{"unary", 1, 64})
	}
	return vs
}

func variantName(o *options, v variant) string {
	switch v.kind {
	case "pingpong":
		return fmt.Sprintf("pingpong/%dB", o.payload)
	case "stream":
		return fmt.Sprintf("stream/batch=%d/streams=%d", v.batch, v.conc)
	case "upload":
		return fmt.Sprintf("upload/%dMiB/chunk=%dKiB", o.uploadBytes>>20, o.chunkBytes>>10)
	}
	return fmt.Sprintf("unary/inflight=%d", v.conc)
}
