/* `streamconform run | list | show`: the scenario engine's command line. */
#include "sc_cli.h"
#include "sc_scenario_app.h"
#include "sc_suggest.h"
#include "sc_cli_impls.h"
#include "sc_cli_list.h"
#include "sc_runner.h"
#include "sc_report_merge.h"
#include "sc_scenario.h"
#include "sc_sched.h"

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* Most cases in flight at once: each is a call on a long-lived peer; beyond this the peers'
 * own thread pools, not the engine, become the limit. */
#define SC_RUN_MAX_JOBS 256
/* Scenario paths on one command line. */
#define SC_RUN_MAX_PATHS 256

static const char run_usage[] =
    "usage: streamconform run [SCENARIO_FILES_OR_DIRS...] [options]\n"
    "       streamconform list [SCENARIO_FILES_OR_DIRS...] [filters]\n"
    "       streamconform show CASE [SCENARIO_FILES_OR_DIRS...]\n"
    "Runs every scenario on every client x server pair it applies to (default: scenarios/).\n"
    "  --clients LIST        client implementations, comma-separated (default: every client of\n"
    "                        the built-in implementations file: c, python, go, node)\n"
    "  --servers LIST        server implementations (default: every server of that file)\n"
    "  --servers NAME=HOST:PORT          a server you run (the engine neither starts nor stops\n"
    "                        it; no features: the cases that need one are skipped)\n"
    "  --servers 'NAME=cmd:COMMAND ARGS' a server command that prints the ready line\n"
    "  --clients 'NAME=cmd:COMMAND ARGS' a client driver command (docs/peer-protocol.md)\n"
    "                        (--servers/--clients repeat; a command is split on spaces)\n"
    "  --app 'NAME=COMMAND ARGS'  a client application to check with the app scenarios\n"
    "                        (docs/app-check.md): {target} in COMMAND becomes the address\n"
    "  --apps LIST           app entries of the implementations files to check, or \"all\"\n"
    "  --policy JSON|@FILE   the retry policy your application follows, over every app\n"
    "                        scenario's (backoff_initial_ms, ..., time_scale)\n"
    "  --impls FILE          an implementations file (docs/implementations.md): its entries\n"
    "                        are added, or replace built-in ones of the same name (repeatable)\n"
    "  -j N                  busy slots: cases doing their work at once (default 4); a case\n"
    "                        still running after its first 250 ms only waits on a timer and\n"
    "                        moves to a waiting slot (docs/performance.md)\n"
    "  --wait-jobs N         waiting slots: such cases at once (default 16; 0: a case keeps\n"
    "                        its -j slot to its end)\n"
    "  --out DIR             report folder (default out/): report.json, junit.xml, summary.md,\n"
    "                        report.html\n"
    "  --run PATTERN         only matching cases (repeatable; comma lists; @FILE); '*' matches\n"
    "                        one name segment, '**' any number; a pattern with '@' matches the\n"
    "                        whole case id \"scenario@client->server\"\n"
    "  --skip PATTERN        leave matching cases out (same syntax)\n"
    "  --tags LIST           only scenarios with one of these tags\n"
    "  --known-failing FILE  cases that must fail (one pattern per line, optional reason;\n"
    "                        a reason starting \"sometimes:\" may also pass)\n"
    "  --known-flaky FILE    cases that may fail once (retried once; failing both tries fails\n"
    "                        the run)\n"
    "  --retry-failed        every failing case runs once more, as a --known-flaky one does\n"
    "                        (reported flaky when the retry passes); not one listed in\n"
    "                        --known-failing\n"
    "  --trace               put both sides' timelines of failing cases in the report\n"
    "  --full                keep every case whole in report.json (default: a passing case\n"
    "                        keeps its counts, timings and its first 3 and last 3 responses)\n"
    "  -q | -v               quieter (failing cases and the totals only) | more (skipped\n"
    "                        cases with their reasons); colour on a terminal unless NO_COLOR\n"
    "  --shard K/N           run slice K of N (1 <= K <= N <= 1000): deterministic, balanced by\n"
    "                        the scenarios' bounds; merge the shards' folders with\n"
    "                        `streamconform merge` (docs/ci.md)\n"
    "  --timings FILE        the durations of an earlier report.json: cases start longest\n"
    "                        first by them (default: by the scenarios' bounds), and --shard\n"
    "                        balances by them\n"
    "  --transport LIST      plaintext,tls,mtls (default plaintext): each server runs once per\n"
    "                        transport, as its own column (\"c+tls\"; case ids\n"
    "                        \"scenario@go->c+tls\"), with certificates made for the run\n"
    "Exit: 0 all cases passed, 1 failures, 2 bad input or configuration.\n";

static const char list_usage[] =
    "usage: streamconform list [SCENARIO_FILES_OR_DIRS...] [options]\n"
    "Prints the case ids a run with the same options would run (a skipped case with its reason)\n"
    "on stdout, and per implementation how many apply and why the others do not on stderr.\n"
    "Options: those of `run` that choose cases: --clients, --servers, --impls, --app, --apps,\n"
    "--transport, --run, --skip, --tags, --shard K/N, --timings FILE (streamconform run --help).\n";

static const char show_usage[] =
    "usage: streamconform show CASE [SCENARIO_FILES_OR_DIRS...] [options]\n"
    "Shows what each side of one case gets, to run it by hand: the server to start and the\n"
    "driver instruction (SCENARIO@CLIENT->SERVER), or an app case's call plan and policy\n"
    "(SCENARIO@APP). Options: --clients, --servers, --impls, --transport as for `run`.\n";

static const char *usage_of(const char *cmd)
{
    return strcmp(cmd, "list") == 0   ? list_usage
           : strcmp(cmd, "show") == 0 ? show_usage
                                      : run_usage;
}

typedef struct {
    const char *paths[SC_RUN_MAX_PATHS];
    size_t n_paths;
    sc_cli_impl_args impls;
    int64_t jobs, wait_jobs; /* -j (busy slots), --wait-jobs (waiting slots) */
    const char *out;
    const char *known_failing_path, *known_flaky_path;
    const char *policy; /* --policy as given */
    int verbosity;      /* -q: -1, -v: 1 */
    bool trace;
    bool full;         /* --full: no sampling of passing cases in the report */
    bool retry_failed; /* --retry-failed: every failing case runs once more */
    sc_filter filter;
    size_t shard_index, shard_count; /* --shard K/N (count 0: the whole run) */
    const char *timings_path;        /* --timings FILE */
} run_args;

/* --clients, --servers (role) or --impls (file). */
static int impl_option(const char *cmd, run_args *a, sc_role role, bool file)
{
    if (file)
        return sc_cli_impl_args_add_file(cmd, &a->impls, optarg);
    return sc_cli_impl_args_add(cmd, &a->impls, role, optarg);
}

/* The long options of run, list and show (after the one-letter ones). */
enum {
    O_CLIENTS = 256,
    O_SERVERS,
    O_OUT,
    O_RUN,
    O_SKIP,
    O_TAGS,
    O_KF,
    O_KFL,
    O_TRACE,
    O_FULL,
    O_RETRY_FAILED,
    O_IMPLS,
    O_APPS,
    O_POLICY,
    O_TRANSPORT,
    O_SHARD,
    O_TIMINGS,
    O_WAIT_JOBS
};

static const struct option run_longopts[] = {
    {"impls", required_argument, NULL, O_IMPLS},
    {"clients", required_argument, NULL, O_CLIENTS},
    {"servers", required_argument, NULL, O_SERVERS},
    {"app", required_argument, NULL, O_APPS},
    {"apps", required_argument, NULL, O_APPS},
    {"policy", required_argument, NULL, O_POLICY},
    {"out", required_argument, NULL, O_OUT},
    {"run", required_argument, NULL, O_RUN},
    {"skip", required_argument, NULL, O_SKIP},
    {"tags", required_argument, NULL, O_TAGS},
    {"known-failing", required_argument, NULL, O_KF},
    {"known-flaky", required_argument, NULL, O_KFL},
    {"trace", no_argument, NULL, O_TRACE},
    {"full", no_argument, NULL, O_FULL},
    {"retry-failed", no_argument, NULL, O_RETRY_FAILED},
    {"transport", required_argument, NULL, O_TRANSPORT},
    {"shard", required_argument, NULL, O_SHARD},
    {"timings", required_argument, NULL, O_TIMINGS},
    {"wait-jobs", required_argument, NULL, O_WAIT_JOBS},
    {"help", no_argument, NULL, 'h'},
    {NULL, 0, NULL, 0},
};

/* --run, --skip, --tags and --transport (what the run selects): 0, or SC_EXIT_USAGE with the
 * error printed. */
static int filter_option(const char *cmd, int opt, run_args *a, char *err, size_t errlen)
{
    if (opt == O_TRANSPORT)
        return sc_transport_parse_list(optarg, &a->impls.transports, err, errlen) != 0
                   ? sc_cli_usage_error(cmd, "--transport: %s", err)
                   : 0;
    int rc = opt == O_RUN    ? sc_filter_add_run(&a->filter, optarg, err, errlen)
             : opt == O_SKIP ? sc_filter_add_skip(&a->filter, optarg, err, errlen)
                             : sc_filter_add_tags(&a->filter, optarg, err, errlen);
    return rc != 0 ? sc_cli_usage_error(cmd, "%s", err) : 0;
}

/* --clients, --servers, --impls, --app/--apps: 0, SC_EXIT_USAGE, or 1 when `opt` is none of them.
 */
static int role_option(const char *cmd, int opt, run_args *a)
{
    static const struct {
        int opt;
        sc_role role;
    } roles[] = {{O_CLIENTS, SC_ROLE_CLIENT},
                 {O_SERVERS, SC_ROLE_SERVER},
                 {O_IMPLS, SC_ROLE_SERVER},
                 {O_APPS, SC_ROLE_APP}};
    for (size_t i = 0; i < sizeof roles / sizeof roles[0]; i++)
        if (roles[i].opt == opt)
            return impl_option(cmd, a, roles[i].role, opt == O_IMPLS) != 0 ? SC_EXIT_USAGE : 0;
    return 1;
}

/* -j, --wait-jobs (the slots), --shard and --timings: 0, SC_EXIT_USAGE with the error printed, or
 * 1 when `opt` is none of them. */
static int schedule_option(const char *cmd, int opt, run_args *a)
{
    switch (opt) {
    case 'j':
        return sc_cli_parse_int(cmd, "-j", optarg, 1, SC_RUN_MAX_JOBS, &a->jobs) ? 0
                                                                                 : SC_EXIT_USAGE;
    case O_WAIT_JOBS:
        return sc_cli_parse_int(cmd, "--wait-jobs", optarg, 0, SC_SCHED_MAX_WAITING, &a->wait_jobs)
                   ? 0
                   : SC_EXIT_USAGE;
    case O_SHARD:
        return sc_shard_parse(optarg, &a->shard_index, &a->shard_count)
                   ? 0
                   : sc_cli_usage_error(cmd, "--shard %s: K/N with 1 <= K <= N <= %d", optarg,
                                        SC_SHARD_MAX_COUNT);
    case O_TIMINGS:
        a->timings_path = optarg;
        return 0;
    default:
        return 1;
    }
}

/* One option of run, list and show (its argument in optarg; `text` is the option as given): 0,
 * -1 after --help, or SC_EXIT_USAGE with the error printed. */
static int run_option(const char *cmd, int opt, const char *text, run_args *a, char *err,
                      size_t errlen)
{
    int rc = role_option(cmd, opt, a);
    if (rc == 1)
        rc = schedule_option(cmd, opt, a);
    if (rc != 1)
        return rc;
    switch (opt) {
    case O_POLICY:
        a->policy = optarg;
        return 0;
    case O_OUT:
        a->out = optarg;
        return 0;
    case O_RUN:
    case O_SKIP:
    case O_TAGS:
    case O_TRANSPORT:
        return filter_option(cmd, opt, a, err, errlen);
    case O_KF:
        a->known_failing_path = optarg;
        return 0;
    case O_KFL:
        a->known_flaky_path = optarg;
        return 0;
    case O_TRACE:
        a->trace = true;
        return 0;
    case O_FULL:
        a->full = true;
        return 0;
    case O_RETRY_FAILED:
        a->retry_failed = true;
        return 0;
    case 'q':
        a->verbosity = -1;
        return 0;
    case 'v':
        a->verbosity = 1;
        return 0;

    case 'h':
        fputs(usage_of(cmd), stdout);
        return -1;
    default:
        return sc_cli_bad_option(cmd, run_longopts, text);
    }
}

static int parse_run_args(const char *cmd, int argc, char **argv, run_args *a, char *err,
                          size_t errlen)
{
    int opt;
    optind = 1;
    opterr = 0;
    while ((opt = getopt_long(argc, argv, "j:hqv", run_longopts, NULL)) != -1) {
        int rc = run_option(cmd, opt, argv[optind - 1], a, err, errlen);
        if (rc != 0)
            return rc;
    }
    for (; optind < argc; optind++) {
        if (a->n_paths == SC_RUN_MAX_PATHS)
            return sc_cli_usage_error(cmd, "more than %d scenario paths", SC_RUN_MAX_PATHS);
        a->paths[a->n_paths++] = argv[optind];
    }
    return 0;
}

static int load_scenarios(const char *cmd, const run_args *a, sc_scenario_set *set)
{
    char err[1024];
    const char *defaults[] = {"scenarios"};
    const char *const *paths = a->n_paths ? a->paths : defaults;
    size_t n = a->n_paths ? a->n_paths : 1;
    for (size_t i = 0; i < n; i++) {
        if (sc_scenario_set_load(set, paths[i], err, sizeof err) != 0) {
            fprintf(stderr, "streamconform %s: %s\n", cmd, err);
            return SC_EXIT_USAGE;
        }
    }
    if (set->count == 0) {
        fprintf(stderr, "streamconform %s: no scenarios found\n", cmd);
        return SC_EXIT_USAGE;
    }
    return 0;
}

static int load_case_list(const char *cmd, const char *path, sc_case_list *l)
{
    char err[1024];
    if (path != NULL && sc_case_list_load(l, path, err, sizeof err) != 0) {
        fprintf(stderr, "streamconform %s: %s\n", cmd, err);
        return SC_EXIT_USAGE;
    }
    return 0;
}

/* Every scenario of the set is an app scenario (then no client or server is selected by
 * default). */
static bool only_apps(const sc_scenario_set *set)
{
    for (size_t i = 0; i < set->count; i++)
        if (!sc_scenario_is_app(set->items[i]))
            return false;
    return true;
}

/* The first segments of the scenario names ("subscribe", "app", ...), for "did you mean". */
static size_t first_segments(const sc_scenario_set *set, char segs[][SC_SUGGEST_MAX_NAME + 1],
                             const char **names, size_t cap)
{
    size_t n = 0;
    for (size_t i = 0; i < set->count && n < cap; i++) {
        const char *name = sc_scenario_name(set->items[i]);
        size_t len = strcspn(name, "/");
        if (len > SC_SUGGEST_MAX_NAME)
            continue;
        bool seen = false;
        for (size_t k = 0; k < n && !seen; k++)
            seen = strlen(segs[k]) == len && strncmp(segs[k], name, len) == 0;
        if (seen)
            continue;
        snprintf(segs[n], SC_SUGGEST_MAX_NAME + 1, "%.*s", (int)len, name);
        names[n] = segs[n];
        n++;
    }
    return n;
}

/* A run that selects no case: exit 2, naming the --run patterns, with a "did you mean" for a
 * pattern whose first segment is a typo of a scenario family. */
static void no_case_error(const run_args *a, const sc_scenario_set *set)
{
    enum { MAX_FAMILIES = 256 };
    static char segs[MAX_FAMILIES][SC_SUGGEST_MAX_NAME + 1];
    const char *names[MAX_FAMILIES];
    size_t n = first_segments(set, segs, names, MAX_FAMILIES);
    if (a->filter.n_run == 0) {
        fprintf(stderr, "streamconform run: no case to run (the filters and implementations "
                        "select none)\n");
        return;
    }
    for (size_t i = 0; i < a->filter.n_run; i++) {
        const char *p = a->filter.run[i];
        size_t len = strcspn(p, "/@*");
        char head[SC_SUGGEST_MAX_NAME + 1];
        snprintf(head, sizeof head, "%.*s", (int)(len < SC_SUGGEST_MAX_NAME ? len : 0), p);
        const char *s = head[0] != '\0' ? sc_suggest(head, names, n) : NULL;
        if (s != NULL)
            fprintf(stderr,
                    "streamconform run: no case matches --run '%s' (did you mean '%s%s'?)\n", p, s,
                    p + len);
        else
            fprintf(stderr, "streamconform run: no case matches --run '%s'\n", p);
    }
}

/* Longest --policy @FILE: a policy object is a dozen fields. */
#define SC_RUN_MAX_POLICY_BYTES 65536

/* --policy JSON or @FILE, parsed and checked against a default policy (its fields apply to every
 * app scenario's policy at plan time). NULL with the error printed. */
static cJSON *load_policy(const char *arg)
{
    char text[SC_RUN_MAX_POLICY_BYTES + 1];
    if (arg[0] == '@') {
        FILE *f = fopen(arg + 1, "rb");
        size_t n = f != NULL ? fread(text, 1, sizeof text - 1, f) : 0;
        if (f == NULL) {
            fprintf(stderr, "streamconform run: --policy %s: %s\n", arg + 1, strerror(errno));
            return NULL;
        }
        fclose(f);
        text[n] = '\0';
    } else {
        snprintf(text, sizeof text, "%s", arg);
    }
    cJSON *o = cJSON_Parse(text);
    char err[512];
    sc_app_policy p = sc_app_policy_default();
    int scale = 1;
    if (o == NULL)
        snprintf(err, sizeof err, "--policy: not a JSON object: %.60s", text);
    else if (sc_app_policy_parse(o, "--policy", "", &p, &scale, err, sizeof err) == 0)
        return o;
    fprintf(stderr, "streamconform run: %s\n", err);
    cJSON_Delete(o);
    return NULL;
}

/* --timings FILE into *out (NULL without the option). 0, or SC_EXIT_USAGE with the error printed.
 */
static int load_timings(const char *cmd, const run_args *a, cJSON **out)
{
    char err[1024];
    *out = NULL;
    if (a->timings_path == NULL)
        return 0;
    if (a->shard_count == 0 && strcmp(cmd, "run") != 0) /* run: they order the cases too */
        return sc_cli_usage_error(cmd, "--timings balances --shard: give --shard K/N too");
    *out = sc_report_read_json(a->timings_path, err, sizeof err);
    return *out != NULL ? 0 : sc_cli_usage_error(cmd, "--timings %s", err);
}

static int cmd_run(run_args *a, sc_scenario_set *set)
{
    sc_run_config cfg = {.scenarios = set,
                         .filter = &a->filter,
                         .trace = a->trace,
                         .full = a->full,
                         .retry_failed = a->retry_failed};
    sc_case_list kf = {0}, kfl = {0};
    sc_cli_impls impls;
    a->impls.apps_only = only_apps(set);
    int rc = sc_cli_impls_load("run", &a->impls, true, &impls);
    if (rc == 0 && a->impls.apps_only && impls.n[SC_ROLE_APP] == 0)
        rc = sc_cli_usage_error("run", "these are app scenarios: give the application with "
                                       "--app 'NAME=COMMAND' or --apps NAME");
    if (rc == 0) {
        cfg.n_clients = impls.n[SC_ROLE_CLIENT];
        cfg.n_servers = impls.n[SC_ROLE_SERVER];
        cfg.n_apps = impls.n[SC_ROLE_APP];
        memcpy(cfg.clients, impls.impls[SC_ROLE_CLIENT], cfg.n_clients * sizeof cfg.clients[0]);
        memcpy(cfg.servers, impls.impls[SC_ROLE_SERVER], cfg.n_servers * sizeof cfg.servers[0]);
        memcpy(cfg.apps, impls.impls[SC_ROLE_APP], cfg.n_apps * sizeof cfg.apps[0]);
    }
    cJSON *policy = NULL;
    if (rc == 0 && a->policy != NULL && (policy = load_policy(a->policy)) == NULL)
        rc = SC_EXIT_USAGE;
    cfg.policy = policy;
    cJSON *timings = NULL;
    if (rc == 0)
        rc = load_timings("run", a, &timings);
    cfg.shard_index = a->shard_index;
    cfg.shard_count = a->shard_count;
    cfg.timings = timings;
    if (rc == 0)
        rc = load_case_list("run", a->known_failing_path, &kf);
    if (rc == 0)
        rc = load_case_list("run", a->known_flaky_path, &kfl);
    if (rc == 0) {
        cfg.known_failing = a->known_failing_path ? &kf : NULL;
        cfg.known_flaky = a->known_flaky_path ? &kfl : NULL;
        cfg.jobs = (int)a->jobs;
        cfg.wait_jobs = (int)a->wait_jobs;
        cfg.out_dir = a->out;
        cfg.live_progress = isatty(STDERR_FILENO) && isatty(STDOUT_FILENO);
        /* https://no-color.org: NO_COLOR set and not empty turns colour off */
        const char *no_color = getenv("NO_COLOR");
        cfg.color = isatty(STDOUT_FILENO) && (no_color == NULL || no_color[0] == '\0');
        cfg.verbosity = a->verbosity;
        char err[1024] = "";
        rc = sc_runner_run(&cfg, err, sizeof err);
        if (rc == 2 && strcmp(err, SC_RUNNER_NO_CASE) == 0)
            no_case_error(a, set);
        else if (rc == 2)
            fprintf(stderr, "streamconform run: %s\n", err);
        else
            printf("streamconform run: reports in %s/ (report.json, junit.xml, summary.md, "
                   "report.html)\n",
                   a->out);
    }
    sc_cli_impls_free(&impls); /* cfg's copies borrowed from it */
    cJSON_Delete(policy);
    cJSON_Delete(timings);
    sc_case_list_free(&kf);
    sc_case_list_free(&kfl);
    return rc;
}

static int cmd_list(run_args *a, sc_scenario_set *set)
{
    a->impls.apps_only = only_apps(set);
    sc_cli_impls impls;
    int rc = sc_cli_impls_load("list", &a->impls, false, &impls);
    cJSON *timings = NULL;
    if (rc == 0)
        rc = load_timings("list", a, &timings);
    sc_cli_list_shard shard = {
        .index = a->shard_index, .count = a->shard_count, .timings = timings};
    if (rc == 0)
        rc = sc_cli_list_cases(&impls, set, &a->filter, a->shard_count > 0 ? &shard : NULL);
    cJSON_Delete(timings);
    sc_cli_impls_free(&impls);
    return rc;
}

/* Where `show` says the run's TLS files are: `run` makes them in a temporary directory. */
#define SC_SHOW_TLS_DIR "$TLS_DIR"

/* The channel.tls of transport t, with the files named in SC_SHOW_TLS_DIR. */
static void show_transport_apply(cJSON *instr, sc_transport t)
{
    sc_tls_material m;
    sc_transport_placeholder(&m, SC_SHOW_TLS_DIR);
    if (instr != NULL)
        sc_transport_apply(instr, t, &m);
}

/* The companion calls of a case: their instructions go to the same driver, alongside. */
static void show_companions(const sc_scenario *s, const char *case_id, sc_transport t)
{
    size_t n = sc_scenario_companion_count(s);
    if (n == 0)
        return;
    printf("\n5. the case also runs %zu companion call%s: give the driver these lines too (right "
           "before or after the one above), and each result must meet its expectations:\n",
           n, n == 1 ? "" : "s");
    for (size_t i = 0; i < n; i++) {
        cJSON *instr = sc_scenario_companion_instruction(s, i, case_id, "127.0.0.1:PORT");
        show_transport_apply(instr, t);
        cJSON *expect = sc_scenario_expected_json(sc_scenario_companion(s, i));
        char *itext = instr ? cJSON_PrintUnformatted(instr) : NULL;
        char *etext = expect ? cJSON_PrintUnformatted(expect) : NULL;
        printf("companion %zu:\n%s\nexpect: %s\n", i + 1, itext ? itext : "(out of memory)",
               etext ? etext : "(out of memory)");
        free(itext);
        free(etext);
        cJSON_Delete(instr);
        cJSON_Delete(expect);
    }
}

/* Steps 1 and 2 of `show`: the server of the case. */
static void show_server(const sc_scenario *s, const char *case_id, const char *server,
                        const sc_impl *impl)
{
    if (impl == NULL) { /* the scripted server */
        cJSON *line = sc_scenario_script_line(s, case_id);
        char *ltext = line != NULL ? cJSON_PrintUnformatted(line) : NULL;
        printf("1. put this line into a file SCRIPTS:\n%s\n\n", ltext ? ltext : "(no script)");
        printf("   start the scripted server; it prints {\"ready\":true,\"port\":PORT}:\n");
        printf("   streamconform script-server --listen 127.0.0.1:0 --events - --scripts "
               "SCRIPTS\n\n");
        printf("2. it plays the script of the instruction's x-sc-case.\n\n");
        free(ltext);
        cJSON_Delete(line);
        return;
    }
    char how[4096];
    sc_cli_impls_describe(impl, how, sizeof how);
    if (impl->address != NULL)
        printf("1. the %s server is %s (PORT below is its port)\n\n", server, how);
    else
        printf("1. start the %s server; it prints {\"ready\":true,\"port\":PORT}:\n   %s\n\n",
               server, how);
    sc_tls_material m;
    sc_transport_placeholder(&m, SC_SHOW_TLS_DIR);
    const char *args[SC_TRANSPORT_MAX_ARGS];
    size_t n = sc_transport_server_args(impl->transport, &m, args);
    if (n > 0) {
        printf("   over %s, with these arguments added (run makes the files, a CA, a server "
               "certificate for 127.0.0.1 and localhost, a client certificate and an unrelated "
               "CA, in a temporary " SC_SHOW_TLS_DIR "):\n  ",
               sc_transport_name(impl->transport));
        for (size_t i = 0; i < n; i++)
            printf(" %s", args[i]);
        printf("\n\n");
    }
    if (impl->features & SC_FEAT_BIT(SC_FEAT_CONTROL))
        printf("2. the server's behaviour comes from the x-sc-* keys in \"metadata\" below.\n\n");
    else
        printf("2. it does not declare the feature \"control\": the x-sc-* keys in \"metadata\" "
               "below are for servers that do.\n\n");
}

/* Steps 3 to 5 of `show`: the instruction, the expectations, the companions. */
static void show_client(const sc_scenario *s, const char *case_id, const char *client,
                        const sc_impl *impl, sc_transport t)
{
    cJSON *instr = sc_scenario_instruction(s, case_id, "127.0.0.1:PORT");
    show_transport_apply(instr, t);
    char *text = cJSON_PrintUnformatted(instr); /* one line, as the driver reads it */
    char how[4096];
    sc_cli_impls_describe(impl, how, sizeof how);
    printf("3. give this instruction, on one line, to the %s client driver (%s):\n%s\n", client,
           how, text ? text : "(out of memory)");
    cJSON *expect = sc_scenario_expected_json(s);
    char *etext = cJSON_Print(expect);
    printf("\n4. the result must meet:\n%s\n", etext ? etext : "(out of memory)");
    free(etext);
    cJSON_Delete(expect);
    show_companions(s, case_id, t);
    free(text);
    cJSON_Delete(instr);
}

static const sc_scenario *scenario_named(const sc_scenario_set *set, const char *name)
{
    for (size_t i = 0; i < set->count; i++)
        if (strcmp(sc_scenario_name(set->items[i]), name) == 0)
            return set->items[i];
    return NULL;
}

/* An app case, SCENARIO@APP: what its server does call by call and the policy it is judged by. */
static int show_app_case(const char *case_id, const sc_scenario *s)
{
    if (s == NULL || !sc_scenario_is_app(s))
        return sc_cli_usage_error("show",
                                  "no app scenario for \"%s\" (an app case is "
                                  "SCENARIO@APP; others are SCENARIO@CLIENT->SERVER)",
                                  case_id);
    const sc_app_section *a = sc_scenario_app(s);
    printf("app case %s\nscenario %s (%s)\n%s\n\n", case_id, sc_scenario_name(s),
           sc_scenario_origin(s), sc_scenario_summary(s));
    cJSON *plan = sc_scenario_app_plan(s, case_id);
    cJSON *policy = sc_app_policy_to_json(&a->expect.policy);
    cJSON *expect = sc_scenario_app_expected_json(s);
    char *p1 = cJSON_PrintUnformatted(plan), *p2 = cJSON_PrintUnformatted(policy);
    char *p3 = cJSON_PrintUnformatted(expect);
    printf("The application runs for %lld ms against the case's own server (streamconform serve "
           "--call-plan FILE) behind the fault proxy%s.\n",
           (long long)a->run_ms,
           sc_scenario_faults(s) != NULL ? " (with the scenario's faults)" : "");
    printf("call plan (control keys of each call in arrival order, then every later call):\n  %s\n",
           p1 ? p1 : "?");
    printf("policy it is judged by:\n  %s\nchecks (expect.app):\n  %s\n", p2 ? p2 : "?",
           p3 ? p3 : "?");
    free(p1);
    free(p2);
    free(p3);
    cJSON_Delete(plan);
    cJSON_Delete(policy);
    cJSON_Delete(expect);
    return 0;
}

static int cmd_show(const char *case_id, run_args *a, sc_scenario_set *set)
{
    const char *at = strchr(case_id, '@');
    const char *arrow = at ? strstr(at, "->") : NULL;
    if (at != NULL && arrow == NULL) {
        char *name = strndup(case_id, (size_t)(at - case_id));
        int rc = show_app_case(case_id, name != NULL ? scenario_named(set, name) : NULL);
        free(name);
        return rc;
    }
    if (at == NULL || arrow == NULL)
        return sc_cli_usage_error("show", "expected a case id SCENARIO@CLIENT->SERVER, got \"%s\"",
                                  case_id);
    char *name = strndup(case_id, (size_t)(at - case_id));
    char *client = strndup(at + 1, (size_t)(arrow - at - 1));
    const char *server = arrow + 2;
    size_t base_len = 0;
    sc_transport transport = sc_transport_of_column(server, &base_len);
    char *base = strndup(server, base_len); /* the implementation of the column "c+tls" */
    const sc_scenario *s = scenario_named(set, name);
    bool scripted = strcmp(server, SC_SCENARIO_SCRIPT_SERVER) == 0;
    sc_cli_impls impls = {0};
    sc_impl ci = {0}, si = {.name = server, .features = sc_feature_all(SC_ROLE_SERVER)};
    int rc = 0;
    if (s == NULL) {
        fprintf(stderr, "streamconform show: no scenario named \"%s\"\n", name);
        rc = SC_EXIT_USAGE;
    }
    if (rc == 0)
        rc = sc_cli_impls_load("show", &a->impls, false, &impls);
    if (rc == 0)
        rc = sc_cli_impls_pick("show", &impls, SC_ROLE_CLIENT, client, &ci);
    if (rc == 0 && !scripted)
        rc = sc_cli_impls_pick("show", &impls, SC_ROLE_SERVER, base != NULL ? base : server, &si);
    si.name = server;
    si.transport = transport;
    if (rc == 0) {
        printf("case %s\nscenario %s (%s)\n%s\n\n", case_id, name, sc_scenario_origin(s),
               sc_scenario_summary(s));
        char why[1024];
        if (!sc_runner_has_case(s, &si))
            printf("`run` has no such case: the scenario does not run on this server column "
                   "(its transports, or the scripted server).\n\n");
        else if (!sc_runner_case_applies(s, &ci, &si, why, sizeof why))
            printf("`run` does not run this case (skip): %s\n"
                   "The steps below are what it would take by hand.\n\n",
                   why[0] != '\0' ? why : "it does not apply to this pair");
        show_server(s, case_id, server, scripted ? NULL : &si);
        show_client(s, case_id, client, &ci, transport);
    }
    sc_cli_impls_free(&impls);
    free(base);
    free(name);
    free(client);
    return rc;
}

static int run_family(const char *cmd, int argc, char **argv)
{
    run_args a = {.out = "out"};
    /* the slots follow what the cases do, not the cores (engine/sc_sched) */
    a.jobs = SC_SCHED_DEFAULT_BUSY;
    a.wait_jobs = SC_SCHED_DEFAULT_WAITING;
    char err[1024];
    const char *show_case = NULL;
    if (strcmp(cmd, "show") == 0) {
        if (argc < 2 || argv[1][0] == '-') {
            if (argc >= 2 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)) {
                fputs(show_usage, stdout);
                return 0;
            }
            return sc_cli_usage_error(cmd, "missing CASE");
        }
        show_case = argv[1];
        argc--;
        argv++;
    }
    int rc = parse_run_args(cmd, argc, argv, &a, err, sizeof err);
    sc_scenario_set set = {0};
    if (rc == 0)
        rc = load_scenarios(cmd, &a, &set);
    if (rc == 0) {
        if (strcmp(cmd, "run") == 0)
            rc = cmd_run(&a, &set);
        else if (strcmp(cmd, "list") == 0)
            rc = cmd_list(&a, &set);
        else
            rc = cmd_show(show_case, &a, &set);
    }
    sc_scenario_set_free(&set);
    sc_filter_free(&a.filter);
    return rc < 0 ? 0 : rc;
}

int sc_cli_run_main(int argc, char **argv)
{
    return run_family("run", argc, argv);
}

int sc_cli_list_main(int argc, char **argv)
{
    return run_family("list", argc, argv);
}

int sc_cli_show_main(int argc, char **argv)
{
    return run_family("show", argc, argv);
}
