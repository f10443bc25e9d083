/* sc_runner_plan: which cases a run has (scenarios x clients x servers, filtered, with the
 * known lists applied) and the scripted server it adds for scripted scenarios. */
#include "sc_runner.h"
#include "sc_runner_internal.h"
#include "sc_scenario_app.h"
#include "sc_scenario_needs.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

bool sc_runner_has_case(const sc_scenario *s, const sc_impl *server)
{
    if (!(sc_scenario_transports(s) & SC_TRANSPORT_BIT(server->transport)))
        return false; /* "transports": the scenario means nothing over this one */
    return sc_scenario_is_scripted(s) || strcmp(server->name, SC_SCENARIO_SCRIPT_SERVER) != 0;
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
 * script-server, with an empty --scripts file that sc_run_plan() fills. */
int sc_run_add_script_server(sc_run *r, char *err, size_t errlen)
{
    const sc_run_config *cfg = r->cfg;
    const char *names[SC_RUNNER_MAX_IMPLS];
    for (size_t i = 0; i < cfg->n_clients; i++)
        names[i] = cfg->clients[i].name;
    if (!sc_runner_adds_script_server(cfg->scenarios, cfg->filter, names, cfg->n_clients))
        return 0;
    r->script_impl = (sc_impl){.name = SC_SCENARIO_SCRIPT_SERVER,
                               .description = "streamconform scripted server (server.script)",
                               .program = sc_runner_self_exe(),
                               .features = sc_feature_all(SC_ROLE_SERVER)};
    if (r->script_impl.program == NULL) {
        snprintf(err, errlen, "cannot find this binary (/proc/self/exe) for the scripted server");
        return -1;
    }
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
    char *const argv[] = {r->script_impl.program,
                          "script-server",
                          "--listen",
                          "127.0.0.1:0",
                          "--events",
                          "-",
                          "--quiet",
                          "--scripts",
                          r->scripts_path,
                          NULL};
    memcpy(r->script_impl.owned_argv, argv, sizeof argv);
    r->script_impl.argv = r->script_impl.owned_argv;
    r->server_impls[r->n_servers] = &r->script_impl;
    r->servers[r->n_servers] = (sc_peer){.impl = &r->script_impl, .is_server = true};
    r->n_servers++;
    return 0;
}

/* One line of the scripts file: the script of a scripted case, by its id. */
static int add_script(sc_run *r, const sc_scenario *s, const char *case_id, char *err,
                      size_t errlen)
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

sc_needs sc_runner_case_needs(const sc_scenario *s, const sc_impl *server)
{
    sc_needs needs = sc_scenario_needs(s);
    if (server->transport != SC_TRANSPORT_PLAINTEXT) { /* the TLS flags and channel.tls */
        needs.server |= SC_FEAT_BIT(SC_FEAT_SERVER_TLS);
        needs.client |= SC_FEAT_BIT(SC_FEAT_CLIENT_TLS);
    }
    return needs;
}

bool sc_runner_case_applies(const sc_scenario *s, const sc_impl *client, const sc_impl *server,
                            char *why, size_t len)
{
    const char *reason = NULL;
    if (!sc_scenario_applies(s, client->name, server->name, &reason)) {
        snprintf(why, len, "%s", reason != NULL ? reason : "");
        return false;
    }
    sc_needs needs = sc_runner_case_needs(s, server);
    return sc_needs_met(&needs, server->name, server->features, client->name, client->features, why,
                        len);
}

/* The entry of a known list for a case: its own id first, then for a transport column the id
 * without the transport ("s@go->c+tls" -> "s@go->c"): a difference listed for a pair holds over
 * every transport unless an entry names the column. */
static const char *known_match(const sc_case_list *list, const char *id)
{
    const char *m = sc_case_list_match(list, id);
    if (m != NULL)
        return m;
    char *base = sc_transport_base_id(id);
    m = base != NULL ? sc_case_list_match(list, base) : NULL;
    free(base);
    return m;
}

/* One case of scenario s on clients[ci] x servers[si] (when selected). 0, or -1 with a message. */
static int plan_case(sc_run *r, const sc_scenario *s, size_t ci, size_t si, char *err,
                     size_t errlen)
{
    const sc_run_config *cfg = r->cfg;
    const sc_impl *server = r->server_impls[si], *client = &cfg->clients[ci];
    if (!sc_runner_has_case(s, server) || sc_scenario_is_app(s))
        return 0; /* app scenarios pair with applications (sc_runner_app) */
    char *id = sc_runner_case_id(sc_scenario_name(s), client->name, server->name);
    if (id == NULL) {
        snprintf(err, errlen, "out of memory planning the cases");
        return -1;
    }
    if (cfg->filter && !sc_filter_selects(cfg->filter, s, id)) {
        free(id);
        return 0;
    }
    sc_case *c = &r->cases[r->n_cases++];
    sc_case_init(c, s, id, (int)ci, (int)si);
    free(id);
    char why[1024];
    if (!sc_runner_case_applies(s, client, server, why, sizeof why)) {
        sc_case_skip(c, why);
        return 0;
    }
    if (sc_scenario_is_scripted(s) && add_script(r, s, c->id, err, errlen) != 0)
        return -1;
    if (cfg->known_failing)
        c->known_failing = known_match(cfg->known_failing, c->id);
    if (cfg->known_flaky)
        c->known_flaky = known_match(cfg->known_flaky, c->id) != NULL;
    c->retry_on_failure = c->known_flaky || cfg->retry_failed;
    return 0;
}

/* Build every case: scenarios x clients x servers, filtered, with the known lists applied. */
int sc_run_plan(sc_run *r, char *err, size_t errlen)
{
    const sc_run_config *cfg = r->cfg;
    size_t max = cfg->scenarios->count * cfg->n_clients * r->n_servers;
    r->cases = calloc(max ? max : 1, sizeof *r->cases);
    r->io = calloc(max ? max : 1, sizeof *r->io);
    if (r->cases == NULL || r->io == NULL) {
        snprintf(err, errlen, "out of memory planning %zu cases", max);
        return -1;
    }
    for (size_t i = 0; i < cfg->scenarios->count; i++)
        for (size_t ci = 0; ci < cfg->n_clients; ci++)
            for (size_t si = 0; si < r->n_servers; si++)
                if (plan_case(r, cfg->scenarios->items[i], ci, si, err, errlen) != 0)
                    return -1;
    return 0;
}
