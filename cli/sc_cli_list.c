/* sc_cli_list: `streamconform list`. See sc_cli_list.h. */
#include "sc_cli_list.h"
#include "sc_scenario_app.h"
#include "sc_scenario_needs.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* What `list` counts for one implementation in one role. */
typedef struct {
    size_t cases, apply, other;
    size_t partner;                /* skipped for a feature the other side of the pair lacks */
    size_t missing[SC_FEAT_COUNT]; /* cases skipped because it lacks this feature */
} impl_tally;

/* Count one case for the implementation of `role` in it. */
static void tally_case(impl_tally *t, const sc_needs *needs, sc_role role, const sc_impl *impl,
                       bool applies, bool by_feature)
{
    t->cases++;
    if (applies) {
        t->apply++;
        return;
    }
    sc_feature_mask m = sc_needs_missing(needs, role, impl->features);
    if (!by_feature || m == 0) {
        *(by_feature ? &t->partner : &t->other) += 1;
        return;
    }
    for (int f = 0; f < SC_FEAT_COUNT; f++)
        if (m & SC_FEAT_BIT(f))
            t->missing[f]++;
}

static void print_tally(sc_role role, const char *name, const impl_tally *t)
{
    fprintf(stderr, "  %s %s: %zu of %zu cases apply", sc_role_name(role), name, t->apply,
            t->cases);
    const char *sep = "; skipped: ";
    for (int f = 0; f < SC_FEAT_COUNT; f++) {
        if (t->missing[f] == 0)
            continue;
        fprintf(stderr, "%s%zu need %s feature '%s'", sep, t->missing[f], sc_role_name(role),
                sc_feature_name((sc_feature)f));
        sep = ", ";
    }
    if (t->partner > 0) {
        fprintf(stderr, "%s%zu for a feature its %s lacks", sep, t->partner,
                role == SC_ROLE_SERVER ? "client" : "server");
        sep = ", ";
    }
    if (t->other > 0)
        fprintf(stderr, "%s%zu for other reasons (scripted scenarios, applies_to)", sep, t->other);
    fputc('\n', stderr);
}

/* The listed lines: printed at once, or with --shard kept until the slices are known. */
typedef struct {
    const sc_cli_list_shard *shard; /* borrowed, or NULL */
    char **lines;                   /* owned, with --shard */
    sc_shard_item *items;           /* owned; ids borrowed from `ids` */
    char **ids;                     /* owned */
    size_t n, cap;
    bool oom;
} lister;

/* One listed case: its line now, or kept (with its case id and scenario) for the slices. */
static void emit(lister *l, const char *id, const sc_scenario *s, const char *line)
{
    if (l->shard == NULL) {
        printf("%s\n", line);
        return;
    }
    if (l->n == l->cap) {
        size_t cap = l->cap ? l->cap * 2 : 64;
        char **lines = realloc(l->lines, cap * sizeof *lines);
        l->lines = lines ? lines : l->lines;
        char **ids = realloc(l->ids, cap * sizeof *ids);
        l->ids = ids ? ids : l->ids;
        sc_shard_item *items = realloc(l->items, cap * sizeof *items);
        l->items = items ? items : l->items;
        if (lines == NULL || ids == NULL || items == NULL) {
            l->oom = true;
            return;
        }
        l->cap = cap;
    }
    l->lines[l->n] = strdup(line);
    l->ids[l->n] = strdup(id);
    if (l->lines[l->n] == NULL || l->ids[l->n] == NULL) {
        free(l->lines[l->n]);
        free(l->ids[l->n]);
        l->oom = true;
        return;
    }
    l->items[l->n] = sc_runner_shard_item(l->shard->timings, l->ids[l->n], s);
    l->n++;
}

/* --shard: print the kept lines of slice K, then free them. 0, or 1 when out of memory. */
static int flush_shard(lister *l)
{
    size_t *slice_of = l->shard != NULL ? calloc(l->n ? l->n : 1, sizeof *slice_of) : NULL;
    int rc = 0;
    if (l->shard != NULL && (l->oom || slice_of == NULL ||
                             sc_shard_assign(l->items, l->n, l->shard->count, slice_of) != 0)) {
        fprintf(stderr, "streamconform list: out of memory cutting the cases into slices\n");
        rc = 1;
    }
    size_t mine = 0;
    for (size_t i = 0; rc == 0 && i < l->n; i++)
        if (slice_of[i] + 1 == l->shard->index) {
            printf("%s\n", l->lines[i]);
            mine++;
        }
    fflush(stdout);
    if (rc == 0 && l->shard != NULL)
        fprintf(stderr, "shard %zu/%zu: %zu of %zu cases\n", l->shard->index, l->shard->count, mine,
                l->n);
    for (size_t i = 0; i < l->n; i++) {
        free(l->lines[i]);
        free(l->ids[i]);
    }
    free(l->lines);
    free(l->ids);
    free(l->items);
    free(slice_of);
    return rc;
}

/* One case: its line on stdout, and the tallies of its pair. */
static void list_case(lister *l, const sc_scenario *s, const sc_impl *client, const sc_impl *server,
                      const sc_filter *filter, impl_tally *ct, impl_tally *st)
{
    if (!sc_runner_has_case(s, server) || sc_scenario_is_app(s))
        return;
    char *id = sc_runner_case_id(sc_scenario_name(s), client->name, server->name);
    if (id == NULL || !sc_filter_selects(filter, s, id)) {
        free(id);
        return;
    }
    char why[1024];
    bool applies = sc_runner_case_applies(s, client, server, why, sizeof why);
    char line[SC_SCENARIO_MAX_CASE_ID + sizeof why + 16];
    if (applies)
        snprintf(line, sizeof line, "%s", id);
    else
        snprintf(line, sizeof line, "%s  [skip: %s]", id, why);
    emit(l, id, s, line);
    /* a case skipped by sc_scenario_applies (scripted, applies_to) is "other" for both */
    bool by_feature = applies || sc_scenario_applies(s, client->name, server->name, NULL);
    sc_needs needs = sc_runner_case_needs(s, server);
    tally_case(ct, &needs, SC_ROLE_CLIENT, client, applies, by_feature);
    tally_case(st, &needs, SC_ROLE_SERVER, server, applies, by_feature);
    free(id);
}

/* The app cases (docs/app-check.md): every app scenario x every selected application. */
static void list_app_cases(lister *l, const sc_cli_impls *x, const sc_scenario_set *set,
                           const sc_filter *filter)
{
    for (size_t k = 0; k < x->n[SC_ROLE_APP]; k++) {
        const sc_impl *app = &x->impls[SC_ROLE_APP][k];
        size_t n = 0;
        for (size_t i = 0; i < set->count; i++) {
            const sc_scenario *s = set->items[i];
            char id[SC_SCENARIO_MAX_CASE_ID];
            snprintf(id, sizeof id, "%s@%s", sc_scenario_name(s), app->name);
            if (!sc_scenario_is_app(s) || !sc_filter_selects(filter, s, id))
                continue;
            emit(l, id, s, id);
            n++;
        }
        fflush(stdout);
        fprintf(stderr, "  app %s: %zu app cases\n", app->name, n);
    }
}

int sc_cli_list_cases(const sc_cli_impls *x, const sc_scenario_set *set, const sc_filter *filter,
                      const sc_cli_list_shard *shard)
{
    lister l = {.shard = shard};
    size_t nc = x->n[SC_ROLE_CLIENT], ns = x->n[SC_ROLE_SERVER];
    const sc_impl *clients = x->impls[SC_ROLE_CLIENT];
    /* The servers a run pairs: the listed ones, plus the scripted server as the runner adds it. */
    sc_impl servers[SC_RUNNER_MAX_SERVERS + 1];
    memcpy(servers, x->impls[SC_ROLE_SERVER], ns * sizeof servers[0]);
    const char *client_names[SC_RUNNER_MAX_IMPLS];
    for (size_t i = 0; i < nc; i++)
        client_names[i] = clients[i].name;
    if (sc_runner_adds_script_server(set, filter, client_names, nc))
        servers[ns++] = (sc_impl){.name = SC_SCENARIO_SCRIPT_SERVER,
                                  .features = sc_feature_all(SC_ROLE_SERVER)};
    impl_tally ct[SC_RUNNER_MAX_IMPLS], st[SC_RUNNER_MAX_SERVERS + 1];
    memset(ct, 0, sizeof ct);
    memset(st, 0, sizeof st);
    for (size_t i = 0; i < set->count; i++)
        for (size_t ci = 0; ci < nc; ci++)
            for (size_t si = 0; si < ns; si++)
                list_case(&l, set->items[i], &clients[ci], &servers[si], filter, &ct[ci], &st[si]);
    fflush(stdout);
    fprintf(stderr, "per implementation:\n");
    for (size_t si = 0; si < ns; si++)
        print_tally(SC_ROLE_SERVER, servers[si].name, &st[si]);
    for (size_t ci = 0; ci < nc; ci++)
        print_tally(SC_ROLE_CLIENT, clients[ci].name, &ct[ci]);
    list_app_cases(&l, x, set, filter);
    return flush_shard(&l);
}
