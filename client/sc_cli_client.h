/* sc_cli_client: the client subcommands of the `streamconform` binary. The dispatcher passes its
 * argc - 1 / argv + 1, so argv[0] is the subcommand word itself ("call", "peer-client").
 * Both return the process exit code (0 OK, 2 usage error, 64 + status for an RPC status, 1 for a
 * local failure) and restore any signal handlers they installed. */
#ifndef SC_CLI_CLIENT_H
#define SC_CLI_CLIENT_H

/* streamconform call get|subscribe|upload|chat [options] (see `call --help`). */
int sc_cli_call_main(int argc, char **argv);

/* streamconform peer-client: JSON-lines instructions on stdin, one result line per instruction
 * on stdout (docs/peer-protocol.md, "Client driver protocol"). */
int sc_cli_peer_client_main(int argc, char **argv);

#endif
