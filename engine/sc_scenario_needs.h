/* sc_scenario_needs: what a scenario needs of the implementations it runs on, worked out from its
 * content (never from hand-written tags), and whether a client x server pair has it. Pure.
 *
 * A server needs:
 *   control    the scenario has a server section (its behaviour travels as control metadata),
 *              or its client metadata sets a control key itself (x-sc-*, x-grpc-test-echo-*);
 *   events     the scenario has expect.server (judged on the server's event log);
 *   chat-room  a call of the case reaches Chat (joins, leaves and relays are the room's semantics):
 *              the method is Chat and client.path is absent or names Chat; a path to a method or
 *              service the server does not have is answered UNIMPLEMENTED and needs no room.
 * A client needs the driver-protocol parts its instruction uses: cancel, reconnect, pushback
 * (reconnect.honor_pushback), path, channel (a member other than service_config and tls),
 * service-config (channel.service_config), tls (channel.tls), read-pause, start-delay,
 * request-delay (each when non-zero), wait-for-ready (true), keep-open (half_close false),
 * pingpong (true), companions (the scenario has companion calls; their instructions add their
 * own needs). Everything else is the DataService semantics every server is judged on
 * (docs/peer-protocol.md, "Reference semantics") and the driver protocol's base. */
#ifndef SC_SCENARIO_NEEDS_H
#define SC_SCENARIO_NEEDS_H

#include "sc_feature.h"
#include "sc_scenario.h"

#include <stdbool.h>
#include <stddef.h>

typedef struct {
    sc_feature_mask server; /* SC_ROLE_SERVER features */
    sc_feature_mask client; /* SC_ROLE_CLIENT features */
} sc_needs;

/* What `s` needs (a scripted scenario's server is the engine's own: it needs no server feature). */
sc_needs sc_scenario_needs(const sc_scenario *s);

/* The features `needs` has of `role` that `has` lacks. */
sc_feature_mask sc_needs_missing(const sc_needs *needs, sc_role role, sc_feature_mask has);

/* Does the pair have what the case needs? When not, `why` says what is missing, e.g.
 *   needs server feature 'control': mine declares none
 *   needs client features 'cancel', 'reconnect': drv declares channel
 * (the server first, then the client, joined by "; "). */
bool sc_needs_met(const sc_needs *needs, const char *server, sc_feature_mask server_has,
                  const char *client, sc_feature_mask client_has, char *why, size_t len);

#endif
