/* `streamconform replay`: serves the recorded server side of a scenario file's scripted
 * scenarios to whatever client connects (no x-sc-case needed: a call plays its method's next
 * recorded call), and checks the client's messages against the recording. */
#include "sc_base64.h"
#include "sc_cli.h"
#include "sc_events.h"
#include "sc_json.h"
#include "sc_log.h"
#include "sc_method.h"
#include "sc_record.h"
#include "sc_scenario.h"
#include "sc_script_server.h"
#include "sc_time.h"

#include <getopt.h>
#include <grpc/grpc.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Differences printed per call: the first few say where a client went wrong. */
#define RP_MAX_DIFFS_PER_CALL 20
/* Calls tracked at once (their states are kept until the summary). */
#define RP_MAX_CALLS 100000

static const char replay_usage[] =
    "usage: streamconform replay FILE --listen HOST:PORT [options]\n"
    "  FILE                  a scenario file (a recording of `streamconform record`); its\n"
    "                        scenarios with a server.script are replayed\n"
    "  --listen HOST:PORT    address to listen on (default 127.0.0.1:0: any port)\n"
    "  --speed X             divide every recorded delay by X (default 1; 10 = ten times faster)\n"
    "  --case PATTERN        only these scenarios (name patterns as --run; repeatable)\n"
    "  --events FILE|-       write the scripted server's event log (JSON lines)\n"
    "  --quiet | --verbose   less or more diagnostics on stderr\n"
    "  --help                this text\n"
    "A call plays the next recorded call of its method, in the file's order (after the last,\n"
    "from the first again; concurrent calls in the order they arrive), a call on a path\n"
    "outside DataService the next one recorded on that path (others: UNIMPLEMENTED); its\n"
    "messages and its half-close are compared with the recorded client's (raw messages byte\n"
    "for byte), and every difference is printed on stderr (docs/record-replay.md). The first\n"
    "stdout line is {\"ready\":true,\"port\":N}.\n"
    "SIGINT/SIGTERM: stop, print a summary; exit 0 when every played call matched, else 1.\n";

typedef struct {
    const char *name;
    sc_method method;
    cJSON *requests; /* canonical JSON of the recorded client messages, {"$raw": base64} copied */
    bool half_close; /* the recorded client half-closed after them (client.half_close) */
} rp_entry;

typedef struct {
    uint64_t id;
    long entry;
    size_t diffs;
} rp_call;

typedef struct {
    rp_entry *entries; /* parallel to the book */
    size_t n_entries;
    rp_call *calls;
    size_t n_calls, cap_calls;
    size_t played, matched;
} replay;

static rp_call *find_call(replay *r, uint64_t id)
{
    for (size_t i = r->n_calls; i > 0; i--)
        if (r->calls[i - 1].id == id)
            return &r->calls[i - 1];
    return NULL;
}

static void on_start(void *ctx, uint64_t call, long entry)
{
    replay *r = ctx;
    if (r->n_calls == r->cap_calls) {
        size_t cap = r->cap_calls ? r->cap_calls * 2 : 64;
        rp_call *c = cap <= RP_MAX_CALLS ? realloc(r->calls, cap * sizeof *c) : NULL;
        if (c == NULL)
            return;
        r->calls = c;
        r->cap_calls = cap;
    }
    r->calls[r->n_calls++] = (rp_call){.id = call, .entry = entry};
    if (entry < 0)
        fprintf(stderr, "replay: call %llu: no recorded call of its method\n",
                (unsigned long long)call);
    else
        sc_log(SC_LOG_INFO, "replay", "call %llu plays %s", (unsigned long long)call,
               r->entries[entry].name);
}

static void differ(rp_call *c, const char *name, const char *what)
{
    if (c->diffs++ < RP_MAX_DIFFS_PER_CALL)
        fprintf(stderr, "replay: %s (call %llu): %s\n", name, (unsigned long long)c->id, what);
}

static void on_message(void *ctx, uint64_t call, int64_t index, const unsigned char *data,
                       size_t len)
{
    replay *r = ctx;
    rp_call *c = find_call(r, call);
    if (c == NULL || c->entry < 0)
        return;
    const rp_entry *e = &r->entries[c->entry];
    char line[640];
    int n = cJSON_GetArraySize(e->requests);
    if (index >= n) {
        snprintf(line, sizeof line, "message %lld: not in the recording (%d recorded)",
                 (long long)index, n);
        differ(c, e->name, line);
        return;
    }
    const cJSON *raw =
        cJSON_GetObjectItemCaseSensitive(cJSON_GetArrayItem(e->requests, (int)index), "$raw");
    if (cJSON_IsString(raw)) {
        /* recorded as bytes: compared as bytes (the loader checked the base64) */
        size_t rlen = 0;
        unsigned char *want = sc_base64_decode(raw->valuestring, &rlen);
        if (want == NULL) {
            snprintf(line, sizeof line, "message[%lld]: out of memory comparing it",
                     (long long)index);
            differ(c, e->name, line);
            return;
        }
        if (rlen != len || (len > 0 && memcmp(want, data, len) != 0)) {
            snprintf(line, sizeof line, "message[%lld]: bytes differ (recorded %zu bytes, got %zu)",
                     (long long)index, rlen, len);
            differ(c, e->name, line);
        }
        free(want);
        return;
    }
    ProtobufCMessage *m =
        protobuf_c_message_unpack(sc_method_request_desc(e->method), NULL, len, data);
    cJSON *actual = m != NULL ? sc_json_from_message(m, NULL, 0) : NULL;
    if (m != NULL)
        protobuf_c_message_free_unpacked(m, NULL);
    if (actual == NULL) {
        snprintf(line, sizeof line, "message %lld: not a %s (%zu bytes)", (long long)index,
                 sc_method_request_desc(e->method)->name, len);
        differ(c, e->name, line);
        return;
    }
    cJSON *out = cJSON_CreateArray();
    char path[64];
    snprintf(path, sizeof path, "message[%lld]", (long long)index);
    size_t d = sc_record_diff(cJSON_GetArrayItem(e->requests, (int)index), actual, "", out,
                              RP_MAX_DIFFS_PER_CALL);
    const cJSON *s = NULL;
    cJSON_ArrayForEach(s, out)
    {
        snprintf(line, sizeof line, "%s %s", path, s->valuestring);
        differ(c, e->name, line);
    }
    c->diffs += d - (size_t)cJSON_GetArraySize(out); /* the ones past the limit */
    cJSON_Delete(out);
    cJSON_Delete(actual);
}

static void on_end(void *ctx, uint64_t call, int64_t received, bool half_close, bool cancelled)
{
    replay *r = ctx;
    rp_call *c = find_call(r, call);
    if (c == NULL)
        return;
    r->played++;
    if (c->entry < 0)
        return;
    const rp_entry *e = &r->entries[c->entry];
    char line[160];
    if (sc_record_end_diff((size_t)cJSON_GetArraySize(e->requests), e->half_close,
                           received > 0 ? (size_t)received : 0, half_close, cancelled, line,
                           sizeof line))
        differ(c, e->name, line);
    if (c->diffs == 0)
        r->matched++;
    fprintf(stderr, "replay: %s (call %llu): %s\n", e->name, (unsigned long long)call,
            c->diffs == 0 ? "matches the recording" : "DIFFERS from the recording");
}

/* ---- loading ---- */

/* The scripted scenarios of `set` (matching a --case pattern) into the book and entries. */
static int build(const sc_scenario_set *set, char **cases, size_t n_cases, sc_script_book *book,
                 replay *r)
{
    r->entries = calloc(set->count > 0 ? set->count : 1, sizeof *r->entries);
    if (r->entries == NULL)
        return -1;
    for (size_t i = 0; i < set->count; i++) {
        const sc_scenario *s = set->items[i];
        const char *name = sc_scenario_name(s);
        bool selected = n_cases == 0;
        for (size_t k = 0; k < n_cases && !selected; k++)
            selected = sc_scenario_pattern_match(cases[k], name);
        if (!selected)
            continue;
        if (!sc_scenario_is_scripted(s)) {
            sc_log(SC_LOG_WARN, "replay", "%s has no server.script: not replayed", name);
            continue;
        }
        cJSON *line = sc_scenario_script_line(s, name);
        cJSON *instr = sc_scenario_instruction(s, name, "-");
        char *text = line != NULL ? cJSON_PrintUnformatted(line) : NULL;
        char err[1024];
        int rc = text != NULL && instr != NULL ? 0 : -1;
        if (rc == 0 && sc_script_book_add_line(book, text, name, err, sizeof err) != 0) {
            fprintf(stderr, "streamconform replay: %s\n", err);
            rc = -1;
        }
        rp_entry *e = &r->entries[r->n_entries];
        if (rc == 0) {
            sc_method_parse(sc_scenario_method(s), &e->method);
            e->name = name;
            e->requests = cJSON_CreateArray();
            /* absent: the client driver's default, a half-close after the last request */
            e->half_close = !cJSON_IsFalse(cJSON_GetObjectItemCaseSensitive(instr, "half_close"));
            const cJSON *q = NULL;
            cJSON_ArrayForEach(q, cJSON_GetObjectItemCaseSensitive(instr, "requests"))
            {
                if (cJSON_GetObjectItemCaseSensitive(q, "$raw") != NULL) {
                    /* bytes as recorded (the loader checked the base64) */
                    cJSON *copy = cJSON_Duplicate(q, true);
                    cJSON_AddItemToArray(e->requests, copy != NULL ? copy : cJSON_CreateObject());
                    continue;
                }
                /* canonical form (the loader checked that each decodes) */
                ProtobufCMessage *m =
                    sc_json_to_message(sc_method_request_desc(e->method), q, err, sizeof err);
                cJSON *j = m != NULL ? sc_json_from_message(m, NULL, 0) : NULL;
                if (m != NULL)
                    protobuf_c_message_free_unpacked(m, NULL);
                cJSON_AddItemToArray(e->requests, j != NULL ? j : cJSON_CreateObject());
            }
            r->n_entries++;
        }
        free(text);
        cJSON_Delete(line);
        cJSON_Delete(instr);
        if (rc != 0)
            return -1;
    }
    return 0;
}

typedef struct {
    const char *file, *listen, *events;
    double speed;
    char *cases[64];
    size_t n_cases;
    int verbose;
} options;

static int parse_args(int argc, char **argv, options *o)
{
    enum { O_LISTEN = 256, O_SPEED, O_CASE, O_EVENTS, O_QUIET, O_VERBOSE };
    static const struct option longopts[] = {
        {"listen", required_argument, NULL, O_LISTEN},
        {"speed", required_argument, NULL, O_SPEED},
        {"case", required_argument, NULL, O_CASE},
        {"events", required_argument, NULL, O_EVENTS},
        {"quiet", no_argument, NULL, O_QUIET},
        {"verbose", no_argument, NULL, O_VERBOSE},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    int opt;
    optind = 1;
    opterr = 0;
    while ((opt = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
        char *end = NULL;
        switch (opt) {
        case O_LISTEN:
            o->listen = optarg;
            break;
        case O_SPEED:
            o->speed = strtod(optarg, &end);
            if (end == optarg || *end != '\0' || !isfinite(o->speed) || o->speed < 0.001 ||
                o->speed > 1000000)
                return sc_cli_usage_error("replay",
                                          "--speed: expected a number from 0.001 to "
                                          "1000000, got \"%s\"",
                                          optarg);
            break;
        case O_CASE:
            if (o->n_cases >= sizeof o->cases / sizeof o->cases[0])
                return sc_cli_usage_error("replay", "--case: at most 64 patterns");
            o->cases[o->n_cases++] = optarg;
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
        case 'h':
            fputs(replay_usage, stdout);
            return -1;
        default:
            return sc_cli_bad_option("replay", longopts, argv[optind - 1]);
        }
    }
    if (optind != argc - 1)
        return sc_cli_usage_error("replay", "expected exactly one FILE");
    o->file = argv[optind];
    if (strchr(o->listen, ':') == NULL)
        return sc_cli_usage_error("replay", "--listen: expected HOST:PORT, got \"%s\"", o->listen);
    return 0;
}

static void stop_server(void *server)
{
    sc_script_server_shutdown(server);
}

static void free_replay(replay *r)
{
    for (size_t i = 0; i < r->n_entries; i++)
        cJSON_Delete(r->entries[i].requests);
    free(r->entries);
    free(r->calls);
}

int sc_cli_replay_main(int argc, char **argv)
{
    options o = {.listen = "127.0.0.1:0", .speed = 1};
    int rc = parse_args(argc, argv, &o);
    if (rc != 0)
        return rc < 0 ? 0 : rc;
    char err[2048];
    sc_scenario_set set = {0};
    sc_script_book book = {0};
    replay r = {0};
    if (sc_scenario_set_load(&set, o.file, err, sizeof err) != 0) {
        fprintf(stderr, "streamconform replay: %s\n", err);
        sc_scenario_set_free(&set);
        return SC_EXIT_USAGE;
    }
    if (build(&set, o.cases, o.n_cases, &book, &r) != 0 || book.count == 0) {
        if (book.count == 0)
            fprintf(stderr, "streamconform replay: %s: no scripted scenario%s to replay\n", o.file,
                    o.n_cases > 0 ? " matches --case" : "");
        free_replay(&r);
        sc_script_book_free(&book);
        sc_scenario_set_free(&set);
        return SC_EXIT_USAGE;
    }
    sc_events events;
    if (sc_events_open(&events, o.events, sc_time_now_ms(), err, sizeof err) != 0) {
        fprintf(stderr, "streamconform replay: %s\n", err);
        free_replay(&r);
        sc_script_book_free(&book);
        sc_scenario_set_free(&set);
        return 1;
    }
    sc_cli_stop_signals stop;
    sc_cli_stop_signals_block(&stop);
    grpc_init();
    sc_script_observer ob = {
        .ctx = &r, .on_start = on_start, .on_message = on_message, .on_end = on_end};
    sc_script_server_config cfg = {.listen = o.listen,
                                   .book = &book,
                                   .events = &events,
                                   .verbose = o.verbose,
                                   .match_by_method = true,
                                   .speed = o.speed,
                                   .observer = &ob};
    sc_script_server *server = sc_script_server_create(&cfg, err, sizeof err);
    if (server == NULL) {
        fprintf(stderr, "streamconform replay: %s\n", err);
        rc = 1;
    } else {
        sc_cli_stop_signals_start(&stop, stop_server, server);
        printf("{\"ready\":true,\"port\":%d}\n", sc_script_server_port(server));
        fflush(stdout);
        sc_log(SC_LOG_INFO, "replay", "%zu recorded calls from %s; listening on port %d",
               book.count, o.file, sc_script_server_port(server));
        sc_script_server_run(server);
        sc_cli_stop_signals_join(&stop);
        sc_script_server_destroy(server);
        fprintf(stderr, "replay: %zu calls played, %zu matched the recording, %zu differed\n",
                r.played, r.matched, r.played - r.matched);
        rc = r.matched == r.played ? 0 : 1;
    }
    sc_events_close(&events);
    free_replay(&r);
    sc_script_book_free(&book);
    sc_scenario_set_free(&set);
    grpc_shutdown();
    return rc;
}
