package server

import (
	"flag"
	"io"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/keepalive"
)

// Lifecycle is the server feature "lifecycle" (docs/peer-protocol.md, "Connection lifecycle"):
// server-wide connection options; 0/false is grpc-go's default.
type Lifecycle struct {
	MaxConnectionAgeMS      int64
	MaxConnectionAgeGraceMS int64
	KeepaliveMinTimeMS      int64
	PermitWithoutCalls      bool
	MaxConcurrentStreams    int64
	ShutdownGraceMS         int64 // SIGTERM: live calls get this long to end before the cancel
}

// lifecycleFlags holds the flags as text until they are checked.
type lifecycleFlags struct {
	maxAge, maxAgeGrace, minTime, maxStreams, shutdownGrace string
	permit                                                  bool
}

func (f *lifecycleFlags) register(fs *flag.FlagSet) {
	fs.StringVar(&f.maxAge, "max-connection-age-ms", "", "")
	fs.StringVar(&f.maxAgeGrace, "max-connection-age-grace-ms", "", "")
	fs.StringVar(&f.minTime, "keepalive-min-time-ms", "", "")
	fs.BoolVar(&f.permit, "permit-keepalive-without-calls", false, "")
	fs.StringVar(&f.maxStreams, "max-concurrent-streams", "", "")
	fs.StringVar(&f.shutdownGrace, "shutdown-grace-ms", "", "")
}

// parse checks the flags given (1..2^31-1, as the C server); false after a usage error.
func (f *lifecycleFlags) parse(stderr io.Writer, out *Lifecycle) bool {
	out.PermitWithoutCalls = f.permit
	for _, o := range []struct {
		name, text string
		dst        *int64
	}{
		{"--max-connection-age-ms", f.maxAge, &out.MaxConnectionAgeMS},
		{"--max-connection-age-grace-ms", f.maxAgeGrace, &out.MaxConnectionAgeGraceMS},
		{"--keepalive-min-time-ms", f.minTime, &out.KeepaliveMinTimeMS},
		{"--max-concurrent-streams", f.maxStreams, &out.MaxConcurrentStreams},
		{"--shutdown-grace-ms", f.shutdownGrace, &out.ShutdownGraceMS},
	} {
		if o.text != "" && !parseInt(stderr, o.name, o.text, 1, 1<<31-1, o.dst) {
			return false
		}
	}
	return true
}

func ms(v int64) time.Duration { return time.Duration(v) * time.Millisecond }

// serverOptions: keepalive.ServerParameters (MaxConnectionAge, MaxConnectionAgeGrace),
// keepalive.EnforcementPolicy (MinTime, PermitWithoutStream) and MaxConcurrentStreams.
func (l Lifecycle) serverOptions() []grpc.ServerOption {
	var opts []grpc.ServerOption
	if l.MaxConnectionAgeMS > 0 || l.MaxConnectionAgeGraceMS > 0 {
		p := keepalive.ServerParameters{}
		if l.MaxConnectionAgeMS > 0 {
			p.MaxConnectionAge = ms(l.MaxConnectionAgeMS)
		}
		if l.MaxConnectionAgeGraceMS > 0 {
			p.MaxConnectionAgeGrace = ms(l.MaxConnectionAgeGraceMS)
		}
		opts = append(opts, grpc.KeepaliveParams(p))
	}
	if l.KeepaliveMinTimeMS > 0 || l.PermitWithoutCalls {
		// MinTime 0 is grpc-go's default of 5 minutes.
		opts = append(opts, grpc.KeepaliveEnforcementPolicy(keepalive.EnforcementPolicy{
			MinTime: ms(l.KeepaliveMinTimeMS), PermitWithoutStream: l.PermitWithoutCalls}))
	}
	if l.MaxConcurrentStreams > 0 {
		opts = append(opts, grpc.MaxConcurrentStreams(uint32(l.MaxConcurrentStreams)))
	}
	return opts
}
