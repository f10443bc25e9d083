/* sc_cli_impls: the implementations of a run from the command line. See sc_cli_impls.h. */
#include "sc_cli_impls.h"
#include "sc_cli.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const role_opt[SC_ROLE_COUNT] = {"--servers", "--clients", "--apps"};

int sc_cli_impl_args_add_file(const char *cmd, sc_cli_impl_args *a, const char *path)
{
    if (a->n_files == SC_CLI_MAX_IMPL_FILES)
        return sc_cli_usage_error(cmd, "more than %d --impls files", SC_CLI_MAX_IMPL_FILES);
    a->files[a->n_files++] = path;
    return 0;
}

int sc_cli_impl_args_add(const char *cmd, sc_cli_impl_args *a, sc_role role, const char *value)
{
    if (a->n_opts[role] == SC_CLI_MAX_IMPL_OPTS)
        return sc_cli_usage_error(cmd, "more than %d %s options", SC_CLI_MAX_IMPL_OPTS,
                                  role_opt[role]);
    a->opts[role][a->n_opts[role]++] = value;
    return 0;
}

/* One definition NAME=VALUE of --servers / --clients into the book; its name into *name (cut). */
static int add_definition(const char *cmd, sc_impl_book *book, sc_role role, const char *value,
                          char *name, size_t namelen)
{
    const char *eq = strchr(value, '=');
    snprintf(name, namelen, "%.*s", (int)(eq - value), value);
    const char *def = eq + 1;
    const sc_impl_vars vars = sc_runner_impl_vars();
    char err[2048];
    int rc;
    if (strncmp(def, "cmd:", 4) == 0 || role == SC_ROLE_APP)
        rc =
            sc_impl_book_add_command(book, role, name, def + (strncmp(def, "cmd:", 4) == 0 ? 4 : 0),
                                     role_opt[role], &vars, err, sizeof err);
    else if (role == SC_ROLE_SERVER)
        rc = sc_impl_book_add_address(book, name, def, role_opt[role], err, sizeof err);
    else
        return sc_cli_usage_error(cmd,
                                  "--clients %s: a client is a driver command: "
                                  "--clients 'NAME=cmd:COMMAND ARGS'",
                                  value);
    if (rc != 0) {
        fprintf(stderr, "streamconform %s: %s\n", cmd, err);
        return SC_EXIT_USAGE;
    }
    return 0;
}

/* Resolve `name` as the next implementation of `role` (refusing one given twice). */
static int select_name(const char *cmd, sc_role role, const char *name, bool find_programs,
                       sc_cli_impls *x)
{
    for (size_t i = 0; i < x->n[role]; i++)
        if (strcmp(x->impls[role][i].name, name) == 0)
            return sc_cli_usage_error(cmd, "%s: \"%s\" is given twice", role_opt[role], name);
    if (x->n[role] == SC_RUNNER_MAX_IMPLS)
        return sc_cli_usage_error(cmd, "%s: more than %d implementations", role_opt[role],
                                  SC_RUNNER_MAX_IMPLS);
    char err[2048];
    if (sc_impl_resolve(&x->book, name, role, find_programs, &x->impls[role][x->n[role]], err,
                        sizeof err) != 0) {
        fprintf(stderr, "streamconform %s: %s: %s\n", cmd, role_opt[role], err);
        return SC_EXIT_USAGE;
    }
    x->n[role]++;
    return 0;
}

/* --apps all: every app entry of the book. */
static int select_all_apps(const char *cmd, bool find_programs, sc_cli_impls *x)
{
    for (size_t i = 0; i < x->book.count; i++) {
        if (!x->book.items[i].app.given)
            continue;
        int rc = select_name(cmd, SC_ROLE_APP, x->book.items[i].name, find_programs, x);
        if (rc != 0)
            return rc;
    }
    return 0;
}

/* The names of one option value: a definition's name, or a comma list. */
static int select_value(const char *cmd, sc_role role, const char *v, bool find_programs,
                        sc_cli_impls *x)
{
    if (role == SC_ROLE_APP && strcmp(v, "all") == 0)
        return select_all_apps(cmd, find_programs, x);
    const char *eq = strchr(v, '=');
    char copy[1024];
    if (eq != NULL) {
        snprintf(copy, sizeof copy, "%.*s", (int)(eq - v), v);
        return select_name(cmd, role, copy, find_programs, x);
    }
    snprintf(copy, sizeof copy, "%s", v);
    char *save = NULL;
    size_t before = x->n[role];
    for (char *t = strtok_r(copy, ",", &save); t != NULL; t = strtok_r(NULL, ",", &save)) {
        int rc = select_name(cmd, role, t, find_programs, x);
        if (rc != 0)
            return rc;
    }
    if (x->n[role] == before)
        return sc_cli_usage_error(cmd, "%s: empty list", role_opt[role]);
    return 0;
}

/* The built-in file, then the --impls files; `builtin` gets the built-in names of each role. */
static int load_book(const char *cmd, const sc_cli_impl_args *a, sc_cli_impls *x,
                     char builtin[2][SC_RUNNER_MAX_IMPLS][SC_IMPL_MAX_NAME + 1], size_t nb[2])
{
    char err[2048];
    if (sc_runner_load_builtin(&x->book, err, sizeof err) != 0) {
        fprintf(stderr, "streamconform %s: the built-in implementations file: %s\n", cmd, err);
        return SC_EXIT_USAGE;
    }
    for (size_t i = 0; i < x->book.count; i++) {
        for (int role = 0; role < SC_ROLE_COUNT; role++) {
            if (!sc_impl_decl_side(&x->book.items[i], (sc_role)role)->given ||
                nb[role] == SC_RUNNER_MAX_IMPLS)
                continue;
            snprintf(builtin[role][nb[role]++], SC_IMPL_MAX_NAME + 1, "%s", x->book.items[i].name);
        }
    }
    const sc_impl_vars vars = sc_runner_impl_vars();
    for (size_t i = 0; i < a->n_files; i++) {
        if (sc_impl_book_load(&x->book, a->files[i], &vars, err, sizeof err) != 0) {
            fprintf(stderr, "streamconform %s: --impls: %s\n", cmd, err);
            return SC_EXIT_USAGE;
        }
    }
    return 0;
}

/* Every selected server once per transport of the run, each server's columns side by side
 * ("c", "c+tls", "go", "go+tls"). 0, or SC_EXIT_USAGE with the error printed. */
static int transport_columns(const char *cmd, unsigned transports, sc_cli_impls *x)
{
    if (transports == 0 || transports == SC_TRANSPORT_BIT(SC_TRANSPORT_PLAINTEXT))
        return 0;
    sc_impl base[SC_RUNNER_MAX_IMPLS];
    size_t nb = x->n[SC_ROLE_SERVER];
    memcpy(base, x->impls[SC_ROLE_SERVER], nb * sizeof base[0]);
    x->n[SC_ROLE_SERVER] = 0;
    int rc = 0;
    for (size_t i = 0; i < nb; i++) {
        for (int t = 0; t < SC_TRANSPORT_COUNT; t++) {
            if (!(transports & SC_TRANSPORT_BIT(t)))
                continue;
            sc_impl *out = &x->impls[SC_ROLE_SERVER][x->n[SC_ROLE_SERVER]];
            if (rc == 0 && sc_impl_transport_column(&base[i], (sc_transport)t, out) != 0) {
                fprintf(stderr, "streamconform %s: out of memory\n", cmd);
                rc = SC_EXIT_USAGE;
            }
            if (rc == 0)
                x->n[SC_ROLE_SERVER]++;
        }
        sc_impl_free(&base[i]); /* each column has its own copies */
    }
    return rc;
}

int sc_cli_impls_load(const char *cmd, const sc_cli_impl_args *a, bool find_programs,
                      sc_cli_impls *out)
{
    memset(out, 0, sizeof *out);
    char builtin[SC_ROLE_COUNT][SC_RUNNER_MAX_IMPLS][SC_IMPL_MAX_NAME + 1];
    size_t nb[SC_ROLE_COUNT] = {0, 0, 0};
    int rc = load_book(cmd, a, out, builtin, nb);
    /* every definition first: resolving borrows from the book, which adding may move */
    for (int role = 0; rc == 0 && role < SC_ROLE_COUNT; role++) {
        for (size_t i = 0; rc == 0 && i < a->n_opts[role]; i++) {
            char name[SC_IMPL_MAX_NAME + 2];
            if (strchr(a->opts[role][i], '=') != NULL)
                rc = add_definition(cmd, &out->book, (sc_role)role, a->opts[role][i], name,
                                    sizeof name);
        }
    }
    /* clients first: their errors come first, as before implementations were data; apps are
     * run only when asked for */
    static const sc_role order[] = {SC_ROLE_CLIENT, SC_ROLE_SERVER, SC_ROLE_APP};
    for (size_t k = 0; rc == 0 && k < SC_ROLE_COUNT; k++) {
        sc_role role = order[k];
        for (size_t i = 0; rc == 0 && i < a->n_opts[role]; i++)
            rc = select_value(cmd, role, a->opts[role][i], find_programs, out);
        if (role == SC_ROLE_APP || a->apps_only)
            continue;
        for (size_t i = 0; rc == 0 && a->n_opts[role] == 0 && i < nb[role]; i++)
            rc = select_name(cmd, role, builtin[role][i], find_programs, out);
        if (rc == 0 && out->n[role] == 0)
            rc = sc_cli_usage_error(cmd, "no %s implementation to run", sc_role_name(role));
    }
    return rc == 0 ? transport_columns(cmd, a->transports, out) : rc;
}

void sc_cli_impls_free(sc_cli_impls *x)
{
    for (int role = 0; role < SC_ROLE_COUNT; role++)
        for (size_t i = 0; i < x->n[role]; i++)
            sc_impl_free(&x->impls[role][i]);
    sc_impl_book_free(&x->book);
    memset(x, 0, sizeof *x);
}

int sc_cli_impls_pick(const char *cmd, const sc_cli_impls *x, sc_role role, const char *name,
                      sc_impl *out)
{
    char err[2048];
    if (sc_impl_resolve(&x->book, name, role, false, out, err, sizeof err) != 0) {
        fprintf(stderr, "streamconform %s: %s\n", cmd, err);
        return SC_EXIT_USAGE;
    }
    return 0;
}

void sc_cli_impls_describe(const sc_impl *impl, char *out, size_t len)
{
    size_t used = 0;
    if (len == 0)
        return;
    out[0] = '\0';
    if (impl->address != NULL) {
        snprintf(out, len, "the server you run at %s", impl->address);
        return;
    }
    for (size_t i = 0; impl->argv != NULL && impl->argv[i] != NULL && used < len; i++) {
        int n = snprintf(out + used, len - used, "%s%s", i ? " " : "", impl->argv[i]);
        used += n > 0 ? (size_t)n : 0;
    }
}
