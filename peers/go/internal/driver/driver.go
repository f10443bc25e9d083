// Package driver is the Go client driver (docs/peer-protocol.md, "Client driver protocol"):
// JSON instructions on stdin, one result line per instruction on stdout in completion order.
package driver

import (
	"bufio"
	"context"
	"fmt"
	"google.golang.org/grpc"
	"io"
	"math/rand/v2"
	"os"
	"os/signal"
	"sync"
	"syscall"
	"time"
)

// maxLine is the longest instruction line accepted.
const maxLine = 8 * 1024 * 1024

// abortGrace bounds how long an aborted driver waits for cancelled calls to wind down.
const abortGrace = 500 * time.Millisecond

// Driver reads instructions and writes results.
type Driver struct {
	out     io.Writer
	mu      sync.Mutex // serialises result lines; guards aborted
	aborted bool
	verbose bool
	wg      sync.WaitGroup
	ctx     context.Context
	random  func() float64
	shares  shares // channel.share
}

// emit writes one result line (unless the driver aborted).
func (d *Driver) emit(line []byte) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.aborted {
		return
	}
	_, _ = d.out.Write(append(line, '\n'))
}

func (d *Driver) logf(format string, args ...any) {
	if d.verbose {
		fmt.Fprintf(os.Stderr, "peer-go client: "+format+"\n", args...)
	}
}

func blank(line []byte) bool {
	for _, c := range line {
		if c != ' ' && c != '\t' && c != '\r' {
			return false
		}
	}
	return true
}

// runLine parses one instruction and runs it in its own goroutine.
func (d *Driver) runLine(line []byte) {
	start := time.Now()
	in, caseID, err := ParseInstruction(line)
	if err != nil {
		d.emit(errorJSON(caseID, err))
		return
	}
	if err := loadTLS(in); err != nil {
		d.emit(errorJSON(caseID, err))
		return
	}
	var conn *grpc.ClientConn
	var release func()
	if in.Channel.Share != "" {
		conn, release, err = d.shares.take(in)
	} else {
		conn, err = dial(in)
	}
	if err != nil {
		d.emit(errorJSON(caseID, fmt.Errorf("target: cannot create a channel to '%s': %v", in.Target, err)))
		return
	}
	d.wg.Add(1)
	go func() {
		defer d.wg.Done()
		j := newJob(in, start, d.random)
		j.release = release
		j.run(d.ctx, conn)
		d.logf("%s: %s %q after %d attempt(s)", in.Case, j.code, j.message, len(j.attempts))
		line, err := j.resultJSON()
		if err != nil {
			line = errorJSON(caseID, err)
		}
		d.emit(line)
	}()
}

// readLines feeds every instruction line of r to runLine; over-long lines get an error result.
func (d *Driver) readLines(r io.Reader) {
	br := bufio.NewReaderSize(r, 64*1024)
	var line []byte
	discarding := false
	for {
		chunk, err := br.ReadSlice('\n')
		if len(line)+len(chunk) > maxLine+1 && !discarding {
			d.emit(errorJSON(nil, fmt.Errorf("(line): longer than %d bytes", maxLine)))
			discarding = true
		}
		if !discarding {
			line = append(line, chunk...)
		}
		if err == bufio.ErrBufferFull {
			continue
		}
		if !discarding && len(line) > 0 {
			text := line
			if text[len(text)-1] == '\n' {
				text = text[:len(text)-1]
			}
			if !blank(text) {
				d.runLine(text)
			}
		}
		line, discarding = line[:0], false
		if err != nil {
			return
		}
	}
}

// Main runs `peer-go client` and returns the exit code.
func Main(args []string) int {
	d := &Driver{out: os.Stdout}
	for _, a := range args {
		switch a {
		case "--verbose", "-v":
			d.verbose = true
		case "--help", "-h":
			fmt.Println("usage: peer-go client [--verbose]\n" +
				"reads one JSON instruction per line on stdin, writes one JSON result per\n" +
				"instruction on stdout in completion order (docs/peer-protocol.md, \"Client\n" +
				"driver protocol\"); exits 0 at EOF once every result is written.")
			return 0
		default:
			fmt.Fprintf(os.Stderr, "peer-go client: unknown argument '%s' (see --help)\n", a)
			return 2
		}
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	d.ctx = ctx
	d.random = rand.Float64
	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, syscall.SIGTERM, syscall.SIGINT)
	done := make(chan struct{})
	go func() {
		d.readLines(os.Stdin)
		d.wg.Wait()
		close(done)
	}()
	select {
	case <-done:
		return 0
	case sig := <-sigs:
		d.mu.Lock()
		d.aborted = true
		d.mu.Unlock()
		cancel()
		select {
		case <-done:
		case <-time.After(abortGrace):
		}
		fmt.Fprintf(os.Stderr, "peer-go client: aborted by signal %v\n", sig)
		return 128 + int(sig.(syscall.Signal))
	}
}
