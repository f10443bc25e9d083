#include "sc_runner.h"
#include "sc_case.h"
#include "sc_log.h"
#include "sc_time.h"
#include "sc_runner_internal.h"

#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/* Longest the loop sleeps in poll() with nothing due: a safety net; lines and deadlines wake it. */
#define SC_RUNNER_MAX_POLL_MS 500
/* Restarts of one peer before its remaining cases are given up as errors. */
#define SC_RUNNER_MAX_RESTARTS 5

static volatile sig_atomic_t interrupted;

static void on_signal(int sig)
{
    interrupted = sig;
}

static void install_signals(struct sigaction *old_int, struct sigaction *old_term)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, old_int);
    sigaction(SIGTERM, &sa, old_term);
    signal(SIGPIPE, SIG_IGN);
}

static void progress(sc_run *r, const sc_case *c)
{
    char why[512];
    sc_run_out_first_failure(c, why, sizeof why);
    sc_run_out_case(r, c->id, c->verdict, c->duration_ms,
                    c->verdict == SC_VERDICT_PASS ? c->reason : why);
}

/* A finished app case: its line (or the live status line). */
static void app_done(void *ctx, sc_app_case *c)
{
    sc_run *r = ctx;
    sc_run_out_case(r, c->id, c->verdict, c->duration_ms, c->reason);
}

static void case_done(sc_run *r, sc_case *c)
{
    r->done++;
    sc_run_dedicated_case_done(r, c);
    if (sc_case_fails_run(c))
        r->failing++;
    progress(r, c);
}

/* ---- fault proxies ------------------------------------------------------------------------ */

static sc_case_io *io_of(sc_run *r, const sc_case *c)
{
    return &r->io[c - r->cases];
}

/* Start the case's fault proxy in front of the server at `upstream`; its port becomes the case's
 * target. */
static int proxy_start(sc_run *r, sc_case *c, const char *upstream, char *err, size_t errlen)
{
    sc_case_io *io = io_of(r, c);
    char *faults = cJSON_PrintUnformatted(sc_scenario_faults(c->scenario));
    char *argv[] = {r->proxy_impl.program,
                    "proxy",
                    "--listen",
                    "127.0.0.1:0",
                    "--upstream",
                    (char *)upstream,
                    "--faults",
                    faults ? faults : "[]",
                    "--quiet",
                    NULL};
    io->proxy = (sc_peer){.impl = &r->proxy_impl, .is_server = true};
    cJSON_Delete(io->records);
    io->records = cJSON_CreateArray();
    int rc = -1;
    if (faults == NULL || io->records == NULL) {
        snprintf(err, errlen, "out of memory starting the fault proxy");
    } else if (sc_proc_spawn(&io->proxy.proc, argv, SC_PROC_STDERR) != 0) {
        snprintf(err, errlen, "cannot start the fault proxy");
    } else if (sc_proc_wait_ready(&io->proxy.proc, SC_RUNNER_READY_MS) != 0) {
        sc_peer_drain_stderr(&io->proxy);
        char *tail = sc_peer_stderr_tail(&io->proxy);
        snprintf(err, errlen, "the fault proxy gave no ready line%s%.1000s",
                 tail && *tail ? "; stderr: " : "", tail ? tail : "");
        free(tail);
        sc_proc_cleanup(&io->proxy.proc);
    } else {
        io->proxy.up = true;
        rc = 0;
    }
    free(faults);
    return rc;
}

static void proxy_take_records(sc_case_io *io)
{
    char *line;
    while ((line = sc_proc_take_line(&io->proxy.proc)) != NULL) {
        cJSON *rec = cJSON_Parse(line);
        if (rec != NULL && io->records != NULL)
            cJSON_AddItemToArray(io->records, rec);
        else
            cJSON_Delete(rec);
        free(line);
    }
}

/* Stop the case's proxy (it prints its last records at SIGTERM) and hand its records to the
 * case's result as "network", where the judge reads them. */
static void proxy_finish(sc_run *r, sc_case *c)
{
    sc_case_io *io = io_of(r, c);
    if (io->proxy.up) {
        sc_proc_stop(&io->proxy.proc, SIGTERM, SC_RUNNER_STOP_MS);
        while (sc_proc_fill(&io->proxy.proc))
            ; /* the process is gone: read its pipe to the end */
        proxy_take_records(io);
        sc_proc_cleanup(&io->proxy.proc);
        io->proxy.up = false;
    }
    if (io->records != NULL && c->result != NULL)
        cJSON_AddItemToObject(c->result, "network", io->records);
    else
        cJSON_Delete(io->records);
    io->records = NULL;
}

/* Every way a case ends goes through here, so that its proxy never outlives it. */
static bool conclude(sc_run *r, sc_case *c, int64_t now)
{
    proxy_finish(r, c);
    return sc_case_conclude(c, now);
}

static sc_case *find_active(sc_run *r, const char *id)
{
    for (size_t i = 0; i < r->n_cases; i++) {
        sc_case *c = &r->cases[i];
        if ((c->state == SC_CASE_RUNNING || c->state == SC_CASE_SETTLING) && strcmp(c->id, id) == 0)
            return c;
    }
    return NULL;
}

/* End every running case that depends on peer `p` with an error; `requeue` puts cases that only
 * shared a driver with a failing case back in the queue instead (not their fault). */
static void fail_cases_of(sc_run *r, sc_peer *p, const char *why, const sc_case *culprit,
                          int64_t now)
{
    char *tail = sc_peer_stderr_tail(p);
    for (size_t i = 0; i < r->n_cases; i++) {
        sc_case *c = &r->cases[i];
        if (c->state != SC_CASE_RUNNING && c->state != SC_CASE_SETTLING)
            continue;
        bool uses = p->is_server ? sc_run_case_server(r, c) == p : &r->drivers[c->client] == p;
        if (!uses || c == culprit)
            continue;
        r->in_flight--;
        if (culprit != NULL && c->state == SC_CASE_RUNNING) {
            proxy_finish(r, c);
            sc_case_requeue(c); /* restarted with the driver; its attempt did not count */
            io_of(r, c)->first_event_ms = -1;
            continue;
        }
        sc_case_error(c, why, tail, now);
        if (!conclude(r, c, now))
            case_done(r, c);
    }
    free(tail);
}

static void peer_died(sc_run *r, sc_peer *p, int64_t now)
{
    int status = 0;
    sc_peer_drain_stderr(p);
    bool gone = sc_proc_exited(&p->proc, &status);
    const char *role = p->is_server ? "server" : "client driver";
    char why[256];
    if (!gone)
        snprintf(why, sizeof why, "%s %s closed its stdout (still running; killed)", p->impl->name,
                 role);
    else if (WIFSIGNALED(status))
        snprintf(why, sizeof why, "%s %s died (signal %d)", p->impl->name, role, WTERMSIG(status));
    else
        snprintf(why, sizeof why, "%s %s exited (status %d)", p->impl->name, role,
                 WIFEXITED(status) ? WEXITSTATUS(status) : -1);
    sc_log(SC_LOG_WARN, "run", "%s; restarting it", why);
    fail_cases_of(r, p, why, NULL, now);
    sc_peer_stop(p, SIGKILL);
    p->restarts++;
}

/* A companion's result is "<case id>#k": the case and k - 1, or NULL. */
static sc_case *find_companion(sc_run *r, const char *id, size_t *index)
{
    const char *sep = strrchr(id, SC_SCENARIO_COMPANION_SEP[0]);
    if (sep == NULL || sep == id || (size_t)(sep - id) >= SC_SCENARIO_MAX_CASE_ID)
        return NULL;
    char *end = NULL;
    unsigned long k = strtoul(sep + 1, &end, 10);
    if (end == sep + 1 || *end != '\0' || k == 0)
        return NULL;
    char base[SC_SCENARIO_MAX_CASE_ID];
    snprintf(base, sizeof base, "%.*s", (int)(sep - id), id);
    *index = (size_t)(k - 1);
    return find_active(r, base);
}

static void on_driver_line(sc_run *r, char *line, int64_t now)
{
    cJSON *result = cJSON_Parse(line);
    const cJSON *id = cJSON_GetObjectItemCaseSensitive(result, "case");
    sc_case *c = cJSON_IsString(id) ? find_active(r, id->valuestring) : NULL;
    if (c != NULL) {
        sc_case_on_result(c, result, now);
        return;
    }
    size_t k = 0;
    c = cJSON_IsString(id) ? find_companion(r, id->valuestring, &k) : NULL;
    if (c == NULL) {
        sc_log(SC_LOG_WARN, "run", "driver line for no running case: %.200s", line);
        cJSON_Delete(result);
        return;
    }
    sc_case_on_companion_result(c, k, result, now);
}

static void on_server_line(sc_run *r, char *line, int64_t now)
{
    cJSON *event = cJSON_Parse(line);
    const cJSON *id = cJSON_GetObjectItemCaseSensitive(event, "case");
    sc_case *c = cJSON_IsString(id) ? find_active(r, id->valuestring) : NULL;
    if (c == NULL) {
        cJSON_Delete(event); /* a late line of a finished case, or a call without x-sc-case */
        return;
    }
    sc_run_dedicated_on_event(r, c, now); /* arms shutdown_at_ms */
    sc_case_on_server_event(c, event);
}

static void read_peer(sc_run *r, sc_peer *p, int64_t now)
{
    sc_peer_drain_stderr(p);
    int open = sc_proc_fill(&p->proc);
    char *line;
    while ((line = sc_proc_take_line(&p->proc)) != NULL) {
        if (p->is_server && sc_impl_has_event_log(p->impl))
            on_server_line(r, line, now);
        else if (p->is_server)
            ; /* a server without the "events" feature: its stdout is not an event log */
        else
            on_driver_line(r, line, now);
        free(line);
    }
    if (!open && !sc_run_dedicated_exited(r, p))
        peer_died(r, p, now);
}

/* Every queued case of peer p becomes an error: it cannot be started. */
static void give_up(sc_run *r, sc_peer *p, const char *err, int64_t now)
{
    sc_log(SC_LOG_ERROR, "run", "%s", err);
    p->given_up = true;
    for (size_t i = 0; i < r->n_cases; i++) {
        sc_case *c = &r->cases[i];
        bool uses = p->is_server ? sc_run_case_server(r, c) == p : &r->drivers[c->client] == p;
        if (uses && c->state == SC_CASE_QUEUED) {
            sc_case_start(c, now);
            sc_case_error(c, err, NULL, now);
            case_done(r, c);
        }
    }
}

/* Start the peer if it is down: true when it is up; false while a dedicated server starts (its
 * cases wait in the queue), or when it cannot be started (its cases failed). */
static bool ensure_up(sc_run *r, sc_peer *p, int64_t now)
{
    if (p->up)
        return true;
    if (p->given_up)
        return false;
    char err[2048];
    if (p->restarts > SC_RUNNER_MAX_RESTARTS) {
        snprintf(err, sizeof err, "%s %s restarted %d times; giving up", p->impl->name,
                 p->is_server ? "server" : "client driver", SC_RUNNER_MAX_RESTARTS);
    } else if (p->start_async) {
        int st = sc_peer_start_step(p, now);
        if (st >= 0)
            return st == 1;
        snprintf(err, sizeof err, "%s", p->start_error != NULL ? p->start_error : "out of memory");
    } else if (sc_peer_start(p, err, sizeof err) == 0) {
        return true;
    }
    give_up(r, p, err, now);
    return false;
}

/* Queue one instruction line for a driver (consumes `instr`; NULL means out of memory). */
static int send_instruction(sc_peer *driver, cJSON *instr)
{
    char *line = instr ? cJSON_PrintUnformatted(instr) : NULL;
    cJSON_Delete(instr);
    int rc = line != NULL ? sc_peer_write(driver, line) : -1;
    free(line);
    return rc;
}

/* The case's instruction (companion `i`, or the main call for SIZE_MAX) with the channel.tls of
 * its server column's transport. NULL when out of memory. */
static cJSON *case_instruction(const sc_run *r, const sc_case *c, size_t i, const char *target)
{
    cJSON *instr = i == SIZE_MAX ? sc_scenario_instruction(c->scenario, c->id, target)
                                 : sc_scenario_companion_instruction(c->scenario, i, c->id, target);
    sc_transport t = r->server_impls[c->server]->transport;
    if (instr != NULL && sc_transport_apply(instr, t, &r->tls) != 0) {
        cJSON_Delete(instr);
        return NULL;
    }
    return instr;
}

static void start_case(sc_run *r, sc_case *c, int64_t now)
{
    sc_peer *server = sc_run_case_server(r, c);
    sc_peer *driver = &r->drivers[c->client];
    if (!ensure_up(r, server, now) || !ensure_up(r, driver, now))
        return;
    char target[SC_RUNNER_MAX_TARGET];
    snprintf(target, sizeof target, "%s", server->target);
    if (sc_scenario_faults(c->scenario) != NULL) {
        char err[1200];
        if (proxy_start(r, c, server->target, err, sizeof err) != 0) {
            sc_case_start(c, now);
            sc_case_error(c, err, NULL, now);
            case_done(r, c);
            return;
        }
        snprintf(target, sizeof target, "127.0.0.1:%d", io_of(r, c)->proxy.proc.port);
    }
    sc_case_start(c, now);
    /* The companions first: a main call with no start delay still goes out with them. */
    int rc = 0;
    for (size_t i = 0; rc == 0 && i < sc_scenario_companion_count(c->scenario); i++)
        rc = send_instruction(driver, case_instruction(r, c, i, target));
    if (rc == 0)
        rc = send_instruction(driver, case_instruction(r, c, SIZE_MAX, target));
    if (rc != 0) {
        sc_case_error(c, "out of memory building the instruction", NULL, now);
        case_done(r, c);
    } else {
        r->in_flight++;
        sc_peer_flush(driver);
    }
}

static bool in_flight(const sc_case *c)
{
    return c->state == SC_CASE_RUNNING || c->state == SC_CASE_SETTLING;
}

static bool exclusive_in_flight(const sc_run *r)
{
    for (size_t i = 0; i < r->n_cases; i++)
        if (in_flight(&r->cases[i]) && sc_scenario_exclusive(r->cases[i].scenario))
            return true;
    return false;
}

/* Cases in flight that hold a busy slot (sc_sched). */
static size_t busy_in_flight(const sc_run *r, int64_t now)
{
    size_t n = 0;
    for (size_t i = 0; i < r->n_cases; i++) {
        const sc_case *c = &r->cases[i];
        n += in_flight(c) &&
             sc_sched_holds_busy(sc_scenario_times_timers(c->scenario), c->started_ms, now);
    }
    return n;
}

/* Start queued cases, longest expected first, while the slots allow (sc_sched). An exclusive
 * case starts only when nothing else runs, and nothing starts while it runs (it floods the
 * server's one chat room, for example). */
static void start_queued(sc_run *r, int64_t now)
{
    if (exclusive_in_flight(r))
        return;
    size_t busy = busy_in_flight(r, now);
    for (size_t k = 0; k < r->n_cases && sc_sched_may_start(r->slots, busy, r->in_flight); k++) {
        sc_case *c = &r->cases[r->order[k]];
        if (c->state != SC_CASE_QUEUED)
            continue;
        bool exclusive = sc_scenario_exclusive(c->scenario);
        if (exclusive && r->in_flight > 0)
            continue; /* once the others are done */
        start_case(r, c, now);
        if (!in_flight(c))
            continue; /* it could not start: an error already */
        busy++;
        if (exclusive)
            return;
    }
}

static void check_deadlines(sc_run *r, int64_t now)
{
    for (size_t i = 0; i < r->n_cases; i++) {
        sc_case *c = &r->cases[i];
        if (sc_case_timed_out(c, now)) {
            sc_peer *driver = &r->drivers[c->client];
            char why[128];
            snprintf(why, sizeof why, "no result from the %s client driver within %lld ms",
                     driver->impl->name, (long long)c->timeout_ms);
            char *tail = sc_peer_stderr_tail(driver);
            r->in_flight--;
            sc_case_error(c, why, tail, now);
            free(tail);
            /* the driver may be wedged: restart it; its other cases run again */
            fail_cases_of(r, driver, why, c, now);
            sc_peer_stop(driver, SIGKILL);
            driver->restarts++;
            if (!conclude(r, c, now))
                case_done(r, c);
        } else if (sc_case_settled(c, now)) {
            r->in_flight--;
            if (!conclude(r, c, now))
                case_done(r, c);
        }
    }
}

static int poll_timeout(sc_run *r, int64_t now)
{
    int64_t next = now + SC_RUNNER_MAX_POLL_MS;
    for (size_t i = 0; i < r->n_cases; i++) {
        const sc_case *c = &r->cases[i];
        int64_t d = sc_case_next_deadline(c);
        int64_t frees = sc_sched_busy_until(r->slots, c->started_ms); /* its busy slot */
        if (in_flight(c) && sc_sched_is_busy(c->started_ms, now) && frees < d)
            d = frees;
        if (d < next)
            next = d;
    }
    next = sc_run_dedicated_next(r, now, next);
    return next <= now ? 0 : (int)(next - now);
}

/* The pipes of a live peer process (stdout, stderr, stdin with lines queued) from fds[n]; the new
 * count. A server given by address has none. */
static size_t add_peer_fds(sc_peer *p, struct pollfd *fds, sc_peer **owner, size_t n)
{
    if (!p->up || p->external)
        return n;
    fds[n] = (struct pollfd){.fd = p->proc.out_fd, .events = POLLIN};
    owner[n++] = p;
    if (p->proc.err_fd >= 0) {
        fds[n] = (struct pollfd){.fd = p->proc.err_fd, .events = POLLIN};
        owner[n++] = p;
    }
    if (p->pending_len > 0 && p->proc.in_fd >= 0) {
        fds[n] = (struct pollfd){.fd = p->proc.in_fd, .events = POLLOUT};
        owner[n++] = p;
    }
    return n;
}

/* One poll() over every live peer's pipes, then handle what is readable. */
static void poll_once(sc_run *r)
{
    /* drivers and servers: stdout, stderr, stdin; running cases' proxies: stdout, stderr */
    size_t cap = 3 * (SC_RUNNER_MAX_IMPLS + SC_RUNNER_MAX_SERVERS + 1) + 4 * r->n_cases;
    struct pollfd *fds = calloc(cap, sizeof *fds);
    sc_peer **owner = calloc(cap, sizeof *owner);
    sc_case **owner_case = calloc(cap, sizeof *owner_case);
    size_t n = 0;
    if (fds == NULL || owner == NULL || owner_case == NULL)
        goto out;
    for (size_t i = 0; i < r->cfg->n_clients + r->n_servers; i++)
        n = add_peer_fds(i < r->cfg->n_clients ? &r->drivers[i]
                                               : &r->servers[i - r->cfg->n_clients],
                         fds, owner, n);
    n = sc_run_dedicated_fds(r, fds, owner, n);
    for (size_t i = 0; i < r->n_cases; i++) {
        sc_peer *p = &r->io[i].proxy;
        if (!p->up || p->proc.out_fd < 0)
            continue;
        fds[n] = (struct pollfd){.fd = p->proc.out_fd, .events = POLLIN};
        owner_case[n] = &r->cases[i];
        owner[n++] = p;
        fds[n] = (struct pollfd){.fd = p->proc.err_fd, .events = POLLIN};
        owner_case[n] = &r->cases[i];
        owner[n++] = p;
    }
    int64_t now = sc_time_now_ms();
    int ready = poll(fds, n, poll_timeout(r, now));
    now = sc_time_now_ms();
    for (size_t i = 0; ready > 0 && i < n; i++) {
        if (fds[i].revents == 0 || !owner[i]->up)
            continue;
        if (fds[i].events & POLLOUT)
            sc_peer_flush(owner[i]);
        else if (fds[i].fd == owner[i]->proc.err_fd)
            sc_peer_drain_stderr(owner[i]);
        else if (owner_case[i] != NULL) {
            sc_case_io *io = io_of(r, owner_case[i]);
            sc_proc_fill(&io->proxy.proc); /* at EOF the case's end reaps the proxy */
            proxy_take_records(io);
        } else
            read_peer(r, owner[i], now);
    }
    sc_run_dedicated_tick(r, now);
    check_deadlines(r, now);
out:
    free(fds);
    free(owner);
    free(owner_case);
}

/* ---- main loop --------------------------------------------------------------------------- */

static void shutdown_peers(sc_run *r)
{
    for (size_t i = 0; r->io != NULL && i < r->n_cases; i++)
        if (r->io[i].proxy.up)
            proxy_finish(r, &r->cases[i]);
    for (size_t i = 0; i < r->cfg->n_clients; i++)
        sc_peer_stop(&r->drivers[i], SIGTERM);
    for (size_t i = 0; i < r->n_servers; i++)
        sc_peer_stop(&r->servers[i], SIGTERM);
    for (size_t k = 0; k < r->n_dedicated; k++)
        sc_peer_stop(&r->dedicated[k].peer, SIGTERM);
}

/* The run's TLS files, when a server column is not plaintext; its servers get them. */
static int make_tls_material(sc_run *r, char *err, size_t errlen)
{
    bool needed = false;
    for (size_t i = 0; i < r->cfg->n_servers; i++)
        needed = needed || r->cfg->servers[i].transport != SC_TRANSPORT_PLAINTEXT;
    if (!needed)
        return 0;
    if (sc_tls_certs_generate(NULL, &r->tls, err, errlen) != 0)
        return -1;
    for (size_t i = 0; i < r->cfg->n_servers; i++)
        r->servers[i].tls = &r->tls;
    sc_log(SC_LOG_INFO, "run", "TLS material for this run in %s (removed at the end)", r->tls.dir);
    return 0;
}

/* The run's peers (not started), its fault proxy command and its TLS files. 0, or -1. */
static int run_init(sc_run *r, char *err, size_t errlen)
{
    const sc_run_config *cfg = r->cfg;
    for (size_t i = 0; i < cfg->n_clients; i++)
        r->drivers[i] = (sc_peer){.impl = &cfg->clients[i], .is_server = false};
    for (size_t i = 0; i < cfg->n_servers; i++) {
        r->servers[i] = (sc_peer){.impl = &cfg->servers[i], .is_server = true};
        r->server_impls[i] = &cfg->servers[i];
    }
    r->n_servers = cfg->n_servers;
    r->proxy_impl =
        (sc_impl){.name = "proxy", .program = sc_runner_self_exe(), .description = "fault proxy"};
    return make_tls_material(r, err, errlen);
}

/* Every case of the run, planned: matrix cases, dedicated servers, app cases. 0, or -1 (2 for
 * the caller) with a message; SC_RUNNER_NO_CASE when nothing is selected. */
static int plan_run(sc_run *r, char *err, size_t errlen)
{
    if (run_init(r, err, errlen) != 0 || sc_run_add_script_server(r, err, errlen) != 0 ||
        sc_run_plan(r, err, errlen) != 0 || sc_app_run_plan(&r->apps, r->cfg, err, errlen) != 0)
        return -1;
    if (r->n_cases == 0 && r->apps.n_cases == 0) {
        snprintf(err, errlen, "%s", SC_RUNNER_NO_CASE);
        return -1;
    }
    /* a shard's slice may be empty (more slices than cases): it runs nothing and reports so */
    return sc_run_shard(r, err, errlen) != 0 || sc_run_dedicated_plan(r, err, errlen) != 0 ||
                   sc_run_order(r, err, errlen) != 0
               ? -1
               : 0;
}

/* Run the matrix cases, then the app cases (servers of their own), then print the summary. */
static void run_cases(sc_run *r)
{
    for (size_t i = 0; i < r->n_cases; i++)
        if (r->cases[i].state == SC_CASE_DONE) /* skipped at plan time */
            case_done(r, &r->cases[i]);
    while (r->done < r->n_cases && !interrupted) {
        start_queued(r, sc_time_now_ms());
        if (r->done < r->n_cases)
            poll_once(r);
    }
    shutdown_peers(r); /* the app cases have servers of their own */
    if (!interrupted)
        sc_app_run_all(&r->apps, r->cfg, r->proxy_impl.program, &interrupted, app_done, r);
    r->complete = r->done == r->n_cases && r->apps.done == r->apps.n_cases;
    r->failing += r->apps.failing;
    sc_run_out_summary(r);
}

int sc_runner_run(const sc_run_config *cfg, char *err, size_t errlen)
{
    sc_run r = {.cfg = cfg, .started_ms = sc_time_now_ms(), .started_wall = time(NULL)};
    struct sigaction old_int, old_term;
    interrupted = 0;
    install_signals(&old_int, &old_term);

    int rc = 2;
    if (plan_run(&r, err, errlen) != 0)
        goto out;
    run_cases(&r);
    if (sc_run_write_report(&r, err, errlen) != 0) {
        rc = 2;
        goto out;
    }
    rc = (r.failing > 0 || !r.complete) ? 1 : 0;
out:
    shutdown_peers(&r);
    for (size_t i = 0; i < r.n_cases; i++) {
        sc_case_free(&r.cases[i]);
        cJSON_Delete(r.io[i].records);
    }
    free(r.cases);
    free(r.io);
    free(r.order);
    sc_run_dedicated_free(&r);
    sc_app_run_free(&r.apps);
    sc_impl_free(&r.proxy_impl);
    if (r.scripts_path[0] != '\0')
        unlink(r.scripts_path);
    sc_tls_certs_remove(&r.tls);
    sc_impl_free(&r.script_impl);
    cJSON_Delete(r.shard);
    sigaction(SIGINT, &old_int, NULL);
    sigaction(SIGTERM, &old_term, NULL);
    if (interrupted)
        sc_log(SC_LOG_WARN, "run", "interrupted by signal %d; reports cover finished cases",
               (int)interrupted);
    return rc;
}
