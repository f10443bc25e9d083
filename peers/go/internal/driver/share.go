package driver

import (
	"sync"

	"google.golang.org/grpc"
)

// shares is channel.share (client feature "share-channel"): instructions in flight with the
// same name use one grpc.ClientConn, made by the first with its options and closed when the last
// one ends.
type shares struct {
	mu    sync.Mutex
	conns map[string]*sharedConn
}

type sharedConn struct {
	conn *grpc.ClientConn
	refs int
}

// take returns the named connection (dialled with in's options when none is in use) and the
// function that gives it back.
func (s *shares) take(in *Instruction) (*grpc.ClientConn, func(), error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	name := in.Channel.Share
	e := s.conns[name]
	if e == nil {
		conn, err := dial(in)
		if err != nil {
			return nil, nil, err
		}
		if s.conns == nil {
			s.conns = map[string]*sharedConn{}
		}
		e = &sharedConn{conn: conn}
		s.conns[name] = e
	}
	e.refs++
	return e.conn, func() { s.release(name, e) }, nil
}

func (s *shares) release(name string, e *sharedConn) {
	s.mu.Lock()
	defer s.mu.Unlock()
	e.refs--
	if e.refs == 0 {
		delete(s.conns, name)
		e.conn.Close()
	}
}
