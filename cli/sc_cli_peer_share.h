/* sc_cli_peer_share: peer-client's channels shared by name (channel.share, client feature
 * "share-channel"; docs/peer-protocol.md): the first instruction that names a channel creates it
 * with its own channel options, later ones in flight with the same name use it, and the last one
 * to end destroys it. One loop thread: no locking. */
#ifndef SC_CLI_PEER_SHARE_H
#define SC_CLI_PEER_SHARE_H

#include "sc_client_channel.h"

#include <grpc/grpc.h>
#include <stddef.h>

typedef struct sc_peer_share sc_peer_share;

/* The list head a driver keeps (NULL: none shared yet). */
typedef struct {
    sc_peer_share *first;
} sc_peer_shares;

/* The channel named `name` (created to `target` with `opts` when no instruction in flight uses
 * it), with one more reference; *out gets the entry to release. NULL with a message in err. */
grpc_channel *sc_peer_share_take(sc_peer_shares *s, const char *name, const char *target,
                                 const sc_client_channel_opts *opts, sc_peer_share **out, char *err,
                                 size_t errlen);

/* One reference less; the last destroys the channel (every call on it must be released). */
void sc_peer_share_release(sc_peer_shares *s, sc_peer_share *entry);

#endif
