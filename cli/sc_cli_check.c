/* `streamconform check`: its options and usage, then one of its two modes: the reference server
 * started by check (cli/sc_cli_check_reference.c) or a running server given by --target
 * (cli/sc_cli_check_target.c). */
#include "sc_cli.h"
#include "sc_cli_check.h"
#include "sc_cli_check_reference.h"
#include "sc_cli_check_target.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

/* Largest TCP port. */
#define CHECK_PORT_MAX 65535

/* The usage text, a printf format: the stream responses, the default and largest deadline. */
static const char check_usage[] =
    "usage: streamconform check [--target HOST:PORT] [--deadline-ms N]\n"
    "Without --target: starts `streamconform serve` on 127.0.0.1 with an OS-assigned port, calls\n"
    "GetData, SubscribeData, UploadFile and Chat once each (plus one error path; SubscribeData is\n"
    "bounded with the x-sc-max-responses control metadata), prints what happened and stops the\n"
    "server.\n"
    "\n"
    "  --target HOST:PORT  smoke-test a DataService server that is already running there (check\n"
    "                      neither starts nor stops it; an IPv6 host goes in brackets). Plain\n"
    "                      DataService calls only, no control metadata: GetData (ok: OK with one\n"
    "                      response), SubscribeData (ok: %d responses, then check cancels the\n"
    "                      stream; or the server ends it with OK after at least one), UploadFile\n"
    "                      (ok: OK with one response whose bytes_received is what was sent), Chat\n"
    "                      (users bob and alice; ok: both streams end with OK after their\n"
    "                      half-close). Each line shows the status, the responses and their\n"
    "                      fields.\n"
    "  --deadline-ms N     deadline of each call (default %d, 1 to %d); a server that does\n"
    "                      not answer fails with DEADLINE_EXCEEDED or UNAVAILABLE within it\n"
    "\n"
    "Exit 0 when everything behaved, 1 when a method failed, 2 for a usage error.\n";

bool sc_check_target_valid(const char *target, char *err, size_t errlen)
{
    const char *colon = target != NULL ? strrchr(target, ':') : NULL;
    if (target == NULL || target[0] == '\0') {
        snprintf(err, errlen, "--target needs an address HOST:PORT");
        return false;
    }
    if (colon == NULL || colon == target || colon[1] == '\0') {
        snprintf(err, errlen, "--target \"%s\": expected HOST:PORT, such as 127.0.0.1:50051",
                 target);
        return false;
    }
    size_t host_len = (size_t)(colon - target);
    bool bracketed = target[0] == '[' && target[host_len - 1] == ']' && host_len > 2;
    if (!bracketed && memchr(target, ':', host_len) != NULL) {
        snprintf(err, errlen, "--target \"%s\": an IPv6 host goes in brackets, such as [::1]:50051",
                 target);
        return false;
    }
    long port = 0;
    for (const char *p = colon + 1; *p != '\0'; p++) {
        if (*p < '0' || *p > '9' || port > CHECK_PORT_MAX) {
            port = -1;
            break;
        }
        port = port * 10 + (*p - '0');
    }
    if (port < 1 || port > CHECK_PORT_MAX) {
        snprintf(err, errlen, "--target \"%s\": the port must be a number from 1 to %d", target,
                 CHECK_PORT_MAX);
        return false;
    }
    return true;
}

typedef struct {
    const char *target; /* borrowed from argv; NULL: start the reference server */
    int64_t deadline_ms;
} check_args;

/* The value of option `name` at argv[*i] ("--name=V" or "--name V"), advancing *i past it; NULL
 * when argv[*i] is not that option. *missing is set when the option has no value. */
static const char *option_value(int argc, char **argv, int *i, const char *name, bool *missing)
{
    size_t len = strlen(name);
    if (strncmp(argv[*i], name, len) != 0)
        return NULL;
    if (argv[*i][len] == '=')
        return argv[*i] + len + 1;
    if (argv[*i][len] != '\0')
        return NULL;
    if (*i + 1 >= argc) {
        *missing = true;
        return "";
    }
    return argv[++*i];
}

/* Fills `a`; returns -1 to run, 0 after --help, or SC_EXIT_USAGE (the message printed). */
static int parse_check_args(int argc, char **argv, check_args *a)
{
    char err[256];
    *a = (check_args){.deadline_ms = SC_CHECK_DEFAULT_DEADLINE_MS};
    for (int i = 1; i < argc; i++) {
        bool missing = false;
        const char *v;
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            printf(check_usage, SC_CHECK_TARGET_STREAM_RESPONSES, SC_CHECK_DEFAULT_DEADLINE_MS,
                   SC_CHECK_MAX_DEADLINE_MS);
            return 0;
        } else if ((v = option_value(argc, argv, &i, "--target", &missing)) != NULL) {
            if (missing || !sc_check_target_valid(v, err, sizeof err))
                return sc_cli_usage_error("check", "%s",
                                          missing ? "--target needs an address HOST:PORT" : err);
            a->target = v;
        } else if ((v = option_value(argc, argv, &i, "--deadline-ms", &missing)) != NULL) {
            if (missing)
                return sc_cli_usage_error("check", "--deadline-ms needs a number of ms");
            if (!sc_cli_parse_int("check", "--deadline-ms", v, 1, SC_CHECK_MAX_DEADLINE_MS,
                                  &a->deadline_ms))
                return SC_EXIT_USAGE;
        } else {
            return sc_cli_usage_error("check", "unexpected argument \"%s\"", argv[i]);
        }
    }
    return -1;
}

int sc_cli_check_main(int argc, char **argv)
{
    check_args a;
    int rc = parse_check_args(argc, argv, &a);
    if (rc >= 0)
        return rc;
    if (a.target != NULL)
        return sc_check_target_run(a.target, a.deadline_ms) == 0 ? 0 : 1;
    return sc_check_reference_run(a.deadline_ms);
}
