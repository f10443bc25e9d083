/* sc_tcp_probe: one bounded TCP connect to host:port (every address it resolves to, until one
 * accepts), for "is a server there" checks before work starts: a server given by address to
 * `run`, the upstream of `record`. */
#ifndef SC_TCP_PROBE_H
#define SC_TCP_PROBE_H

#include <stddef.h>
#include <stdint.h>

/* Resolve `host` and connect within `bound_ms` in all. 0 when a connection was accepted (and
 * closed at once), or -1 with the reason in `why` ("cannot resolve ...: ...", "Connection
 * refused", "no answer within the probe's bound"). */
int sc_tcp_probe(const char *host, int port, int64_t bound_ms, char *why, size_t len);

#endif
