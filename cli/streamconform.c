/* streamconform: one binary, one subcommand per job. */
#include "sc_cli.h"

#include "sc_cli_script_server.h"
#include "sc_record.h"

#include <stdio.h>
#include <string.h>

typedef struct {
    const char *name;
    int (*main)(int argc, char **argv);
    const char *summary;
} subcommand;

static const subcommand subcommands[] = {
    {"serve", sc_cli_serve_main, "run the C reference DataService server"},
    {"script-server", sc_cli_script_server_main, "play scripted server sides (server.script)"},
    {"call", sc_cli_call_main, "call one DataService method (get, subscribe, upload, chat)"},
    {"check", sc_cli_check_main, "start the reference server and drive every method once"},
    {"run", sc_cli_run_main, "run scenarios on every client x server pair, write reports"},
    {"list", sc_cli_list_main, "list the cases a run would run"},
    {"merge", sc_cli_merge_main, "merge the reports of run --shard K/N into one (docs/ci.md)"},
    {"show", sc_cli_show_main, "show what each side of one case gets, to run it by hand"},
    {"peer-client", sc_cli_peer_client_main, "the client-peer driver (JSON lines on stdin)"},
    {"record", sc_cli_record_main, "record calls through a gRPC proxy into a scenario file"},
    {"replay", sc_cli_replay_main, "serve a recording's server side, check the client's messages"},
    {"proxy", sc_cli_proxy_main, "TCP fault proxy in front of a server (reset, latency, ...)"},
    {"bench", sc_cli_bench_main, "load client: ping-pong, stream, upload, unary figures"},
};

static void usage(FILE *out)
{
    fprintf(out, "usage: streamconform <command> [options]\n\ncommands:\n");
    for (size_t i = 0; i < sizeof subcommands / sizeof subcommands[0]; i++)
        fprintf(out, "  %-12s %s\n", subcommands[i].name, subcommands[i].summary);
    fprintf(out, "\nstreamconform <command> --help shows a command's options; "
                 "streamconform --version the version.\n");
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        usage(stderr);
        return SC_EXIT_USAGE;
    }
    if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 ||
        strcmp(argv[1], "help") == 0) {
        usage(stdout);
        return 0;
    }
    if (strcmp(argv[1], "--version") == 0 || strcmp(argv[1], "-V") == 0 ||
        strcmp(argv[1], "version") == 0) {
        sc_cli_print_version(stdout);
        return 0;
    }
    for (size_t i = 0; i < sizeof subcommands / sizeof subcommands[0]; i++)
        if (strcmp(argv[1], subcommands[i].name) == 0)
            return subcommands[i].main(argc - 1, argv + 1);
    fprintf(stderr, "streamconform: unknown command \"%s\"\n", argv[1]);
    usage(stderr);
    return SC_EXIT_USAGE;
}
