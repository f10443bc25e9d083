package server

import (
	"bufio"
	"crypto/tls"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"syscall"
	"time"

	"streamconform/peers/go/internal/events"
	"streamconform/peers/go/internal/tlsfiles"
)

// Exit codes, as the C CLI uses them.
const (
	exitOK    = 0
	exitLocal = 1
	exitUsage = 2
	// stopGrace bounds GracefulStop after SIGTERM/SIGINT before connections are closed.
	stopGrace = 3 * time.Second
)

const usage = `usage: peer-go server [options]
  --listen HOST:PORT        address to listen on (default 127.0.0.1:50051; port 0 = any)
  --port N                  listen on 127.0.0.1:N
  --tick-ms N               SubscribeData interval (default 1000)
  --max-receive-bytes N     largest request message (default 4194304)
  --max-upload-bytes N      largest upload (default 1073741824)
  --events FILE|-           write the event log (JSON lines) to FILE or stdout
  --tls-cert FILE           serve TLS with this PEM certificate chain (needs --tls-key)
  --tls-key FILE            its PEM private key
  --tls-client-ca FILE      require a client certificate signed by this PEM CA (mTLS)
  --max-connection-age-ms N        GOAWAY a connection this old (MaxConnectionAge)
  --max-connection-age-grace-ms N  then give its calls this long (MaxConnectionAgeGrace)
  --keepalive-min-time-ms N        ping policy: pings sooner are strikes (EnforcementPolicy)
  --permit-keepalive-without-calls ping policy: pings without streams are allowed
  --max-concurrent-streams N       streams per connection
  --shutdown-grace-ms N     SIGTERM: live calls get this long to end (default 0)
  --quiet | --verbose       less or more diagnostics on stderr
The first stdout line is {"ready":true,"port":N} once the server accepts calls.
SIGINT/SIGTERM: stop accepting, end live calls with UNAVAILABLE, exit 0.
`

type options struct {
	listen, port, events         string
	tlsCert, tlsKey, tlsClientCA string
	tick, maxReceive, maxUpload  string
	quiet, verbose               bool
	tickMS, maxRecvN, maxUploadN int64
	lifecycleText                lifecycleFlags
	lifecycle                    Lifecycle
}

func usageError(stderr io.Writer, format string, args ...any) int {
	fmt.Fprintf(stderr, "peer-go server: "+format+" (see: peer-go server --help)\n", args...)
	return exitUsage
}

func parseInt(stderr io.Writer, name, text string, min, max int64, out *int64) bool {
	v, err := strconv.ParseInt(text, 10, 64)
	if err != nil || v < min || v > max || strings.HasPrefix(text, "+") {
		usageError(stderr, "%s: expected a whole number from %d to %d, got \"%s\"", name, min, max, text)
		return false
	}
	*out = v
	return true
}

func parseArgs(args []string, stderr io.Writer) (*options, int) {
	o := &options{listen: "127.0.0.1:50051", tick: "1000", maxReceive: "4194304",
		maxUpload: "1073741824"}
	fs := flag.NewFlagSet("peer-go server", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.StringVar(&o.listen, "listen", o.listen, "")
	fs.StringVar(&o.port, "port", "", "")
	fs.StringVar(&o.events, "events", "", "")
	fs.StringVar(&o.tick, "tick-ms", o.tick, "")
	fs.StringVar(&o.maxReceive, "max-receive-bytes", o.maxReceive, "")
	fs.StringVar(&o.maxUpload, "max-upload-bytes", o.maxUpload, "")
	fs.StringVar(&o.tlsCert, "tls-cert", "", "")
	fs.StringVar(&o.tlsKey, "tls-key", "", "")
	fs.StringVar(&o.tlsClientCA, "tls-client-ca", "", "")
	o.lifecycleText.register(fs)
	fs.BoolVar(&o.quiet, "quiet", false, "")
	fs.BoolVar(&o.verbose, "verbose", false, "")
	if err := fs.Parse(args); err != nil {
		if err == flag.ErrHelp {
			fmt.Print(usage)
			return nil, exitOK
		}
		return nil, usageError(stderr, "%v", err)
	}
	if fs.NArg() > 0 {
		return nil, usageError(stderr, "unexpected argument \"%s\"", fs.Arg(0))
	}
	if o.port != "" {
		var p int64
		if !parseInt(stderr, "--port", o.port, 0, 65535, &p) {
			return nil, exitUsage
		}
		o.listen = fmt.Sprintf("127.0.0.1:%d", p)
	}
	if (o.tlsCert == "") != (o.tlsKey == "") {
		return nil, usageError(stderr, "--tls-cert and --tls-key go together")
	}
	if o.tlsClientCA != "" && o.tlsCert == "" {
		return nil, usageError(stderr, "--tls-client-ca needs --tls-cert and --tls-key")
	}
	if !strings.Contains(o.listen, ":") {
		return nil, usageError(stderr, "--listen: expected HOST:PORT, got \"%s\"", o.listen)
	}
	if !parseInt(stderr, "--tick-ms", o.tick, 1, 3600000, &o.tickMS) ||
		!parseInt(stderr, "--max-receive-bytes", o.maxReceive, 1, 2047*1024*1024, &o.maxRecvN) ||
		!parseInt(stderr, "--max-upload-bytes", o.maxUpload, 0, 1<<40, &o.maxUploadN) ||
		!o.lifecycleText.parse(stderr, &o.lifecycle) {
		return nil, exitUsage
	}
	return o, -1
}

// openEvents opens the event log: nil without --events, stdout for "-".
func openEvents(path string, origin time.Time) (*events.Log, func(), error) {
	switch path {
	case "":
		return nil, func() {}, nil
	case "-":
		return events.New(os.Stdout, origin), func() {}, nil
	}
	f, err := os.Create(path)
	if err != nil {
		return nil, nil, fmt.Errorf("--events %s: %v", path, err)
	}
	return events.New(f, origin), func() { f.Close() }, nil
}

// Main runs `peer-go server` and returns the exit code.
func Main(args []string) int {
	origin := time.Now()
	o, rc := parseArgs(args, os.Stderr)
	if o == nil {
		return rc
	}
	var tlsConfig *tls.Config
	if o.tlsCert != "" {
		var err error
		if tlsConfig, err = tlsfiles.Server(o.tlsCert, o.tlsKey, o.tlsClientCA); err != nil {
			fmt.Fprintf(os.Stderr, "peer-go server: %v\n", err)
			return exitLocal
		}
	}
	log, closeLog, err := openEvents(o.events, origin)
	if err != nil {
		fmt.Fprintf(os.Stderr, "peer-go server: %v\n", err)
		return exitLocal
	}
	defer closeLog()
	srv, err := New(Config{Listen: o.listen, TickMS: o.tickMS, MaxReceiveBytes: int(o.maxRecvN),
		MaxUploadBytes: o.maxUploadN, Events: log, Verbose: o.verbose, Quiet: o.quiet,
		TLS: tlsConfig, Lifecycle: o.lifecycle})
	if err != nil {
		fmt.Fprintf(os.Stderr, "peer-go server: %v\n", err)
		return exitLocal
	}
	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, syscall.SIGTERM, syscall.SIGINT)
	// The socket is bound: connections wait in its backlog until Serve accepts them, so the
	// ready line goes out before anything else on stdout (event lines included).
	out := bufio.NewWriter(os.Stdout)
	fmt.Fprintf(out, "{\"ready\":true,\"port\":%d}\n", srv.Port())
	out.Flush()
	served := make(chan error, 1)
	go func() { served <- srv.Serve() }()
	srv.logf("listening on port %d", srv.Port())
	select {
	case sig := <-sigs:
		srv.logf("signal %v: shutting down", sig)
		srv.Stop(stopGrace) // after the --shutdown-grace-ms drain
		<-served
	case err := <-served:
		if err != nil {
			fmt.Fprintf(os.Stderr, "peer-go server: %v\n", err)
			return exitLocal
		}
	}
	srv.logf("stopped")
	return exitOK
}
