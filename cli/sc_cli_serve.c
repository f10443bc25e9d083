/* `streamconform serve`: the C reference server as a process. */
#include "sc_cli.h"
#include "sc_events.h"
#include "sc_log.h"
#include "sc_server.h"
#include "sc_time.h"

#include <errno.h>
#include <getopt.h>
#include <grpc/grpc.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Bounds on options: a tick below 1 ms would spin; message and upload caps stay in int range
 * (the C core's channel arg is an int) and in what a test machine can hold. */
#define SC_SERVE_MAX_TICK_MS 3600000
#define SC_SERVE_MAX_RECEIVE (2047LL * 1024 * 1024)
#define SC_SERVE_MAX_UPLOAD (1LL << 40)

static const char serve_usage[] =
    "usage: streamconform serve [options]\n"
    "  --listen HOST:PORT        address to listen on (default 127.0.0.1:50051; port 0 = any)\n"
    "  --tick-ms N               SubscribeData interval (default 1000)\n"
    "  --max-receive-bytes N     largest request message (default 4194304)\n"
    "  --max-upload-bytes N      largest upload (default 1073741824)\n"
    "  --events FILE|-           write the event log (JSON lines) to FILE or stdout\n"
    "  --seed N                  seed for data-point values (default: from the clock)\n"
    "  --call-plan FILE          each call's control keys in arrival order (docs/app-check.md)\n"
    "  --call-plan-skip N        the plan starts at call N + 1 (a restarted server)\n"
    "  --log-requests            the first message_received event carries the request\n"
    "  --clock-origin-ms N       event times count from this CLOCK_MONOTONIC ms, not the start\n"
    "  --tls-cert FILE           serve TLS with this certificate chain (PEM; with --tls-key)\n"
    "  --tls-key FILE            the certificate's private key (PEM, unencrypted)\n"
    "  --tls-client-ca FILE      mTLS: require a client certificate signed by this CA (PEM)\n"
    "  --max-connection-age-ms N         GOAWAY a connection this old (C core channel arg)\n"
    "  --max-connection-age-grace-ms N   then give its live calls this long\n"
    "  --keepalive-min-time-ms N         ping policy: client pings sooner are strikes\n"
    "  --permit-keepalive-without-calls  ping policy: pings without live calls are allowed\n"
    "  --max-concurrent-streams N        streams a client may have open per connection\n"
    "  --shutdown-grace-ms N     SIGTERM: live calls get this long to end (default 0)\n"
    "  --quiet | --verbose       less or more diagnostics on stderr\n"
    "  --help                    this text\n"
    "The first stdout line is {\"ready\":true,\"port\":N} once the server accepts calls.\n"
    "SIGINT/SIGTERM: stop accepting (GOAWAY), end live calls with UNAVAILABLE after the\n"
    "shutdown grace, exit 0.\n";

static void stop_server(void *server)
{
    sc_log(SC_LOG_INFO, "serve", "signal: shutting down");
    sc_server_shutdown(server);
}

/* A call plan file is the engine's: a few hundred bytes per planned call. */
#define SC_SERVE_MAX_PLAN_SKIP 1000000000

typedef struct {
    sc_server_config cfg;
    const char *listen;
    const char *events_path;
    const char *plan_path;
    int64_t plan_skip;
    int64_t origin_ms;           /* -1: the start */
    sc_host_tls tls;             /* paths from argv; used when tls.cert_file is set */
    sc_host_lifecycle lifecycle; /* server-wide connection options (all 0: defaults) */
} serve_options;

enum {
    O_LISTEN = 256,
    O_TICK,
    O_MAXRECV,
    O_MAXUP,
    O_EVENTS,
    O_SEED,
    O_QUIET,
    O_VERBOSE,
    O_PLAN,
    O_PLAN_SKIP,
    O_LOG_REQUESTS,
    O_ORIGIN,
    O_TLS_CERT,
    O_TLS_KEY,
    O_TLS_CA,
    O_MAX_AGE,
    O_MAX_AGE_GRACE,
    O_KA_MIN_TIME,
    O_KA_PERMIT,
    O_MAX_STREAMS,
    O_SHUTDOWN_GRACE
};

static const struct option serve_longopts[] = {
    {"listen", required_argument, NULL, O_LISTEN},
    {"tick-ms", required_argument, NULL, O_TICK},
    {"max-receive-bytes", required_argument, NULL, O_MAXRECV},
    {"max-upload-bytes", required_argument, NULL, O_MAXUP},
    {"events", required_argument, NULL, O_EVENTS},
    {"seed", required_argument, NULL, O_SEED},
    {"quiet", no_argument, NULL, O_QUIET},
    {"verbose", no_argument, NULL, O_VERBOSE},
    {"call-plan", required_argument, NULL, O_PLAN},
    {"call-plan-skip", required_argument, NULL, O_PLAN_SKIP},
    {"log-requests", no_argument, NULL, O_LOG_REQUESTS},
    {"clock-origin-ms", required_argument, NULL, O_ORIGIN},
    {"tls-cert", required_argument, NULL, O_TLS_CERT},
    {"tls-key", required_argument, NULL, O_TLS_KEY},
    {"tls-client-ca", required_argument, NULL, O_TLS_CA},
    {"max-connection-age-ms", required_argument, NULL, O_MAX_AGE},
    {"max-connection-age-grace-ms", required_argument, NULL, O_MAX_AGE_GRACE},
    {"keepalive-min-time-ms", required_argument, NULL, O_KA_MIN_TIME},
    {"permit-keepalive-without-calls", no_argument, NULL, O_KA_PERMIT},
    {"max-concurrent-streams", required_argument, NULL, O_MAX_STREAMS},
    {"shutdown-grace-ms", required_argument, NULL, O_SHUTDOWN_GRACE},
    {"help", no_argument, NULL, 'h'},
    {NULL, 0, NULL, 0},
};

/* The connection lifecycle options (issue 14 part 3; docs/peer-protocol.md, "Connection
 * lifecycle"); any other option is a usage error. */
static int serve_lifecycle_option(int opt, const char *text, serve_options *o)
{
    static const struct {
        int opt;
        const char *name;
    } names[] = {{O_MAX_AGE, "--max-connection-age-ms"},
                 {O_MAX_AGE_GRACE, "--max-connection-age-grace-ms"},
                 {O_KA_MIN_TIME, "--keepalive-min-time-ms"},
                 {O_MAX_STREAMS, "--max-concurrent-streams"},
                 {O_SHUTDOWN_GRACE, "--shutdown-grace-ms"}};
    if (opt == O_KA_PERMIT) {
        o->lifecycle.permit_keepalive_without_calls = true;
        return 0;
    }
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        if (names[i].opt != opt)
            continue;
        int64_t v;
        if (!sc_cli_parse_int("serve", names[i].name, optarg, 1, SC_HOST_LIFECYCLE_MAX_VALUE, &v))
            return SC_EXIT_USAGE;
        int64_t *dst[] = {&o->lifecycle.max_connection_age_ms,
                          &o->lifecycle.max_connection_age_grace_ms,
                          &o->lifecycle.keepalive_min_time_ms, &o->lifecycle.max_concurrent_streams,
                          &o->cfg.shutdown_grace_ms};
        *dst[i] = v;
        return 0;
    }
    return sc_cli_bad_option("serve", serve_longopts, text);
}

/* --tls-cert, --tls-key, --tls-client-ca (paths, read when the server starts); any other option
 * is a usage error. */
static int serve_tls_option(int opt, const char *text, serve_options *o)
{
    switch (opt) {
    case O_TLS_CERT:
        o->tls.cert_file = optarg;
        return 0;
    case O_TLS_KEY:
        o->tls.key_file = optarg;
        return 0;
    case O_TLS_CA:
        o->tls.client_ca_file = optarg;
        return 0;
    default:
        return serve_lifecycle_option(opt, text, o);
    }
}

/* One option of serve (its argument in optarg; `text` as given): 0, -1 after --help, or
 * SC_EXIT_USAGE with the error printed. */
static int serve_option(int opt, const char *text, serve_options *o)
{
    int64_t v;
    switch (opt) {
    case O_LISTEN:
        o->listen = optarg;
        return 0;
    case O_TICK:
        if (!sc_cli_parse_int("serve", "--tick-ms", optarg, 1, SC_SERVE_MAX_TICK_MS, &v))
            return SC_EXIT_USAGE;
        o->cfg.tick_ms = v;
        return 0;
    case O_MAXRECV:
        if (!sc_cli_parse_int("serve", "--max-receive-bytes", optarg, 1, SC_SERVE_MAX_RECEIVE, &v))
            return SC_EXIT_USAGE;
        o->cfg.max_receive_bytes = v;
        return 0;
    case O_MAXUP:
        if (!sc_cli_parse_int("serve", "--max-upload-bytes", optarg, 0, SC_SERVE_MAX_UPLOAD, &v))
            return SC_EXIT_USAGE;
        o->cfg.max_upload_bytes = v;
        return 0;
    case O_EVENTS:
        o->events_path = optarg;
        return 0;
    case O_SEED:
        if (!sc_cli_parse_int("serve", "--seed", optarg, 1, INT64_MAX, &v))
            return SC_EXIT_USAGE;
        o->cfg.seed = (uint64_t)v;
        return 0;
    case O_QUIET:
        sc_log_set_level(SC_LOG_WARN);
        return 0;
    case O_VERBOSE:
        sc_log_set_level(SC_LOG_DEBUG);
        o->cfg.verbose = 1;
        return 0;
    case O_PLAN:
        o->plan_path = optarg;
        return 0;
    case O_PLAN_SKIP:
        if (!sc_cli_parse_int("serve", "--call-plan-skip", optarg, 0, SC_SERVE_MAX_PLAN_SKIP,
                              &o->plan_skip))
            return SC_EXIT_USAGE;
        return 0;
    case O_LOG_REQUESTS:
        o->cfg.log_requests = true;
        return 0;
    case O_ORIGIN:
        if (!sc_cli_parse_int("serve", "--clock-origin-ms", optarg, 0, INT64_MAX / 2,
                              &o->origin_ms))
            return SC_EXIT_USAGE;
        return 0;
    case 'h':
        fputs(serve_usage, stdout);
        return -1;
    default:
        return serve_tls_option(opt, text, o);
    }
    return 0;
}

static int parse_serve_args(int argc, char **argv, serve_options *o)
{
    int opt;
    optind = 1;
    opterr = 0;
    while ((opt = getopt_long(argc, argv, "h", serve_longopts, NULL)) != -1) {
        int rc = serve_option(opt, argv[optind - 1], o);
        if (rc != 0)
            return rc;
    }
    if (optind < argc)
        return sc_cli_usage_error("serve", "unexpected argument \"%s\"", argv[optind]);
    if (strchr(o->listen, ':') == NULL)
        return sc_cli_usage_error("serve", "--listen: expected HOST:PORT, got \"%s\"", o->listen);
    return sc_cli_check_tls_options("serve", &o->tls);
}

/* --call-plan FILE into *plan, advanced past --call-plan-skip calls. 0, or 1 with a message. */
static int load_plan(const serve_options *o, sc_call_plan *plan)
{
    char err[1024];
    FILE *f = fopen(o->plan_path, "rb");
    char *text = calloc(1, SC_CALL_PLAN_MAX_BYTES + 2);
    size_t n = f != NULL && text != NULL ? fread(text, 1, SC_CALL_PLAN_MAX_BYTES + 1, f) : 0;
    int rc = 1;
    if (f == NULL)
        snprintf(err, sizeof err, "--call-plan %s: %s", o->plan_path, strerror(errno));
    else if (text == NULL)
        snprintf(err, sizeof err, "--call-plan %s: out of memory", o->plan_path);
    else if (n > SC_CALL_PLAN_MAX_BYTES)
        snprintf(err, sizeof err, "--call-plan %s: more than %d bytes", o->plan_path,
                 SC_CALL_PLAN_MAX_BYTES);
    else if (sc_call_plan_parse(plan, o->plan_path, text, err, sizeof err) == 0)
        rc = 0;
    if (f != NULL)
        fclose(f);
    free(text);
    if (rc != 0)
        fprintf(stderr, "streamconform serve: %s\n", err);
    for (int64_t i = 0; rc == 0 && i < o->plan_skip; i++)
        sc_call_plan_next(plan);
    return rc;
}

int sc_cli_serve_main(int argc, char **argv)
{
    serve_options o = {.listen = "127.0.0.1:50051",
                       .origin_ms = -1,
                       .cfg = {.tick_ms = 1000,
                               .max_receive_bytes = 4 * 1024 * 1024,
                               .max_upload_bytes = 1024LL * 1024 * 1024}};
    int rc = parse_serve_args(argc, argv, &o);
    if (rc != 0)
        return rc < 0 ? 0 : rc;

    sc_call_plan plan = {0};
    if (o.plan_path != NULL) {
        if (load_plan(&o, &plan) != 0)
            return 1;
        o.cfg.plan = &plan;
    }
    char err[SC_CLI_ERR_MAX];
    sc_events events;
    int64_t origin = o.origin_ms >= 0 ? o.origin_ms : sc_time_now_ms();
    if (sc_events_open(&events, o.events_path, origin, err, sizeof err) != 0) {
        fprintf(stderr, "streamconform serve: %s\n", err);
        sc_call_plan_free(&plan);
        return 1;
    }
    o.cfg.events = &events;
    o.cfg.listen = o.listen;
    o.cfg.tls = o.tls.cert_file != NULL ? &o.tls : NULL;
    o.cfg.lifecycle = &o.lifecycle;

    /* Before grpc_init, so that only the waiter thread receives the stop signals. */
    sc_cli_stop_signals stop;
    sc_cli_stop_signals_block(&stop);

    grpc_init();
    sc_server *server = sc_server_create(&o.cfg, err, sizeof err);
    if (server == NULL) {
        fprintf(stderr, "streamconform serve: %s\n", err);
        sc_events_close(&events);
        sc_call_plan_free(&plan);
        grpc_shutdown();
        return 1;
    }
    sc_cli_stop_signals_start(&stop, stop_server, server);
    printf("{\"ready\":true,\"port\":%d}\n", sc_server_port(server));
    fflush(stdout);
    sc_log(SC_LOG_INFO, "serve", "listening on port %d", sc_server_port(server));

    rc = sc_server_run(server);
    sc_cli_stop_signals_join(&stop);
    sc_server_destroy(server);
    sc_events_close(&events);
    sc_call_plan_free(&plan);
    grpc_shutdown();
    sc_log(SC_LOG_INFO, "serve", "stopped");
    return rc;
}
