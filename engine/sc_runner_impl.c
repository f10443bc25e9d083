/* sc_runner_impl: the implementations a run can pair (sc_impl, declared in sc_runner.h) and
 * case ids. */
#include "sc_runner.h"
#include "sc_runner_internal.h"

#include <grpc/grpc.h>
#include <libgen.h>
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

/* build/cli/streamconform -> build/peers/<rel> */
static char *beside_build(const char *rel)
{
    char *exe = sc_runner_self_exe();
    if (exe == NULL)
        return NULL;
    char *cli_dir = dirname(exe);       /* build/cli */
    char *build_dir = dirname(cli_dir); /* build */
    size_t n = strlen(build_dir) + strlen(rel) + 2;
    char *path = malloc(n);
    if (path != NULL)
        snprintf(path, n, "%s/%s", build_dir, rel);
    free(exe);
    return path;
}

int sc_impl_resolve(const char *name, sc_impl *out, char *err, size_t errlen)
{
    memset(out, 0, sizeof *out);
    out->name = name;
    const char *env = NULL;
    if (strcmp(name, "c") == 0) {
        out->program = sc_runner_self_exe();
        out->server_verb = "serve";
        out->client_verb = "peer-client";
        static char c_description[96];
        snprintf(c_description, sizeof c_description,
                 "streamconform on the gRPC C core (core version %s)", grpc_version_string());
        out->description = c_description;
    } else if (strcmp(name, "python") == 0 || strcmp(name, "go") == 0) {
        bool py = name[0] == 'p';
        env = getenv(py ? "SC_PEER_PYTHON" : "SC_PEER_GO");
        out->program =
            env ? strdup(env) : beside_build(py ? "peers/python/peer-python" : "peers/go/peer-go");
        out->server_verb = "server";
        out->client_verb = "client";
        out->description = py ? "peer-python on grpcio (pinned in peers/python/requirements.txt)"
                              : "peer-go on grpc-go (pinned in peers/go/go.mod)";
    } else {
        snprintf(err, errlen, "unknown implementation \"%s\" (known: c, python, go)", name);
        return -1;
    }
    if (out->program == NULL || access(out->program, X_OK) != 0) {
        snprintf(err, errlen, "implementation \"%s\": %s is not an executable (build it first%s)",
                 name, out->program ? out->program : "(unknown path)",
                 env ? "" : ", or set $SC_PEER_PYTHON / $SC_PEER_GO");
        sc_impl_free(out);
        return -1;
    }
    return 0;
}

void sc_impl_free(sc_impl *impl)
{
    free(impl->program);
    impl->program = NULL;
}

char *sc_runner_case_id(const char *scenario, const char *client, const char *server)
{
    size_t n = strlen(scenario) + strlen(client) + strlen(server) + 4;
    char *id = malloc(n);
    if (id != NULL)
        snprintf(id, n, "%s@%s->%s", scenario, client, server);
    return id;
}
