/* A scenario's "server_options" (issue 14 part 3; docs/scenario-format.md, "server_options"):
 * the server-wide options its cases need a dedicated server process for, as the command-line
 * options every server peer with feature "lifecycle" takes, and the engine's SIGTERM action. */
#include "sc_scenario_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The members given to the server as "--NAME VALUE" (NAME: the key with '-' for '_'). */
static const char *const int_options[] = {"max_connection_age_ms", "max_connection_age_grace_ms",
                                          "keepalive_min_time_ms", "max_concurrent_streams",
                                          "shutdown_grace_ms"};
/* The one flag. */
#define SC_OPT_PERMIT "permit_keepalive_without_calls"
/* Largest value of a server option: the C core's channel arguments are int. */
#define SC_OPT_MAX 2147483647LL

/* "--max-connection-age-ms" from "max_connection_age_ms" (caller frees), or NULL. */
static char *flag_of(const char *key)
{
    size_t n = strlen(key);
    char *out = malloc(n + 3);
    if (out == NULL)
        return NULL;
    out[0] = out[1] = '-';
    for (size_t i = 0; i <= n; i++)
        out[i + 2] = key[i] == '_' ? '-' : key[i];
    return out;
}

static int push(sc_load_ctx *c, sc_scenario *s, char *arg)
{
    if (arg == NULL || s->n_server_args >= SC_SCENARIO_MAX_SERVER_ARGS) {
        free(arg);
        return sc_load_oom(c, "server_options");
    }
    s->server_args[s->n_server_args++] = arg;
    return 0;
}

static int parse_int_options(sc_load_ctx *c, sc_scenario *s, const cJSON *o)
{
    for (size_t i = 0; i < sizeof int_options / sizeof int_options[0]; i++) {
        int64_t v = 0;
        bool present = false;
        if (sc_load_int(c, o, int_options[i], "server_options", 1, SC_OPT_MAX, &v, &present) != 0)
            return -1;
        if (!present)
            continue;
        char num[24];
        snprintf(num, sizeof num, "%lld", (long long)v);
        if (push(c, s, flag_of(int_options[i])) != 0 || push(c, s, strdup(num)) != 0)
            return -1;
    }
    return 0;
}

int sc_scenario_parse_server_options(sc_load_ctx *c, sc_scenario *s, const cJSON *o)
{
    static const sc_jfield names[] = {
        {.key = "max_connection_age_ms"},  {.key = "max_connection_age_grace_ms"},
        {.key = "keepalive_min_time_ms"},  {.key = SC_OPT_PERMIT},
        {.key = "max_concurrent_streams"}, {.key = "shutdown_grace_ms"},
        {.key = "shutdown_at_ms"}};
    s->shutdown_at_ms = -1;
    if (o == NULL)
        return 0;
    if (!cJSON_IsObject(o))
        return sc_load_fail(c, "server_options", "expected an object");
    if (s->script != NULL)
        return sc_load_fail(c, "server_options",
                            "not with server.script (the scripted server is the engine's)");
    if (sc_load_object(c, o, "server_options", SC_JSPEC(names)) != 0)
        return -1;
    s->has_server_options = true;
    bool permit = false;
    if (parse_int_options(c, s, o) != 0 ||
        sc_load_bool(c, o, SC_OPT_PERMIT, "server_options", &permit, NULL) != 0 ||
        (permit && push(c, s, flag_of(SC_OPT_PERMIT)) != 0))
        return -1;
    bool at = false;
    int64_t at_ms = 0;
    if (sc_load_int(c, o, "shutdown_at_ms", "server_options", 0, SC_SCENARIO_MAX_MS, &at_ms, &at) !=
        0)
        return -1;
    s->shutdown_at_ms = at ? at_ms : -1;
    return 0;
}

void sc_scenario_server_options_free(sc_scenario *s)
{
    for (size_t i = 0; i < s->n_server_args; i++)
        free(s->server_args[i]);
    s->n_server_args = 0;
}

bool sc_scenario_has_server_options(const sc_scenario *s)
{
    return s->has_server_options;
}

size_t sc_scenario_server_args(const sc_scenario *s, const char *const **args)
{
    *args = (const char *const *)s->server_args;
    return s->n_server_args;
}

int64_t sc_scenario_shutdown_at_ms(const sc_scenario *s)
{
    return s->has_server_options ? s->shutdown_at_ms : -1;
}
