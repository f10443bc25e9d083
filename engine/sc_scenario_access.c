/* sc_scenario_access: what the runner asks a loaded scenario: accessors, the bound of a case,
 * which client x server pairs it applies to, the driver instruction and the scripted server's
 * line of a case, and the expectations for the report. */
#include "sc_scenario_internal.h"
#include "sc_instr.h"
#include "sc_method.h"

#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- accessors ---- */

const char *sc_scenario_name(const sc_scenario *s)
{
    return s->name;
}

const char *sc_scenario_summary(const sc_scenario *s)
{
    return s->summary;
}

const char *sc_scenario_origin(const sc_scenario *s)
{
    return s->origin;
}

const cJSON *sc_scenario_faults(const sc_scenario *s)
{
    return s->faults;
}

const char *sc_scenario_method(const sc_scenario *s)
{
    return sc_method_name(s->method);
}

size_t sc_scenario_tag_count(const sc_scenario *s)
{
    return s->n_tags;
}

const char *sc_scenario_tag(const sc_scenario *s, size_t i)
{
    return i < s->n_tags ? s->tags[i] : NULL;
}

static int64_t json_int(const cJSON *obj, const char *key, int64_t dflt)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);
    return cJSON_IsNumber(v) ? (int64_t)v->valuedouble : dflt;
}

/* A decimal metadata value as ms (0 when absent or not a number). */
static double md_ms(const cJSON *md, const char *key)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(md, key);
    if (!cJSON_IsString(v))
        return 0;
    char *end = NULL;
    double ms = strtod(v->valuestring, &end);
    return end != v->valuestring && ms > 0 && ms <= (double)SC_SCENARIO_MAX_MS ? ms : 0;
}

/* The grpc-retry-pushback-ms the server side sends: its control key, or a script's trailer. */
static double scenario_pushback_ms(const sc_scenario *s)
{
    double control = md_ms(s->control, "x-sc-retry-pushback-ms");
    double script = s->script != NULL
                        ? md_ms(cJSON_GetObjectItemCaseSensitive(s->script, "trailers"),
                                "grpc-retry-pushback-ms")
                        : 0;
    return control > script ? control : script;
}

long sc_scenario_case_timeout_ms(const sc_scenario *s)
{
    /* The calls of a case run side by side: the case lasts as long as its longest call. */
    long longest = 0;
    for (size_t i = 0; i < s->n_companions; i++) {
        long t = sc_scenario_case_timeout_ms(s->companions[i]);
        if (t > longest)
            longest = t;
    }
    double total = SC_SCENARIO_CASE_MARGIN_MS + (double)json_int(s->client, "start_delay_ms", 0);
    if (s->script != NULL) {
        total += (double)json_int(s->script, "initial_delay_ms", 0);
        const cJSON *r = NULL;
        cJSON_ArrayForEach(r, cJSON_GetObjectItemCaseSensitive(s->script, "responses")) total +=
            (double)json_int(r, "delay_ms", 0);
        total +=
            (double)json_int(cJSON_GetObjectItemCaseSensitive(s->script, "status"), "delay_ms", 0);
    }
    /* Each attempt ends by its deadline, whatever its delays; the requests' spacing and a cancel
     * position are added anyway, in case a driver starts the deadline late. */
    const cJSON *reqs = cJSON_GetObjectItemCaseSensitive(s->client, "requests");
    double spacing = (double)json_int(s->client, "request_delay_ms", 0) *
                     (double)(cJSON_IsArray(reqs) ? cJSON_GetArraySize(reqs) : 0);
    double per_attempt = (double)s->timeout_ms + spacing;
    total += per_attempt * (double)s->max_attempts;
    /* Worst-case waits: each gap at its largest (jitter up, the exhausted wait, or the pushback
     * the server is told to send). */
    double pushback = scenario_pushback_ms(s);
    double current = (double)s->backoff_initial_ms;
    for (int64_t i = 1; i < s->max_attempts; i++) {
        double w = current * (1.0 + s->backoff_jitter);
        if ((double)s->exhausted_backoff_ms > w)
            w = (double)s->exhausted_backoff_ms;
        if (s->honor_pushback && pushback > w)
            w = pushback;
        total += w;
        current = fmin(current * s->backoff_multiplier, (double)s->backoff_max_ms);
    }
    if (total > (double)LONG_MAX / 2)
        return LONG_MAX / 2;
    long own = (long)ceil(total);
    return own > longest ? own : longest;
}

static bool list_has(const cJSON *list, const char *name)
{
    const cJSON *v = NULL;
    cJSON_ArrayForEach(v, list)
    {
        if (cJSON_IsString(v) && strcmp(v->valuestring, name) == 0)
            return true;
    }
    return false;
}

bool sc_scenario_applies(const sc_scenario *s, const char *client, const char *server,
                         const char **why)
{
    const char *dummy = NULL;
    if (why == NULL)
        why = &dummy;
    *why = NULL;
    if (s->app != NULL) {
        *why = "an app scenario: it checks an application (run --app), not a client x server pair";
        return false;
    }
    bool on_script = server != NULL && strcmp(server, SC_SCENARIO_SCRIPT_SERVER) == 0;
    if (s->script != NULL && !on_script) {
        *why = "server.script is played by the engine's scripted server (the \"script\" column)";
        return false;
    }
    if (s->script == NULL && on_script) {
        *why = "the scripted server plays server.script scenarios only";
        return false;
    }
    /* The client drivers send and read DataService types only. */
    if (s->script != NULL &&
        (sc_scenario_has_raw_requests(s) || sc_scenario_path_outside(s) != NULL)) {
        *why = "raw messages of a method outside DataService: replay it with streamconform "
               "replay";
        return false;
    }
    if (s->applies_clients != NULL && (client == NULL || !list_has(s->applies_clients, client))) {
        *why = s->applies_reason != NULL ? s->applies_reason
                                         : "client not listed in applies_to.clients";
        return false;
    }
    if (s->applies_servers != NULL && !on_script &&
        (server == NULL || !list_has(s->applies_servers, server))) {
        *why = s->applies_reason != NULL ? s->applies_reason
                                         : "server not listed in applies_to.servers";
        return false;
    }
    return true;
}

size_t sc_scenario_companion_count(const sc_scenario *s)
{
    return s->n_companions;
}

const sc_scenario *sc_scenario_companion(const sc_scenario *s, size_t i)
{
    return i < s->n_companions ? s->companions[i] : NULL;
}

void sc_scenario_companion_id(char *out, size_t len, const char *case_id, size_t i)
{
    snprintf(out, len, "%s%s%zu", case_id, SC_SCENARIO_COMPANION_SEP, i + 1);
}

/* channel.share names a channel of one case: the driver sees "<case id>/<name>" (name: the text
 * after the last '/', so that scoping twice, a companion's id and then its parent's, keeps it),
 * so that the calls of one case share it and other cases in flight on the driver never do. */
static int scope_share(cJSON *instr, const char *case_id)
{
    cJSON *ch = cJSON_GetObjectItemCaseSensitive(instr, "channel");
    cJSON *share = cJSON_GetObjectItemCaseSensitive(ch, "share");
    if (!cJSON_IsString(share))
        return 0;
    const char *name = share->valuestring;
    const char *slash = strrchr(name, '/');
    char scoped[SC_SCENARIO_MAX_CASE_ID + 256];
    snprintf(scoped, sizeof scoped, "%s/%s", case_id, slash != NULL ? slash + 1 : name);
    cJSON *v = cJSON_CreateString(scoped);
    if (v == NULL)
        return -1;
    cJSON_ReplaceItemInObjectCaseSensitive(ch, "share", v);
    return 0;
}

cJSON *sc_scenario_companion_instruction(const sc_scenario *s, size_t i, const char *case_id,
                                         const char *target)
{
    if (i >= s->n_companions)
        return NULL;
    char id[SC_SCENARIO_MAX_CASE_ID];
    sc_scenario_companion_id(id, sizeof id, case_id, i);
    cJSON *o = sc_scenario_instruction(s->companions[i], id, target);
    if (o != NULL && scope_share(o, case_id) != 0) {
        cJSON_Delete(o);
        return NULL;
    }
    return o;
}

cJSON *sc_scenario_instruction(const sc_scenario *s, const char *case_id, const char *target)
{
    cJSON *o = sc_instr_write(s->client, s->control, s->method, case_id, target);
    if (o != NULL && sc_scenario_resolve_per_case(cJSON_GetObjectItemCaseSensitive(o, "requests"),
                                                  case_id) != 0) {
        cJSON_Delete(o);
        return NULL;
    }
    /* A companion's is scoped again with its parent's id by the caller (the last scope wins:
     * the original name is kept apart). */
    if (o != NULL && scope_share(o, case_id) != 0) {
        cJSON_Delete(o);
        return NULL;
    }
    return o;
}

bool sc_scenario_exclusive(const sc_scenario *s)
{
    return s->exclusive;
}

bool sc_scenario_expects_server_call(const sc_scenario *s)
{
    const sc_expect_server *sv = &s->ex.server;
    return sv->given && (sv->beyond_calls || (sv->calls.given && sv->calls.min >= 1));
}

bool sc_scenario_times_timers(const sc_scenario *s)
{
    return (s->ex.attempts.given && s->ex.attempts.schedule) ||
           (s->ex.network.given && s->ex.network.schedule) ||
           (s->ex.server.given && s->ex.server.call_gaps_ms.given);
}

unsigned sc_scenario_transports(const sc_scenario *s)
{
    return s->transports;
}

bool sc_scenario_is_scripted(const sc_scenario *s)
{
    return s->script != NULL;
}

cJSON *sc_scenario_script_line(const sc_scenario *s, const char *case_id)
{
    if (s->script == NULL)
        return NULL;
    cJSON *o = cJSON_CreateObject();
    cJSON *script = cJSON_Duplicate(s->script, true);
    const char *path = sc_scenario_path_outside(s);
    if (o == NULL || script == NULL || cJSON_AddStringToObject(o, "case", case_id) == NULL ||
        cJSON_AddStringToObject(o, "method", sc_method_name(s->method)) == NULL ||
        (path != NULL && cJSON_AddStringToObject(o, "path", path) == NULL) ||
        !cJSON_AddItemToObject(o, "script", script)) {
        cJSON_Delete(script);
        cJSON_Delete(o);
        return NULL;
    }
    return o;
}

cJSON *sc_scenario_expected_json(const sc_scenario *s)
{
    cJSON *e = cJSON_Duplicate(s->expect, true);
    if (e == NULL)
        return NULL;
    if (cJSON_GetObjectItemCaseSensitive(e, "other_allowed_codes") == NULL)
        cJSON_AddItemToObject(e, "other_allowed_codes", cJSON_CreateArray());
    cJSON *att = cJSON_GetObjectItemCaseSensitive(e, "attempts");
    cJSON *sched = att != NULL ? cJSON_GetObjectItemCaseSensitive(att, "schedule") : NULL;
    if (sched != NULL) {
        cJSON *p = sc_scenario_schedule_policy_json(s);
        if (p == NULL) {
            cJSON_Delete(e);
            return NULL;
        }
        cJSON_ReplaceItemInObjectCaseSensitive(att, "schedule", p);
    }
    return e;
}
