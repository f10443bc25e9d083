#include "sc_cli_call_args.h"
#include <stdlib.h>
#include <errno.h>
#include "sc_suggest.h"
#include "sc_json.h"
#include "sc_cli_util.h"
#include "sc_instr_compress.h"

#include <getopt.h>
#include <stdio.h>
#include <string.h>

/* ---------------------------------------------------------------- usage and options */

void sc_cli_call_args_usage(FILE *out)
{
    fputs("usage: streamconform call get|subscribe|upload|chat [options]\n"
          "  get        --subscription-id ID --topic T ... --batch-size N\n"
          "  subscribe  same as get, plus [--count N] [--reconnect ...]\n"
          "  upload     FILE [--chunk-size 65536] [--content-type TYPE]\n"
          "  chat       --user NAME   (stdin lines out; EOF half-closes)\n"
          "data:   -d JSON | -d @FILE | -d @-  the request message(s) as JSON of the method's\n"
          "        request type, in place of the flags above (several objects for upload and\n"
          "        chat, one after the other, as grpcurl takes them)\n"
          "common: --target H:P (localhost:50051)  --deadline-ms N  -H key:value (repeatable)\n"
          "        --json  --verbose  --wait-for-ready  --max-receive-bytes N\n"
          "tls:    --tls-ca FILE (TLS, trusting this CA)  --tls-cert FILE --tls-key FILE (mTLS)\n"
          "        --authority NAME (:authority, and the name the server certificate must have)\n"
          "reconnect (subscribe): --reconnect --backoff-initial-ms 1000 --backoff-multiplier 1.6\n"
          "        --backoff-jitter 0.2 --backoff-max-ms 120000 --exhausted-backoff-ms 30000\n"
          "        --max-attempts N (0 = unlimited)  --honor-pushback (grpc-retry-pushback-ms\n"
          "        of a retryable failure is the wait; a malformed one stops)\n"
          "        --format json|text  an ended call's error as one JSON line on stderr\n"
          "compression: --compress gzip|deflate|identity (the requests' grpc-encoding)\n"
          "        --accept-encoding LIST (comma list for grpc-accept-encoding; identity\n"
          "        is always in it; default: every encoding the core has)\n"
          "exit: 0 OK, 64+code for an RPC status, 2 usage error, 1 local failure\n",
          out);
}

enum {
    OPT_TARGET = 256,
    OPT_SUB_ID,
    OPT_TOPIC,
    OPT_BATCH,
    OPT_COUNT,
    OPT_JSON,
    OPT_CHUNK,
    OPT_CONTENT_TYPE,
    OPT_USER,
    OPT_RECONNECT,
    OPT_HONOR_PUSHBACK,
    OPT_B_INITIAL,
    OPT_B_MULT,
    OPT_B_JITTER,
    OPT_B_MAX,
    OPT_EXHAUSTED,
    OPT_MAX_ATTEMPTS,
    OPT_DEADLINE,
    OPT_WFR,
    OPT_MAX_RECV,
    OPT_TLS_CA,
    OPT_TLS_CERT,
    OPT_TLS_KEY,
    OPT_AUTHORITY,
    OPT_FORMAT,
    OPT_COMPRESS,
    OPT_ACCEPT_ENCODING,
};

static const struct option sc_call_options[] = {
    {"target", required_argument, NULL, OPT_TARGET},
    {"subscription-id", required_argument, NULL, OPT_SUB_ID},
    {"topic", required_argument, NULL, OPT_TOPIC},
    {"batch-size", required_argument, NULL, OPT_BATCH},
    {"count", required_argument, NULL, OPT_COUNT},
    {"json", no_argument, NULL, OPT_JSON},
    {"chunk-size", required_argument, NULL, OPT_CHUNK},
    {"content-type", required_argument, NULL, OPT_CONTENT_TYPE},
    {"user", required_argument, NULL, OPT_USER},
    {"reconnect", no_argument, NULL, OPT_RECONNECT},
    {"honor-pushback", no_argument, NULL, OPT_HONOR_PUSHBACK},
    {"backoff-initial-ms", required_argument, NULL, OPT_B_INITIAL},
    {"backoff-multiplier", required_argument, NULL, OPT_B_MULT},
    {"backoff-jitter", required_argument, NULL, OPT_B_JITTER},
    {"backoff-max-ms", required_argument, NULL, OPT_B_MAX},
    {"exhausted-backoff-ms", required_argument, NULL, OPT_EXHAUSTED},
    {"max-attempts", required_argument, NULL, OPT_MAX_ATTEMPTS},
    {"deadline-ms", required_argument, NULL, OPT_DEADLINE},
    {"wait-for-ready", no_argument, NULL, OPT_WFR},
    {"max-receive-bytes", required_argument, NULL, OPT_MAX_RECV},
    {"tls-ca", required_argument, NULL, OPT_TLS_CA},
    {"tls-cert", required_argument, NULL, OPT_TLS_CERT},
    {"tls-key", required_argument, NULL, OPT_TLS_KEY},
    {"authority", required_argument, NULL, OPT_AUTHORITY},
    {"data", required_argument, NULL, 'd'},
    {"format", required_argument, NULL, OPT_FORMAT},
    {"compress", required_argument, NULL, OPT_COMPRESS},
    {"accept-encoding", required_argument, NULL, OPT_ACCEPT_ENCODING},
    {"header", required_argument, NULL, 'H'},
    {"verbose", no_argument, NULL, 'v'},
    {"help", no_argument, NULL, 'h'},
    {NULL, 0, NULL, 0},
};

static int bad_number(const char *opt, const char *text, char *err, size_t errlen)
{
    snprintf(err, errlen, "--%s: '%s' is not a valid number in range", opt, text);
    return -1;
}

/* Integer options: which field, its bounds. */
static int set_int_option(sc_call_args *a, int opt, const char *text)
{
    struct {
        int opt;
        int64_t *field;
        int64_t min, max;
    } table[] = {
        {OPT_BATCH, &a->batch_size, 0, SC_CALL_MAX_BATCH},
        {OPT_COUNT, &a->count, 1, INT64_MAX},
        {OPT_CHUNK, &a->chunk_size, 1, SC_CALL_MAX_CHUNK},
        {OPT_B_INITIAL, &a->policy.backoff.initial_ms, 1, SC_CALL_MAX_MS},
        {OPT_B_MAX, &a->policy.backoff.max_ms, 1, SC_CALL_MAX_MS},
        {OPT_EXHAUSTED, &a->policy.exhausted_backoff_ms, 0, SC_CALL_MAX_MS},
        {OPT_DEADLINE, &a->deadline_ms, 1, SC_CALL_MAX_MS},
        {OPT_MAX_RECV, &a->max_receive_bytes, 1, INT32_MAX},
    };
    for (size_t i = 0; i < sizeof table / sizeof table[0]; i++) {
        if (table[i].opt != opt)
            continue;
        if (!sc_cli_parse_int64(text, table[i].min, table[i].max, table[i].field))
            return -2;
        return 0;
    }
    return -1; /* not an integer option */
}

/* String options kept as given (borrowed from argv): 0, or -1 when `opt` is not one. */
static int set_string_option(sc_call_args *a, int opt, const char *text)
{
    struct {
        int opt;
        const char **field;
    } table[] = {
        {OPT_TLS_CA, &a->tls_ca},
        {OPT_TLS_CERT, &a->tls_cert},
        {OPT_TLS_KEY, &a->tls_key},
        {OPT_AUTHORITY, &a->authority},
    };
    for (size_t i = 0; i < sizeof table / sizeof table[0]; i++) {
        if (table[i].opt == opt) {
            *table[i].field = text;
            return 0;
        }
    }
    return -1;
}

static const char *option_name(int opt)
{
    for (const struct option *o = sc_call_options; o->name != NULL; o++)
        if (o->val == opt)
            return o->name;
    return "?";
}

/* One encoding name of --compress or --accept-encoding (`len` bytes of `name`): its sc_encoding,
 * or -1 with a message naming the option. */
static int encoding_arg(const char *opt, const char *name, size_t len, char *err, size_t errlen)
{
    char word[32];
    int enc = -1;
    if (len < sizeof word) {
        memcpy(word, name, len);
        word[len] = '\0';
        enc = sc_encoding_by_name(word);
    }
    if (enc < 0)
        snprintf(err, errlen, "--%s: '%.*s' is not an encoding (gzip, deflate or identity)", opt,
                 (int)len, name);
    return enc;
}

/* --accept-encoding LIST: a comma list of encodings; identity is always accepted. */
static int parse_accept(sc_call_args *a, const char *list, char *err, size_t errlen)
{
    unsigned set = SC_ENC_BIT(SC_ENC_IDENTITY);
    const char *p = list;
    for (;;) {
        size_t len = strcspn(p, ",");
        int enc = encoding_arg("accept-encoding", p, len, err, errlen);
        if (enc < 0)
            return -1;
        set |= SC_ENC_BIT(enc);
        if (p[len] == '\0')
            break;
        p += len + 1;
    }
    a->accept_encodings = set;
    return 0;
}

/* --compress and --accept-encoding: 0, -1 with a message, or 1 when `opt` is neither. */
static int set_encoding_option(sc_call_args *a, int opt, const char *arg, char *err, size_t errlen)
{
    if (opt == OPT_ACCEPT_ENCODING)
        return parse_accept(a, arg, err, errlen);
    if (opt != OPT_COMPRESS)
        return 1;
    int enc = encoding_arg("compress", arg, strlen(arg), err, errlen);
    if (enc < 0)
        return -1;
    a->compression = enc;
    return 0;
}

/* -d DATA and --format json|text: 0, -1 with a message, or 1 when `opt` is neither. */
static int set_data_option(sc_call_args *a, int opt, const char *arg, char *err, size_t errlen)
{
    if (opt == 'd') {
        a->data = arg;
        return 0;
    }
    if (opt != OPT_FORMAT)
        return 1;
    if (strcmp(arg, "json") != 0 && strcmp(arg, "text") != 0) {
        snprintf(err, errlen, "--format: expected json or text, got '%s'", arg);
        return -1;
    }
    a->errors_json = strcmp(arg, "json") == 0;
    return 0;
}

static int set_other_option(sc_call_args *a, int opt, const char *arg, char *err, size_t errlen)
{
    int64_t attempts = 0;
    switch (opt) {
    case OPT_TARGET:
        a->target = arg;
        return 0;
    case OPT_SUB_ID:
        a->subscription_id = arg;
        return 0;
    case OPT_TOPIC:
        if (a->n_topics >= SC_CALL_MAX_TOPICS) {
            snprintf(err, errlen, "--topic: at most %d topics", SC_CALL_MAX_TOPICS);
            return -1;
        }
        a->topics[a->n_topics++] = arg;
        return 0;
    case OPT_JSON:
        a->json = true;
        return 0;
    case OPT_CONTENT_TYPE:
        a->content_type = arg;
        return 0;
    case OPT_USER:
        a->user = arg;
        return 0;
    case OPT_RECONNECT:
        a->reconnect = true;
        return 0;
    case OPT_HONOR_PUSHBACK:
        a->policy.honor_pushback = true;
        return 0;
    case OPT_WFR:
        a->wait_for_ready = true;
        return 0;
    case 'v':
        a->verbose = true;
        return 0;
    case 'H':
        return sc_cli_parse_header(arg, &a->md, err, errlen);
    case OPT_B_MULT:
        if (!sc_cli_parse_double(arg, 1.0, 100.0, &a->policy.backoff.multiplier))
            return bad_number("backoff-multiplier", arg, err, errlen);
        return 0;
    case OPT_B_JITTER:
        if (!sc_cli_parse_double(arg, 0.0, 0.999, &a->policy.backoff.jitter))
            return bad_number("backoff-jitter", arg, err, errlen);
        return 0;
    case OPT_MAX_ATTEMPTS:
        if (!sc_cli_parse_int64(arg, 0, INT32_MAX, &attempts))
            return bad_number("max-attempts", arg, err, errlen);
        a->policy.max_attempts = (int)attempts;
        return 0;
    default:
        snprintf(err, errlen, "unknown option (see --help)");
        return -1;
    }
}

static int set_option(sc_call_args *a, int opt, const char *arg, char *err, size_t errlen)
{
    int rc = set_int_option(a, opt, arg);
    if (rc == -2)
        return bad_number(option_name(opt), arg, err, errlen);
    if (rc == 0 || set_string_option(a, opt, arg) == 0)
        return 0;
    if ((rc = set_data_option(a, opt, arg, err, errlen)) <= 0)
        return rc;
    if ((rc = set_encoding_option(a, opt, arg, err, errlen)) <= 0)
        return rc;
    return set_other_option(a, opt, arg, err, errlen);
}

void sc_cli_call_args_defaults(sc_call_args *a)
{
    memset(a, 0, sizeof *a);
    a->target = SC_CALL_DEFAULT_TARGET;
    a->subscription_id = "client-001";
    a->batch_size = SC_CALL_DEFAULT_BATCH;
    a->chunk_size = SC_CALL_DEFAULT_CHUNK;
    a->content_type = "application/octet-stream";
    a->policy = sc_reconnect_policy_default();
}

/* --tls-cert and --tls-key go together and need --tls-ca (the client certificate is for TLS). */
static int tls_check(const sc_call_args *a, char *err, size_t errlen)
{
    if ((a->tls_cert == NULL) != (a->tls_key == NULL)) {
        snprintf(err, errlen, "--tls-cert and --tls-key go together");
        return -1;
    }
    if (a->tls_cert != NULL && a->tls_ca == NULL) {
        snprintf(err, errlen,
                 "--tls-cert: needs --tls-ca (the CA the server certificate is "
                 "checked against)");
        return -1;
    }
    if (a->authority != NULL && *a->authority == '\0') {
        snprintf(err, errlen, "--authority: empty");
        return -1;
    }
    return 0;
}

/* The text of -d: inline JSON, @FILE or @- (stdin), at most SC_CALL_MAX_DATA_BYTES. malloc'd, or
 * NULL with a message. */
static char *data_text(const char *arg, char *err, size_t errlen)
{
    if (arg[0] != '@')
        return strdup(arg);
    bool std_in = strcmp(arg, "@-") == 0;
    FILE *f = std_in ? stdin : fopen(arg + 1, "rb");
    if (f == NULL) {
        snprintf(err, errlen, "-d %s: %s", arg, strerror(errno));
        return NULL;
    }
    char *text = malloc(SC_CALL_MAX_DATA_BYTES + 1);
    size_t n = text != NULL ? fread(text, 1, SC_CALL_MAX_DATA_BYTES + 1, f) : 0;
    if (!std_in)
        fclose(f);
    if (text == NULL || n > SC_CALL_MAX_DATA_BYTES) {
        snprintf(err, errlen, "-d %s: %s", arg,
                 text == NULL ? "out of memory" : "larger than 64 MiB");
        free(text);
        return NULL;
    }
    text[n] = '\0';
    return text;
}

/* One JSON value of -d's sequence as the next request message. */
static int add_request(sc_call_args *a, const cJSON *v, char *err, size_t errlen)
{
    char why[512];
    if (a->n_requests == SC_CALL_MAX_MESSAGES) {
        snprintf(err, errlen, "-d: more than %d messages", SC_CALL_MAX_MESSAGES);
        return -1;
    }
    ProtobufCMessage *m = sc_json_to_message(sc_method_request_desc(a->method), v, why, sizeof why);
    if (m == NULL) {
        snprintf(err, errlen, "-d: message %zu: %s", a->n_requests + 1, why);
        return -1;
    }
    ProtobufCMessage **grown = realloc(a->requests, (a->n_requests + 1) * sizeof *grown);
    if (grown == NULL) {
        protobuf_c_message_free_unpacked(m, NULL);
        snprintf(err, errlen, "-d: out of memory");
        return -1;
    }
    a->requests = grown;
    a->requests[a->n_requests++] = m;
    return 0;
}

/* -d: a sequence of JSON objects (whitespace between them, as grpcurl takes them), each a message
 * of the method's request type. GetData and SubscribeData take exactly one. */
static int load_data(sc_call_args *a, char *err, size_t errlen)
{
    char *text = data_text(a->data, err, errlen);
    if (text == NULL)
        return -1;
    int rc = 0;
    const char *p = text;
    while (rc == 0 && *(p += strspn(p, " \t\r\n")) != '\0') {
        const char *end = NULL;
        cJSON *v = cJSON_ParseWithOpts(p, &end, false);
        if (v == NULL) {
            char at[128];
            sc_json_position(text, end, at, sizeof at);
            snprintf(err, errlen, "-d: invalid JSON at %s", at);
            rc = -1;
            break;
        }
        rc = add_request(a, v, err, errlen);
        cJSON_Delete(v);
        p = end;
    }
    free(text);
    bool single = a->method == SC_METHOD_GET || a->method == SC_METHOD_SUBSCRIBE;
    if (rc == 0 && (a->n_requests == 0 || (single && a->n_requests != 1))) {
        snprintf(err, errlen, "-d: %s takes %s request message, got %zu", sc_method_name(a->method),
                 single ? "exactly one" : "at least one", a->n_requests);
        rc = -1;
    }
    return rc;
}

void sc_cli_call_args_free(sc_call_args *a)
{
    for (size_t i = 0; i < a->n_requests; i++)
        protobuf_c_message_free_unpacked(a->requests[i], NULL);
    free(a->requests);
    a->requests = NULL;
    a->n_requests = 0;
    sc_md_list_free(&a->md);
}

/* Cross-option rules once everything is parsed. */
static int args_check(sc_call_args *a, int npos, char **pos, char *err, size_t errlen)
{
    bool upload = a->method == SC_METHOD_UPLOAD && a->data == NULL;
    if (upload && npos != 1) {
        snprintf(err, errlen, "upload: expected exactly one FILE argument (or -d)");
        return -1;
    }
    if (!upload && npos != 0) {
        snprintf(err, errlen, "unexpected argument '%s'", pos[0]);
        return -1;
    }
    if (upload)
        a->file = pos[0];
    if (a->method == SC_METHOD_CHAT && a->data == NULL && (a->user == NULL || *a->user == '\0')) {
        snprintf(err, errlen, "chat: --user NAME is required");
        return -1;
    }
    if (a->reconnect && a->method != SC_METHOD_SUBSCRIBE) {
        snprintf(err, errlen, "--reconnect: only for subscribe");
        return -1;
    }
    if (a->count > 0 && a->method != SC_METHOD_SUBSCRIBE) {
        snprintf(err, errlen, "--count: only for subscribe");
        return -1;
    }
    if (a->policy.backoff.max_ms < a->policy.backoff.initial_ms) {
        snprintf(err, errlen, "--backoff-max-ms: must be >= --backoff-initial-ms");
        return -1;
    }
    if (a->accept_encodings != 0 && (a->accept_encodings & SC_ENC_BIT(a->compression)) == 0) {
        /* the core compresses only in an encoding enabled on the channel */
        snprintf(err, errlen, "--compress %s: not in --accept-encoding",
                 sc_encoding_name((sc_encoding)a->compression));
        return -1;
    }
    if (tls_check(a, err, errlen) != 0)
        return -1;
    return a->data != NULL ? load_data(a, err, errlen) : 0;
}

int sc_cli_call_args_parse(sc_call_args *a, int argc, char **argv, char *err, size_t errlen)
{
    if (argc < 2) {
        snprintf(err, errlen, "missing METHOD (get|subscribe|upload|chat)");
        return -1;
    }
    if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)
        return 1;
    if (!sc_method_parse(argv[1], &a->method)) {
        snprintf(err, errlen, "unknown method '%s' (get|subscribe|upload|chat)", argv[1]);
        return -1;
    }
    int sub_argc = argc - 1;
    char **sub_argv = argv + 1;
    optind = 0; /* GNU: full re-initialisation, argv[0] (the method) is skipped */
    opterr = 0;
    int opt;
    while ((opt = getopt_long(sub_argc, sub_argv, ":H:vhd:", sc_call_options, NULL)) != -1) {
        if (opt == 'h')
            return 1;
        if (opt == '?' || opt == ':') {
            snprintf(err, errlen, "%s option '%s' (see --help)",
                     opt == '?' ? "unknown" : "missing value for", sub_argv[optind - 1]);
            return -1;
        }
        if (set_option(a, opt, optarg, err, errlen) != 0)
            return -1;
    }
    return args_check(a, sub_argc - optind, sub_argv + optind, err, errlen);
}
