#include "sc_cli.h"
#include "sc_suggest.h"

#include <grpc/grpc.h>
#include <string.h>
#include "sc_cli_util.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

bool sc_cli_parse_int(const char *cmd, const char *name, const char *text, int64_t min, int64_t max,
                      int64_t *out)
{
    if (sc_cli_parse_int64(text, min, max, out))
        return true;
    sc_cli_usage_error(cmd, "%s: expected a whole number from %lld to %lld, got \"%s\"", name,
                       (long long)min, (long long)max, text);
    return false;
}

int sc_cli_bad_option(const char *cmd, const struct option *longopts, const char *text)
{
    const char *name = strncmp(text, "--", 2) == 0 ? text + 2 : NULL;
    size_t len = name != NULL ? strcspn(name, "=") : 0;
    const char *names[SC_CLI_MAX_OPTIONS];
    size_t n = 0;
    for (const struct option *o = longopts; o != NULL && o->name != NULL; o++) {
        if (name != NULL && strlen(o->name) == len && strncmp(o->name, name, len) == 0 &&
            o->has_arg == required_argument)
            return sc_cli_usage_error(cmd, "%s needs a value", text);
        if (n < SC_CLI_MAX_OPTIONS)
            names[n++] = o->name;
    }
    char word[SC_SUGGEST_MAX_NAME + 1];
    snprintf(word, sizeof word, "%.*s", (int)(len < SC_SUGGEST_MAX_NAME ? len : 0),
             name != NULL ? name : "");
    const char *hint = word[0] != '\0' ? sc_suggest(word, names, n) : NULL;
    if (hint != NULL)
        return sc_cli_usage_error(cmd, "unknown option \"%s\" (did you mean --%s?)", text, hint);
    return sc_cli_usage_error(cmd, "unknown option \"%s\"", text);
}

void sc_cli_print_version(FILE *out)
{
    fprintf(out, "streamconform %s (gRPC C core %s)\n", SC_CLI_VERSION, grpc_version_string());
}

int sc_cli_usage_error(const char *cmd, const char *fmt, ...)
{
    va_list ap;
    fprintf(stderr, "streamconform %s: ", cmd);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fprintf(stderr, " (see: streamconform %s --help)\n", cmd);
    return SC_EXIT_USAGE;
}

int sc_cli_check_tls_options(const char *cmd, const sc_host_tls *tls)
{
    if ((tls->cert_file == NULL) != (tls->key_file == NULL))
        return sc_cli_usage_error(cmd, "--tls-cert and --tls-key go together");
    if (tls->client_ca_file != NULL && tls->cert_file == NULL)
        return sc_cli_usage_error(cmd, "--tls-client-ca needs --tls-cert and --tls-key");
    return 0;
}

void sc_cli_stop_signals_block(sc_cli_stop_signals *s)
{
    sigemptyset(&s->set);
    sigaddset(&s->set, SIGINT);
    sigaddset(&s->set, SIGTERM);
    sigaddset(&s->set, SIGUSR1); /* only wakes the waiter so that it can be joined */
    pthread_sigmask(SIG_BLOCK, &s->set, NULL);
    signal(SIGPIPE, SIG_IGN);
    s->started = false;
}

static void *wait_for_stop(void *arg)
{
    sc_cli_stop_signals *s = arg;
    int sig = 0;
    sigwait(&s->set, &sig);
    if (sig != SIGUSR1)
        s->on_stop(s->ctx);
    return NULL;
}

int sc_cli_stop_signals_start(sc_cli_stop_signals *s, void (*on_stop)(void *ctx), void *ctx)
{
    s->on_stop = on_stop;
    s->ctx = ctx;
    s->started = pthread_create(&s->thread, NULL, wait_for_stop, s) == 0;
    return s->started ? 0 : -1;
}

void sc_cli_stop_signals_join(sc_cli_stop_signals *s)
{
    if (!s->started)
        return;
    pthread_kill(s->thread, SIGUSR1); /* no-op if the waiter already returned */
    pthread_join(s->thread, NULL);
    s->started = false;
}
