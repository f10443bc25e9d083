/* `streamconform script-server`: plays scripted server sides (docs/scenario-format.md,
 * "server.script") to whatever client connects; the runner starts it for scripted scenarios. */
#include "sc_cli.h"
#include "sc_cli_script_server.h"
#include "sc_events.h"
#include "sc_log.h"
#include "sc_script_server.h"
#include "sc_time.h"

#include <errno.h>
#include <getopt.h>
#include <grpc/grpc.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>

static const char script_server_usage[] =
    "usage: streamconform script-server --scripts FILE|- [options]\n"
    "  --scripts FILE|-      the scripts, JSON lines {\"case\": ID, \"method\": "
    "\"SubscribeData\",\n"
    "                        \"script\": {...server.script...}}; - reads stdin until EOF first\n"
    "  --listen HOST:PORT    address to listen on (default 127.0.0.1:0: any port)\n"
    "  --events FILE|-       write the event log (JSON lines) to FILE or stdout\n"
    "  --tls-cert FILE       serve TLS with this certificate chain (PEM; with --tls-key)\n"
    "  --tls-key FILE        the certificate's private key (PEM, unencrypted)\n"
    "  --tls-client-ca FILE  mTLS: require a client certificate signed by this CA (PEM)\n"
    "  --quiet | --verbose   less or more diagnostics on stderr\n"
    "  --help                this text\n"
    "Each call plays the script of its x-sc-case metadata and method; a call without one ends\n"
    "with FAILED_PRECONDITION, an unknown path with UNIMPLEMENTED.\n"
    "The first stdout line is {\"ready\":true,\"port\":N} once the server accepts calls.\n"
    "SIGINT/SIGTERM: stop accepting, end live calls with UNAVAILABLE, exit 0.\n";

static void stop_server(void *server)
{
    sc_script_server_shutdown(server);
}

typedef struct {
    const char *listen, *scripts, *events;
    int verbose;
    sc_host_tls tls; /* paths from argv; used when tls.cert_file is set */
} options;

static int parse_args(int argc, char **argv, options *o)
{
    enum { O_LISTEN = 256, O_SCRIPTS, O_EVENTS, O_QUIET, O_VERBOSE, O_CERT, O_KEY, O_CA };
    static const struct option longopts[] = {
        {"listen", required_argument, NULL, O_LISTEN},
        {"scripts", required_argument, NULL, O_SCRIPTS},
        {"events", required_argument, NULL, O_EVENTS},
        {"quiet", no_argument, NULL, O_QUIET},
        {"verbose", no_argument, NULL, O_VERBOSE},
        {"tls-cert", required_argument, NULL, O_CERT},
        {"tls-key", required_argument, NULL, O_KEY},
        {"tls-client-ca", required_argument, NULL, O_CA},
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
        case O_SCRIPTS:
            o->scripts = optarg;
            break;
        case O_EVENTS:
            o->events = optarg;
            break;
        case O_QUIET:
            sc_log_set_level(SC_LOG_WARN);
            break;
        case O_VERBOSE:
            sc_log_set_level(SC_LOG_DEBUG);
            o->verbose = 1;
            break;
        case O_CERT:
            o->tls.cert_file = optarg;
            break;
        case O_KEY:
            o->tls.key_file = optarg;
            break;
        case O_CA:
            o->tls.client_ca_file = optarg;
            break;
        case 'h':
            fputs(script_server_usage, stdout);
            return -1;
        default:
            return sc_cli_bad_option("script-server", longopts, argv[optind - 1]);
        }
    }
    if (optind < argc)
        return sc_cli_usage_error("script-server", "unexpected argument \"%s\"", argv[optind]);
    if (o->scripts == NULL)
        return sc_cli_usage_error("script-server", "--scripts FILE|- is required");
    if (strchr(o->listen, ':') == NULL)
        return sc_cli_usage_error("script-server", "--listen: expected HOST:PORT, got \"%s\"",
                                  o->listen);
    return sc_cli_check_tls_options("script-server", &o->tls);
}

static int load_book(const char *path, sc_script_book *book)
{
    char err[2048];
    FILE *in = strcmp(path, "-") == 0 ? stdin : fopen(path, "r");
    if (in == NULL) {
        fprintf(stderr, "streamconform script-server: --scripts %s: %s\n", path, strerror(errno));
        return SC_EXIT_USAGE;
    }
    int rc = sc_script_book_load(book, in, path, err, sizeof err);
    if (in != stdin)
        fclose(in);
    if (rc != 0) {
        fprintf(stderr, "streamconform script-server: %s\n", err);
        return SC_EXIT_USAGE;
    }
    return 0;
}

int sc_cli_script_server_main(int argc, char **argv)
{
    options o = {.listen = "127.0.0.1:0"};
    int rc = parse_args(argc, argv, &o);
    if (rc != 0)
        return rc < 0 ? 0 : rc;
    sc_script_book book = {0};
    rc = load_book(o.scripts, &book);
    if (rc != 0) {
        sc_script_book_free(&book);
        return rc;
    }
    char err[SC_CLI_ERR_MAX];
    sc_events events;
    if (sc_events_open(&events, o.events, sc_time_now_ms(), err, sizeof err) != 0) {
        fprintf(stderr, "streamconform script-server: %s\n", err);
        sc_script_book_free(&book);
        return 1;
    }
    /* Before grpc_init, so that only the waiter thread receives the stop signals. */
    sc_cli_stop_signals stop;
    sc_cli_stop_signals_block(&stop);

    grpc_init();
    sc_script_server_config cfg = {.listen = o.listen,
                                   .tls = o.tls.cert_file != NULL ? &o.tls : NULL,
                                   .book = &book,
                                   .events = &events,
                                   .verbose = o.verbose};
    sc_script_server *server = sc_script_server_create(&cfg, err, sizeof err);
    if (server == NULL) {
        fprintf(stderr, "streamconform script-server: %s\n", err);
        sc_events_close(&events);
        sc_script_book_free(&book);
        grpc_shutdown();
        return 1;
    }
    sc_cli_stop_signals_start(&stop, stop_server, server);
    printf("{\"ready\":true,\"port\":%d}\n", sc_script_server_port(server));
    fflush(stdout);
    sc_log(SC_LOG_INFO, "script-server", "%zu scripts; listening on port %d", book.count,
           sc_script_server_port(server));

    rc = sc_script_server_run(server);
    sc_cli_stop_signals_join(&stop);
    sc_script_server_destroy(server);
    sc_events_close(&events);
    sc_script_book_free(&book);
    grpc_shutdown();
    return rc;
}
