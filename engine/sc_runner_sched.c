/* sc_runner_sched: the run's start order and slots (engine/sc_sched) and the report's "schedule"
 * block. The expected duration of a case is its duration_ms in --timings (an earlier
 * report.json) when it has one, else its scenario's bound (sc_runner_shard_item). */
#include "sc_runner_internal.h"
#include "sc_sched.h"
#include "sc_time.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* One measured duration of --timings. */
typedef struct {
    const char *id; /* borrowed from the timings report */
    int64_t ms;
} timing;

static int timing_cmp(const void *a, const void *b)
{
    return strcmp(((const timing *)a)->id, ((const timing *)b)->id);
}

/* The measured durations of `report` (its cases and applications) sorted by id into *out (the
 * caller frees); their count, or SIZE_MAX when out of memory. A report of n cases is looked up n
 * times: a sorted index instead of a walk of the report per case. */
static size_t timings_index(const cJSON *report, timing **out)
{
    static const char *const lists[] = {"cases", "applications"};
    size_t cap = 0, n = 0;
    *out = NULL;
    for (size_t l = 0; report != NULL && l < sizeof lists / sizeof lists[0]; l++)
        cap += (size_t)cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(report, lists[l]));
    if (cap == 0)
        return 0;
    timing *t = calloc(cap, sizeof *t);
    if (t == NULL)
        return SIZE_MAX;
    for (size_t l = 0; l < sizeof lists / sizeof lists[0]; l++) {
        const cJSON *c = NULL;
        cJSON_ArrayForEach(c, cJSON_GetObjectItemCaseSensitive(report, lists[l]))
        {
            const cJSON *id = cJSON_GetObjectItemCaseSensitive(c, "id");
            const cJSON *ms = cJSON_GetObjectItemCaseSensitive(c, "duration_ms");
            if (cJSON_IsString(id) && cJSON_IsNumber(ms) && n < cap)
                t[n++] = (timing){.id = id->valuestring, .ms = (int64_t)ms->valuedouble};
        }
    }
    qsort(t, n, sizeof *t, timing_cmp);
    *out = t;
    return n;
}

/* The expected duration of case c: measured, else its scenario's bound. */
static int64_t expected_ms(const timing *t, size_t n, const sc_case *c)
{
    timing key = {.id = c->id};
    const timing *hit = n > 0 ? bsearch(&key, t, n, sizeof *t, timing_cmp) : NULL;
    if (hit != NULL && hit->ms >= 0)
        return hit->ms;
    return sc_runner_shard_item(NULL, c->id, c->scenario).ms;
}

int sc_run_order(sc_run *r, char *err, size_t errlen)
{
    r->slots = (sc_sched_slots){.busy = r->cfg->jobs, .waiting = r->cfg->wait_jobs};
    timing *t = NULL;
    size_t nt = timings_index(r->cfg->timings, &t);
    int64_t *ms = calloc(r->n_cases ? r->n_cases : 1, sizeof *ms);
    r->order = calloc(r->n_cases ? r->n_cases : 1, sizeof *r->order);
    int rc = -1;
    if (nt == SIZE_MAX || ms == NULL || r->order == NULL)
        goto cleanup;
    for (size_t i = 0; i < r->n_cases; i++)
        ms[i] = expected_ms(t, nt, &r->cases[i]);
    rc = sc_sched_order(ms, r->n_cases, r->order);
cleanup:
    if (rc != 0)
        snprintf(err, errlen, "out of memory ordering %zu cases", r->n_cases);
    free(t);
    free(ms);
    return rc;
}

int64_t sc_run_case_time_ms(const sc_run *r)
{
    int64_t sum = 0;
    for (size_t i = 0; i < r->n_cases; i++)
        if (r->cases[i].state == SC_CASE_DONE && r->cases[i].verdict != SC_VERDICT_SKIP)
            sum += r->cases[i].duration_ms;
    for (size_t i = 0; i < r->apps.n_cases; i++)
        if (r->apps.cases[i].verdict != SC_VERDICT_SKIP)
            sum += r->apps.cases[i].duration_ms;
    return sum;
}

cJSON *sc_run_schedule_json(const sc_run *r)
{
    int64_t wall = sc_time_now_ms() - r->started_ms, sum = sc_run_case_time_ms(r);
    cJSON *o = cJSON_CreateObject();
    cJSON_AddNumberToObject(o, "busy_slots", r->slots.busy);
    cJSON_AddNumberToObject(o, "waiting_slots", r->slots.waiting);
    cJSON_AddStringToObject(o, "order", r->cfg->timings != NULL ? "timings" : "scenario bounds");
    cJSON_AddNumberToObject(o, "case_time_ms", (double)sum);
    cJSON_AddNumberToObject(o, "wall_ratio",
                            (double)(int64_t)(sc_sched_wall_ratio(wall, sum) * 1000 + 0.5) / 1000);
    return o;
}
