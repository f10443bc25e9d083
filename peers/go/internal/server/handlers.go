package server

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"time"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"streamconform/peers/go/internal/chat"
	"streamconform/peers/go/pb"
)

const (
	maxBatchSize     = 10000
	defaultBatchSize = 10
	maxNameShown     = 256
)

func invalid(format string, args ...any) error {
	return status.Errorf(codes.InvalidArgument, format, args...)
}

// recv receives one message, giving up when the call is interrupted (shutdown, client gone)
// while the client sends nothing.
func (c *call) recv(m any) error {
	done := make(chan error, 1)
	go func() { done <- c.RecvMsg(m) }()
	select {
	case err := <-done:
		return err
	case <-c.Context().Done():
		return c.Context().Err()
	case <-c.srv.shutdown:
		return errShutdown
	}
}

// responseDelay is x-sc-response-delay-ms, else def.
func (c *call) responseDelay(def int64) time.Duration {
	if c.ctl.ResponseDelayMS >= 0 {
		return time.Duration(c.ctl.ResponseDelayMS) * time.Millisecond
	}
	return time.Duration(def) * time.Millisecond
}

func (c *call) send(m any) error {
	if err := c.SendMsg(m); err != nil {
		return c.endedBy(err)
	}
	return nil
}

// readRequest reads and validates the single StreamRequest of GetData and SubscribeData.
func readRequest(c *call) (*pb.StreamRequest, error) {
	req := new(pb.StreamRequest)
	if err := c.recv(req); err != nil {
		if errors.Is(err, io.EOF) {
			return nil, invalid("no request message")
		}
		return nil, err
	}
	if len(req.GetTopics()) == 0 {
		return nil, invalid("topics must not be empty")
	}
	if req.GetBatchSize() > maxBatchSize {
		return nil, invalid("batch_size must be at most %d (got %d)", maxBatchSize, req.GetBatchSize())
	}
	return req, nil
}

// makeBatch builds batch seq of the reference data points.
func makeBatch(req *pb.StreamRequest, seq int64) *pb.StreamResponse {
	n := int(req.GetBatchSize())
	if n <= 0 {
		n = defaultBatchSize
	}
	now := time.Now().UnixNano()
	topics := req.GetTopics()
	points := make([]*pb.DataPoint, n)
	for i := range points {
		points[i] = &pb.DataPoint{
			Id:        fmt.Sprintf("%s-%d-%d", req.GetSubscriptionId(), seq, i),
			Value:     rand.Float64() * 100,
			Timestamp: now,
			Metadata:  map[string]string{"topic": topics[i%len(topics)]},
		}
	}
	return &pb.StreamResponse{DataPoints: points, SequenceNumber: seq}
}

func (s *Server) getData(c *call) error {
	req, err := readRequest(c)
	if err != nil {
		return err
	}
	if c.ctl.Fail { // GetData fails before responding, whatever fail-after says
		return c.fail()
	}
	if err := c.sleep(c.responseDelay(0)); err != nil {
		return err
	}
	return c.send(makeBatch(req, 0))
}

func (s *Server) subscribeData(c *call) error {
	req, err := readRequest(c)
	if err != nil {
		return err
	}
	if c.ctl.FailureDue(0) {
		return c.fail()
	}
	interval := c.responseDelay(s.cfg.TickMS)
	for seq := int64(0); ; seq++ {
		if err := c.sleep(interval); err != nil {
			return err
		}
		if err := c.send(makeBatch(req, seq)); err != nil {
			return err
		}
		sent := seq + 1
		if c.ctl.FailureDue(sent) {
			return c.fail()
		}
		if c.ctl.MaxResponses >= 0 && sent >= c.ctl.MaxResponses {
			return nil
		}
	}
}

// upload is the state of one UploadFile call.
type upload struct {
	haveMetadata bool
	announced    int64
	bytes        int64
}

func (s *Server) uploadFile(c *call) error {
	if c.ctl.FailureDue(0) {
		return c.fail()
	}
	u := upload{}
	hash := sha256.New()
	var received int64
	for {
		m := new(pb.UploadRequest)
		err := c.recv(m)
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return err
		}
		received++
		if err := s.uploadMessage(&u, m, hash); err != nil {
			return err
		}
		if c.ctl.FailureDue(received) {
			return c.fail()
		}
	}
	if !u.haveMetadata {
		return invalid("stream ended without metadata")
	}
	if u.announced > 0 && u.announced != u.bytes {
		return status.Errorf(codes.DataLoss, "received %d bytes but metadata announced %d",
			u.bytes, u.announced)
	}
	if err := c.sleep(c.responseDelay(0)); err != nil {
		return err
	}
	return c.send(&pb.UploadResponse{
		FileId:        fmt.Sprintf("file-%d-%d", time.Now().UnixNano(), s.fileCount.Add(1)),
		BytesReceived: u.bytes,
		Checksum:      hex.EncodeToString(hash.Sum(nil)),
	})
}

func (s *Server) uploadMessage(u *upload, m *pb.UploadRequest, hash io.Writer) error {
	switch p := m.GetPayload().(type) {
	case *pb.UploadRequest_Metadata:
		if u.haveMetadata {
			return invalid("second metadata message")
		}
		u.haveMetadata = true
		u.announced = p.Metadata.GetTotalSize()
	case *pb.UploadRequest_Chunk:
		if !u.haveMetadata {
			return invalid("chunk before metadata")
		}
		u.bytes += int64(len(p.Chunk))
		if u.bytes > s.cfg.MaxUploadBytes {
			return status.Errorf(codes.ResourceExhausted, "upload exceeds %d bytes", s.cfg.MaxUploadBytes)
		}
		_, _ = hash.Write(p.Chunk)
	default:
		return invalid("message has neither metadata nor chunk")
	}
	return nil
}

func (s *Server) chat(c *call) error {
	if c.ctl.FailureDue(0) {
		return c.fail()
	}
	m := chat.NewMember()
	defer s.room.Leave(m)
	finished := make(chan error, 1)
	go s.chatReceive(c, m, finished)
	for {
		select {
		case <-m.Evicted:
			return status.Error(codes.ResourceExhausted, chat.TooSlowMessage)
		default:
		}
		select {
		case <-m.Evicted:
			return status.Error(codes.ResourceExhausted, chat.TooSlowMessage)
		case msg := <-m.Queue:
			if err := s.chatSend(c, m, msg); err != nil {
				return err
			}
		case err := <-finished:
			if err != nil {
				return err
			}
			return s.chatDrain(c, m)
		case <-c.Context().Done():
			return c.Context().Err()
		case <-s.shutdown:
			return errShutdown
		}
	}
}

// chatSend sends one queued message after the response delay; the injected failure follows
// x-sc-fail-after messages sent.
func (s *Server) chatSend(c *call, m *chat.Member, msg *pb.ChatMessage) error {
	if err := c.sleep(c.responseDelay(0)); err != nil {
		return err
	}
	select {
	case <-m.Evicted:
		return status.Error(codes.ResourceExhausted, chat.TooSlowMessage)
	default:
	}
	if err := c.send(msg); err != nil {
		return err
	}
	if c.ctl.FailureDue(c.sent.Load()) {
		return c.fail()
	}
	return nil
}

// chatDrain sends what is still queued after the client half-closed (the member already left).
func (s *Server) chatDrain(c *call, m *chat.Member) error {
	for {
		select {
		case msg := <-m.Queue:
			if err := s.chatSend(c, m, msg); err != nil {
				return err
			}
		default:
			return nil
		}
	}
}

// chatReceive reads the Chat stream: the first message joins, later ones are relayed. It posts
// the receive side's verdict on finished: nil after a half-close (the member left), else the
// status the call ends with.
func (s *Server) chatReceive(c *call, m *chat.Member, finished chan<- error) {
	joined := false
	for {
		msg := new(pb.ChatMessage)
		err := c.RecvMsg(msg)
		if errors.Is(err, io.EOF) {
			s.room.Leave(m)
			finished <- nil
			return
		}
		if err != nil {
			finished <- err
			return
		}
		if joined {
			s.room.Broadcast(m, msg, c.ctl.Echo)
			continue
		}
		if verdict := s.chatJoin(c, m, msg); verdict != nil {
			finished <- verdict
			return
		}
		joined = true
	}
}

func (s *Server) chatJoin(c *call, m *chat.Member, msg *pb.ChatMessage) error {
	name := msg.GetUserId()
	if name == "" {
		return invalid("first message must set user_id")
	}
	switch s.room.Join(m, name) {
	case chat.Duplicate:
		if len(name) > maxNameShown {
			name = name[:maxNameShown]
		}
		return status.Errorf(codes.AlreadyExists, "user \"%s\" is already in the chat", name)
	case chat.Closed:
		return c.Context().Err()
	}
	if c.ctl.Echo { // the first message is not relayed, but x-sc-echo returns it
		s.room.DeliverSelf(m, msg)
	}
	return nil
}
