/* sc_runner_impl: the implementations a run can pair (sc_impl, declared in sc_runner.h), resolved
 * from an implementations book (contract/sc_impl), the built-in implementations file, and case
 * ids. */
#include "sc_runner.h"
#include "sc_runner_internal.h"

#include <grpc/grpc.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

char *sc_runner_self_exe(void)
{
    char buf[4096];
    ssize_t n = readlink("/proc/self/exe", buf, sizeof buf - 1);
    if (n <= 0)
        return NULL;
    buf[n] = '\0';
    return strdup(buf);
}

sc_impl_vars sc_runner_impl_vars(void)
{
    static char self[4096], build[4096], version[64];
    char *exe = sc_runner_self_exe();
    snprintf(self, sizeof self, "%s", exe != NULL ? exe : "");
    free(exe);
    char tmp[4096];
    snprintf(tmp, sizeof tmp, "%s", self);
    char *cli_dir = dirname(tmp); /* build/cli */
    snprintf(build, sizeof build, "%s", dirname(cli_dir));
    snprintf(version, sizeof version, "%s", grpc_version_string());
    return (sc_impl_vars){.build = build, .self = self, .core_version = version};
}

int sc_runner_load_builtin(sc_impl_book *book, char *err, size_t errlen)
{
    sc_impl_vars vars = sc_runner_impl_vars();
    char path[4200];
    snprintf(path, sizeof path, "%s/%s", vars.build, SC_RUNNER_BUILTIN_IMPLS);
    return sc_impl_book_load(book, path, &vars, err, errlen);
}

/* argv[0] as an executable path: as given when it has a '/', else the first match on $PATH.
 * NULL when there is none. */
static char *program_path(const char *arg0)
{
    if (strchr(arg0, '/') != NULL)
        return access(arg0, X_OK) == 0 ? strdup(arg0) : NULL;
    const char *path = getenv("PATH");
    char *copy = strdup(path != NULL ? path : "/usr/bin:/bin");
    char *save = NULL, *found = NULL;
    for (char *dir = copy ? strtok_r(copy, ":", &save) : NULL; dir != NULL && found == NULL;
         dir = strtok_r(NULL, ":", &save)) {
        char full[PATH_MAX];
        snprintf(full, sizeof full, "%s/%s", dir, arg0);
        if (access(full, X_OK) == 0)
            found = strdup(full);
    }
    free(copy);
    return found;
}

int sc_impl_resolve(const sc_impl_book *book, const char *name, sc_role role, bool find_program,
                    sc_impl *out, char *err, size_t errlen)
{
    memset(out, 0, sizeof *out);
    const sc_impl_decl *d = sc_impl_book_find(book, name);
    const sc_impl_side *side = d != NULL ? sc_impl_decl_side(d, role) : NULL;
    if (side == NULL || !side->given) {
        char known[1024];
        sc_impl_book_names(book, role, known, sizeof known);
        snprintf(err, errlen, "unknown implementation \"%s\" (known %ss: %s)%s", name,
                 sc_role_name(role), known,
                 d != NULL ? "; it is declared without this role" : "; see --impls, --servers");
        return -1;
    }
    out->name = d->name;
    out->description = d->description;
    out->argv = side->argv;
    out->env = side->env;
    out->address = side->address;
    out->features = side->features;
    out->ready_ms = side->ready_ms;
    if (side->argv == NULL || !find_program)
        return 0;
    out->program = program_path(side->argv[0]);
    if (out->program == NULL) {
        snprintf(err, errlen,
                 "implementation \"%s\" (%s): %s is not an executable (build it first)", name,
                 d->origin, side->argv[0]);
        return -1;
    }
    return 0;
}

bool sc_impl_has_event_log(const sc_impl *impl)
{
    return impl->argv != NULL && (impl->features & SC_FEAT_BIT(SC_FEAT_EVENTS)) != 0;
}

void sc_impl_free(sc_impl *impl)
{
    free(impl->program);
    impl->program = NULL;
    free(impl->owned_name);
    impl->owned_name = NULL;
}

int sc_impl_transport_column(const sc_impl *base, sc_transport t, sc_impl *out)
{
    *out = *base;
    out->transport = t;
    out->owned_name = sc_transport_column(base->name, t);
    out->program = base->program != NULL ? strdup(base->program) : NULL;
    if (out->owned_name == NULL || (base->program != NULL && out->program == NULL)) {
        sc_impl_free(out);
        return -1;
    }
    out->name = out->owned_name;
    return 0;
}

char *sc_runner_case_id(const char *scenario, const char *client, const char *server)
{
    size_t n = strlen(scenario) + strlen(client) + strlen(server) + 4;
    char *id = malloc(n);
    if (id != NULL)
        snprintf(id, n, "%s@%s->%s", scenario, client, server);
    return id;
}
