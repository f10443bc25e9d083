/* sc_host_shutdown: the server host's shutdown (see sc_host.h): graceful (stop accepting; with a
 * grace period live calls get it to end on their own; health turns NOT_SERVING first), then
 * forced (UNAVAILABLE "server shutting down"). Part of sc_host; shares its structures through
 * sc_host_internal.h. */
#include "sc_host.h"
#include "sc_host_internal.h"
#include "sc_container.h"
#include "sc_time.h"

#include <stdatomic.h>

/* ---- shutdown -------------------------------------------------------------------------- */

/* End the live calls: every one not closed, or with a grace period only those whose status is
 * not decided (a queued status is already on its way). */
static void force_shutdown(sc_host *h)
{
    h->forced = true;
    for (sc_host_call *c = h->calls; c != NULL; c = c->next) {
        bool end = h->cfg.shutdown_grace_ms > 0 ? c->state == HC_OPEN : c->state != HC_CLOSED;
        if (!end || sc_host_builtin_call(c))
            continue;
        c->shutdown_cancelled = true;
        grpc_call_cancel_with_status(c->call, GRPC_STATUS_UNAVAILABLE, "server shutting down",
                                     NULL);
    }
}

void sc_host_on_grace_over(sc_loop_timer *t)
{
    sc_host *h = SC_CONTAINER_OF(t, sc_host, grace);
    if (!h->forced)
        force_shutdown(h);
}

static void react_to_shutdown(sc_host *h)
{
    if (h->shutdown_seen || !atomic_load(&h->shutdown_requested))
        return;
    h->shutdown_seen = true;
    if (h->builtin != NULL) { /* health turns NOT_SERVING before the drain */
        sc_builtin_shutdown(h->builtin, sc_time_now_ms());
        sc_host_drain_ready(h);
    }
    if (h->cfg.shutdown_grace_ms > 0 && h->calls != NULL)
        sc_loop_timer_arm(h->loop, &h->grace, sc_time_now_ms() + h->cfg.shutdown_grace_ms);
    else
        force_shutdown(h);
}

void sc_host_on_wake(void *ctx)
{
    react_to_shutdown(ctx);
}

void sc_host_on_shutdown_done(sc_loop_tag *tag, bool ok)
{
    (void)ok;
    SC_CONTAINER_OF(tag, sc_host, shutdown_tag)->shutdown_done = true;
}

void sc_host_shutdown(sc_host *h)
{
    int expected = 0;
    if (!atomic_compare_exchange_strong(&h->shutdown_requested, &expected, 1))
        return;
    sc_loop_expect(h->loop);
    grpc_server_shutdown_and_notify(h->server, sc_loop_cq(h->loop), &h->shutdown_tag);
    sc_loop_wake(h->loop);
}

static bool host_finished(void *ctx)
{
    sc_host *h = ctx;
    react_to_shutdown(h); /* also when the request came from this thread */
    if (h->shutdown_seen && !h->forced && h->calls == NULL)
        force_shutdown(h); /* every live call ended within its grace */
    return h->shutdown_done && h->calls == NULL && h->requests_pending == 0;
}

int sc_host_run(sc_host *h)
{
    sc_loop_run_until(h->loop, host_finished, h, -1);
    return 0;
}
