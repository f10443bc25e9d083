package chat

import (
	"testing"
	"time"

	"streamconform/peers/go/pb"
)

func fixed() time.Time { return time.Unix(0, 42) }

func drain(m *Member) []string {
	var out []string
	for {
		select {
		case msg := <-m.Queue:
			out = append(out, msg.GetUserId()+": "+msg.GetContent())
		default:
			return out
		}
	}
}

func TestJoinBroadcastLeave(t *testing.T) {
	r := NewRoom(fixed)
	a, b := NewMember(), NewMember()
	if r.Join(a, "alice") != Joined || r.Join(b, "bob") != Joined {
		t.Fatal("join")
	}
	if got := drain(a); len(got) != 1 || got[0] != "system: bob joined the chat" {
		t.Fatalf("alice got %v", got)
	}
	if got := drain(b); len(got) != 0 {
		t.Fatalf("bob got %v", got)
	}
	// Relay by stream identity: a second stream claiming "alice" as user_id still gets it.
	r.Broadcast(a, &pb.ChatMessage{UserId: "bob", Content: "hi"}, false)
	if got := drain(a); len(got) != 0 {
		t.Fatalf("sender got its own message: %v", got)
	}
	if got := drain(b); len(got) != 1 || got[0] != "bob: hi" {
		t.Fatalf("bob got %v", got)
	}
	r.Broadcast(a, &pb.ChatMessage{UserId: "alice", Content: "echo"}, true)
	if len(drain(a)) != 1 || len(drain(b)) != 1 {
		t.Fatal("echo")
	}
	r.Leave(a)
	r.Leave(a)
	if got := drain(b); len(got) != 1 || got[0] != "system: alice left the chat" {
		t.Fatalf("bob got %v", got)
	}
	if r.Join(a, "alice") != Closed || r.Count() != 1 {
		t.Fatal("a closed member must not rejoin")
	}
}

func TestDuplicate(t *testing.T) {
	r := NewRoom(fixed)
	if r.Join(NewMember(), "x") != Joined || r.Join(NewMember(), "x") != Duplicate {
		t.Fatal("duplicate accepted")
	}
}

func TestSlowReceiverEvicted(t *testing.T) {
	r := NewRoom(fixed)
	slow, fast, talker := NewMember(), NewMember(), NewMember()
	r.Join(slow, "slow")
	r.Join(fast, "fast")
	r.Join(talker, "talker")
	drain(slow)
	drain(fast)
	for i := 0; i < QueueCap; i++ {
		r.Broadcast(talker, &pb.ChatMessage{Content: "m"}, false)
		drain(fast)
	}
	select {
	case <-slow.Evicted:
		t.Fatal("evicted with exactly QueueCap messages queued")
	default:
	}
	r.Broadcast(talker, &pb.ChatMessage{Content: "one too many"}, false)
	select {
	case <-slow.Evicted:
	default:
		t.Fatal("not evicted")
	}
	got := drain(fast)
	if len(got) != 2 || got[1] != "system: slow left the chat" {
		t.Fatalf("fast got %v", got)
	}
	if r.Count() != 2 {
		t.Fatalf("count %d", r.Count())
	}
	if TooSlowMessage != "chat receiver too slow: more than 1024 messages queued" {
		t.Fatal(TooSlowMessage)
	}
}
