// Package reflectiontest checks, with grpc-go's own reflection and health clients, that every
// server of the harness serves gRPC server reflection and grpc.health.v1 (docs/peer-protocol.md,
// "Reflection and health"): the C server (serve), the scripted server (script-server) and the
// Python, Go and Node peers, each started by the test. It needs the binaries, named by
// SC_STREAMCONFORM, SC_PEER_PYTHON, SC_PEER_GO and SC_PEER_NODE (ctest peers.go.reflection sets
// them); a server whose variable is unset is skipped.
package reflectiontest

import (
	"bufio"
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
	rpb "google.golang.org/grpc/reflection/grpc_reflection_v1"
	rpbalpha "google.golang.org/grpc/reflection/grpc_reflection_v1alpha"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protodesc"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/types/descriptorpb"
)

const (
	dataService = "streaming.DataService"
	startWait   = 30 * time.Second // a cold Python or Node start on a loaded machine
	callWait    = 10 * time.Second
)

// wantMethods: DataService's methods and whether each streams requests, responses.
var wantMethods = map[string][2]bool{
	"GetData": {false, false}, "SubscribeData": {false, true},
	"UploadFile": {true, false}, "Chat": {true, true},
}

type server struct {
	name string
	env  string   // the variable naming the binary
	args []string // after the binary, before --listen and --events
}

func servers(t *testing.T) []server {
	scripts := filepath.Join(t.TempDir(), "scripts.jsonl")
	if err := os.WriteFile(scripts, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	return []server{
		{"serve", "SC_STREAMCONFORM", []string{"serve"}},
		{"script-server", "SC_STREAMCONFORM", []string{"script-server", "--scripts", scripts}},
		{"python", "SC_PEER_PYTHON", []string{"server"}},
		{"go", "SC_PEER_GO", []string{"server"}},
		{"node", "SC_PEER_NODE", []string{"server"}},
	}
}

// start runs the server on any port with its event log in `events`; returns the address.
func start(t *testing.T, bin string, args []string, events string) (*exec.Cmd, string) {
	args = append(append([]string{}, args...), "--listen", "127.0.0.1:0", "--events", events)
	cmd := exec.Command(bin, args...)
	cmd.Stderr = os.Stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatalf("%s: %v", bin, err)
	}
	ready := make(chan int, 1)
	go func() {
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			var r struct {
				Ready bool `json:"ready"`
				Port  int  `json:"port"`
			}
			if json.Unmarshal(sc.Bytes(), &r) == nil && r.Ready {
				ready <- r.Port
			}
		}
	}()
	select {
	case port := <-ready:
		return cmd, "127.0.0.1:" + strconv.Itoa(port)
	case <-time.After(startWait):
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
		t.Fatalf("%s did not say ready within %v", bin, startWait)
	}
	return nil, ""
}

// stop sends SIGTERM and waits for the exit.
func stop(t *testing.T, cmd *exec.Cmd) {
	_ = cmd.Process.Signal(syscall.SIGTERM)
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case <-done:
	case <-time.After(startWait):
		_ = cmd.Process.Kill()
		<-done
		t.Errorf("no exit within %v of SIGTERM", startWait)
	}
}

func TestReflectionAndHealth(t *testing.T) {
	ran := 0
	for _, s := range servers(t) {
		bin := os.Getenv(s.env)
		if bin == "" {
			continue
		}
		ran++
		t.Run(s.name, func(t *testing.T) { checkServer(t, bin, s.args) })
	}
	if ran == 0 {
		t.Skip("no server binary named (SC_STREAMCONFORM, SC_PEER_PYTHON, SC_PEER_GO, SC_PEER_NODE)")
	}
}

func checkServer(t *testing.T, bin string, args []string) {
	events := filepath.Join(t.TempDir(), "events.jsonl")
	cmd, addr := start(t, bin, args, events)
	conn, err := grpc.NewClient(addr, grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), callWait)
	defer cancel()
	checkReflectionV1(ctx, t, conn)
	checkReflectionV1alpha(ctx, t, conn)
	checkHealth(ctx, t, conn)
	_ = conn.Close()
	stop(t, cmd)
	checkNoCalls(t, events)
}

// checkReflectionV1: list_services names DataService; file_containing_symbol resolves it (with
// its dependencies) into a descriptor whose methods are DataService's; an unknown symbol is
// NOT_FOUND.
func checkReflectionV1(ctx context.Context, t *testing.T, conn *grpc.ClientConn) {
	stream, err := rpb.NewServerReflectionClient(conn).ServerReflectionInfo(ctx)
	if err != nil {
		t.Fatalf("v1 ServerReflectionInfo: %v", err)
	}
	ask := func(req *rpb.ServerReflectionRequest) *rpb.ServerReflectionResponse {
		if err := stream.Send(req); err != nil {
			t.Fatalf("v1 send: %v", err)
		}
		resp, err := stream.Recv()
		if err != nil {
			t.Fatalf("v1 recv: %v", err)
		}
		return resp
	}
	list := ask(&rpb.ServerReflectionRequest{
		MessageRequest: &rpb.ServerReflectionRequest_ListServices{ListServices: "*"}})
	var names []string
	for _, s := range list.GetListServicesResponse().GetService() {
		names = append(names, s.GetName())
	}
	sort.Strings(names)
	if i := sort.SearchStrings(names, dataService); i == len(names) || names[i] != dataService {
		t.Errorf("list_services = %v, without %s", names, dataService)
	}
	files := ask(&rpb.ServerReflectionRequest{MessageRequest: &rpb.
		ServerReflectionRequest_FileContainingSymbol{FileContainingSymbol: dataService}})
	checkDataService(t, files.GetFileDescriptorResponse().GetFileDescriptorProto())
	byName := ask(&rpb.ServerReflectionRequest{MessageRequest: &rpb.
		ServerReflectionRequest_FileByFilename{FileByFilename: "streaming.proto"}})
	checkDataService(t, byName.GetFileDescriptorResponse().GetFileDescriptorProto())
	unknown := ask(&rpb.ServerReflectionRequest{MessageRequest: &rpb.
		ServerReflectionRequest_FileContainingSymbol{FileContainingSymbol: "streaming.NoSuchThing"}})
	if code := codes.Code(unknown.GetErrorResponse().GetErrorCode()); code != codes.NotFound {
		t.Errorf("unknown symbol: error code %v, want NotFound", code)
	}
	_ = stream.CloseSend()
}

// checkDataService builds the files into descriptors and checks DataService's methods.
func checkDataService(t *testing.T, raw [][]byte) {
	t.Helper()
	set := &descriptorpb.FileDescriptorSet{}
	for _, b := range raw {
		fd := &descriptorpb.FileDescriptorProto{}
		if err := proto.Unmarshal(b, fd); err != nil {
			t.Fatalf("FileDescriptorProto: %v", err)
		}
		set.File = append(set.File, fd)
	}
	files, err := protodesc.NewFiles(set)
	if err != nil {
		t.Fatalf("descriptors (%d files): %v", len(raw), err)
	}
	d, err := files.FindDescriptorByName(dataService)
	if err != nil {
		t.Fatalf("%s: %v", dataService, err)
	}
	sd, ok := d.(protoreflect.ServiceDescriptor)
	if !ok {
		t.Fatalf("%s is not a service", dataService)
	}
	if sd.Methods().Len() != len(wantMethods) {
		t.Errorf("%s has %d methods, want %d", dataService, sd.Methods().Len(), len(wantMethods))
	}
	for name, kinds := range wantMethods {
		m := sd.Methods().ByName(protoreflect.Name(name))
		if m == nil {
			t.Errorf("%s has no method %s", dataService, name)
			continue
		}
		if m.IsStreamingClient() != kinds[0] || m.IsStreamingServer() != kinds[1] {
			t.Errorf("%s: streaming (client, server) = (%v, %v), want %v", name,
				m.IsStreamingClient(), m.IsStreamingServer(), kinds)
		}
	}
}

// checkReflectionV1alpha: the older service answers list_services too (grpcurl falls back on it).
func checkReflectionV1alpha(ctx context.Context, t *testing.T, conn *grpc.ClientConn) {
	stream, err := rpbalpha.NewServerReflectionClient(conn).ServerReflectionInfo(ctx)
	if err != nil {
		t.Fatalf("v1alpha ServerReflectionInfo: %v", err)
	}
	err = stream.Send(&rpbalpha.ServerReflectionRequest{
		MessageRequest: &rpbalpha.ServerReflectionRequest_ListServices{ListServices: "*"}})
	if err != nil {
		t.Fatalf("v1alpha send: %v", err)
	}
	resp, err := stream.Recv()
	if err != nil {
		t.Fatalf("v1alpha recv: %v", err)
	}
	if len(resp.GetListServicesResponse().GetService()) == 0 {
		t.Errorf("v1alpha list_services: %v", resp)
	}
	_ = stream.CloseSend()
}

// checkHealth: "" and DataService SERVING, an unknown service NOT_FOUND, Watch SERVING.
func checkHealth(ctx context.Context, t *testing.T, conn *grpc.ClientConn) {
	h := healthpb.NewHealthClient(conn)
	for _, svc := range []string{"", dataService} {
		resp, err := h.Check(ctx, &healthpb.HealthCheckRequest{Service: svc})
		if err != nil || resp.GetStatus() != healthpb.HealthCheckResponse_SERVING {
			t.Errorf("Check(%q) = %v, %v; want SERVING", svc, resp, err)
		}
	}
	_, err := h.Check(ctx, &healthpb.HealthCheckRequest{Service: "no.Such"})
	if status.Code(err) != codes.NotFound {
		t.Errorf("Check(no.Such): %v, want NotFound", err)
	}
	w, err := h.Watch(ctx, &healthpb.HealthCheckRequest{Service: ""})
	if err != nil {
		t.Fatalf("Watch: %v", err)
	}
	first, err := w.Recv()
	if err != nil || first.GetStatus() != healthpb.HealthCheckResponse_SERVING {
		t.Errorf("Watch first = %v, %v; want SERVING", first, err)
	}
}

// checkNoCalls: reflection and health calls never appear in the server's event log.
func checkNoCalls(t *testing.T, events string) {
	data, err := os.ReadFile(events)
	if err != nil {
		t.Fatalf("event log: %v", err)
	}
	for _, line := range strings.Split(string(data), "\n") {
		if strings.Contains(line, "grpc.health") || strings.Contains(line, "grpc.reflection") ||
			strings.Contains(line, `"call_start"`) {
			t.Errorf("event log has a call: %s", line)
		}
	}
}
