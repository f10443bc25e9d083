/* `streamconform proxy`: the fault proxy as a process (docs/fault-proxy.md). */
#include "sc_cli.h"
#include "sc_log.h"
#include "sc_proxy.h"

#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/resource.h>

static const char proxy_usage[] =
    "usage: streamconform proxy --upstream HOST:PORT [options]\n"
    "  --listen HOST:PORT     address to listen on (default 127.0.0.1:0; port 0 = any)\n"
    "  --upstream HOST:PORT   the server every accepted connection is forwarded to\n"
    "  --faults JSON|@FILE    the fault list, a JSON array (default [] = forward unchanged)\n"
    "  --records -|FILE       connection records as JSON lines (default - = stdout)\n"
    "  --seed N               seed for latency jitter (default: from the clock)\n"
    "  --clock-origin-ms N    t_ms and at_case_ms count from this CLOCK_MONOTONIC ms\n"
    "  --control -            read control lines on stdin: {\"upstream\": \"HOST:PORT\"}\n"
    "  --quiet | --verbose    less or more diagnostics on stderr\n"
    "  --help                 this text\n"
    "The first stdout line is {\"ready\":true,\"port\":N} once the proxy listens.\n"
    "SIGINT/SIGTERM: close every connection, write its end record, exit 0.\n"
    "Faults, schedules and records: docs/fault-proxy.md.\n";

static sc_proxy *running;

static void on_stop_signal(int sig)
{
    (void)sig;
    if (running != NULL)
        sc_proxy_stop(running);
}

typedef struct {
    const char *listen, *upstream, *faults, *records;
    uint64_t seed;
    int64_t origin_ms; /* 0: the start */
    bool control;      /* --control -: control lines on stdin */
} proxy_options;

/* The text of --faults: inline JSON, or @FILE. malloc'd, or NULL with a message printed. */
static char *faults_text(const char *arg)
{
    if (arg[0] != '@')
        return strdup(arg);
    FILE *f = fopen(arg + 1, "rb");
    if (f == NULL) {
        fprintf(stderr, "streamconform proxy: --faults %s: %s\n", arg, strerror(errno));
        return NULL;
    }
    char *buf = malloc(SC_PROXY_MAX_FAULTS_TEXT + 2);
    size_t n = buf != NULL ? fread(buf, 1, SC_PROXY_MAX_FAULTS_TEXT + 1, f) : 0;
    fclose(f);
    if (buf == NULL || n > SC_PROXY_MAX_FAULTS_TEXT) {
        fprintf(stderr, "streamconform proxy: --faults %s: larger than %d bytes\n", arg,
                SC_PROXY_MAX_FAULTS_TEXT);
        free(buf);
        return NULL;
    }
    buf[n] = '\0';
    return buf;
}

static int parse_proxy_args(int argc, char **argv, proxy_options *o)
{
    enum {
        O_LISTEN = 256,
        O_UPSTREAM,
        O_FAULTS,
        O_RECORDS,
        O_SEED,
        O_QUIET,
        O_VERBOSE,
        O_ORIGIN,
        O_CONTROL
    };
    static const struct option longopts[] = {
        {"listen", required_argument, NULL, O_LISTEN},
        {"upstream", required_argument, NULL, O_UPSTREAM},
        {"faults", required_argument, NULL, O_FAULTS},
        {"records", required_argument, NULL, O_RECORDS},
        {"seed", required_argument, NULL, O_SEED},
        {"clock-origin-ms", required_argument, NULL, O_ORIGIN},
        {"control", required_argument, NULL, O_CONTROL},
        {"quiet", no_argument, NULL, O_QUIET},
        {"verbose", no_argument, NULL, O_VERBOSE},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    int64_t v;
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
        case O_FAULTS:
            o->faults = optarg;
            break;
        case O_RECORDS:
            o->records = optarg;
            break;
        case O_SEED:
            if (!sc_cli_parse_int("proxy", "--seed", optarg, 1, INT64_MAX, &v))
                return SC_EXIT_USAGE;
            o->seed = (uint64_t)v;
            break;
        case O_ORIGIN:
            if (!sc_cli_parse_int("proxy", "--clock-origin-ms", optarg, 1, INT64_MAX / 2,
                                  &o->origin_ms))
                return SC_EXIT_USAGE;
            break;
        case O_CONTROL:
            if (strcmp(optarg, "-") != 0)
                return sc_cli_usage_error("proxy", "--control: only \"-\" (stdin) is supported");
            o->control = true;
            break;
        case O_QUIET:
            sc_log_set_level(SC_LOG_WARN);
            break;
        case O_VERBOSE:
            sc_log_set_level(SC_LOG_DEBUG);
            break;
        case 'h':
            fputs(proxy_usage, stdout);
            return -1;
        default:
            return sc_cli_bad_option("proxy", longopts, argv[optind - 1]);
        }
    }
    if (optind < argc)
        return sc_cli_usage_error("proxy", "unexpected argument \"%s\"", argv[optind]);
    if (o->upstream == NULL)
        return sc_cli_usage_error("proxy", "--upstream HOST:PORT is required");
    return 0;
}

/* Many connections, two descriptors each: use every descriptor the hard limit allows. */
static void raise_fd_limit(void)
{
    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
        rl.rlim_cur = rl.rlim_max;
        setrlimit(RLIMIT_NOFILE, &rl);
    }
}

int sc_cli_proxy_main(int argc, char **argv)
{
    proxy_options o = {.listen = "127.0.0.1:0", .faults = "[]", .records = "-"};
    int rc = parse_proxy_args(argc, argv, &o);
    if (rc != 0)
        return rc < 0 ? 0 : rc;

    char *text = faults_text(o.faults);
    if (text == NULL)
        return SC_EXIT_USAGE;
    static sc_proxy_faults faults; /* ~3 KiB; kept off the stack */
    char err[512];
    rc = sc_proxy_faults_parse(text, &faults, err, sizeof err);
    free(text);
    if (rc != 0) {
        fprintf(stderr, "streamconform proxy: %s\n", err);
        return SC_EXIT_USAGE;
    }

    FILE *records = stdout;
    if (strcmp(o.records, "-") != 0) {
        records = fopen(o.records, "w");
        if (records == NULL) {
            fprintf(stderr, "streamconform proxy: --records %s: %s\n", o.records, strerror(errno));
            return 1;
        }
    }
    signal(SIGPIPE, SIG_IGN);
    raise_fd_limit();

    sc_proxy_config cfg = {.listen = o.listen,
                           .upstream = o.upstream,
                           .faults = &faults,
                           .records = records,
                           .seed = o.seed,
                           .origin_ms = o.origin_ms,
                           .control_fd = o.control ? dup(STDIN_FILENO) : 0};
    sc_proxy *p = sc_proxy_create(&cfg, err, sizeof err);
    if (p == NULL) {
        fprintf(stderr, "streamconform proxy: %s\n", err);
        if (records != stdout)
            fclose(records);
        return 1;
    }
    running = p;
    struct sigaction sa = {.sa_handler = on_stop_signal};
    sigemptyset(&sa.sa_mask);
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGINT, &sa, NULL);

    printf("{\"ready\":true,\"port\":%d}\n", sc_proxy_port(p));
    fflush(stdout);
    sc_log(SC_LOG_INFO, "proxy", "listening on port %d, forwarding to %s, %zu fault(s)",
           sc_proxy_port(p), o.upstream, faults.count);

    rc = sc_proxy_run(p);
    signal(SIGTERM, SIG_DFL);
    signal(SIGINT, SIG_DFL);
    running = NULL;
    sc_proxy_destroy(p); /* end records of the connections still open */
    if (records != stdout)
        fclose(records);
    sc_log(SC_LOG_INFO, "proxy", "stopped");
    return rc == 0 ? 0 : 1;
}
