/* sc_app_command: an application's command and environment for one app case. See
 * sc_app_command.h. */
#include "sc_app_command.h"
#include "sc_status.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The placeholders of docs/app-check.md, for one case. */
static size_t case_vars(const sc_app_policy *policy, const char *case_id, int port, app_var *v)
{
    const sc_sched_policy *w = &policy->waits;
    char codes[256] = "";
    for (int code = 0; code < SC_STATUS_COUNT; code++)
        if (policy->retry_codes & SC_APP_CODE_BIT(code))
            snprintf(codes + strlen(codes), sizeof codes - strlen(codes), "%s%s",
                     codes[0] ? "," : "", sc_status_name(code));
    size_t n = 0;
    v[n].key = "target";
    snprintf(v[n++].value, sizeof v[0].value, "127.0.0.1:%d", port);
    v[n].key = "host";
    snprintf(v[n++].value, sizeof v[0].value, "127.0.0.1");
    v[n].key = "port";
    snprintf(v[n++].value, sizeof v[0].value, "%d", port);
    v[n].key = "case";
    snprintf(v[n++].value, sizeof v[0].value, "%.200s", case_id);
    v[n].key = "backoff_initial_ms";
    snprintf(v[n++].value, sizeof v[0].value, "%lld", (long long)w->initial_ms);
    v[n].key = "backoff_multiplier";
    snprintf(v[n++].value, sizeof v[0].value, "%g", w->multiplier);
    v[n].key = "backoff_jitter";
    snprintf(v[n++].value, sizeof v[0].value, "%g", w->jitter);
    v[n].key = "backoff_max_ms";
    snprintf(v[n++].value, sizeof v[0].value, "%lld", (long long)w->max_ms);
    v[n].key = "exhausted_backoff_ms";
    snprintf(v[n++].value, sizeof v[0].value, "%lld", (long long)w->exhausted_ms);
    v[n].key = "max_attempts";
    snprintf(v[n++].value, sizeof v[0].value, "%d", policy->max_attempts);
    v[n].key = "retry_codes";
    snprintf(v[n++].value, sizeof v[0].value, "%s", codes);
    v[n].key = "honor_pushback";
    snprintf(v[n++].value, sizeof v[0].value, "%s", w->honor_pushback ? "true" : "false");
    return n;
}

char *sc_app_command_expand(const char *in, const app_var *vars, size_t n)
{
    char out[SC_APP_MAX_ARG];
    size_t o = 0;
    for (const char *p = in; *p != '\0' && o + 1 < sizeof out;) {
        size_t k = 0;
        for (; *p == '{' && k < n; k++) {
            size_t len = strlen(vars[k].key);
            if (strncmp(p + 1, vars[k].key, len) == 0 && p[1 + len] == '}')
                break;
        }
        if (*p != '{' || k == n) {
            out[o++] = *p++;
            continue;
        }
        int w = snprintf(out + o, sizeof out - o, "%s", vars[k].value);
        o += w > 0 ? (size_t)w : 0;
        o = o < sizeof out ? o : sizeof out - 1;
        p += strlen(vars[k].key) + 2;
    }
    out[o] = '\0';
    return strdup(out);
}

int sc_app_command_build(const sc_impl *app, const sc_app_policy *policy, const char *case_id,
                         int port, char ***argv_out, char ***env_out)
{
    app_var vars[SC_APP_COMMAND_VARS];
    size_t nv = case_vars(policy, case_id, port, vars);
    size_t argc = 0, n_env = 0;
    while (app->argv[argc] != NULL)
        argc++;
    while (app->env != NULL && app->env[n_env] != NULL)
        n_env++;
    char **argv = *argv_out = calloc(argc + 1, sizeof *argv);
    char **env = *env_out = calloc(nv + n_env + 1, sizeof *env);
    if (argv == NULL || env == NULL)
        return -1;
    for (size_t i = 0; i < argc; i++) {
        const char *arg = i == 0 && app->program != NULL ? app->program : app->argv[i];
        if ((argv[i] = sc_app_command_expand(arg, vars, nv)) == NULL)
            return -1;
    }
    for (size_t i = 0; i < nv; i++) {
        char kv[512], key[64];
        size_t k = 0;
        for (; vars[i].key[k] != '\0' && k + 1 < sizeof key; k++)
            key[k] = (char)(vars[i].key[k] >= 'a' && vars[i].key[k] <= 'z' ? vars[i].key[k] - 32
                                                                            : vars[i].key[k]);
        key[k] = '\0';
        snprintf(kv, sizeof kv, "SC_%s=%s", key, vars[i].value);
        if ((env[i] = strdup(kv)) == NULL)
            return -1;
    }
    for (size_t i = 0; i < n_env; i++)
        if ((env[nv + i] = sc_app_command_expand(app->env[i], vars, nv)) == NULL)
            return -1;
    return 0;
}

