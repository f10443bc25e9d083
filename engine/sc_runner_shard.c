/* sc_runner_shard: run --shard K/N. After planning, the run's cases (matrix cases in plan order,
 * then app cases) are cut into N slices by sc_shard; the cases outside slice K are dropped before
 * anything starts, and the report gets the "shard" block (docs/report-format.md) with the whole
 * run's case list, so that `streamconform merge` can check that the shards fit together. */
#include "sc_runner_internal.h"
#include "sc_scenario_app.h"
#include "sc_shard.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The measured duration of case `id` in an earlier report.json (its cases and applications), or
 * -1 when it has none. */
static int64_t timing_of(const cJSON *report, const char *id)
{
    static const char *const lists[] = {"cases", "applications"};
    for (size_t l = 0; report != NULL && l < sizeof lists / sizeof lists[0]; l++) {
        const cJSON *c = NULL;
        cJSON_ArrayForEach(c, cJSON_GetObjectItemCaseSensitive(report, lists[l]))
        {
            const cJSON *cid = cJSON_GetObjectItemCaseSensitive(c, "id");
            const cJSON *ms = cJSON_GetObjectItemCaseSensitive(c, "duration_ms");
            if (cJSON_IsString(cid) && strcmp(cid->valuestring, id) == 0 && cJSON_IsNumber(ms))
                return (int64_t)ms->valuedouble;
        }
    }
    return -1;
}

sc_shard_item sc_runner_shard_item(const cJSON *timings, const char *id, const sc_scenario *s)
{
    int64_t ms = timing_of(timings, id);
    /* app cases: the scenario's run_ms (without --policy's time_scale, which `list` lacks) */
    int64_t bound = sc_scenario_is_app(s) ? sc_scenario_app(s)->run_ms
                                          : (int64_t)sc_scenario_case_timeout_ms(s);
    return (sc_shard_item){.id = id,
                           .unit = sc_scenario_exclusive(s) ? sc_scenario_name(s) : NULL,
                           .ms = ms >= 0 ? ms : bound};
}

/* Drop the matrix cases without keep[i] (freed), keeping the order. */
static void keep_cases(sc_run *r, const bool *keep)
{
    size_t n = 0;
    for (size_t i = 0; i < r->n_cases; i++) {
        if (!keep[i]) {
            sc_case_free(&r->cases[i]);
            cJSON_Delete(r->io[i].records);
            continue;
        }
        if (n != i) {
            r->cases[n] = r->cases[i];
            r->io[n] = r->io[i];
        }
        n++;
    }
    r->n_cases = n;
}

/* The report's "shard" block: index, count, every case id, and this slice's ids. */
static cJSON *shard_json(const sc_run *r, const sc_shard_item *items, size_t n,
                         const size_t *slice_of)
{
    cJSON *o = cJSON_CreateObject();
    cJSON *all = cJSON_AddArrayToObject(o, "case_ids");
    cJSON *mine = cJSON_AddArrayToObject(o, "slice");
    cJSON_AddNumberToObject(o, "index", (double)r->cfg->shard_index);
    cJSON_AddNumberToObject(o, "count", (double)r->cfg->shard_count);
    for (size_t i = 0; all != NULL && mine != NULL && i < n; i++) {
        cJSON_AddItemToArray(all, cJSON_CreateString(items[i].id));
        if (slice_of[i] + 1 == r->cfg->shard_index)
            cJSON_AddItemToArray(mine, cJSON_CreateString(items[i].id));
    }
    return o;
}

int sc_run_shard(sc_run *r, char *err, size_t errlen)
{
    const sc_run_config *cfg = r->cfg;
    if (cfg->shard_count == 0)
        return 0;
    size_t n_matrix = r->n_cases, n = r->n_cases + r->apps.n_cases;
    sc_shard_item *items = calloc(n ? n : 1, sizeof *items);
    size_t *slice_of = calloc(n ? n : 1, sizeof *slice_of);
    bool *keep = calloc(n ? n : 1, sizeof *keep);
    int rc = -1;
    if (items == NULL || slice_of == NULL || keep == NULL)
        goto cleanup;
    for (size_t i = 0; i < r->n_cases; i++) {
        const sc_case *c = &r->cases[i];
        items[i] = sc_runner_shard_item(cfg->timings, c->id, c->scenario);
    }
    for (size_t i = 0; i < r->apps.n_cases; i++) {
        const sc_app_case *a = &r->apps.cases[i];
        items[n_matrix + i] = sc_runner_shard_item(cfg->timings, a->id, a->scenario);
    }
    if (sc_shard_assign(items, n, cfg->shard_count, slice_of) != 0)
        goto cleanup;
    r->shard = shard_json(r, items, n, slice_of);
    if (r->shard == NULL)
        goto cleanup;
    for (size_t i = 0; i < n; i++)
        keep[i] = slice_of[i] + 1 == cfg->shard_index;
    keep_cases(r, keep);
    sc_app_run_keep(&r->apps, keep + n_matrix);
    rc = 0;
cleanup:
    if (rc != 0)
        snprintf(err, errlen, "out of memory cutting %zu cases into %zu slices", n,
                 cfg->shard_count);
    free(items);
    free(slice_of);
    free(keep);
    return rc;
}
