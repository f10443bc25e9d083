package driver

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"time"

	"google.golang.org/grpc"
	grpcbackoff "google.golang.org/grpc/backoff"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
	_ "google.golang.org/grpc/encoding/gzip" // gzip, as a grpc-go application registers it
	"google.golang.org/grpc/keepalive"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"

	"streamconform/peers/go/internal/backoff"
)

// every call uses one generic stream description: on the wire a unary call is a stream with one
// message each way, so all four methods share one code path.
var streamDesc = grpc.StreamDesc{ServerStreams: true, ClientStreams: true}

// attemptRecord is one entry of the result's "attempts".
type attemptRecord struct {
	startMS, endMS int64
	code           codes.Code
	pushbackMS     int64 // backoff.ParsePushback of its trailers
}

// job runs one instruction and collects its result.
type job struct {
	in      *Instruction
	start   time.Time
	random  func() float64
	release func() // gives back a shared channel (channel.share), or nil: the job closes its own

	responses       []json.RawMessage
	responsesMS     []int64
	headersMS       int64 // -1: none yet
	firstResponseMS int64
	closeSendMS     int64
	statusMS        int64
	code            codes.Code
	message         string
	headers         metadata.MD
	// responseEncoding is the last attempt's response grpc-encoding, as grpc-go's stats handler
	// saw it (InHeader.Compression; "identity" when none)
	responseEncoding string
	trailers         metadata.MD
	attempts         []attemptRecord
}

func newJob(in *Instruction, start time.Time, random func() float64) *job {
	return &job{in: in, start: start, random: random, headersMS: -1, firstResponseMS: -1,
		closeSendMS: -1, statusMS: -1}
}

func (j *job) since(t time.Time) int64 { return t.Sub(j.start).Milliseconds() }

// sendLimitOptions: channel.max_send_bytes, grpc-go's per-call send limit for every call of the
// channel (a larger request fails in the library with RESOURCE_EXHAUSTED before the wire).
func sendLimitOptions(ch Channel) []grpc.DialOption {
	if ch.MaxSendBytes <= 0 {
		return nil
	}
	return []grpc.DialOption{grpc.WithDefaultCallOptions(grpc.MaxCallSendMsgSize(int(ch.MaxSendBytes)))}
}

// dial makes the instruction's channel (a grpc.ClientConn) with its channel options.
func dial(in *Instruction) (*grpc.ClientConn, error) {
	ch := in.Channel
	opts := []grpc.DialOption{grpc.WithTransportCredentials(insecure.NewCredentials())}
	if ch.TLS != nil {
		opts = tlsDialOptions(ch.TLS)
	}
	if ch.MaxReceiveBytes > 0 {
		opts = append(opts, grpc.WithDefaultCallOptions(grpc.MaxCallRecvMsgSize(int(ch.MaxReceiveBytes))))
	}
	opts = append(opts, sendLimitOptions(ch)...)
	if ch.NoBDPProbe {
		// grpc-go turns its BDP estimation off when the window sizes are set: keep HTTP/2's
		// 64 KiB defaults.
		opts = append(opts, grpc.WithInitialWindowSize(http2DefaultWindow),
			grpc.WithInitialConnWindowSize(http2DefaultWindow))
	}
	if ch.InitialReconnectBackoffMS > 0 || ch.MinReconnectBackoffMS > 0 || ch.MaxReconnectBackoffMS > 0 {
		cfg := grpcbackoff.DefaultConfig
		params := grpc.ConnectParams{Backoff: cfg, MinConnectTimeout: 20 * time.Second}
		if ch.InitialReconnectBackoffMS > 0 {
			params.Backoff.BaseDelay = ms(ch.InitialReconnectBackoffMS)
		}
		if ch.MaxReconnectBackoffMS > 0 {
			params.Backoff.MaxDelay = ms(ch.MaxReconnectBackoffMS)
		}
		if ch.MinReconnectBackoffMS > 0 {
			params.MinConnectTimeout = ms(ch.MinReconnectBackoffMS)
		}
		opts = append(opts, grpc.WithConnectParams(params))
	}
	if ch.Keepalive.TimeMS > 0 {
		// grpc-go raises a Time under 10 s to 10 s (internal.KeepaliveMinPingTime).
		opts = append(opts, grpc.WithKeepaliveParams(keepalive.ClientParameters{
			Time: ms(ch.Keepalive.TimeMS), Timeout: ms(ch.Keepalive.TimeoutMS),
			PermitWithoutStream: ch.Keepalive.PermitWithoutCalls}))
	}
	if ch.ServiceConfig != "" {
		// The library's own retries (gRFC A6): grpc-go has them on unless WithDisableRetry.
		opts = append(opts, grpc.WithDefaultServiceConfig(ch.ServiceConfig))
	}
	opts = append(opts, grpc.WithStatsHandler(encodingStats{}))
	return grpc.NewClient(in.Target, opts...)
}

// http2DefaultWindow is HTTP/2's initial flow-control window (RFC 9113, 6.9.2).
const http2DefaultWindow = 65535

func ms(n int64) time.Duration { return time.Duration(n) * time.Millisecond }

// run runs every attempt (one without a reconnect policy) until the policy stops. ctx is the
// driver's: cancelled when the driver aborts.
func (j *job) run(ctx context.Context, conn *grpc.ClientConn) {
	defer func() {
		if j.release != nil {
			j.release() // a shared channel (channel.share)
		} else {
			conn.Close()
		}
	}()
	if j.in.StartDelayMS > 0 {
		t := time.NewTimer(ms(j.in.StartDelayMS))
		select {
		case <-t.C:
		case <-ctx.Done():
			t.Stop()
			j.code, j.message = codes.Canceled, "driver stopped before the start delay ended"
			return
		}
	}
	var schedule *backoff.Schedule
	if j.in.Reconnect {
		schedule = backoff.NewSchedule(j.in.Policy, j.random)
	}
	for n := 1; ; n++ {
		if n > 1 && j.code == codes.Unavailable && j.release == nil {
			// A fresh channel, so that the attempt is a real connection attempt instead of
			// failing fast inside the old channel's own backoff.
			fresh, err := dial(j.in)
			if err != nil {
				j.code, j.message = codes.Internal, err.Error()
				now := j.since(time.Now())
				j.attempts = append(j.attempts, attemptRecord{now, now, codes.Internal, backoff.PushbackNone})
				return
			}
			conn.Close()
			conn = fresh
		}
		delivered := j.attempt(ctx, conn)
		if schedule == nil || ctx.Err() != nil {
			return
		}
		wait := schedule.Wait(j.code, n, delivered, j.attempts[len(j.attempts)-1].pushbackMS)
		if wait < 0 {
			return
		}
		t := time.NewTimer(ms(wait))
		select {
		case <-t.C:
		case <-ctx.Done():
			t.Stop()
			return
		}
	}
}

// attempt runs one call and records it; true when it delivered at least one response.
func (j *job) attempt(parent context.Context, conn *grpc.ClientConn) bool {
	in := j.in
	startedAt := time.Now()
	rec := attemptRecord{startMS: j.since(startedAt)}
	ctx, cancel := context.WithTimeout(parent, ms(in.TimeoutMS))
	defer cancel()
	ctx = metadata.NewOutgoingContext(ctx, in.Metadata)
	responses := 0
	j.closeSendMS = -1
	j.headers, j.trailers = nil, nil
	enc := &encodingSeen{}
	ctx = context.WithValue(ctx, encodingKey{}, enc)
	defer func() { j.responseEncoding = enc.get() }()

	path := in.Method.Path
	if in.Path != "" {
		path = in.Path
	}
	callOpts := []grpc.CallOption{grpc.WaitForReady(in.WaitForReady)}
	if in.Compression != "" && in.Compression != "identity" {
		callOpts = append(callOpts, grpc.UseCompressor(in.Compression))
	}
	cs, err := conn.NewStream(ctx, &streamDesc, path, callOpts...)
	if err != nil {
		j.finishAttempt(&rec, err)
		return false
	}
	switch in.Cancel {
	case CancelBeforeSend:
		cancel()
	case CancelAfterMS:
		timer := time.AfterFunc(time.Until(startedAt.Add(ms(in.CancelN))), cancel)
		defer timer.Stop()
	}
	headersDone := make(chan struct{})
	go func() {
		defer close(headersDone)
		if md, _ := cs.Header(); md != nil {
			j.headers = md
			if j.headersMS < 0 {
				j.headersMS = j.since(time.Now())
			}
		}
	}()
	sendDone := make(chan struct{})
	closeSentAt := make(chan time.Time, 1)
	// pingpong: one token per response; the sender takes one before each request after the first
	replies := make(chan struct{}, len(in.Requests)+1)
	go func() {
		defer close(sendDone)
		if in.Cancel != CancelBeforeSend {
			j.send(ctx, cs, startedAt, cancel, closeSentAt, replies)
		}
	}()
	if in.ReadPauseMS > 0 { // a slow receiver: responses wait in flow control meanwhile
		t := time.NewTimer(time.Until(startedAt.Add(ms(in.ReadPauseMS))))
		select {
		case <-t.C:
		case <-ctx.Done():
			t.Stop()
		}
	}
	cancelledHere := false
	for {
		m := in.Method.NewResponse()
		err = cs.RecvMsg(m)
		if err != nil {
			break
		}
		if cancelledHere {
			// grpc-go still hands out messages it had buffered before the cancel; the
			// application cancelled after N, so like the C driver it never sees them.
			continue
		}
		responses++
		j.addResponse(m)
		select {
		case replies <- struct{}{}:
		default: // more replies than requests (others in a chat room): nobody waits for them
		}
		if in.Cancel == CancelAfterResponses && int64(responses) >= in.CancelN {
			cancel()
			cancelledHere = true
		}
	}
	<-headersDone
	j.trailers = cs.Trailer()
	cancel()
	<-sendDone
	select {
	case t := <-closeSentAt:
		j.closeSendMS = j.since(t)
	default:
	}
	j.finishAttempt(&rec, err)
	return responses > 0
}

// send sends the requests on their schedule, then half-closes when the instruction says so.
func (j *job) send(ctx context.Context, cs grpc.ClientStream, startedAt time.Time,
	cancel context.CancelFunc, closeSentAt chan<- time.Time, replies <-chan struct{}) {
	in := j.in
	for i, req := range in.Requests {
		if in.PingPong && i > 0 { // ping-pong: only after the reply
			select {
			case <-replies:
			case <-ctx.Done():
				return
			}
		}
		if in.RequestDelayMS > 0 && i > 0 {
			t := time.NewTimer(time.Until(startedAt.Add(ms(int64(i) * in.RequestDelayMS))))
			select {
			case <-t.C:
			case <-ctx.Done():
				t.Stop()
				return
			}
		}
		if cs.SendMsg(req) != nil {
			return // the call is over; its status says why
		}
	}
	if !in.HalfClose || cs.CloseSend() != nil {
		return
	}
	now := time.Now()
	closeSentAt <- now
	if in.Cancel == CancelAfterCloseSendMS {
		t := time.NewTimer(ms(in.CancelN))
		defer t.Stop()
		select {
		case <-t.C:
			cancel()
		case <-ctx.Done():
		}
	}
}

func (j *job) addResponse(m proto.Message) {
	now := j.since(time.Now())
	text, err := protojson.MarshalOptions{UseProtoNames: false, EmitUnpopulated: false}.Marshal(m)
	if err != nil {
		text, _ = json.Marshal(err.Error())
	}
	compact, err := compactJSON(text)
	if err != nil {
		compact = text
	}
	j.responses = append(j.responses, compact)
	j.responsesMS = append(j.responsesMS, now)
	if j.firstResponseMS < 0 {
		j.firstResponseMS = now
	}
}

// finishAttempt records the status of the attempt that ended with err (io.EOF: OK).
func (j *job) finishAttempt(rec *attemptRecord, err error) {
	now := time.Now()
	st := status.New(codes.OK, "")
	if err != nil && !errors.Is(err, io.EOF) {
		st = status.Convert(err)
	}
	j.code, j.message = st.Code(), st.Message()
	j.statusMS = j.since(now)
	rec.endMS = j.since(now)
	rec.code = st.Code()
	rec.pushbackMS = backoff.ParsePushback(j.trailers.Get("grpc-retry-pushback-ms"))
	j.attempts = append(j.attempts, *rec)
}
