#include "sc_runner.h"
#include "sc_case.h"
#include "sc_log.h"
#include "sc_proc.h"
#include "sc_time.h"

#include <errno.h>
#include <grpc/grpc.h>
#include <libgen.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/* Longest the loop sleeps in poll() with nothing due: a safety net; lines and deadlines wake it. */
#define SC_RUNNER_MAX_POLL_MS 500
/* Bound on stopping a peer with SIGTERM before it is SIGKILLed. */
#define SC_RUNNER_STOP_MS 5000
/* Restarts of one peer before its remaining cases are given up as errors. */
#define SC_RUNNER_MAX_RESTARTS 5

/* ---- implementations ------------------------------------------------------------------- */

static char *self_exe(void)
{
    char buf[4096];
    ssize_t n = readlink("/proc/self/exe", buf, sizeof buf - 1);
    if (n <= 0)
        return NULL;
    buf[n] = '\0';
    return strdup(buf);
}

/* build/cli/streamconform -> build/peers/<rel> */
static char *beside_build(const char *rel)
{
    char *exe = self_exe();
    if (exe == NULL)
        return NULL;
    char *cli_dir = dirname(exe);       /* build/cli */
    char *build_dir = dirname(cli_dir); /* build */
    size_t n = strlen(build_dir) + strlen(rel) + 2;
    char *path = malloc(n);
    if (path != NULL)
        snprintf(path, n, "%s/%s", build_dir, rel);
    free(exe);
    return path;
}

int sc_impl_resolve(const char *name, sc_impl *out, char *err, size_t errlen)
{
    memset(out, 0, sizeof *out);
    out->name = name;
    const char *env = NULL;
    if (strcmp(name, "c") == 0) {
        out->program = self_exe();
        out->server_verb = "serve";
        out->client_verb = "peer-client";
        static char c_description[96];
        snprintf(c_description, sizeof c_description,
                 "streamconform on the gRPC C core (core version %s)", grpc_version_string());
        out->description = c_description;
    } else if (strcmp(name, "python") == 0 || strcmp(name, "go") == 0) {
        bool py = name[0] == 'p';
        env = getenv(py ? "SC_PEER_PYTHON" : "SC_PEER_GO");
        out->program =
            env ? strdup(env) : beside_build(py ? "peers/python/peer-python" : "peers/go/peer-go");
        out->server_verb = "server";
        out->client_verb = "client";
        out->description = py ? "peer-python on grpcio (pinned in peers/python/requirements.txt)"
                              : "peer-go on grpc-go (pinned in peers/go/go.mod)";
    } else {
        snprintf(err, errlen, "unknown implementation \"%s\" (known: c, python, go)", name);
        return -1;
    }
    if (out->program == NULL || access(out->program, X_OK) != 0) {
        snprintf(err, errlen, "implementation \"%s\": %s is not an executable (build it first%s)",
                 name, out->program ? out->program : "(unknown path)",
                 env ? "" : ", or set $SC_PEER_PYTHON / $SC_PEER_GO");
        sc_impl_free(out);
        return -1;
    }
    return 0;
}

void sc_impl_free(sc_impl *impl)
{
    free(impl->program);
    impl->program = NULL;
}

char *sc_runner_case_id(const char *scenario, const char *client, const char *server)
{
    size_t n = strlen(scenario) + strlen(client) + strlen(server) + 4;
    char *id = malloc(n);
    if (id != NULL)
        snprintf(id, n, "%s@%s->%s", scenario, client, server);
    return id;
}

/* ---- peer processes -------------------------------------------------------------------- */

typedef struct {
    const sc_impl *impl;
    bool is_server;
    sc_proc proc;
    bool up;
    int restarts;
    bool given_up;
    char err_tail[SC_RUNNER_STDERR_TAIL]; /* ring of the last stderr bytes */
    size_t err_len, err_pos;
    char *pending; /* driver stdin bytes not yet written (owned) */
    size_t pending_len;
} peer;

static void tail_append(peer *p, const char *data, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        p->err_tail[p->err_pos] = data[i];
        p->err_pos = (p->err_pos + 1) % SC_RUNNER_STDERR_TAIL;
        if (p->err_len < SC_RUNNER_STDERR_TAIL)
            p->err_len++;
    }
}

/* The stderr tail as a string (caller frees). */
static char *tail_text(const peer *p)
{
    char *out = malloc(p->err_len + 1);
    if (out == NULL)
        return NULL;
    size_t start = (p->err_pos + SC_RUNNER_STDERR_TAIL - p->err_len) % SC_RUNNER_STDERR_TAIL;
    for (size_t i = 0; i < p->err_len; i++)
        out[i] = p->err_tail[(start + i) % SC_RUNNER_STDERR_TAIL];
    out[p->err_len] = '\0';
    return out;
}

static void drain_stderr(peer *p)
{
    char buf[4096];
    ssize_t got;
    while (p->proc.err_fd >= 0 && (got = read(p->proc.err_fd, buf, sizeof buf)) > 0)
        tail_append(p, buf, (size_t)got);
}

static int peer_start(peer *p, char *err, size_t errlen)
{
    char *argv[10];
    int n = 0;
    argv[n++] = p->impl->program;
    argv[n++] = (char *)(p->is_server ? p->impl->server_verb : p->impl->client_verb);
    if (p->is_server) {
        argv[n++] = "--listen";
        argv[n++] = "127.0.0.1:0";
        argv[n++] = "--events";
        argv[n++] = "-";
        argv[n++] = "--quiet";
        if (p->impl->scripts != NULL) {
            argv[n++] = "--scripts";
            argv[n++] = (char *)p->impl->scripts;
        }
    }
    argv[n] = NULL;
    int flags = SC_PROC_STDERR | (p->is_server ? 0 : SC_PROC_STDIN);
    if (sc_proc_spawn(&p->proc, argv, flags) != 0) {
        snprintf(err, errlen, "cannot start %s %s", p->impl->program, argv[1]);
        return -1;
    }
    if (p->is_server && sc_proc_wait_ready(&p->proc, SC_RUNNER_READY_MS) != 0) {
        drain_stderr(p);
        char *tail = tail_text(p);
        snprintf(err, errlen, "%s server gave no ready line within %d ms%s%.1000s", p->impl->name,
                 SC_RUNNER_READY_MS, tail && *tail ? "; stderr: " : "", tail ? tail : "");
        free(tail);
        sc_proc_cleanup(&p->proc);
        return -1;
    }
    p->up = true;
    return 0;
}

static void peer_stop(peer *p, int sig)
{
    if (!p->up)
        return;
    if (p->proc.in_fd >= 0) { /* a driver finishes its work at EOF */
        close(p->proc.in_fd);
        p->proc.in_fd = -1;
    }
    sc_proc_stop(&p->proc, sig, SC_RUNNER_STOP_MS);
    drain_stderr(p);
    sc_proc_cleanup(&p->proc);
    p->up = false;
    free(p->pending);
    p->pending = NULL;
    p->pending_len = 0;
}

static int peer_write(peer *p, const char *line)
{
    size_t n = strlen(line);
    char *nb = realloc(p->pending, p->pending_len + n + 1);
    if (nb == NULL)
        return -1;
    memcpy(nb + p->pending_len, line, n);
    nb[p->pending_len + n] = '\n';
    p->pending = nb;
    p->pending_len += n + 1;
    return 0;
}

static void peer_flush(peer *p)
{
    while (p->pending_len > 0 && p->proc.in_fd >= 0) {
        ssize_t w = write(p->proc.in_fd, p->pending, p->pending_len);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return; /* EAGAIN: wait for POLLOUT; EPIPE: the exit is noticed on stdout */
        memmove(p->pending, p->pending + w, p->pending_len - (size_t)w);
        p->pending_len -= (size_t)w;
    }
}

/* ---- the run ---------------------------------------------------------------------------- */

/* What the runner keeps per case beside the pure sc_case: its fault proxy, if it has faults. */
typedef struct {
    peer proxy;     /* `streamconform proxy` in front of the server (up only while running) */
    cJSON *records; /* the proxy's connection records so far (owned) */
} case_io;

typedef struct {
    const sc_run_config *cfg;
    peer drivers[SC_RUNNER_MAX_IMPLS];
    peer servers[SC_RUNNER_MAX_IMPLS + 1];
    /* cfg->servers, then the scripted server when a scripted case is selected */
    const sc_impl *server_impls[SC_RUNNER_MAX_IMPLS + 1];
    size_t n_servers;
    sc_impl script_impl;
    char scripts_path[64]; /* its --scripts file ("" when none) */
    sc_impl proxy_impl;    /* this binary, verb "proxy" */
    case_io *io;           /* one per case */
    sc_case *cases;
    size_t n_cases;
    size_t done, failing, in_flight;
    int64_t started_ms;
    time_t started_wall;
    bool complete;
} run;

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

static void progress(run *r, const sc_case *c)
{
    const sc_run_config *cfg = r->cfg;
    if (cfg->live_progress) {
        fprintf(stderr, "\r[%zu/%zu] failures so far: %zu   ", r->done, r->n_cases, r->failing);
        fflush(stderr);
        return;
    }
    if (c->verdict == SC_VERDICT_SKIP)
        return;
    printf("%-13s %s (%lld ms)%s%s\n", sc_verdict_name(c->verdict), c->id,
           (long long)c->duration_ms, c->reason && *c->reason ? " - " : "",
           c->reason ? c->reason : "");
    fflush(stdout);
}

static void case_done(run *r, sc_case *c)
{
    r->done++;
    if (sc_case_fails_run(c))
        r->failing++;
    progress(r, c);
}

/* ---- the scripted server ---------------------------------------------------------------- */

bool sc_runner_has_case(const sc_scenario *s, const char *server)
{
    return sc_scenario_is_scripted(s) || strcmp(server, SC_SCENARIO_SCRIPT_SERVER) != 0;
}

bool sc_runner_adds_script_server(const sc_scenario_set *set, const sc_filter *filter,
                                  const char *const *clients, size_t n_clients)
{
    for (size_t i = 0; i < set->count; i++) {
        const sc_scenario *s = set->items[i];
        for (size_t ci = 0; ci < n_clients && sc_scenario_is_scripted(s); ci++) {
            char *id =
                sc_runner_case_id(sc_scenario_name(s), clients[ci], SC_SCENARIO_SCRIPT_SERVER);
            bool selected = id != NULL && (filter == NULL || sc_filter_selects(filter, s, id));
            free(id);
            if (selected)
                return true;
        }
    }
    return false;
}

/* Add the scripted server to the run when a scripted case is selected: this binary's
 * script-server, with an empty --scripts file that plan() fills. */
static int add_script_server(run *r, char *err, size_t errlen)
{
    const sc_run_config *cfg = r->cfg;
    const char *names[SC_RUNNER_MAX_IMPLS];
    for (size_t i = 0; i < cfg->n_clients; i++)
        names[i] = cfg->clients[i].name;
    if (!sc_runner_adds_script_server(cfg->scenarios, cfg->filter, names, cfg->n_clients))
        return 0;
    if (sc_impl_resolve("c", &r->script_impl, err, errlen) != 0)
        return -1;
    r->script_impl.name = SC_SCENARIO_SCRIPT_SERVER;
    r->script_impl.server_verb = "script-server";
    r->script_impl.description = "streamconform scripted server (server.script)";
    const char *tmp = getenv("TMPDIR");
    snprintf(r->scripts_path, sizeof r->scripts_path, "%s/sc-scripts-XXXXXX.jsonl",
             tmp != NULL && strlen(tmp) < 32 ? tmp : "/tmp");
    int fd = mkstemps(r->scripts_path, 6);
    if (fd < 0) {
        snprintf(err, errlen, "cannot create the scripted server's scripts file %s: %s",
                 r->scripts_path, strerror(errno));
        r->scripts_path[0] = '\0';
        return -1;
    }
    close(fd);
    r->script_impl.scripts = r->scripts_path;
    r->server_impls[r->n_servers] = &r->script_impl;
    r->servers[r->n_servers] = (peer){.impl = &r->script_impl, .is_server = true};
    r->n_servers++;
    return 0;
}

/* One line of the scripts file: the script of a scripted case, by its id. */
static int add_script(run *r, const sc_scenario *s, const char *case_id, char *err, size_t errlen)
{
    cJSON *line = sc_scenario_script_line(s, case_id);
    char *text = line != NULL ? cJSON_PrintUnformatted(line) : NULL;
    cJSON_Delete(line);
    FILE *f = text != NULL ? fopen(r->scripts_path, "a") : NULL;
    int rc = f != NULL && fprintf(f, "%s\n", text) >= 0 ? 0 : -1;
    if (f != NULL && fclose(f) != 0)
        rc = -1;
    free(text);
    if (rc != 0)
        snprintf(err, errlen, "cannot write the script of %s to %s", case_id, r->scripts_path);
    return rc;
}

/* Build every case: scenarios x clients x servers, filtered, with the known lists applied. */
static int plan(run *r, char *err, size_t errlen)
{
    const sc_run_config *cfg = r->cfg;
    size_t max = cfg->scenarios->count * cfg->n_clients * r->n_servers;
    r->cases = calloc(max ? max : 1, sizeof *r->cases);
    r->io = calloc(max ? max : 1, sizeof *r->io);
    if (r->cases == NULL || r->io == NULL) {
        snprintf(err, errlen, "out of memory planning %zu cases", max);
        return -1;
    }
    for (size_t i = 0; i < cfg->scenarios->count; i++) {
        const sc_scenario *s = cfg->scenarios->items[i];
        for (size_t ci = 0; ci < cfg->n_clients; ci++) {
            for (size_t si = 0; si < r->n_servers; si++) {
                const char *server = r->server_impls[si]->name;
                if (!sc_runner_has_case(s, server))
                    continue;
                char *id = sc_runner_case_id(sc_scenario_name(s), cfg->clients[ci].name, server);
                if (id == NULL)
                    return -1;
                if (cfg->filter && !sc_filter_selects(cfg->filter, s, id)) {
                    free(id);
                    continue;
                }
                sc_case *c = &r->cases[r->n_cases++];
                sc_case_init(c, s, id, (int)ci, (int)si);
                free(id);
                const char *why = NULL;
                if (!sc_scenario_applies(s, cfg->clients[ci].name, server, &why)) {
                    sc_case_skip(c, why);
                    continue;
                }
                if (sc_scenario_is_scripted(s) && add_script(r, s, c->id, err, errlen) != 0)
                    return -1;
                if (cfg->known_failing)
                    c->known_failing = sc_case_list_match(cfg->known_failing, c->id);
                if (cfg->known_flaky)
                    c->known_flaky = sc_case_list_match(cfg->known_flaky, c->id) != NULL;
            }
        }
    }
    return 0;
}

/* ---- fault proxies ------------------------------------------------------------------------ */

static case_io *io_of(run *r, const sc_case *c)
{
    return &r->io[c - r->cases];
}

/* Start the case's fault proxy in front of `server_port`; its port becomes the case's target. */
static int proxy_start(run *r, sc_case *c, int server_port, char *err, size_t errlen)
{
    case_io *io = io_of(r, c);
    char *faults = cJSON_PrintUnformatted(sc_scenario_faults(c->scenario));
    char upstream[64];
    snprintf(upstream, sizeof upstream, "127.0.0.1:%d", server_port);
    char *argv[] = {r->proxy_impl.program,
                    "proxy",
                    "--listen",
                    "127.0.0.1:0",
                    "--upstream",
                    upstream,
                    "--faults",
                    faults ? faults : "[]",
                    "--quiet",
                    NULL};
    io->proxy = (peer){.impl = &r->proxy_impl, .is_server = true};
    cJSON_Delete(io->records);
    io->records = cJSON_CreateArray();
    int rc = -1;
    if (faults == NULL || io->records == NULL) {
        snprintf(err, errlen, "out of memory starting the fault proxy");
    } else if (sc_proc_spawn(&io->proxy.proc, argv, SC_PROC_STDERR) != 0) {
        snprintf(err, errlen, "cannot start the fault proxy");
    } else if (sc_proc_wait_ready(&io->proxy.proc, SC_RUNNER_READY_MS) != 0) {
        drain_stderr(&io->proxy);
        char *tail = tail_text(&io->proxy);
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

static void proxy_take_records(case_io *io)
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
static void proxy_finish(run *r, sc_case *c)
{
    case_io *io = io_of(r, c);
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
static bool conclude(run *r, sc_case *c, int64_t now)
{
    proxy_finish(r, c);
    return sc_case_conclude(c, now);
}

static sc_case *find_active(run *r, const char *id)
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
static void fail_cases_of(run *r, peer *p, const char *why, const sc_case *culprit, int64_t now)
{
    char *tail = tail_text(p);
    for (size_t i = 0; i < r->n_cases; i++) {
        sc_case *c = &r->cases[i];
        if (c->state != SC_CASE_RUNNING && c->state != SC_CASE_SETTLING)
            continue;
        bool uses = p->is_server ? &r->servers[c->server] == p : &r->drivers[c->client] == p;
        if (!uses || c == culprit)
            continue;
        r->in_flight--;
        if (culprit != NULL && c->state == SC_CASE_RUNNING) {
            proxy_finish(r, c);
            c->state = SC_CASE_QUEUED; /* restarted with the driver; its attempt did not count */
            c->attempts--;
            continue;
        }
        sc_case_error(c, why, tail, now);
        if (!conclude(r, c, now))
            case_done(r, c);
    }
    free(tail);
}

static void peer_died(run *r, peer *p, int64_t now)
{
    int status = 0;
    drain_stderr(p);
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
    peer_stop(p, SIGKILL);
    p->restarts++;
}

/* A companion's result is "<case id>#k": the case and k - 1, or NULL. */
static sc_case *find_companion(run *r, const char *id, size_t *index)
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

static void on_driver_line(run *r, char *line, int64_t now)
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

static void on_server_line(run *r, char *line)
{
    cJSON *event = cJSON_Parse(line);
    const cJSON *id = cJSON_GetObjectItemCaseSensitive(event, "case");
    sc_case *c = cJSON_IsString(id) ? find_active(r, id->valuestring) : NULL;
    if (c == NULL) {
        cJSON_Delete(event); /* a late line of a finished case, or a call without x-sc-case */
        return;
    }
    sc_case_on_server_event(c, event);
}

static void read_peer(run *r, peer *p, int64_t now)
{
    drain_stderr(p);
    int open = sc_proc_fill(&p->proc);
    char *line;
    while ((line = sc_proc_take_line(&p->proc)) != NULL) {
        if (p->is_server)
            on_server_line(r, line);
        else
            on_driver_line(r, line, now);
        free(line);
    }
    if (!open)
        peer_died(r, p, now);
}

/* Start the peer if it is down; false (with its cases failed) when it cannot be. */
static bool ensure_up(run *r, peer *p, int64_t now)
{
    if (p->up)
        return true;
    if (p->given_up)
        return false;
    char err[2048];
    if (p->restarts <= SC_RUNNER_MAX_RESTARTS && peer_start(p, err, sizeof err) == 0)
        return true;
    if (p->restarts > SC_RUNNER_MAX_RESTARTS)
        snprintf(err, sizeof err, "%s %s restarted %d times; giving up", p->impl->name,
                 p->is_server ? "server" : "client driver", SC_RUNNER_MAX_RESTARTS);
    sc_log(SC_LOG_ERROR, "run", "%s", err);
    p->given_up = true;
    /* every queued case of this peer becomes an error */
    for (size_t i = 0; i < r->n_cases; i++) {
        sc_case *c = &r->cases[i];
        bool uses = p->is_server ? &r->servers[c->server] == p : &r->drivers[c->client] == p;
        if (uses && c->state == SC_CASE_QUEUED) {
            sc_case_start(c, now);
            sc_case_error(c, err, NULL, now);
            case_done(r, c);
        }
    }
    return false;
}

/* Queue one instruction line for a driver (consumes `instr`; NULL means out of memory). */
static int send_instruction(peer *driver, cJSON *instr)
{
    char *line = instr ? cJSON_PrintUnformatted(instr) : NULL;
    cJSON_Delete(instr);
    int rc = line != NULL ? peer_write(driver, line) : -1;
    free(line);
    return rc;
}

static void start_case(run *r, sc_case *c, int64_t now)
{
    peer *server = &r->servers[c->server];
    peer *driver = &r->drivers[c->client];
    if (!ensure_up(r, server, now) || !ensure_up(r, driver, now))
        return;
    char target[64];
    int port = server->proc.port;
    if (sc_scenario_faults(c->scenario) != NULL) {
        char err[1200];
        if (proxy_start(r, c, port, err, sizeof err) != 0) {
            sc_case_start(c, now);
            sc_case_error(c, err, NULL, now);
            case_done(r, c);
            return;
        }
        port = io_of(r, c)->proxy.proc.port;
    }
    snprintf(target, sizeof target, "127.0.0.1:%d", port);
    sc_case_start(c, now);
    /* The companions first: a main call with no start delay still goes out with them. */
    int rc = 0;
    for (size_t i = 0; rc == 0 && i < sc_scenario_companion_count(c->scenario); i++)
        rc = send_instruction(driver,
                              sc_scenario_companion_instruction(c->scenario, i, c->id, target));
    if (rc == 0)
        rc = send_instruction(driver, sc_scenario_instruction(c->scenario, c->id, target));
    if (rc != 0) {
        sc_case_error(c, "out of memory building the instruction", NULL, now);
        case_done(r, c);
    } else {
        r->in_flight++;
        peer_flush(driver);
    }
}

static bool exclusive_in_flight(const run *r)
{
    for (size_t i = 0; i < r->n_cases; i++) {
        const sc_case *c = &r->cases[i];
        if ((c->state == SC_CASE_RUNNING || c->state == SC_CASE_SETTLING) &&
            sc_scenario_exclusive(c->scenario))
            return true;
    }
    return false;
}

/* Start queued cases up to -j. An exclusive case starts only when nothing else runs, and nothing
 * starts while it runs (it floods the server's one chat room, for example). */
static void start_queued(run *r, int64_t now)
{
    if (exclusive_in_flight(r))
        return;
    for (size_t i = 0; i < r->n_cases && r->in_flight < (size_t)r->cfg->jobs; i++) {
        sc_case *c = &r->cases[i];
        if (c->state != SC_CASE_QUEUED)
            continue;
        bool exclusive = sc_scenario_exclusive(c->scenario);
        if (exclusive && r->in_flight > 0)
            continue; /* once the others are done */
        start_case(r, c, now);
        if (exclusive && (c->state == SC_CASE_RUNNING || c->state == SC_CASE_SETTLING))
            return;
    }
}

static void check_deadlines(run *r, int64_t now)
{
    for (size_t i = 0; i < r->n_cases; i++) {
        sc_case *c = &r->cases[i];
        if (sc_case_timed_out(c, now)) {
            peer *driver = &r->drivers[c->client];
            char why[128];
            snprintf(why, sizeof why, "no result from the %s client driver within %lld ms",
                     driver->impl->name, (long long)c->timeout_ms);
            char *tail = tail_text(driver);
            r->in_flight--;
            sc_case_error(c, why, tail, now);
            free(tail);
            /* the driver may be wedged: restart it; its other cases run again */
            fail_cases_of(r, driver, why, c, now);
            peer_stop(driver, SIGKILL);
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

static int poll_timeout(run *r, int64_t now)
{
    int64_t next = now + SC_RUNNER_MAX_POLL_MS;
    for (size_t i = 0; i < r->n_cases; i++) {
        int64_t d = sc_case_next_deadline(&r->cases[i]);
        if (d < next)
            next = d;
    }
    return next <= now ? 0 : (int)(next - now);
}

/* One poll() over every live peer's pipes, then handle what is readable. */
static void poll_once(run *r)
{
    /* drivers and servers: stdout, stderr, stdin; running cases' proxies: stdout, stderr */
    size_t cap = 3 * (2 * SC_RUNNER_MAX_IMPLS + 1) + 2 * r->n_cases;
    struct pollfd *fds = calloc(cap, sizeof *fds);
    peer **owner = calloc(cap, sizeof *owner);
    sc_case **owner_case = calloc(cap, sizeof *owner_case);
    size_t n = 0;
    if (fds == NULL || owner == NULL || owner_case == NULL)
        goto out;
    for (size_t i = 0; i < r->cfg->n_clients + r->n_servers; i++) {
        peer *p = i < r->cfg->n_clients ? &r->drivers[i] : &r->servers[i - r->cfg->n_clients];
        if (!p->up)
            continue;
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
    }
    for (size_t i = 0; i < r->n_cases; i++) {
        peer *p = &r->io[i].proxy;
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
            peer_flush(owner[i]);
        else if (fds[i].fd == owner[i]->proc.err_fd)
            drain_stderr(owner[i]);
        else if (owner_case[i] != NULL) {
            case_io *io = io_of(r, owner_case[i]);
            sc_proc_fill(&io->proxy.proc); /* at EOF the case's end reaps the proxy */
            proxy_take_records(io);
        } else
            read_peer(r, owner[i], now);
    }
    check_deadlines(r, now);
out:
    free(fds);
    free(owner);
    free(owner_case);
}

/* ---- report ------------------------------------------------------------------------------ */

/* The companions' expectations and results ("<case id>#k"), for report.json. */
static cJSON *companions_json(const sc_case *c)
{
    cJSON *list = cJSON_CreateArray();
    for (size_t i = 0; list != NULL && i < c->n_companions; i++) {
        char id[SC_SCENARIO_MAX_CASE_ID];
        sc_scenario_companion_id(id, sizeof id, c->id, i);
        cJSON *o = cJSON_CreateObject();
        if (o == NULL)
            break;
        cJSON_AddItemToArray(list, o);
        cJSON_AddStringToObject(o, "case", id);
        cJSON_AddItemToObject(o, "expected",
                              sc_scenario_expected_json(sc_scenario_companion(c->scenario, i)));
        const cJSON *res = c->companion_results ? c->companion_results[i] : NULL;
        cJSON_AddItemToObject(o, "actual", res ? cJSON_Duplicate(res, 1) : cJSON_CreateNull());
    }
    return list;
}

static cJSON *case_json(const run *r, const sc_case *c)
{
    const sc_run_config *cfg = r->cfg;
    cJSON *o = cJSON_CreateObject();
    const sc_scenario *s = c->scenario;
    cJSON_AddStringToObject(o, "id", c->id);
    cJSON_AddStringToObject(o, "scenario", sc_scenario_name(s));
    cJSON_AddStringToObject(o, "summary", sc_scenario_summary(s));
    cJSON_AddStringToObject(o, "origin", sc_scenario_origin(s));
    cJSON *tags = cJSON_AddArrayToObject(o, "tags");
    for (size_t i = 0; i < sc_scenario_tag_count(s); i++)
        cJSON_AddItemToArray(tags, cJSON_CreateString(sc_scenario_tag(s, i)));
    cJSON_AddStringToObject(o, "method", sc_scenario_method(s));
    cJSON_AddStringToObject(o, "client", cfg->clients[c->client].name);
    cJSON_AddStringToObject(o, "server", r->server_impls[c->server]->name);
    cJSON_AddStringToObject(o, "verdict",
                            c->state == SC_CASE_DONE ? sc_verdict_name(c->verdict) : "error");
    cJSON_AddStringToObject(o, "reason",
                            c->state == SC_CASE_DONE ? (c->reason ? c->reason : "")
                                                     : "not finished: the run was interrupted");
    cJSON_AddNumberToObject(o, "attempts", c->attempts);
    cJSON_AddBoolToObject(o, "flaky", c->flaky);
    cJSON_AddNumberToObject(o, "duration_ms", (double)c->duration_ms);
    /* when its (last) run started, from the start of the run; -1 for a case that never ran */
    cJSON_AddNumberToObject(o, "start_ms",
                            c->attempts > 0 ? (double)(c->started_ms - r->started_ms) : -1.0);
    cJSON *failures = cJSON_AddArrayToObject(o, "failures");
    for (size_t i = 0; i < c->judgement.n_failures; i++) {
        const sc_check_failure *f = &c->judgement.failures[i];
        cJSON *fo = cJSON_CreateObject();
        cJSON_AddStringToObject(fo, "path", f->path);
        cJSON_AddStringToObject(fo, "expected", f->expected);
        cJSON_AddStringToObject(fo, "actual", f->actual);
        cJSON_AddItemToArray(failures, fo);
    }
    cJSON_AddItemToObject(o, "expected", sc_scenario_expected_json(s));
    /* reconnect cases: the policy window of every attempt, for the report's backoff timeline */
    cJSON *reconnect = c->result ? sc_scenario_reconnect_json(s, c->result) : NULL;
    if (reconnect != NULL)
        cJSON_AddItemToObject(o, "reconnect", reconnect);
    cJSON_AddItemToObject(o, "actual",
                          c->result ? cJSON_Duplicate(c->result, 1) : cJSON_CreateNull());
    if (c->n_companions > 0)
        cJSON_AddItemToObject(o, "companions", companions_json(c));
    bool traced = cfg->trace && c->state == SC_CASE_DONE && c->verdict != SC_VERDICT_PASS &&
                  c->verdict != SC_VERDICT_SKIP;
    if (traced) {
        cJSON *trace = cJSON_AddObjectToObject(o, "trace");
        cJSON *client = cJSON_AddObjectToObject(trace, "client");
        const cJSON *timings = cJSON_GetObjectItemCaseSensitive(c->result, "timings");
        const cJSON *attempts = cJSON_GetObjectItemCaseSensitive(c->result, "attempts");
        cJSON_AddItemToObject(client, "timings",
                              timings ? cJSON_Duplicate(timings, 1) : cJSON_CreateNull());
        cJSON_AddItemToObject(client, "attempts",
                              attempts ? cJSON_Duplicate(attempts, 1) : cJSON_CreateNull());
        cJSON_AddItemToObject(trace, "server_events", cJSON_Duplicate(c->events, 1));
    } else {
        cJSON_AddNullToObject(o, "trace");
    }
    cJSON_AddStringToObject(o, "stderr", c->stderr_tail ? c->stderr_tail : "");
    return o;
}

static void count_verdict(cJSON *summary, const char *key)
{
    cJSON *n = cJSON_GetObjectItemCaseSensitive(summary, key);
    cJSON_SetNumberValue(n, n->valuedouble + 1);
}

static cJSON *report_json(const run *r)
{
    const sc_run_config *cfg = r->cfg;
    cJSON *rep = cJSON_CreateObject();
    char when[32];
    struct tm tm;
    gmtime_r(&r->started_wall, &tm);
    strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%SZ", &tm);
    cJSON_AddStringToObject(rep, "tool", "streamconform");
    cJSON_AddStringToObject(rep, "version", "0.1.0");
    cJSON_AddStringToObject(rep, "started_at", when);
    cJSON_AddNumberToObject(rep, "duration_ms", (double)(sc_time_now_ms() - r->started_ms));
    cJSON_AddBoolToObject(rep, "complete", r->complete);
    cJSON *clients = cJSON_AddArrayToObject(rep, "clients");
    cJSON *servers = cJSON_AddArrayToObject(rep, "servers");
    cJSON *impls = cJSON_AddObjectToObject(rep, "implementations");
    for (size_t i = 0; i < cfg->n_clients; i++) {
        cJSON_AddItemToArray(clients, cJSON_CreateString(cfg->clients[i].name));
        cJSON *d = cJSON_GetObjectItemCaseSensitive(impls, cfg->clients[i].name);
        if (d == NULL)
            d = cJSON_AddObjectToObject(impls, cfg->clients[i].name);
        cJSON_AddStringToObject(d, "client", cfg->clients[i].description);
    }
    for (size_t i = 0; i < r->n_servers; i++) {
        const sc_impl *impl = r->server_impls[i];
        cJSON_AddItemToArray(servers, cJSON_CreateString(impl->name));
        cJSON *d = cJSON_GetObjectItemCaseSensitive(impls, impl->name);
        if (d == NULL)
            d = cJSON_AddObjectToObject(impls, impl->name);
        cJSON_AddStringToObject(d, "server", impl->description);
    }
    cJSON *summary = cJSON_AddObjectToObject(rep, "summary");
    const char *keys[] = {"total",   "passed",        "failed", "errors",
                          "skipped", "known_failing", "stale",  "flaky"};
    for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++)
        cJSON_AddNumberToObject(summary, keys[i], 0);
    cJSON *cases = cJSON_AddArrayToObject(rep, "cases");
    for (size_t i = 0; i < r->n_cases; i++) {
        const sc_case *c = &r->cases[i];
        cJSON_AddItemToArray(cases, case_json(r, c));
        count_verdict(summary, "total");
        sc_verdict v = c->state == SC_CASE_DONE ? c->verdict : SC_VERDICT_ERROR;
        static const char *const by_verdict[] = {"errors",  "passed",        "failed", "errors",
                                                 "skipped", "known_failing", "stale"};
        count_verdict(summary, by_verdict[v]);
        if (c->flaky)
            count_verdict(summary, "flaky");
    }
    return rep;
}

static int write_report(const run *r, char *err, size_t errlen)
{
    const char *dir = r->cfg->out_dir;
    cJSON *rep = report_json(r);
    int rc = sc_runner_write_reports(rep, dir, err, errlen);
    cJSON_Delete(rep);
    return rc;
}

/* ---- main loop --------------------------------------------------------------------------- */

static void shutdown_peers(run *r)
{
    for (size_t i = 0; r->io != NULL && i < r->n_cases; i++)
        if (r->io[i].proxy.up)
            proxy_finish(r, &r->cases[i]);
    for (size_t i = 0; i < r->cfg->n_clients; i++)
        peer_stop(&r->drivers[i], SIGTERM);
    for (size_t i = 0; i < r->n_servers; i++)
        peer_stop(&r->servers[i], SIGTERM);
}

int sc_runner_run(const sc_run_config *cfg, char *err, size_t errlen)
{
    run r = {.cfg = cfg, .started_ms = sc_time_now_ms(), .started_wall = time(NULL)};
    for (size_t i = 0; i < cfg->n_clients; i++)
        r.drivers[i] = (peer){.impl = &cfg->clients[i], .is_server = false};
    for (size_t i = 0; i < cfg->n_servers; i++) {
        r.servers[i] = (peer){.impl = &cfg->servers[i], .is_server = true};
        r.server_impls[i] = &cfg->servers[i];
    }
    r.n_servers = cfg->n_servers;
    r.proxy_impl = (sc_impl){.name = "proxy", .program = self_exe(), .description = "fault proxy"};
    struct sigaction old_int, old_term;
    interrupted = 0;
    install_signals(&old_int, &old_term);

    int rc = 2;
    if (add_script_server(&r, err, errlen) != 0 || plan(&r, err, errlen) != 0)
        goto out;
    for (size_t i = 0; i < r.n_cases; i++)
        if (r.cases[i].state == SC_CASE_DONE) /* skipped at plan time */
            case_done(&r, &r.cases[i]);
    while (r.done < r.n_cases && !interrupted) {
        start_queued(&r, sc_time_now_ms());
        if (r.done < r.n_cases)
            poll_once(&r);
    }
    r.complete = r.done == r.n_cases;
    if (cfg->live_progress)
        fputc('\n', stderr);
    shutdown_peers(&r);
    if (write_report(&r, err, errlen) != 0) {
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
    sc_impl_free(&r.proxy_impl);
    if (r.scripts_path[0] != '\0')
        unlink(r.scripts_path);
    sc_impl_free(&r.script_impl);
    sigaction(SIGINT, &old_int, NULL);
    sigaction(SIGTERM, &old_term, NULL);
    if (interrupted)
        sc_log(SC_LOG_WARN, "run", "interrupted by signal %d; reports cover finished cases",
               (int)interrupted);
    return rc;
}
