// Package chat is the Chat room of the reference semantics: members by stream identity, a
// bounded outbound queue per member, join/leave notices, and the slow-receiver rule (a member
// whose queue is full when a message arrives for it is evicted; nobody waits for it).
package chat

import (
	"fmt"
	"sync"
	"time"

	"streamconform/peers/go/pb"
)

// QueueCap is the outbound queue length of every member.
const QueueCap = 1024

// SystemUser is the user_id of join/leave notices.
const SystemUser = "system"

// TooSlowMessage is the RESOURCE_EXHAUSTED message of an evicted member.
var TooSlowMessage = fmt.Sprintf("chat receiver too slow: more than %d messages queued", QueueCap)

// Member is one Chat stream in the room. Its sender reads Queue; Evicted is closed when the
// member's queue overflowed (the stream must end with RESOURCE_EXHAUSTED).
type Member struct {
	UserID  string
	Queue   chan *pb.ChatMessage
	Evicted chan struct{}
	joined  bool
	evicted bool
	closed  bool
}

// NewMember makes a member that has not joined yet.
func NewMember() *Member {
	return &Member{Queue: make(chan *pb.ChatMessage, QueueCap), Evicted: make(chan struct{})}
}

// Room holds the joined members. The zero value is not usable; use NewRoom.
type Room struct {
	mu      sync.Mutex
	members []*Member
	now     func() time.Time
}

// NewRoom makes an empty room; now stamps system messages (time.Now when nil).
func NewRoom(now func() time.Time) *Room {
	if now == nil {
		now = time.Now
	}
	return &Room{now: now}
}

// JoinResult tells how a join went.
type JoinResult int

// Join outcomes.
const (
	Joined JoinResult = iota
	Duplicate
	// Closed: the member's stream already ended (Leave was called).
	Closed
)

// Join adds m under userID and announces it to every other member; Duplicate when a live member
// already uses that name.
func (r *Room) Join(m *Member, userID string) JoinResult {
	r.mu.Lock()
	defer r.mu.Unlock()
	if m.closed {
		return Closed
	}
	for _, o := range r.members {
		if o.UserID == userID {
			return Duplicate
		}
	}
	m.UserID = userID
	m.joined = true
	r.members = append(r.members, m)
	r.announce(m, "joined")
	r.evictOverflowed()
	return Joined
}

// Leave removes m (if it joined) and announces it; m can never join again and relays nothing
// more. Safe to call more than once.
func (r *Room) Leave(m *Member) {
	r.mu.Lock()
	defer r.mu.Unlock()
	m.closed = true
	if r.remove(m) {
		r.announce(m, "left")
		r.evictOverflowed()
	}
}

// Broadcast relays msg to every member except from (and to from as well when echo is set).
func (r *Room) Broadcast(from *Member, msg *pb.ChatMessage, echo bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if from != nil && from.closed {
		return
	}
	for _, m := range r.members {
		if m != from || echo {
			deliver(m, msg)
		}
	}
	r.evictOverflowed()
}

// DeliverSelf queues msg for m alone (x-sc-echo of the first message, which is not relayed).
func (r *Room) DeliverSelf(m *Member, msg *pb.ChatMessage) {
	r.mu.Lock()
	defer r.mu.Unlock()
	deliver(m, msg)
	r.evictOverflowed()
}

// Count is the number of joined members.
func (r *Room) Count() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.members)
}

func deliver(m *Member, msg *pb.ChatMessage) {
	if m.evicted {
		return
	}
	copy := &pb.ChatMessage{UserId: msg.GetUserId(), Content: msg.GetContent(), Timestamp: msg.GetTimestamp()}
	select {
	case m.Queue <- copy:
	default:
		m.evicted = true
		close(m.Evicted)
	}
}

func (r *Room) remove(m *Member) bool {
	if !m.joined {
		return false
	}
	m.joined = false
	for i, o := range r.members {
		if o == m {
			r.members = append(r.members[:i], r.members[i+1:]...)
			break
		}
	}
	return true
}

func (r *Room) announce(about *Member, verb string) {
	notice := &pb.ChatMessage{
		UserId:    SystemUser,
		Content:   fmt.Sprintf("%s %s the chat", about.UserID, verb),
		Timestamp: r.now().UnixNano(),
	}
	for _, m := range r.members {
		if m != about {
			deliver(m, notice)
		}
	}
}

// evictOverflowed takes every overflowed member out of the room, announcing each departure
// (which may overflow others in turn).
func (r *Room) evictOverflowed() {
	for {
		var gone *Member
		for _, m := range r.members {
			if m.evicted {
				gone = m
				break
			}
		}
		if gone == nil {
			return
		}
		r.remove(gone)
		r.announce(gone, "left")
	}
}
