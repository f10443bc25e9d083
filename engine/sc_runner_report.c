/* sc_runner_report: the run as a report.json tree (docs/report-format.md), and where it becomes
 * files (reports/ does the writing). */
#include "sc_report.h"
#include "sc_report_sample.h"
#include "sc_runner.h"
#include "sc_runner_internal.h"
#include "sc_scenario_internal.h"
#include "sc_time.h"

#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

/* Room for the host name in report.json: POSIX HOST_NAME_MAX is 255 on Linux. */
#define SC_REPORT_HOSTNAME_MAX 256

/* A skip because the scenario holds recorded raw messages (or a method outside DataService) that
 * the client drivers cannot send: the same test as sc_scenario_applies, so the reports can count
 * these apart from the plain skips without reading the reason text. */
bool sc_run_case_replay_only(const sc_run *r, const sc_case *c)
{
    const sc_scenario *s = c->scenario;
    return c->state == SC_CASE_DONE && c->verdict == SC_VERDICT_SKIP &&
           strcmp(r->server_impls[c->server]->name, SC_SCENARIO_SCRIPT_SERVER) == 0 &&
           sc_scenario_is_scripted(s) &&
           (sc_scenario_has_raw_requests(s) || sc_scenario_path_outside(s) != NULL);
}

int sc_runner_write_reports(const cJSON *report, const char *dir, char *err, size_t errlen)
{
    return sc_report_write_all(report, dir, err, errlen);
}

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

static cJSON *case_json(const sc_run *r, const sc_case *c)
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
    if (c->known_flaky) /* the report says the case was on the flaky list */
        cJSON_AddBoolToObject(o, "known_flaky", true);
    if (sc_run_case_replay_only(r, c))
        cJSON_AddBoolToObject(o, "replay_only", true);
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

/* The case as report.json keeps it: a pass or a skip keeps its counts, timings and a sample of
 * its responses, a known failure everything but a sample of its responses (docs/report-format.md,
 * "Sampled cases"); run --full keeps every case whole. */
static cJSON *report_case_json(const sc_run *r, const sc_case *c)
{
    cJSON *o = case_json(r, c);
    if (o != NULL)
        sc_report_compact_case(o, r->cfg->full);
    return o;
}

/* Whether the engine had the server's event log, and why not (docs/report-format.md). */
static void add_server_notes(cJSON *d, const sc_impl *impl)
{
    bool log = sc_impl_has_event_log(impl);
    cJSON_AddBoolToObject(d, "server_event_log", log);
    if (impl->address != NULL)
        cJSON_AddStringToObject(d, "server_address", impl->address);
    if (log)
        return;
    char note[512];
    if (impl->address != NULL)
        snprintf(note, sizeof note,
                 "given by address (%.300s): the engine neither started nor stopped it, and its "
                 "event log was not available",
                 impl->address);
    else
        snprintf(note, sizeof note,
                 "its event log was not available (it does not declare the feature \"events\")");
    cJSON_AddStringToObject(d, "server_note", note);
}

static void count_verdict(cJSON *summary, const char *key)
{
    cJSON *n = cJSON_GetObjectItemCaseSensitive(summary, key);
    cJSON_SetNumberValue(n, n->valuedouble + 1);
}

cJSON *sc_run_report_json(const sc_run *r)
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
    char host[SC_REPORT_HOSTNAME_MAX] = "";
    if (gethostname(host, sizeof host - 1) == 0 && host[0] != '\0')
        cJSON_AddStringToObject(rep, "hostname", host);
    cJSON_AddNumberToObject(rep, "duration_ms", (double)(sc_time_now_ms() - r->started_ms));
    cJSON_AddBoolToObject(rep, "complete", r->complete);
    if (r->shard != NULL)
        cJSON_AddItemToObject(rep, "shard", cJSON_Duplicate(r->shard, 1));
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
        if (impl->transport != SC_TRANSPORT_PLAINTEXT) /* a column of run --transport */
            cJSON_AddStringToObject(d, "server_transport", sc_transport_name(impl->transport));
        add_server_notes(d, impl);
    }
    cJSON *summary = cJSON_AddObjectToObject(rep, "summary");
    const char *keys[] = {"total",         "passed", "failed", "errors",     "skipped",
                          "known_failing", "stale",  "flaky",  "replay_only"};
    for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++)
        cJSON_AddNumberToObject(summary, keys[i], 0);
    cJSON_AddItemToObject(rep, "schedule", sc_run_schedule_json(r));
    cJSON *cases = cJSON_AddArrayToObject(rep, "cases");
    for (size_t i = 0; i < r->n_cases; i++) {
        const sc_case *c = &r->cases[i];
        cJSON_AddItemToArray(cases, report_case_json(r, c));
        count_verdict(summary, "total");
        sc_verdict v = c->state == SC_CASE_DONE ? c->verdict : SC_VERDICT_ERROR;
        static const char *const by_verdict[] = {"errors",  "passed",        "failed", "errors",
                                                 "skipped", "known_failing", "stale"};
        count_verdict(summary, by_verdict[v]);
        if (c->flaky)
            count_verdict(summary, "flaky");
        if (sc_run_case_replay_only(r, c))
            count_verdict(summary, "replay_only");
    }
    if (r->apps.n_cases == 0)
        return rep;
    cJSON *apps = sc_app_run_json(&r->apps, r->started_ms);
    cJSON_AddItemToObject(rep, "applications", apps);
    const cJSON *a = NULL;
    cJSON_ArrayForEach(a, apps)
    {
        static const char *const by_name[][2] = {{"pass", "passed"},
                                                 {"fail", "failed"},
                                                 {"error", "errors"},
                                                 {"skip", "skipped"},
                                                 {"known_failing", "known_failing"},
                                                 {"stale", "stale"}};
        const cJSON *v = cJSON_GetObjectItemCaseSensitive(a, "verdict");
        count_verdict(summary, "total");
        for (size_t k = 0; cJSON_IsString(v) && k < sizeof by_name / sizeof by_name[0]; k++)
            if (strcmp(v->valuestring, by_name[k][0]) == 0)
                count_verdict(summary, by_name[k][1]);
    }
    return rep;
}

int sc_run_write_report(const sc_run *r, char *err, size_t errlen)
{
    const char *dir = r->cfg->out_dir;
    cJSON *rep = sc_run_report_json(r);
    int rc = sc_runner_write_reports(rep, dir, err, errlen);
    cJSON_Delete(rep);
    return rc;
}
