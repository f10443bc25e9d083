// Package server is the Go server peer: streaming.DataService with the reference semantics of
// docs/peer-protocol.md, control metadata, the event log and the shutdown rule.
package server

import (
	"crypto/tls"
	"fmt"
	"io"
	"net"
	"os"
	"sync"
	"sync/atomic"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials"
	"google.golang.org/grpc/health"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"

	"streamconform/peers/go/internal/chat"
	"streamconform/peers/go/internal/control"
	"streamconform/peers/go/internal/events"
)

// Config is what `peer-go server` was started with.
type Config struct {
	Listen          string
	TickMS          int64
	MaxReceiveBytes int
	MaxUploadBytes  int64
	Events          *events.Log
	Verbose         bool
	Quiet           bool
	Stderr          io.Writer
	TLS             *tls.Config // nil: plaintext
	Lifecycle       Lifecycle   // server-wide connection options (lifecycle.go)
}

// Server serves DataService until Stop.
type Server struct {
	cfg       Config
	grpc      *grpc.Server
	health    *health.Server // builtin.go
	lis       net.Listener
	events    *events.Log
	room      *chat.Room
	shutdown  chan struct{}
	stopOnce  sync.Once
	nextCall  atomic.Uint64
	fileCount atomic.Uint64
	caseCalls control.CaseCalls // calls per x-sc-case, for x-sc-fail-calls
}

// New listens on cfg.Listen; Serve starts accepting.
func New(cfg Config) (*Server, error) {
	if cfg.Stderr == nil {
		cfg.Stderr = os.Stderr
	}
	lis, err := net.Listen("tcp", cfg.Listen)
	if err != nil {
		return nil, fmt.Errorf("cannot listen on %s: %v", cfg.Listen, err)
	}
	s := &Server{cfg: cfg, lis: lis, events: cfg.Events, room: chat.NewRoom(nil),
		shutdown: make(chan struct{})}
	opts := []grpc.ServerOption{
		grpc.MaxRecvMsgSize(cfg.MaxReceiveBytes),
		grpc.UnknownServiceHandler(s.unknown),
		grpc.StatsHandler(compressionStats{}),
	}
	if cfg.TLS != nil {
		opts = append(opts, grpc.Creds(credentials.NewTLS(cfg.TLS)))
	}
	opts = append(opts, cfg.Lifecycle.serverOptions()...)
	s.grpc = grpc.NewServer(opts...)
	s.grpc.RegisterService(s.serviceDesc(), s)
	s.health = registerBuiltin(s.grpc)
	return s, nil
}

// Port is the bound TCP port.
func (s *Server) Port() int {
	return s.lis.Addr().(*net.TCPAddr).Port
}

// Serve accepts calls until Stop; it returns nil after a stop.
func (s *Server) Serve() error {
	err := s.grpc.Serve(s.lis)
	if err == grpc.ErrServerStopped {
		return nil
	}
	return err
}

// Stop stops accepting (GracefulStop: GOAWAY), gives live calls Lifecycle.ShutdownGraceMS to
// end on their own, then ends the rest with UNAVAILABLE "server shutting down" and waits up to
// grace for them before closing every connection.
func (s *Server) Stop(grace time.Duration) {
	s.stopOnce.Do(func() {
		s.health.Shutdown() // NOT_SERVING before the drain: Watch streams get it
		done := make(chan struct{})
		go func() {
			s.grpc.GracefulStop()
			close(done)
		}()
		if g := s.cfg.Lifecycle.ShutdownGraceMS; g > 0 {
			select {
			case <-done:
			case <-time.After(ms(g)):
			}
		}
		close(s.shutdown)
		select {
		case <-done:
		case <-time.After(grace):
			s.logf("calls still running after %v: closing connections", grace)
			s.grpc.Stop()
			<-done
		}
	})
}

func (s *Server) logf(format string, args ...any) {
	if s.cfg.Quiet {
		return
	}
	fmt.Fprintf(s.cfg.Stderr, "peer-go server: "+format+"\n", args...)
}

type handlerFunc func(c *call) error

// wrap turns a method implementation into a grpc.StreamHandler: number the call, parse the
// control metadata, log, run, attach trailers, log the end.
func (s *Server) wrap(method, reqType string, h handlerFunc) grpc.StreamHandler {
	return func(_ any, stream grpc.ServerStream) error {
		c := &call{ServerStream: stream, srv: s, id: s.nextCall.Add(1), method: method,
			reqType: reqType}
		md, _ := metadata.FromIncomingContext(stream.Context())
		ctl, perr := control.Parse(md)
		if perr == nil && ctl.Fail && ctl.FailCalls > 0 {
			// later calls of the case run without the failure
			ctl.Fail = s.caseCalls.Bump(ctl.Case) <= ctl.FailCalls
		}
		c.ctl = ctl
		c.logStart(md)
		var err error
		if perr != nil {
			err = status.Error(codes.InvalidArgument, perr.Error())
		} else if err = c.interrupted(); err == nil {
			err = s.run(c, h)
		}
		c.logEnd(err)
		return err
	}
}

// run starts the method at once (it may read and decide while the gate is closed) and sends the
// headers (echo-initial) when x-sc-initial-delay-ms has passed: nothing, status included, goes
// out before that, as in the C server.
func (s *Server) run(c *call, h handlerFunc) error {
	c.headersDone = make(chan struct{})
	go c.sendHeadersAtGate(time.Duration(c.ctl.InitialDelayMS) * time.Millisecond)
	err := h(c)
	<-c.headersDone
	if e := c.interrupted(); e != nil {
		return e
	}
	if c.headerErr != nil {
		return c.headerErr
	}
	c.setTrailers()
	return err
}

// sendHeadersAtGate sends the initial metadata once the initial delay passed, unless the call
// is interrupted first; headersDone is closed either way.
func (c *call) sendHeadersAtGate(delay time.Duration) {
	defer close(c.headersDone)
	if delay > 0 {
		t := time.NewTimer(delay)
		defer t.Stop()
		select {
		case <-t.C:
		case <-c.Context().Done():
			return
		case <-c.srv.shutdown:
			return
		}
	}
	hdr := metadata.MD{}
	for _, v := range c.ctl.EchoInitial {
		hdr.Append(control.KeyEchoInitial, v)
	}
	c.setCompressor()
	send := c.SendHeader
	if c.ctl.LazyHeaders {
		// grpc-go sends them with the first message, or as a trailers-only response.
		send = c.SetHeader
	}
	if err := send(hdr); err != nil {
		c.headerErr = err
	}
}

// endedBy prefers the reason the call is going away (shutdown, client gone) over a transport
// error.
func (c *call) endedBy(err error) error {
	if e := c.interrupted(); e != nil {
		return e
	}
	return err
}

// unknown answers every method nobody registered, as the C server does.
func (s *Server) unknown(_ any, stream grpc.ServerStream) error {
	method, _ := grpc.MethodFromServerStream(stream)
	c := &call{ServerStream: stream, srv: s, id: s.nextCall.Add(1), method: "unknown"}
	md, _ := metadata.FromIncomingContext(stream.Context())
	c.logStart(md)
	err := status.Errorf(codes.Unimplemented, "unknown method %s", method)
	c.logEnd(err)
	return err
}

func (s *Server) serviceDesc() *grpc.ServiceDesc {
	stream := func(name, reqType string, h handlerFunc) grpc.StreamDesc {
		return grpc.StreamDesc{StreamName: name, Handler: s.wrap(name, reqType, h),
			ServerStreams: true, ClientStreams: true}
	}
	return &grpc.ServiceDesc{
		ServiceName: "streaming.DataService",
		HandlerType: (*any)(nil),
		Streams: []grpc.StreamDesc{
			stream("GetData", "StreamRequest", s.getData),
			stream("SubscribeData", "StreamRequest", s.subscribeData),
			stream("UploadFile", "UploadRequest", s.uploadFile),
			stream("Chat", "ChatMessage", s.chat),
		},
		Metadata: "streaming.proto",
	}
}
