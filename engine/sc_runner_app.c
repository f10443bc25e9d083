/* sc_runner_app: running app cases. See sc_runner_app.h. The processes of a case and its
 * timeline live here; what was seen is turned into the judge's input by sc_app_observe, and the
 * verdict is sc_app_judge's. */
#include "sc_runner_app.h"
#include "sc_app_command.h"
#include "sc_log.h"
#include "sc_runner_internal.h"
#include "sc_runner_peer.h"
#include "sc_scenario_app.h"
#include "sc_status.h"
#include "sc_time.h"

#include <errno.h>
#include <poll.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static const char *const app_names[] = {SC_APP_CASE_STATES(SC_FSM_NAME)};
static const uint32_t app_legal[] = {
    [SC_APP_CASE_QUEUED] = SC_FSM_TO(SC_APP_CASE_RUNNING) | SC_FSM_TO(SC_APP_CASE_DONE),
    [SC_APP_CASE_RUNNING] = SC_FSM_TO(SC_APP_CASE_STOPPING) | SC_FSM_TO(SC_APP_CASE_SETTLING),
    [SC_APP_CASE_STOPPING] = SC_FSM_TO(SC_APP_CASE_SETTLING),
    [SC_APP_CASE_SETTLING] = SC_FSM_TO(SC_APP_CASE_DONE),
};
const sc_fsm_def sc_app_case_fsm = {"app", app_names, app_legal, SC_APP_CASE_STATE_COUNT};

static atomic_uint_fast64_t app_serials;

static void set_state(sc_app_case *c, sc_app_case_state to)
{
    sc_fsm_set(&sc_app_case_fsm, c->serial, &c->state, (int)to);
}

static int64_t case_now(const sc_app_case *c)
{
    return sc_time_now_ms() - c->t0;
}

/* ---- plan ------------------------------------------------------------------------------- */

static int plan_case(sc_app_run *ar, const sc_run_config *cfg, const sc_scenario *s,
                     const sc_impl *app, char *err, size_t errlen)
{
    size_t len = strlen(sc_scenario_name(s)) + strlen(app->name) + 2;
    char *id = malloc(len);
    if (id == NULL) {
        snprintf(err, errlen, "out of memory planning the app cases");
        return -1;
    }
    snprintf(id, len, "%s@%s", sc_scenario_name(s), app->name);
    if (cfg->filter != NULL && !sc_filter_selects(cfg->filter, s, id)) {
        free(id);
        return 0;
    }
    sc_app_case *c = &ar->cases[ar->n_cases++];
    *c = (sc_app_case){.id = id,
                       .scenario = s,
                       .app = app,
                       .serial = atomic_fetch_add(&app_serials, 1) + 1,
                       .exit_code = -1,
                       .restart_at = -1,
                       .restart_up_at = -1};
    const sc_app_section *a = sc_scenario_app(s);
    c->policy = a->expect.policy;
    int scale = 1;
    if (cfg->policy != NULL &&
        sc_app_policy_parse(cfg->policy, "--policy", "", &c->policy, &scale, err, errlen) != 0)
        return -1;
    c->run_ms = a->run_ms * scale;
    if (cfg->known_failing != NULL)
        c->known_failing = sc_case_list_match(cfg->known_failing, c->id);
    return 0;
}

int sc_app_run_plan(sc_app_run *ar, const sc_run_config *cfg, char *err, size_t errlen)
{
    memset(ar, 0, sizeof *ar);
    size_t max = cfg->scenarios->count * cfg->n_apps;
    ar->cases = calloc(max ? max : 1, sizeof *ar->cases);
    if (ar->cases == NULL) {
        snprintf(err, errlen, "out of memory planning %zu app cases", max);
        return -1;
    }
    for (size_t i = 0; i < cfg->scenarios->count; i++) {
        const sc_scenario *s = cfg->scenarios->items[i];
        for (size_t k = 0; sc_scenario_is_app(s) && k < cfg->n_apps; k++)
            if (plan_case(ar, cfg, s, &cfg->apps[k], err, errlen) != 0)
                return -1;
    }
    return 0;
}

static void free_list(char **list)
{
    for (size_t i = 0; list != NULL && list[i] != NULL; i++)
        free(list[i]);
    free(list);
}

/* ---- processes --------------------------------------------------------------------------- */

__attribute__((format(printf, 2, 3))) static void fail_case(sc_app_case *c, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(c->error, sizeof c->error, fmt, ap);
    va_end(ap);
}

/* The case's server: a new one, or the restarted one on the same port with the plan going on. */
static int start_server(sc_app_case *c, const char *self, int port, size_t skip)
{
    char listen[32], skip_s[24], origin[24];
    snprintf(listen, sizeof listen, "127.0.0.1:%d", port);
    snprintf(skip_s, sizeof skip_s, "%zu", skip);
    snprintf(origin, sizeof origin, "%lld", (long long)c->t0);
    char tick[16];
    snprintf(tick, sizeof tick, "%d", SC_APP_SERVER_TICK_MS);
    char *argv[] = {(char *)self,
                    "serve",
                    "--listen",
                    listen,
                    "--events",
                    "-",
                    "--quiet",
                    "--tick-ms",
                    tick,
                    "--call-plan",
                    c->plan_path,
                    "--call-plan-skip",
                    skip_s,
                    "--log-requests",
                    "--clock-origin-ms",
                    origin,
                    NULL};
    if (sc_proc_start(&c->server, argv, SC_RUNNER_READY_MS) != 0)
        return -1;
    c->server_port = c->server.port;
    c->server_up = true;
    return 0;
}

static int start_proxy(sc_app_case *c, const char *self)
{
    char upstream[32], origin[24];
    snprintf(upstream, sizeof upstream, "127.0.0.1:%d", c->server_port);
    snprintf(origin, sizeof origin, "%lld", (long long)c->t0);
    const cJSON *faults = sc_scenario_faults(c->scenario);
    char *text = faults != NULL ? cJSON_PrintUnformatted(faults) : strdup("[]");
    /* --control -: a restarted server comes back on a new port, and the proxy is told so */
    char *argv[] = {(char *)self,        "proxy",  "--listen",  "127.0.0.1:0",
                    "--upstream",        upstream, "--faults",  text ? text : "[]",
                    "--clock-origin-ms", origin,   "--control", "-",
                    "--quiet",           NULL};
    int rc = sc_proc_spawn(&c->proxy, argv, SC_PROC_STDIN);
    if (rc == 0 && sc_proc_wait_ready(&c->proxy, SC_RUNNER_READY_MS) != 0) {
        sc_proc_cleanup(&c->proxy);
        rc = -1;
    }
    free(text);
    c->proxy_up = rc == 0;
    return rc;
}

static int write_plan(sc_app_case *c)
{
    const char *tmp = getenv("TMPDIR");
    snprintf(c->plan_path, sizeof c->plan_path, "%s/sc-plan-XXXXXX.json",
             tmp != NULL && strlen(tmp) < 32 ? tmp : "/tmp");
    int fd = mkstemps(c->plan_path, 5);
    if (fd < 0) {
        c->plan_path[0] = '\0';
        return -1;
    }
    cJSON *plan = sc_scenario_app_plan(c->scenario, c->id);
    char *text = plan != NULL ? cJSON_PrintUnformatted(plan) : NULL;
    cJSON_Delete(plan);
    size_t len = text != NULL ? strlen(text) : 0;
    int rc = text != NULL && write(fd, text, len) == (ssize_t)len ? 0 : -1;
    free(text);
    close(fd);
    return rc;
}

static int spawn_app(sc_app_case *c)
{
    char *saved[SC_IMPL_MAX_ENV + 32] = {0};
    sc_peer_env_apply(c->env, saved);
    int rc = sc_proc_spawn(&c->proc, c->argv, SC_PROC_STDERR);
    sc_peer_env_restore(c->env, saved);
    if (rc != 0)
        return -1;
    c->spawned = c->app_up = true;
    c->app_start = case_now(c);
    return 0;
}

static void start_case(sc_app_case *c, const char *self, int64_t run_started_ms)
{
    c->t0 = sc_time_now_ms();
    c->started_ms = c->t0 - run_started_ms;
    c->events = cJSON_CreateArray();
    c->records = cJSON_CreateArray();
    c->output = malloc(SC_APP_OUTPUT_MAX);
    if (c->events == NULL || c->records == NULL || c->output == NULL)
        fail_case(c, "%s", "out of memory starting the case");
    else if (write_plan(c) != 0)
        fail_case(c, "cannot write the call plan in %s", getenv("TMPDIR") ? "$TMPDIR" : "/tmp");
    else if (start_server(c, self, 0, 0) != 0)
        fail_case(c, "%s", "the case's server (streamconform serve) gave no ready line");
    else if (start_proxy(c, self) != 0)
        fail_case(c, "%s", "the case's fault proxy gave no ready line");
    else if (sc_app_command_build(c->app, &c->policy, c->id, c->proxy.port, &c->argv, &c->env) != 0)
        fail_case(c, "%s", "out of memory building the application's command");
    else if (spawn_app(c) != 0)
        fail_case(c, "cannot start %s (fork failed)", c->app->program);
    const sc_app_section *a = sc_scenario_app(c->scenario);
    if (a->restart_at_ms >= 0)
        c->restart_at = c->app_start + a->restart_at_ms;
    if (c->error[0] == '\0')
        set_state(c, SC_APP_CASE_RUNNING);
}

/* ---- what the processes write ----------------------------------------------------------- */

static void keep_output(sc_app_case *c, const char *buf, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        c->output[c->out_pos] = buf[i];
        c->out_pos = (c->out_pos + 1) % SC_APP_OUTPUT_MAX;
        if (c->out_len < SC_APP_OUTPUT_MAX)
            c->out_len++;
    }
}

/* The output ring as one string (caller frees). */
static char *output_text(const sc_app_case *c)
{
    char *t = malloc(c->out_len + 1);
    if (t == NULL)
        return NULL;
    size_t start = c->out_len < SC_APP_OUTPUT_MAX ? 0 : c->out_pos;
    for (size_t i = 0; i < c->out_len; i++)
        t[i] = c->output[(start + i) % SC_APP_OUTPUT_MAX];
    t[c->out_len] = '\0';
    return t;
}

/* stdout and stderr of the application, as they come (one ring: their order is roughly kept). */
static void read_app(sc_app_case *c)
{
    char buf[4096];
    int fds[2] = {c->proc.out_fd, c->proc.err_fd};
    for (int i = 0; i < 2; i++) {
        ssize_t n;
        while (fds[i] >= 0 && (n = read(fds[i], buf, sizeof buf)) > 0)
            keep_output(c, buf, (size_t)n);
    }
}

static void read_server(sc_app_case *c)
{
    if (!c->server_up)
        return;
    sc_proc_fill(&c->server);
    char *line;
    while ((line = sc_proc_take_line(&c->server)) != NULL) {
        cJSON *ev = cJSON_Parse(line);
        free(line);
        if (ev == NULL || cJSON_GetArraySize(c->events) >= SC_APP_MAX_EVENTS) {
            c->events_dropped += ev != NULL;
            cJSON_Delete(ev);
            continue;
        }
        cJSON_AddNumberToObject(ev, "inc", c->incarnation);
        cJSON_AddItemToArray(c->events, ev);
    }
}

static void read_proxy(sc_app_case *c)
{
    if (!c->proxy_up)
        return;
    sc_proc_fill(&c->proxy);
    char *line;
    while ((line = sc_proc_take_line(&c->proxy)) != NULL) {
        cJSON *rec = cJSON_Parse(line);
        free(line);
        if (rec != NULL && cJSON_GetArraySize(c->records) < 2 * SC_APP_MAX_CONNS + 2)
            cJSON_AddItemToArray(c->records, rec);
        else
            cJSON_Delete(rec);
    }
}

/* Stop a helper process (server, proxy) and read its last lines. */
static void stop_helper(sc_app_case *c, sc_proc *p, bool *up, void (*read)(sc_app_case *))
{
    if (!*up)
        return;
    sc_proc_stop(p, SIGTERM, SC_RUNNER_STOP_MS);
    while (sc_proc_fill(p))
        ; /* the process is gone: read its pipe to the end */
    read(c);
    *up = false;
    sc_proc_cleanup(p);
}

/* ---- the timeline ------------------------------------------------------------------------- */

static size_t calls_started(const sc_app_case *c)
{
    size_t n = 0;
    const cJSON *ev = NULL;
    cJSON_ArrayForEach(ev, c->events)
    {
        const cJSON *name = cJSON_GetObjectItemCaseSensitive(ev, "event");
        n += cJSON_IsString(name) && strcmp(name->valuestring, "call_start") == 0;
    }
    return n;
}

/* Point the proxy at the restarted server: new connections go there. (A new port: the old one
 * may have been handed to another process while the server was down.) */
static void proxy_upstream(sc_app_case *c)
{
    char line[64];
    int n = snprintf(line, sizeof line, "{\"upstream\":\"127.0.0.1:%d\"}\n", c->server_port);
    if (!c->proxy_up || c->proxy.in_fd < 0 || write(c->proxy.in_fd, line, (size_t)n) != n)
        sc_log(SC_LOG_WARN, "run", "%s: could not point the proxy at the restarted server", c->id);
}

/* The scenario's server restart: down at restart_at, up again down_ms later (on a new port, the
 * proxy pointed at it), its plan going on with the next call. */
static void step_restart(sc_app_case *c, const char *self, int64_t now)
{
    if (c->restart_at >= 0 && !c->restart_done && c->server_up && now >= c->restart_at) {
        stop_helper(c, &c->server, &c->server_up, read_server);
        c->restarts[c->n_restarts++] = now;
        c->restart_up_at = now + sc_scenario_app(c->scenario)->restart_down_ms;
        c->restart_done = true;
    }
    if (c->restart_up_at >= 0 && now >= c->restart_up_at) {
        c->restart_up_at = -1;
        c->incarnation++;
        if (start_server(c, self, 0, calls_started(c)) != 0)
            sc_log(SC_LOG_WARN, "run", "%s: the server did not start again", c->id);
        else
            proxy_upstream(c);
    }
}

static void note_exit(sc_app_case *c, int status, int64_t now)
{
    c->app_up = false;
    c->exit_ms = now;
    if (WIFSIGNALED(status)) {
        c->exit_code = -1;
        c->exit_signal = WTERMSIG(status);
    } else {
        c->exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    }
}

static void step(sc_app_case *c, const char *self, int64_t now)
{
    int status = 0;
    bool gone = c->app_up && sc_proc_exited(&c->proc, &status);
    if (gone) {
        read_app(c);
        note_exit(c, status, now);
        c->exited = c->state == SC_APP_CASE_RUNNING;
        c->stopped_by_engine = !c->exited;
        c->settle_until = now + SC_APP_SETTLE_MS;
        set_state(c, SC_APP_CASE_SETTLING);
        return;
    }
    if (c->state == SC_APP_CASE_RUNNING) {
        step_restart(c, self, now);
        if (now >= c->app_start + c->run_ms) {
            kill(-c->proc.pgid, SIGTERM);
            c->stop_at = now;
            set_state(c, SC_APP_CASE_STOPPING);
        }
    } else if (c->state == SC_APP_CASE_STOPPING && now >= c->stop_at + SC_APP_GRACE_MS) {
        read_app(c);
        sc_proc_cleanup(&c->proc); /* SIGKILL to the group, reaped */
        c->app_up = false;
        c->stopped_by_engine = true;
        c->exit_code = -1;
        c->exit_signal = SIGKILL;
        c->exit_ms = now;
        c->settle_until = now + SC_APP_SETTLE_MS;
        set_state(c, SC_APP_CASE_SETTLING);
    }
}

static int64_t next_due(const sc_app_case *c)
{
    switch (c->state) {
    case SC_APP_CASE_RUNNING: {
        int64_t d = c->app_start + c->run_ms;
        if (c->restart_at >= 0 && !c->restart_done && c->restart_at < d)
            d = c->restart_at;
        if (c->restart_up_at >= 0 && c->restart_up_at < d)
            d = c->restart_up_at;
        return c->t0 + d;
    }
    case SC_APP_CASE_STOPPING:
        return c->t0 + c->stop_at + SC_APP_GRACE_MS;
    case SC_APP_CASE_SETTLING:
        return c->t0 + c->settle_until;
    default:
        return INT64_MAX;
    }
}

/* ---- verdicts ----------------------------------------------------------------------------- */

/* exec failed in the child (sc_proc prints "exec PROGRAM: why" and exits 127). */
static bool exec_failed(const sc_app_case *c, const char *output)
{
    return c->exited && c->exit_code == 127 && strncmp(output, "exec ", 5) == 0;
}

static void set_verdict(sc_app_case *c, sc_verdict v, const char *reason)
{
    c->verdict = v;
    free(c->reason);
    c->reason = strdup(reason != NULL ? reason : "");
}

static void conclude(sc_app_case *c)
{
    if (c->judged.passed) {
        bool stale = c->known_failing != NULL && !sc_known_failing_is_sometimes(c->known_failing);
        set_verdict(c, stale ? SC_VERDICT_STALE : SC_VERDICT_PASS,
                    stale ? "listed in --known-failing but passed" : "");
    } else if (c->known_failing != NULL) {
        set_verdict(c, SC_VERDICT_KNOWN_FAILING, c->known_failing);
    } else {
        set_verdict(c, SC_VERDICT_FAIL, c->judged.findings[0].sentence);
    }
}

/* Where the judge's view of the application ends: when it exited on its own, else when the
 * engine told it to stop (SIGTERM at run_ms). What it does after the stop is shutting down: a
 * call it ends on the way out is not a broken connection it should retry. */
static int64_t judged_end_ms(const sc_app_case *c)
{
    return !c->exited && c->stop_at > 0 ? c->stop_at : c->exit_ms;
}

static void judge(sc_app_case *c)
{
    char *output = output_text(c);
    int64_t shift = c->app_start;
    if (output == NULL ||
        sc_app_seen_build(&c->seen, c->scenario, c->events, c->records, shift, c->restarts,
                          c->n_restarts) != 0 ||
        (c->gaps = calloc(c->seen.n_calls + 1, sizeof *c->gaps)) == NULL) {
        free(output);
        set_verdict(c, SC_VERDICT_ERROR, "out of memory judging the case");
        return;
    }
    char start_error[256];
    bool exec_bad = exec_failed(c, output);
    snprintf(start_error, sizeof start_error, "%.200s", exec_bad ? output : "");
    start_error[strcspn(start_error, "\n")] = '\0';
    sc_app_observed o = {.calls = c->seen.calls,
                         .n_calls = c->seen.n_calls,
                         .calls_over_cap = c->seen.calls_over_cap,
                         .conns = c->seen.conns,
                         .n_conns = c->seen.n_conns,
                         .started = !exec_bad,
                         .start_error = exec_bad ? start_error : NULL,
                         .exited = c->exited,
                         .exit_code = c->exit_code,
                         .exit_signal = c->exited ? c->exit_signal : 0,
                         .end_ms = judged_end_ms(c) - shift,
                         .run_ms = c->run_ms,
                         .disruptions = c->seen.disruptions,
                         .n_disruptions = c->seen.n_disruptions};
    sc_app_expect e = sc_scenario_app(c->scenario)->expect;
    e.policy = c->policy;
    c->judged.gaps = c->gaps;
    sc_app_judge(&e, &o, &c->judged);
    free(output);
    conclude(c);
}

/* Every way a case ends comes here: its processes are stopped and its plan file removed. */
static void finish(sc_app_case *c, int64_t now)
{
    if (c->app_up) {
        read_app(c);
        sc_proc_cleanup(&c->proc);
        c->app_up = false;
    }
    stop_helper(c, &c->proxy, &c->proxy_up, read_proxy);
    stop_helper(c, &c->server, &c->server_up, read_server);
    if (c->plan_path[0] != '\0') {
        unlink(c->plan_path);
        c->plan_path[0] = '\0';
    }
    if (c->error[0] != '\0')
        set_verdict(c, SC_VERDICT_ERROR, c->error);
    else
        judge(c);
    c->duration_ms = now - c->t0;
    set_state(c, SC_APP_CASE_DONE);
}

bool sc_app_case_fails_run(const sc_app_case *c)
{
    return c->verdict == SC_VERDICT_FAIL || c->verdict == SC_VERDICT_ERROR ||
           c->verdict == SC_VERDICT_STALE;
}

/* ---- the loop ----------------------------------------------------------------------------- */

static bool exclusive_running(const sc_app_run *ar)
{
    for (size_t i = 0; i < ar->n_cases; i++) {
        const sc_app_case *c = &ar->cases[i];
        if (c->state != SC_APP_CASE_QUEUED && c->state != SC_APP_CASE_DONE &&
            sc_scenario_exclusive(c->scenario))
            return true;
    }
    return false;
}

static void start_queued(sc_app_run *ar, const char *self, size_t parallel, int64_t run_start,
                         void (*on_done)(void *, sc_app_case *), void *ctx)
{
    for (size_t i = 0; i < ar->n_cases && ar->in_flight < parallel; i++) {
        sc_app_case *c = &ar->cases[i];
        if (c->state != SC_APP_CASE_QUEUED || exclusive_running(ar))
            continue;
        if (sc_scenario_exclusive(c->scenario) && ar->in_flight > 0)
            continue;
        start_case(c, self, run_start);
        if (c->state == SC_APP_CASE_QUEUED) { /* it could not start */
            finish(c, sc_time_now_ms());
            ar->done++;
            ar->failing += sc_app_case_fails_run(c);
            on_done(ctx, c);
            continue;
        }
        ar->in_flight++;
    }
}

/* The pipes of the running cases; the poll timeout until the next case is due. */
static size_t gather(sc_app_run *ar, struct pollfd *fds, sc_app_case **owner, int *timeout)
{
    size_t n = 0;
    int64_t now = sc_time_now_ms(), next = now + 500;
    for (size_t i = 0; i < ar->n_cases; i++) {
        sc_app_case *c = &ar->cases[i];
        if (c->state == SC_APP_CASE_QUEUED || c->state == SC_APP_CASE_DONE)
            continue;
        int all[4] = {c->server_up ? c->server.out_fd : -1, c->proxy_up ? c->proxy.out_fd : -1,
                      c->app_up ? c->proc.out_fd : -1, c->app_up ? c->proc.err_fd : -1};
        for (int k = 0; k < 4; k++) {
            if (all[k] < 0)
                continue;
            fds[n] = (struct pollfd){.fd = all[k], .events = POLLIN};
            owner[n++] = c;
        }
        int64_t d = next_due(c);
        next = d < next ? d : next;
    }
    /* an exited application closes no pipe of ours when a child of it keeps them: look every
     * 50 ms */
    *timeout = next <= now ? 0 : (int)(next - now < 50 ? next - now : 50);
    return n;
}

static void read_all(sc_app_case *c)
{
    read_server(c);
    read_proxy(c);
    if (c->app_up)
        read_app(c);
}

void sc_app_run_all(sc_app_run *ar, const sc_run_config *cfg, const char *self,
                    volatile sig_atomic_t *interrupted, void (*on_done)(void *ctx, sc_app_case *c),
                    void *ctx)
{
    size_t parallel =
        cfg->jobs > 0 && cfg->jobs < SC_APP_MAX_PARALLEL ? (size_t)cfg->jobs : SC_APP_MAX_PARALLEL;
    int64_t run_start = sc_time_now_ms();
    struct pollfd fds[4 * SC_APP_MAX_PARALLEL];
    sc_app_case *owner[4 * SC_APP_MAX_PARALLEL];
    while (ar->done < ar->n_cases && !*interrupted) {
        start_queued(ar, self, parallel, run_start, on_done, ctx);
        int timeout = 0;
        size_t n = gather(ar, fds, owner, &timeout);
        if (n > 0 || timeout > 0)
            poll(fds, n, timeout);
        for (size_t i = 0; i < n; i++)
            if (fds[i].revents != 0)
                read_all(owner[i]);
        for (size_t i = 0; i < ar->n_cases; i++) {
            sc_app_case *c = &ar->cases[i];
            if (c->state == SC_APP_CASE_QUEUED || c->state == SC_APP_CASE_DONE)
                continue;
            int64_t now = sc_time_now_ms();
            step(c, self, now - c->t0);
            if (c->state != SC_APP_CASE_SETTLING || now - c->t0 < c->settle_until)
                continue;
            finish(c, now);
            ar->in_flight--;
            ar->done++;
            ar->failing += sc_app_case_fails_run(c);
            on_done(ctx, c);
        }
    }
}

/* ---- report.json -------------------------------------------------------------------------- */

static cJSON *exit_json(const sc_app_case *c)
{
    cJSON *o = cJSON_CreateObject();
    if (o == NULL)
        return NULL;
    cJSON_AddBoolToObject(o, "exited", c->exited);
    if (c->exit_code >= 0)
        cJSON_AddNumberToObject(o, "code", c->exit_code);
    else
        cJSON_AddNullToObject(o, "code");
    if (c->exit_signal > 0)
        cJSON_AddNumberToObject(o, "signal", c->exit_signal);
    else
        cJSON_AddNullToObject(o, "signal");
    cJSON_AddNumberToObject(o, "at_ms", (double)(c->spawned ? c->exit_ms - c->app_start : 0));
    cJSON_AddBoolToObject(o, "stopped_by_engine", c->stopped_by_engine);
    return o;
}

static void add_findings(cJSON *o, const sc_app_case *c)
{
    cJSON *findings = cJSON_AddArrayToObject(o, "findings");
    cJSON *failures = cJSON_AddArrayToObject(o, "failures");
    char policy[128];
    sc_app_policy_describe(&c->policy, policy, sizeof policy);
    for (size_t i = 0; c->state == SC_APP_CASE_DONE && i < c->judged.n_findings; i++) {
        const sc_app_finding *f = &c->judged.findings[i];
        cJSON *fo = cJSON_CreateObject();
        cJSON_AddStringToObject(fo, "check", f->check);
        cJSON_AddStringToObject(fo, "sentence", f->sentence);
        cJSON_AddItemToArray(findings, fo);
        char path[64];
        snprintf(path, sizeof path, "app.%s", f->check);
        cJSON *fl = cJSON_CreateObject();
        cJSON_AddStringToObject(fl, "path", path);
        cJSON_AddStringToObject(fl, "expected", policy);
        cJSON_AddStringToObject(fl, "actual", f->sentence);
        cJSON_AddItemToArray(failures, fl);
    }
}

static void add_seen(cJSON *o, const sc_app_case *c)
{
    cJSON_AddItemToObject(o, "calls", sc_app_seen_calls_json(&c->seen));
    cJSON_AddItemToObject(o, "connections", sc_app_seen_conns_json(&c->seen));
    cJSON_AddItemToObject(o, "disruptions", sc_app_seen_disruptions_json(&c->seen));
    size_t n_gaps = c->seen.n_calls > 0 ? c->seen.n_calls - 1 : 0;
    cJSON_AddItemToObject(o, "reconnect",
                          sc_app_seen_reconnect_json(&c->seen, &c->policy, c->gaps, n_gaps));
    cJSON_AddItemToObject(o, "exit", exit_json(c));
    char *out = c->output != NULL ? output_text(c) : NULL;
    cJSON_AddStringToObject(o, "output", out != NULL ? out : "");
    free(out);
}

static cJSON *case_json(const sc_app_case *c)
{
    bool done = c->state == SC_APP_CASE_DONE;
    cJSON *o = cJSON_CreateObject();
    if (o == NULL)
        return NULL;
    cJSON_AddStringToObject(o, "id", c->id);
    cJSON_AddStringToObject(o, "scenario", sc_scenario_name(c->scenario));
    cJSON_AddStringToObject(o, "summary", sc_scenario_summary(c->scenario));
    cJSON_AddStringToObject(o, "app", c->app->name);
    cJSON *cmd = cJSON_AddArrayToObject(o, "command");
    for (size_t i = 0; c->argv != NULL && c->argv[i] != NULL; i++)
        cJSON_AddItemToArray(cmd, cJSON_CreateString(c->argv[i]));
    cJSON_AddStringToObject(o, "verdict", done ? sc_verdict_name(c->verdict) : "error");
    cJSON_AddStringToObject(
        o, "reason", done ? (c->reason ? c->reason : "") : "not finished: the run was interrupted");
    cJSON_AddBoolToObject(o, "flaky", false);
    cJSON_AddNumberToObject(o, "attempts", c->t0 > 0 ? 1 : 0);
    cJSON_AddNumberToObject(o, "duration_ms", (double)c->duration_ms);
    cJSON_AddNumberToObject(o, "start_ms", c->t0 > 0 ? (double)c->started_ms : -1.0);
    add_findings(o, c);
    cJSON_AddItemToObject(o, "policy", sc_app_policy_to_json(&c->policy));
    cJSON_AddItemToObject(o, "expected", sc_scenario_app_expected_json(c->scenario));
    add_seen(o, c);
    cJSON_AddNullToObject(o, "trace");
    return o;
}

cJSON *sc_app_run_json(const sc_app_run *ar, int64_t run_started_ms)
{
    (void)run_started_ms;
    cJSON *list = cJSON_CreateArray();
    for (size_t i = 0; list != NULL && i < ar->n_cases; i++)
        cJSON_AddItemToArray(list, case_json(&ar->cases[i]));
    return list;
}

/* Free one case's processes, files and memory. */
static void app_case_free(sc_app_case *c)
{
    if (c->state != SC_APP_CASE_QUEUED && c->state != SC_APP_CASE_DONE)
        finish(c, sc_time_now_ms());
    sc_proc_cleanup(&c->proc);
    if (c->plan_path[0] != '\0')
        unlink(c->plan_path);
    free(c->id);
    free(c->reason);
    free_list(c->argv);
    free_list(c->env);
    cJSON_Delete(c->events);
    cJSON_Delete(c->records);
    free(c->output);
    sc_app_seen_free(&c->seen);
    free(c->gaps);
}

void sc_app_run_keep(sc_app_run *ar, const bool *keep)
{
    size_t n = 0;
    for (size_t i = 0; i < ar->n_cases; i++) {
        if (!keep[i]) {
            app_case_free(&ar->cases[i]);
            continue;
        }
        if (n != i)
            ar->cases[n] = ar->cases[i];
        n++;
    }
    ar->n_cases = n;
}

void sc_app_run_free(sc_app_run *ar)
{
    for (size_t i = 0; ar->cases != NULL && i < ar->n_cases; i++)
        app_case_free(&ar->cases[i]);
    free(ar->cases);
    memset(ar, 0, sizeof *ar);
}
