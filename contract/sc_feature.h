/* sc_feature: the closed vocabulary of what an implementation supports (docs/implementations.md,
 * "Features"), one X-macro table: the implementations file parser reads the names, the engine
 * compares a case's needs (engine/sc_scenario_needs) with them, and skip reasons, `list` and the
 * docs use the names and meanings. A feature belongs to one role: a server feature is something a
 * server does beyond the DataService semantics every server is judged on; a client feature is a
 * part of the driver protocol beyond its base (case, target, method, requests, metadata,
 * timeout_ms). No gRPC include; pure. */
#ifndef SC_FEATURE_H
#define SC_FEATURE_H

#include <stdbool.h>
#include <stddef.h>

/* An app (docs/app-check.md) is a client application the engine starts and judges by what its
 * server saw: it declares no features. */
typedef enum { SC_ROLE_SERVER = 0, SC_ROLE_CLIENT = 1, SC_ROLE_APP = 2 } sc_role;
#define SC_ROLE_COUNT 3

/* X(ENUM_SUFFIX, role, "name", "one-line meaning"). Names are part of the implementations file
 * format: never rename one. */
#define SC_FEATURES(X)                                                                             \
    X(CONTROL, SC_ROLE_SERVER, "control",                                                          \
      "honours the control metadata (x-sc-*, x-grpc-test-echo-*) of docs/peer-protocol.md")        \
    X(EVENTS, SC_ROLE_SERVER, "events",                                                            \
      "writes the event log of docs/peer-protocol.md on stdout after its ready line")              \
    X(CHAT_ROOM, SC_ROLE_SERVER, "chat-room",                                                      \
      "Chat is the room of docs/peer-protocol.md: joins, leaves, relay to the other members")      \
    X(SERVER_TLS, SC_ROLE_SERVER, "tls",                                                           \
      "--tls-cert/--tls-key [--tls-client-ca]: serves TLS, and mTLS with a client CA")             \
    X(SERVER_COMPRESSION, SC_ROLE_SERVER, "compression",                                           \
      "x-sc-compress-responses: compresses its responses as asked")                                \
    X(COMPRESSION_EVENTS, SC_ROLE_SERVER, "compression-events",                                    \
      "call_start.encoding, and whether each message was compressed, in the event log")            \
    X(NO_COMPRESS_RESPONSES, SC_ROLE_SERVER, "no-compress-responses",                              \
      "x-sc-no-compress-responses: the listed responses go uncompressed")                          \
    X(LIFECYCLE, SC_ROLE_SERVER, "lifecycle",                                                      \
      "--max-connection-age-ms, keepalive policy, --max-concurrent-streams, --shutdown-grace-ms")  \
    X(CANCEL, SC_ROLE_CLIENT, "cancel", "the instruction's cancel plans")                          \
    X(RECONNECT, SC_ROLE_CLIENT, "reconnect", "the reconnect policy (attempts and backoff)")       \
    X(PUSHBACK, SC_ROLE_CLIENT, "pushback", "reconnect.honor_pushback (grpc-retry-pushback-ms)")   \
    X(COMPANIONS, SC_ROLE_CLIENT, "companions",                                                    \
      "several instructions of one case in flight at once (companion calls)")                      \
    X(PATH, SC_ROLE_CLIENT, "path", "path: a wire path other than the method's")                   \
    X(CHANNEL, SC_ROLE_CLIENT, "channel",                                                          \
      "channel options (message size, reconnect backoff, BDP)")                                    \
    X(SERVICE_CONFIG, SC_ROLE_CLIENT, "service-config",                                            \
      "channel.service_config: the library's own retries (retryPolicy, hedgingPolicy)")            \
    X(READ_PAUSE, SC_ROLE_CLIENT, "read-pause", "read_pause_ms: a slow receiver")                  \
    X(START_DELAY, SC_ROLE_CLIENT, "start-delay", "start_delay_ms")                                \
    X(REQUEST_DELAY, SC_ROLE_CLIENT, "request-delay", "request_delay_ms: paced requests")          \
    X(WAIT_FOR_READY, SC_ROLE_CLIENT, "wait-for-ready", "wait_for_ready: true")                    \
    X(KEEP_OPEN, SC_ROLE_CLIENT, "keep-open", "half_close: false (the send side stays open)")      \
    X(PINGPONG, SC_ROLE_CLIENT, "pingpong", "pingpong: each request only after the reply")         \
    X(CLIENT_TLS, SC_ROLE_CLIENT, "tls", "channel.tls: TLS, a client certificate, the authority")  \
    X(CLIENT_COMPRESSION, SC_ROLE_CLIENT, "compression",                                           \
      "compression.algorithm: the call's request encoding (grpc-encoding)")                        \
    X(NO_COMPRESS, SC_ROLE_CLIENT, "no-compress",                                                  \
      "compression.no_compress: requests sent uncompressed in a compressed call")                  \
    X(RESPONSE_ENCODING, SC_ROLE_CLIENT, "response-encoding",                                      \
      "the result's response_encoding: the responses' grpc-encoding as the library saw it")        \
    X(ACCEPT_ENCODING, SC_ROLE_CLIENT, "accept-encoding",                                          \
      "compression.accept: the encodings the client accepts (grpc-accept-encoding)")               \
    X(KEEPALIVE, SC_ROLE_CLIENT, "keepalive",                                                      \
      "channel.keepalive_time_ms, keepalive_timeout_ms, keepalive_permit_without_calls")           \
    X(SHARE_CHANNEL, SC_ROLE_CLIENT, "share-channel",                                              \
      "channel.share: instructions in flight with the same name share one channel")

typedef enum {
#define SC_FEATURE_ENUM(id, role, name, meaning) SC_FEAT_##id,
    SC_FEATURES(SC_FEATURE_ENUM)
#undef SC_FEATURE_ENUM
        SC_FEAT_COUNT
} sc_feature;

/* A set of features: bit (1u << feature). */
typedef unsigned sc_feature_mask;
#define SC_FEAT_BIT(f) (1u << (unsigned)(f))

/* Name, meaning and role of a feature ("?" / SC_ROLE_SERVER when out of range). */
const char *sc_feature_name(sc_feature f);
const char *sc_feature_meaning(sc_feature f);
sc_role sc_feature_role(sc_feature f);
/* "server" or "client". */
const char *sc_role_name(sc_role role);

/* The feature of `role` named `name`, or -1. */
int sc_feature_by_name(sc_role role, const char *name);

/* Every feature of `role`. */
sc_feature_mask sc_feature_all(sc_role role);

/* The names of the features in `mask`, comma-separated ("control, events"), or "none", into out
 * (cut to len). */
void sc_feature_list(sc_feature_mask mask, char *out, size_t len);

/* The names of `role`'s features, comma-separated, for error messages ("known: ..."). */
void sc_feature_known(sc_role role, char *out, size_t len);

#endif
