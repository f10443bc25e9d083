/* sc_builtin: the host's built-in services, served on every path of theirs instead of the hosted
 * server's protocol object: grpc.health.v1.Health (Check, Watch) and gRPC server reflection
 * (grpc.reflection.v1 and v1alpha ServerReflectionInfo) over the embedded FileDescriptorSet of
 * streaming.proto and the built-in services' own protos (proto/CMakeLists.txt).
 *
 * It is a protocol object in front of the hosted one: sc_builtin_proto() opens a built-in call for
 * a built-in path and passes every other call through to the hosted proto unchanged. The host
 * keeps built-in calls out of the event log (they carry no case) and lets them end on their own
 * at shutdown: Watch sends NOT_SERVING first. */
#ifndef SC_BUILTIN_H
#define SC_BUILTIN_H

#include "sc_host.h"

#include <stdbool.h>
#include <stdint.h>

/* How long a built-in call may take to end on its own once the host shuts down (a Watch sending
 * NOT_SERVING to a client that does not read) before it is cut off with UNAVAILABLE. */
#define SC_BUILTIN_SHUTDOWN_MS 1000

typedef struct sc_builtin sc_builtin;

/* In front of `inner` (borrowed, with its `inner_ctx`; both must outlive the result). NULL: no
 * memory or a bad embedded descriptor set. Caller owns it. */
sc_builtin *sc_builtin_create(const sc_host_proto *inner, void *inner_ctx);
void sc_builtin_free(sc_builtin *b);
/* The protocol object to host, with the sc_builtin as its ctx. Static. */
const sc_host_proto *sc_builtin_proto(void);
/* Put the built-in services in front of cfg's proto: cfg->proto and proto_ctx become
 * sc_builtin_proto() and the result (NULL, cfg unchanged: no memory). Caller owns the result. */
sc_builtin *sc_builtin_wrap(sc_host_config *cfg);
/* Is `path` one of the built-in methods ("/grpc.health.v1.Health/Check"...)? */
bool sc_builtin_is_path(const char *path);
/* Is `obj` (an object sc_builtin_proto opened) a built-in call's? */
bool sc_builtin_owns(const void *obj);
/* The host is shutting down: health turns NOT_SERVING; Watch calls send it, then every built-in
 * call ends (UNAVAILABLE "server shutting down"). Loop thread. */
void sc_builtin_shutdown(sc_builtin *b, int64_t now_ms);

#endif
