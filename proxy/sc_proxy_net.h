/* sc_proxy_net: the fault proxy's socket helpers: HOST:PORT (IPv6 as [::1]:PORT) to an address,
 * TCP_NODELAY, and a close that sends a RST. No state. */
#ifndef SC_PROXY_NET_H
#define SC_PROXY_NET_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/socket.h>

/* Resolve `text` (HOST:PORT) into *out; `passive` for a listening address. `what` names the
 * option in errors ("--upstream: cannot resolve ..."). 0, or -1 with a message. */
int sc_proxy_resolve(const char *what, const char *text, bool passive, struct sockaddr_storage *out,
                     socklen_t *len, char *err, size_t errlen);

/* Writes go out as written: slices stay slices and latency is not confounded by Nagle. */
void sc_proxy_set_nodelay(int fd);

/* Close with a RST instead of a FIN. */
void sc_proxy_close_rst(int fd);

#endif
