/* `streamconform record`: a recording gRPC proxy; every call it forwards becomes a scenario
 * (docs/scenario-format.md, "Recorded scenarios"). */
#include "sc_cli.h"
#include "sc_impl.h"
#include "sc_tcp_probe.h"
#include "sc_log.h"
#include "sc_record.h"
#include "sc_scenario.h"

#include <errno.h>
#include <unistd.h>
#include <getopt.h>
#include <grpc/grpc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char record_usage[] =
    "usage: streamconform record --upstream HOST:PORT --out FILE [options]\n"
    "  --listen HOST:PORT    address to listen on (default 127.0.0.1:0: any port)\n"
    "  --upstream HOST:PORT  the server every call is forwarded to\n"
    "  --out FILE            the recording: a scenario file, one scenario per call\n"
    "  --redact KEY          record this metadata key's values as \"<redacted>\" (repeatable;\n"
    "                        the upstream still gets the real value)\n"
    "  --max-calls N         write the recording and exit after N finished calls\n"
    "  --quiet | --verbose   less or more diagnostics on stderr\n"
    "  --help                this text\n"
    "The first stdout line is {\"ready\":true,\"port\":N} once it accepts calls.\n"
    "--out is rewritten as each call finishes; SIGINT/SIGTERM (or --max-calls): cut off live\n"
    "calls (not recorded), write --out, exit 0. An --out that cannot be written: exit 2.\n"
    "Replay it: streamconform run FILE --clients c,python,go,node, or streamconform replay FILE.\n";

typedef struct {
    const char *listen, *upstream, *out;
    const char *redact[SC_RECORD_MAX_REDACT];
    size_t n_redact;
    int64_t max_calls;
    int verbose;
} options;

static int parse_args(int argc, char **argv, options *o)
{
    enum { O_LISTEN = 256, O_UPSTREAM, O_OUT, O_REDACT, O_MAX, O_QUIET, O_VERBOSE };
    static const struct option longopts[] = {
        {"listen", required_argument, NULL, O_LISTEN},
        {"upstream", required_argument, NULL, O_UPSTREAM},
        {"out", required_argument, NULL, O_OUT},
        {"redact", required_argument, NULL, O_REDACT},
        {"max-calls", required_argument, NULL, O_MAX},
        {"quiet", no_argument, NULL, O_QUIET},
        {"verbose", no_argument, NULL, O_VERBOSE},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    int opt;
    optind = 1;
    opterr = 0;
    while ((opt = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
        switch (opt) {
        case O_LISTEN:
            o->listen = optarg;
            break;
        case O_UPSTREAM:
            o->upstream = optarg;
            break;
        case O_OUT:
            o->out = optarg;
            break;
        case O_REDACT:
            if (o->n_redact >= SC_RECORD_MAX_REDACT)
                return sc_cli_usage_error("record", "--redact: at most %d keys",
                                          SC_RECORD_MAX_REDACT);
            o->redact[o->n_redact++] = optarg;
            break;
        case O_MAX:
            if (!sc_cli_parse_int("record", "max-calls", optarg, 1, 1000000, &o->max_calls))
                return SC_EXIT_USAGE;
            break;
        case O_QUIET:
            sc_log_set_level(SC_LOG_WARN);
            break;
        case O_VERBOSE:
            sc_log_set_level(SC_LOG_DEBUG);
            o->verbose = 1;
            break;
        case 'h':
            fputs(record_usage, stdout);
            return -1;
        default:
            return sc_cli_bad_option("record", longopts, argv[optind - 1]);
        }
    }
    if (optind < argc)
        return sc_cli_usage_error("record", "unexpected argument \"%s\"", argv[optind]);
    if (o->upstream == NULL || o->out == NULL)
        return sc_cli_usage_error("record", "--upstream HOST:PORT and --out FILE are required");
    if (strchr(o->listen, ':') == NULL)
        return sc_cli_usage_error("record", "--listen: expected HOST:PORT, got \"%s\"", o->listen);
    return 0;
}

static void stop_recorder(void *r)
{
    sc_recorder_shutdown(r);
}

/* `<out>.tmp`, malloc'd (caller frees), or NULL. */
static char *tmp_path(const char *out)
{
    size_t plen = strlen(out) + 8;
    char *tmp = malloc(plen);
    if (tmp != NULL)
        snprintf(tmp, plen, "%s.tmp", out);
    return tmp;
}

/* Can --out be written (its temporary file created, then removed)? Checked before the recorder
 * starts, so a typo in the folder is told at once instead of losing every call at the stop. */
static int check_out(const char *out)
{
    char *tmp = tmp_path(out);
    FILE *f = tmp != NULL ? fopen(tmp, "w") : NULL;
    if (f == NULL) {
        int e = tmp != NULL ? errno : ENOMEM;
        free(tmp);
        return sc_cli_usage_error("record", "--out %s: cannot write there: %s", out, strerror(e));
    }
    fclose(f);
    unlink(tmp);
    free(tmp);
    return 0;
}

/* Write the recording through a temporary file renamed into place (a reader never sees half a
 * file). 0, or 1 with the reason on stderr. */
static int write_file(const sc_recorder *r, const options *o)
{
    sc_record_opts ro = {.redact = o->redact, .n_redact = o->n_redact};
    char err[1024];
    cJSON *root = sc_recorder_scenarios(r, &ro, err, sizeof err);
    char *text = root != NULL ? cJSON_Print(root) : NULL;
    cJSON_Delete(root);
    if (text == NULL) {
        fprintf(stderr, "streamconform record: %s\n", root == NULL ? err : "out of memory");
        return 1;
    }
    char *tmp = tmp_path(o->out);
    FILE *f = tmp != NULL ? fopen(tmp, "w") : NULL;
    int rc = 1;
    if (f == NULL) {
        fprintf(stderr, "streamconform record: --out %s: %s\n", o->out, strerror(errno));
    } else {
        bool ok = fputs(text, f) >= 0 && fputc('\n', f) != EOF;
        ok = fclose(f) == 0 && ok;
        if (!ok || rename(tmp, o->out) != 0) {
            fprintf(stderr, "streamconform record: --out %s: %s\n", o->out, strerror(errno));
            unlink(tmp);
        } else {
            rc = 0;
        }
    }
    free(tmp);
    free(text);
    return rc;
}

/* After each finished call: the recording so far goes to --out (a kill loses nothing written). */
static void on_recorded(void *ctx, const sc_recorder *r)
{
    write_file(r, ctx);
}

/* The final write at the stop, and a check that it loads. */
static int write_out(const sc_recorder *r, const options *o)
{
    char err[1024];
    int rc = write_file(r, o);
    if (rc != 0)
        return rc;
    sc_scenario_set set = {0};
    if (sc_recorder_count(r) > 0 && sc_scenario_set_load(&set, o->out, err, sizeof err) != 0)
        sc_log(SC_LOG_WARN, "record", "the recording does not load as scenarios: %s", err);
    sc_scenario_set_free(&set);
    sc_log(SC_LOG_INFO, "record", "%zu calls recorded into %s", sc_recorder_count(r), o->out);
    return 0;
}

/* Bound of the start-up check of the upstream: a server that takes longer to accept a TCP
 * connection is as good as down for a recording session. */
#define SC_RECORD_PROBE_MS 2000

/* Warn at start when the upstream does not resolve or does not accept connections: every call
 * would be recorded as UNAVAILABLE without a word otherwise. The recorder still starts (the
 * upstream may come up later). */
static void warn_about_upstream(const char *upstream)
{
    char host[256], why[512];
    int port = 0;
    if (!sc_impl_address_ok(upstream, host, sizeof host, &port)) {
        fprintf(stderr,
                "streamconform record: warning: --upstream \"%s\" is not HOST:PORT; calls "
                "will fail\n",
                upstream);
        return;
    }
    if (sc_tcp_probe(host, port, SC_RECORD_PROBE_MS, why, sizeof why) != 0)
        fprintf(stderr,
                "streamconform record: warning: the upstream %s does not answer (%s); calls "
                "end UNAVAILABLE until it does\n",
                upstream, why);
}

int sc_cli_record_main(int argc, char **argv)
{
    options o = {.listen = "127.0.0.1:0"};
    int rc = parse_args(argc, argv, &o);
    if (rc == 0)
        rc = check_out(o.out);
    if (rc != 0)
        return rc < 0 ? 0 : rc;
    warn_about_upstream(o.upstream);
    sc_cli_stop_signals stop;
    sc_cli_stop_signals_block(&stop);
    grpc_init();
    char err[256];
    sc_recorder_config cfg = {.listen = o.listen,
                              .upstream = o.upstream,
                              .max_calls = o.max_calls,
                              .verbose = o.verbose,
                              .on_recorded = on_recorded,
                              .ctx = &o};
    sc_recorder *r = sc_recorder_create(&cfg, err, sizeof err);
    if (r == NULL) {
        fprintf(stderr, "streamconform record: %s\n", err);
        grpc_shutdown();
        return 1;
    }
    sc_cli_stop_signals_start(&stop, stop_recorder, r);
    printf("{\"ready\":true,\"port\":%d}\n", sc_recorder_port(r));
    fflush(stdout);
    sc_log(SC_LOG_INFO, "record", "listening on port %d, forwarding to %s", sc_recorder_port(r),
           o.upstream);
    sc_recorder_run(r);
    sc_cli_stop_signals_join(&stop);
    rc = write_out(r, &o);
    sc_recorder_destroy(r);
    grpc_shutdown();
    return rc;
}
