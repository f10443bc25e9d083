package server

import (
	"context"
	"fmt"
	"io"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"

	"streamconform/peers/go/internal/events"
	"streamconform/peers/go/pb"
)

// start runs a server on 127.0.0.1:0 and returns a client for it.
func start(t *testing.T, log *events.Log) (*Server, pb.DataServiceClient) {
	t.Helper()
	srv, err := New(Config{Listen: "127.0.0.1:0", TickMS: 10, MaxReceiveBytes: 4 << 20,
		MaxUploadBytes: 1 << 20, Events: log, Quiet: true})
	if err != nil {
		t.Fatal(err)
	}
	go srv.Serve()
	t.Cleanup(func() { srv.Stop(time.Second) })
	conn, err := grpc.NewClient(fmt.Sprintf("127.0.0.1:%d", srv.Port()),
		grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	return srv, pb.NewDataServiceClient(conn)
}

func bounded(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	t.Cleanup(cancel)
	return ctx
}

func wantStatus(t *testing.T, err error, code codes.Code, msg string) {
	t.Helper()
	st := status.Convert(err)
	if st.Code() != code || st.Message() != msg {
		t.Fatalf("got %v %q, want %v %q", st.Code(), st.Message(), code, msg)
	}
}

func TestGetDataAndControl(t *testing.T) {
	var buf strings.Builder
	_, client := start(t, events.New(&syncWriter{b: &buf}, time.Now()))
	ctx := bounded(t)
	resp, err := client.GetData(ctx, &pb.StreamRequest{SubscriptionId: "s", Topics: []string{"a", "b"}, BatchSize: 3})
	if err != nil || len(resp.GetDataPoints()) != 3 || resp.GetDataPoints()[2].GetId() != "s-0-2" ||
		resp.GetDataPoints()[1].GetMetadata()["topic"] != "b" {
		t.Fatalf("%v %v", resp, err)
	}
	_, err = client.GetData(ctx, &pb.StreamRequest{})
	wantStatus(t, err, codes.InvalidArgument, "topics must not be empty")
	var hdr, trl metadata.MD
	mctx := metadata.AppendToOutgoingContext(ctx, "x-sc-fail-code", "unavailable", "x-sc-fail-message",
		"caf%C3%A9", "x-sc-retry-pushback-ms", "5", "x-grpc-test-echo-initial", "hi",
		"x-grpc-test-echo-trailing-bin", "\x01\x02", "x-sc-case", "c-7")
	_, err = client.GetData(mctx, &pb.StreamRequest{Topics: []string{"a"}}, grpc.Header(&hdr), grpc.Trailer(&trl))
	wantStatus(t, err, codes.Unavailable, "café")
	if hdr.Get("x-grpc-test-echo-initial")[0] != "hi" || trl.Get("grpc-retry-pushback-ms")[0] != "5" ||
		trl.Get("x-grpc-test-echo-trailing-bin")[0] != "\x01\x02" {
		t.Fatalf("headers %v trailers %v", hdr, trl)
	}
	// x-sc-fail-calls: only the case's first 2 calls fail, counted per case.
	for i, want := range []codes.Code{codes.Unavailable, codes.Unavailable, codes.OK, codes.OK} {
		fctx := metadata.AppendToOutgoingContext(ctx, "x-sc-case", "fc", "x-sc-fail-code", "UNAVAILABLE",
			"x-sc-fail-calls", "2")
		_, err := client.GetData(fctx, &pb.StreamRequest{Topics: []string{"a"}})
		if status.Code(err) != want {
			t.Fatalf("fail-calls call %d: %v, want %v", i+1, err, want)
		}
	}
	bad := metadata.AppendToOutgoingContext(ctx, "x-sc-max-responses", "ten")
	_, err = client.GetData(bad, &pb.StreamRequest{Topics: []string{"a"}})
	wantStatus(t, err, codes.InvalidArgument, `x-sc-max-responses: expected a whole number from 0 to 1000000000, got "ten"`)
	if !strings.Contains(buf.String(), `"event":"status_sent","call":3,"case":"c-7","method":"GetData","code":"UNAVAILABLE","message":"café"}`) {
		t.Fatalf("event log:\n%s", buf.String())
	}
}

func TestUnknownMethod(t *testing.T) {
	srv, _ := start(t, nil)
	conn, _ := grpc.NewClient(fmt.Sprintf("127.0.0.1:%d", srv.Port()),
		grpc.WithTransportCredentials(insecure.NewCredentials()))
	defer conn.Close()
	err := conn.Invoke(bounded(t), "/streaming.DataService/Nope", &pb.StreamRequest{}, &pb.StreamResponse{})
	wantStatus(t, err, codes.Unimplemented, "unknown method /streaming.DataService/Nope")
}

func TestSubscribeMaxResponsesAndShutdown(t *testing.T) {
	srv, client := start(t, nil)
	ctx := bounded(t)
	mctx := metadata.AppendToOutgoingContext(ctx, "x-sc-max-responses", "3")
	stream, _ := client.SubscribeData(mctx, &pb.StreamRequest{Topics: []string{"a"}})
	n := 0
	for {
		if _, err := stream.Recv(); err != nil {
			if err != io.EOF {
				t.Fatal(err)
			}
			break
		}
		n++
	}
	if n != 3 {
		t.Fatalf("%d batches", n)
	}
	live, _ := client.SubscribeData(ctx, &pb.StreamRequest{Topics: []string{"a"}})
	if _, err := live.Recv(); err != nil {
		t.Fatal(err)
	}
	go srv.Stop(2 * time.Second)
	for {
		if _, err := live.Recv(); err != nil {
			wantStatus(t, err, codes.Unavailable, "server shutting down")
			return
		}
	}
}

func TestUploadChecksum(t *testing.T) {
	_, client := start(t, nil)
	up, _ := client.UploadFile(bounded(t))
	up.Send(&pb.UploadRequest{Payload: &pb.UploadRequest_Metadata{Metadata: &pb.FileMetadata{TotalSize: 3}}})
	up.Send(&pb.UploadRequest{Payload: &pb.UploadRequest_Chunk{Chunk: []byte("abc")}})
	resp, err := up.CloseAndRecv()
	if err != nil || resp.GetBytesReceived() != 3 ||
		resp.GetChecksum() != "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad" {
		t.Fatalf("%v %v", resp, err)
	}
}

// A member that never reads is evicted with RESOURCE_EXHAUSTED; the others keep receiving.
func TestChatSlowReceiver(t *testing.T) {
	_, client := start(t, nil)
	ctx := bounded(t)
	join := func(name string) pb.DataService_ChatClient {
		s, err := client.Chat(ctx)
		if err != nil {
			t.Fatal(err)
		}
		s.Send(&pb.ChatMessage{UserId: name})
		return s
	}
	stalled := join("stalled")
	reader := join("reader")
	time.Sleep(50 * time.Millisecond)
	talker := join("talker")
	const total = 20000
	var received atomic.Int64
	go func() {
		for received.Load() < total {
			m, err := reader.Recv()
			if err != nil {
				return
			}
			if m.GetUserId() == "talker" {
				received.Add(1)
			}
		}
	}()
	// The talker keeps within what the reader takes (a reader slower than the talker is a slow
	// receiver too); the stalled member falls behind for good.
	payload := strings.Repeat("x", 200)
	deadline := time.Now().Add(15 * time.Second)
	for i := 1; i <= total; i++ {
		if err := talker.Send(&pb.ChatMessage{UserId: "talker", Content: payload}); err != nil {
			t.Fatal(err)
		}
		for i%256 == 0 && received.Load() < int64(i) {
			if time.Now().After(deadline) {
				t.Fatalf("reader stuck at %d of %d sent", received.Load(), i)
			}
			time.Sleep(time.Millisecond)
		}
	}
	for {
		if _, err := stalled.Recv(); err != nil {
			wantStatus(t, err, codes.ResourceExhausted, "chat receiver too slow: more than 1024 messages queued")
			break
		}
	}
	talker.CloseSend()
	reader.CloseSend()
}

func TestChatDuplicateAndEcho(t *testing.T) {
	_, client := start(t, nil)
	ctx := bounded(t)
	a, _ := client.Chat(metadata.AppendToOutgoingContext(ctx, "x-sc-echo", "yes"))
	a.Send(&pb.ChatMessage{UserId: "ann", Content: "first"})
	if m, err := a.Recv(); err != nil || m.GetContent() != "first" {
		t.Fatalf("echo %v %v", m, err)
	}
	b, _ := client.Chat(ctx)
	b.Send(&pb.ChatMessage{UserId: "ann"})
	_, err := b.Recv()
	wantStatus(t, err, codes.AlreadyExists, `user "ann" is already in the chat`)
	a.CloseSend()
	if _, err := a.Recv(); err != io.EOF {
		t.Fatalf("half-close: %v", err)
	}
}
