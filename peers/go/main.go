// Command peer-go is the streamconform Go peer: `peer-go server [options]` serves
// streaming.DataService, `peer-go client` is the client driver (docs/peer-protocol.md).
package main

import (
	"fmt"
	"os"

	"streamconform/peers/go/internal/driver"
	"streamconform/peers/go/internal/server"
)

const usage = `usage: peer-go server [options]   serve streaming.DataService (see: peer-go server --help)
       peer-go client [--verbose]  the client driver: JSON instructions on stdin, results on stdout
`

func main() {
	if len(os.Args) < 2 {
		fmt.Fprint(os.Stderr, usage)
		os.Exit(2)
	}
	switch os.Args[1] {
	case "server":
		os.Exit(server.Main(os.Args[2:]))
	case "client":
		os.Exit(driver.Main(os.Args[2:]))
	case "--help", "-h", "help":
		fmt.Print(usage)
	default:
		fmt.Fprintf(os.Stderr, "peer-go: unknown command \"%s\"\n%s", os.Args[1], usage)
		os.Exit(2)
	}
}
