#include "sc_runner_internal.h"
#include "sc_log.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static bool same_server(const sc_dedicated *d, const sc_case *c)
{
    size_t client = sc_scenario_shutdown_at_ms(c->scenario) >= 0 ? (size_t)c->client : SIZE_MAX;
    return d->scenario == c->scenario && d->column == (size_t)c->server && d->client == client;
}

/* A new dedicated server for case c: the column's implementation, argv + the scenario's
 * server options. 0, or -1 when out of memory or the command would be too long. */
static int dedicated_init(sc_run *r, sc_dedicated *d, const sc_case *c)
{
    const sc_impl *base = r->server_impls[c->server];
    const char *const *args;
    size_t n_args = sc_scenario_server_args(c->scenario, &args);
    size_t n = 0;
    while (base->argv != NULL && base->argv[n] != NULL)
        n++;
    if (base->argv == NULL || n + n_args >= SC_IMPL_MAX_ARGV)
        return -1;
    d->argv = calloc(n + n_args + 1, sizeof *d->argv);
    if (d->argv == NULL)
        return -1;
    memcpy(d->argv, base->argv, n * sizeof *d->argv);
    for (size_t i = 0; i < n_args; i++)
        d->argv[n + i] = (char *)args[i]; /* exec copies them; nothing writes through */
    d->scenario = c->scenario;
    d->column = (size_t)c->server;
    d->client = sc_scenario_shutdown_at_ms(c->scenario) >= 0 ? (size_t)c->client : SIZE_MAX;
    d->impl = *base;
    d->impl.argv = d->argv;
    d->impl.owned_name = NULL; /* borrowed name: sc_impl_free is never called on this copy */
    d->peer = (sc_peer){
        .impl = &d->impl, .is_server = true, .tls = r->servers[c->server].tls, .start_async = true};
    return 0;
}

int sc_run_dedicated_plan(sc_run *r, char *err, size_t errlen)
{
    r->dedicated = calloc(r->n_cases > 0 ? r->n_cases : 1, sizeof *r->dedicated);
    if (r->dedicated == NULL) {
        snprintf(err, errlen, "out of memory planning dedicated servers");
        return -1;
    }
    for (size_t i = 0; i < r->n_cases; i++) {
        sc_case *c = &r->cases[i];
        r->io[i].dedicated = SIZE_MAX;
        r->io[i].first_event_ms = -1;
        if (c->state == SC_CASE_DONE || !sc_scenario_has_server_options(c->scenario))
            continue;
        if (r->server_impls[c->server]->address != NULL)
            continue; /* no command to start: the case runs on the server given (it is skipped
                         for the missing feature "lifecycle" at plan time anyway) */
        size_t k = 0;
        while (k < r->n_dedicated && !same_server(&r->dedicated[k], c))
            k++;
        if (k == r->n_dedicated) {
            if (dedicated_init(r, &r->dedicated[k], c) != 0) {
                snprintf(err, errlen, "%s: cannot build the dedicated server's command", c->id);
                return -1;
            }
            r->n_dedicated++;
        }
        r->dedicated[k].cases_left++;
        r->io[i].dedicated = k;
    }
    return 0;
}

sc_peer *sc_run_case_server(sc_run *r, const sc_case *c)
{
    size_t k = r->io[c - r->cases].dedicated;
    return k != SIZE_MAX ? &r->dedicated[k].peer : &r->servers[c->server];
}

void sc_run_dedicated_case_done(sc_run *r, const sc_case *c)
{
    size_t k = r->io[c - r->cases].dedicated;
    if (k == SIZE_MAX)
        return;
    sc_dedicated *d = &r->dedicated[k];
    if (d->cases_left > 0 && --d->cases_left == 0 && d->peer.up) {
        sc_log(SC_LOG_DEBUG, "run", "dedicated %s server of %s: last case done, stopping",
               d->impl.name, c->id);
        sc_peer_stop_begin(&d->peer, SIGTERM);
    }
}

void sc_run_dedicated_on_event(sc_run *r, const sc_case *c, int64_t now)
{
    sc_case_io *io = &r->io[c - r->cases];
    if (io->dedicated != SIZE_MAX && io->first_event_ms < 0)
        io->first_event_ms = now;
}

/* The dedicated server of a running case whose shutdown_at_ms is set, or NULL; *due is when.
 * The clock starts when the server logged the case's call (its call_start), not at the case's
 * start: a driver that reads its instruction late on a loaded machine would otherwise find the
 * server already gone. */
static sc_dedicated *shutdown_due(sc_run *r, const sc_case *c, int64_t *due)
{
    const sc_case_io *io = &r->io[c - r->cases];
    size_t k = io->dedicated;
    int64_t at = sc_scenario_shutdown_at_ms(c->scenario);
    if (k == SIZE_MAX || at < 0 || c->state != SC_CASE_RUNNING || io->first_event_ms < 0)
        return NULL;
    sc_dedicated *d = &r->dedicated[k];
    if (d->shutdown_sent || !d->peer.up)
        return NULL;
    *due = io->first_event_ms + at;
    return d;
}

void sc_run_dedicated_tick(sc_run *r, int64_t now)
{
    for (size_t k = 0; k < r->n_dedicated; k++) {
        sc_peer *p = &r->dedicated[k].peer;
        if (p->starting)
            sc_peer_start_step(p, now); /* a failure waits in start_error for ensure_up */
        else if (p->stopping)
            sc_peer_stop_step(p, now);
    }
    for (size_t i = 0; i < r->n_cases; i++) {
        int64_t due = 0;
        sc_dedicated *d = shutdown_due(r, &r->cases[i], &due);
        if (d == NULL || now < due)
            continue;
        sc_log(SC_LOG_DEBUG, "run", "%s: SIGTERM to its %s server (shutdown_at_ms)", r->cases[i].id,
               d->impl.name);
        d->shutdown_sent = true;
        kill(d->peer.proc.pid, SIGTERM);
    }
}

int64_t sc_run_dedicated_next(sc_run *r, int64_t now, int64_t next)
{
    for (size_t k = 0; k < r->n_dedicated; k++) {
        const sc_peer *p = &r->dedicated[k].peer;
        if ((p->starting || p->stopping) && now + SC_RUNNER_ASYNC_POLL_MS < next)
            next = now + SC_RUNNER_ASYNC_POLL_MS;
    }
    for (size_t i = 0; i < r->n_cases; i++) {
        int64_t due = 0;
        if (shutdown_due(r, &r->cases[i], &due) != NULL && due < next)
            next = due;
    }
    return next;
}

bool sc_run_dedicated_exited(sc_run *r, sc_peer *p)
{
    for (size_t k = 0; k < r->n_dedicated; k++) {
        sc_dedicated *d = &r->dedicated[k];
        if (&d->peer != p || !d->shutdown_sent)
            continue;
        sc_peer_stop(p, SIGKILL); /* it exited on our SIGTERM: reap it */
        d->shutdown_sent = false; /* a requeued case starts it again and sends it again */
        return true;
    }
    return false;
}

size_t sc_run_dedicated_fds(sc_run *r, struct pollfd *fds, sc_peer **owner, size_t n)
{
    for (size_t k = 0; k < r->n_dedicated; k++) {
        sc_peer *p = &r->dedicated[k].peer;
        if (!p->up)
            continue;
        fds[n] = (struct pollfd){.fd = p->proc.out_fd, .events = POLLIN};
        owner[n++] = p;
        if (p->proc.err_fd >= 0) {
            fds[n] = (struct pollfd){.fd = p->proc.err_fd, .events = POLLIN};
            owner[n++] = p;
        }
    }
    return n;
}

void sc_run_dedicated_free(sc_run *r)
{
    for (size_t k = 0; r->dedicated != NULL && k < r->n_dedicated; k++) {
        sc_peer_stop(&r->dedicated[k].peer, SIGTERM);
        free(r->dedicated[k].argv);
    }
    free(r->dedicated);
    r->dedicated = NULL;
    r->n_dedicated = 0;
}
