/* streamconform call get|subscribe|upload|chat: the seed's Go/Python clients, done on the async
 * client library. One loop, one call at a time (a new one per reconnect attempt). */
#include "sc_cli.h"
#include "sc_cli_call_args.h"
#include "sc_cli_util.h"
#include "sc_client_call.h"
#include "sc_client_channel.h"
#include "sc_client_retry.h"
#include "sc_instr_compress.h"
#include "sc_json.h"
#include "sc_log.h"
#include "sc_status.h"
#include "sc_time.h"
#include "streaming.pb-c.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <fcntl.h>
#include <openssl/evp.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

/* Chunks queued ahead of the wire per refill: enough for GRPC_WRITE_BUFFER_HINT to coalesce. */
#define SC_CALL_UPLOAD_AHEAD 4
/* Longest chat line sent as one message; longer lines go out in pieces. */
#define SC_CALL_CHAT_MAX_LINE 65536
/* Width of the upload progress bar in characters. */
#define SC_CALL_BAR_WIDTH 30

typedef struct {
    const sc_call_args *a;
    sc_loop *loop;         /* owned */
    grpc_channel *channel; /* owned */
    sc_client_call *call;  /* owned; the running attempt */
    sc_client_retry retry;
    sc_backoff_xorshift rng;
    bool finished;
    int final_code;
    int last_code;       /* code of the attempt that ended last; -1 before */
    char *final_message; /* owned */
    bool local_failure;
    int64_t printed; /* responses shown, across attempts */
    bool count_reached;
    /* upload */
    int fd;
    EVP_MD_CTX *sha;
    int64_t file_size, bytes_read;
    bool file_eof;
    unsigned char *chunk; /* owned */
    char local_hex[2 * EVP_MAX_MD_SIZE + 1];
    Streaming__UploadResponse *upload_resp; /* owned */
    bool progress;
    /* chat */
    char *line; /* owned, SC_CALL_CHAT_MAX_LINE bytes */
    size_t line_len;
    bool stdin_eof;
} sc_call_run;

static volatile sig_atomic_t sc_call_interrupted;

static void on_sigint(int sig)
{
    (void)sig;
    sc_call_interrupted = 1;
}

/* ---------------------------------------------------------------- output */

/* Wall-clock "HH:MM:SS.mmm" of a monotonic instant. */
static void format_mono(int64_t mono_ms, char *out, size_t outlen)
{
    int64_t wall_ms = sc_time_wall_ns() / 1000000 - (sc_time_now_ms() - mono_ms);
    time_t secs = (time_t)(wall_ms / 1000);
    struct tm tm;
    localtime_r(&secs, &tm);
    char hms[16];
    strftime(hms, sizeof hms, "%H:%M:%S", &tm);
    snprintf(out, outlen, "%s.%03lld", hms, (long long)(wall_ms % 1000));
}

static void print_json(const ProtobufCMessage *msg)
{
    char err[256];
    char *text = sc_json_message_to_string(msg, err, sizeof err);
    if (text == NULL) {
        fprintf(stderr, "streamconform call: cannot print response as JSON: %s\n", err);
        return;
    }
    printf("%s\n", text);
    free(text);
}

/* The seed's Go consumer: batch header, then one line per data point. */
static void print_batch(const Streaming__StreamResponse *r)
{
    printf("Received batch #%lld with %zu data points\n", (long long)r->sequence_number,
           r->n_data_points);
    for (size_t i = 0; i < r->n_data_points; i++) {
        const Streaming__DataPoint *dp = r->data_points[i];
        const char *topic = "";
        for (size_t k = 0; k < dp->n_metadata; k++)
            if (strcmp(dp->metadata[k]->key, "topic") == 0)
                topic = dp->metadata[k]->value;
        printf("  - ID: %s, Value: %.2f, Topic: %s\n", dp->id, dp->value, topic);
    }
}

/* The seed's chat client: [15:04:05] sender: text, the time taken from the message. */
static void print_chat(const Streaming__ChatMessage *m)
{
    time_t secs = (time_t)(m->timestamp / 1000000000);
    struct tm tm;
    localtime_r(&secs, &tm);
    char hms[16];
    strftime(hms, sizeof hms, "%H:%M:%S", &tm);
    printf("[%s] %s: %s\n", hms, m->user_id, m->content);
}

static void print_progress(sc_call_run *r, int64_t done)
{
    if (!r->progress)
        return;
    int64_t total = r->file_size > 0 ? r->file_size : 1;
    int pct = (int)(done * 100 / total);
    int fill = (int)(done * SC_CALL_BAR_WIDTH / total);
    char bar[SC_CALL_BAR_WIDTH + 1];
    for (int i = 0; i < SC_CALL_BAR_WIDTH; i++)
        bar[i] = i < fill ? '#' : ' ';
    bar[SC_CALL_BAR_WIDTH] = '\0';
    printf("\r[%s] %3d%% (%lld/%lld bytes)", bar, pct, (long long)done, (long long)r->file_size);
    if (done >= r->file_size)
        printf("\n");
    fflush(stdout);
}

/* ---------------------------------------------------------------- handlers */

static void on_message(sc_client_call *call, ProtobufCMessage *msg, void *user)
{
    sc_call_run *r = user;
    const sc_call_args *a = r->a;
    if (a->method == SC_METHOD_UPLOAD && r->upload_resp == NULL) {
        r->upload_resp = (Streaming__UploadResponse *)msg;
        return; /* printed with the checksum verdict once the call ended */
    }
    if (a->json)
        print_json(msg);
    else if (a->method == SC_METHOD_CHAT)
        print_chat((const Streaming__ChatMessage *)msg);
    else if (a->method != SC_METHOD_UPLOAD)
        print_batch((const Streaming__StreamResponse *)msg);
    fflush(stdout);
    protobuf_c_message_free_unpacked(msg, NULL);
    r->printed++;
    if (a->count > 0 && r->printed >= a->count && !r->count_reached) {
        r->count_reached = true;
        sc_client_retry_stop(&r->retry);
        sc_client_call_cancel(call);
    }
}

static void send_chunks(sc_call_run *r, sc_client_call *call)
{
    for (int i = 0; i < SC_CALL_UPLOAD_AHEAD && !r->file_eof; i++) {
        ssize_t n = read(r->fd, r->chunk, (size_t)r->a->chunk_size);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            fprintf(stderr, "streamconform call: %s: %s\n", r->a->file, strerror(errno));
            r->local_failure = true;
            sc_client_call_cancel(call);
            return;
        }
        if (n == 0) {
            r->file_eof = true;
            break;
        }
        EVP_DigestUpdate(r->sha, r->chunk, (size_t)n);
        r->bytes_read += n;
        Streaming__UploadRequest req = STREAMING__UPLOAD_REQUEST__INIT;
        req.payload_case = STREAMING__UPLOAD_REQUEST__PAYLOAD_CHUNK;
        req.chunk.data = r->chunk;
        req.chunk.len = (size_t)n;
        if (sc_client_call_send(call, &req.base) != 0)
            return; /* the call is over; its status tells why */
    }
    if (r->file_eof)
        sc_client_call_close_send(call);
}

static void on_send_ready(sc_client_call *call, void *user)
{
    sc_call_run *r = user;
    if (r->a->method != SC_METHOD_UPLOAD)
        return;
    print_progress(r, r->bytes_read);
    send_chunks(r, call);
}

static void log_metadata(const char *what, const sc_md_list *md)
{
    if (sc_log_get_level() < SC_LOG_DEBUG)
        return;
    cJSON *obj = sc_md_list_to_json(md);
    char *text = obj ? cJSON_PrintUnformatted(obj) : NULL;
    sc_log(SC_LOG_DEBUG, "call", "%s %s", what, text ? text : "?");
    free(text);
    cJSON_Delete(obj);
}

static void on_done(sc_client_call *call, void *user)
{
    sc_call_run *r = user;
    const sc_client_call_result *res = sc_client_call_result_get(call);
    log_metadata("headers", &res->headers);
    log_metadata("trailers", &res->trailers);
    if (sc_log_get_level() >= SC_LOG_DEBUG)
        sc_log(SC_LOG_DEBUG, "call", "response encoding %s",
               sc_encoding_name((sc_encoding)res->response_encoding));
    free(r->final_message);
    r->final_message = strdup(res->message);
    int code = res->code;
    size_t responses = res->responses;
    int64_t pushback = sc_client_retry_pushback(&res->trailers);
    r->last_code = code;
    r->call = NULL;
    sc_client_call_release(call);
    sc_client_retry_attempt_ended(&r->retry, code, responses, pushback);
}

/* ---------------------------------------------------------------- starting an attempt */

/* -d's messages, in order, then the half-close. */
static int send_data_requests(sc_call_run *r, sc_client_call *call)
{
    for (size_t i = 0; i < r->a->n_requests; i++)
        if (sc_client_call_send(call, r->a->requests[i]) != 0)
            return -1;
    return sc_client_call_close_send(call);
}

static int send_stream_request(sc_call_run *r, sc_client_call *call)
{
    static const char *const seed_topics[] = {"metrics", "events", "logs"};
    Streaming__StreamRequest req = STREAMING__STREAM_REQUEST__INIT;
    req.subscription_id = (char *)r->a->subscription_id;
    if (r->a->n_topics > 0) {
        req.n_topics = r->a->n_topics;
        req.topics = (char **)r->a->topics;
    } else {
        req.n_topics = sizeof seed_topics / sizeof seed_topics[0];
        req.topics = (char **)seed_topics;
    }
    req.batch_size = (int32_t)r->a->batch_size;
    if (sc_client_call_send(call, &req.base) != 0)
        return -1;
    return sc_client_call_close_send(call);
}

static const char *base_name(const char *path)
{
    const char *slash = strrchr(path, '/');
    return slash != NULL ? slash + 1 : path;
}

static int send_upload_metadata(sc_call_run *r, sc_client_call *call)
{
    Streaming__FileMetadata fm = STREAMING__FILE_METADATA__INIT;
    fm.filename = (char *)base_name(r->a->file);
    fm.content_type = (char *)r->a->content_type;
    fm.total_size = r->file_size;
    Streaming__UploadRequest req = STREAMING__UPLOAD_REQUEST__INIT;
    req.payload_case = STREAMING__UPLOAD_REQUEST__PAYLOAD_METADATA;
    req.metadata = &fm;
    if (sc_client_call_send(call, &req.base) != 0)
        return -1;
    send_chunks(r, call);
    return 0;
}

static int send_chat(sc_client_call *call, const char *user, const char *text, size_t len)
{
    char *content = strndup(text, len);
    if (content == NULL)
        return -1;
    Streaming__ChatMessage m = STREAMING__CHAT_MESSAGE__INIT;
    m.user_id = (char *)user;
    m.content = content;
    m.timestamp = sc_time_wall_ns();
    int rc = sc_client_call_send(call, &m.base);
    free(content);
    return rc;
}

static grpc_channel *open_channel(const sc_call_args *a, char *err, size_t errlen)
{
    sc_client_channel_opts copts = {.max_receive_bytes = (int)a->max_receive_bytes,
                                    .tls_ca_file = a->tls_ca,
                                    .tls_cert_file = a->tls_cert,
                                    .tls_key_file = a->tls_key,
                                    .authority = a->authority,
                                    .tls_option_names = true,
                                    .compression = a->compression,
                                    .accept_encodings = a->accept_encodings};
    return sc_client_channel_create(a->target, &copts, err, errlen);
}

/* After UNAVAILABLE the old channel may sit in its own (core) reconnect backoff and fail new calls
 * at once; a fresh channel makes each attempt a real connection attempt on our schedule. */
static int refresh_channel(sc_call_run *r)
{
    if (r->last_code != SC_STATUS_UNAVAILABLE)
        return 0;
    char err[256];
    grpc_channel *ch = open_channel(r->a, err, sizeof err);
    if (ch == NULL) {
        fprintf(stderr, "streamconform call: %s\n", err);
        return -1;
    }
    grpc_channel_destroy(r->channel); /* every call on it has been released */
    r->channel = ch;
    return 0;
}

static int start_attempt(sc_client_retry *retry, void *user)
{
    sc_call_run *r = user;
    (void)retry;
    if (refresh_channel(r) != 0)
        return -1;
    static const sc_client_call_handlers handlers = {
        .on_message = on_message,
        .on_send_ready = on_send_ready,
        .on_done = on_done,
    };
    sc_client_call_opts opts = {
        .method = r->a->method,
        .metadata = &r->a->md,
        .deadline_ms = r->a->deadline_ms,
        .wait_for_ready = r->a->wait_for_ready,
    };
    char err[256];
    r->call = sc_client_call_start(r->loop, r->channel, &opts, &handlers, r, err, sizeof err);
    if (r->call == NULL) {
        fprintf(stderr, "streamconform call: %s\n", err);
        return -1;
    }
    if (r->a->n_requests > 0) {
        send_data_requests(r, r->call); /* a failed send shows up in the call's status */
        return 0;
    }
    switch (r->a->method) {
    case SC_METHOD_UPLOAD:
        send_upload_metadata(r, r->call); /* a failed send shows up in the call's status */
        return 0;
    case SC_METHOD_CHAT:
        send_chat(r->call, r->a->user, "joined", 6);
        return 0;
    default:
        send_stream_request(r, r->call);
        return 0;
    }
}

static void on_attempt(sc_client_retry *retry, const sc_client_attempt *at, void *user)
{
    sc_call_run *r = user;
    if (!r->a->reconnect)
        return;
    char start[32], end[32];
    format_mono(at->start_ms, start, sizeof start);
    format_mono(at->end_ms, end, sizeof end);
    const char *name = sc_status_name(at->code);
    fprintf(stderr, "attempt %zu: start %s end %s status %s \"%s\" responses %zu", retry->count,
            start, end, name ? name : "?", r->final_message ? r->final_message : "", at->responses);
    if (at->pushback_ms >= 0)
        fprintf(stderr, " pushback %lld ms", (long long)at->pushback_ms);
    else if (at->pushback_ms == SC_RECONNECT_PUSHBACK_INVALID)
        fprintf(stderr, " pushback malformed");
    if (at->wait_ms >= 0)
        fprintf(stderr, " -> reconnect in %lld ms\n", (long long)at->wait_ms);
    else
        fprintf(stderr, " -> stop\n");
}

static void on_finished(sc_client_retry *retry, void *user)
{
    sc_call_run *r = user;
    r->finished = true;
    r->final_code = retry->final_code;
}

/* ---------------------------------------------------------------- stdin and signals */

static void chat_take_input(sc_call_run *r, const char *buf, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        char ch = buf[i];
        if (ch != '\n' && r->line_len < SC_CALL_CHAT_MAX_LINE) {
            r->line[r->line_len++] = ch;
            continue;
        }
        size_t len = r->line_len;
        if (len > 0 && r->line[len - 1] == '\r')
            len--;
        if (len > 0 && r->call != NULL)
            send_chat(r->call, r->a->user, r->line, len);
        r->line_len = 0;
        if (ch != '\n')
            r->line[r->line_len++] = ch; /* an over-long line continues in the next message */
    }
}

static void chat_poll_stdin(sc_call_run *r)
{
    if (r->stdin_eof || r->call == NULL)
        return;
    struct pollfd p = {.fd = STDIN_FILENO, .events = POLLIN};
    if (poll(&p, 1, 0) <= 0)
        return;
    char buf[4096];
    ssize_t n = read(STDIN_FILENO, buf, sizeof buf);
    if (n < 0 && (errno == EINTR || errno == EAGAIN))
        return;
    if (n <= 0) {
        chat_take_input(r, "\n", 1); /* flush a last line without newline */
        r->stdin_eof = true;
        sc_client_call_close_send(r->call);
        return;
    }
    chat_take_input(r, buf, (size_t)n);
}

static void poll_hook(void *ctx)
{
    sc_call_run *r = ctx;
    if (sc_call_interrupted) {
        sc_call_interrupted = 0;
        sc_log(SC_LOG_DEBUG, "call", "interrupted: cancelling");
        sc_client_retry_stop(&r->retry);
        if (r->call != NULL)
            sc_client_call_cancel(r->call);
    }
    if (r->a->method == SC_METHOD_CHAT && r->a->n_requests == 0)
        chat_poll_stdin(r);
}

/* ---------------------------------------------------------------- main */

static int open_upload(sc_call_run *r, char *err, size_t errlen)
{
    r->fd = open(r->a->file, O_RDONLY | O_CLOEXEC);
    struct stat st;
    if (r->fd < 0 || fstat(r->fd, &st) != 0) {
        snprintf(err, errlen, "%s: %s", r->a->file, strerror(errno));
        return -1;
    }
    r->file_size = st.st_size;
    r->sha = EVP_MD_CTX_new();
    r->chunk = malloc((size_t)r->a->chunk_size);
    if (r->sha == NULL || r->chunk == NULL || !EVP_DigestInit_ex(r->sha, EVP_sha256(), NULL)) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    r->progress = isatty(STDOUT_FILENO) && !r->a->json;
    return 0;
}

static void hex_digest(sc_call_run *r)
{
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int n = 0;
    EVP_DigestFinal_ex(r->sha, md, &n);
    for (unsigned int i = 0; i < n; i++)
        snprintf(r->local_hex + 2 * i, 3, "%02x", md[i]);
}

/* The upload verdict: print the response, compare size and checksum. */
static void finish_upload(sc_call_run *r)
{
    if (r->final_code != SC_STATUS_OK || r->upload_resp == NULL)
        return;
    const Streaming__UploadResponse *u = r->upload_resp;
    if (r->a->json)
        print_json(&u->base);
    else
        printf("Upload successful: ID=%s, Bytes=%lld, Checksum=%s\n", u->file_id,
               (long long)u->bytes_received, u->checksum);
    if (r->a->n_requests > 0)
        return; /* -d: no local file to compare with */
    hex_digest(r);
    if (strcmp(u->checksum, r->local_hex) != 0 || u->bytes_received != r->bytes_read) {
        fprintf(stderr,
                "streamconform call: upload mismatch: server %lld bytes %s, local %lld bytes %s\n",
                (long long)u->bytes_received, u->checksum, (long long)r->bytes_read, r->local_hex);
        r->local_failure = true;
    }
}

static int run_setup(sc_call_run *r, char *err, size_t errlen)
{
    if (r->a->method == SC_METHOD_UPLOAD && r->a->n_requests == 0 &&
        open_upload(r, err, errlen) != 0)
        return -1;
    if (r->a->method == SC_METHOD_CHAT) {
        r->line = malloc(SC_CALL_CHAT_MAX_LINE);
        if (r->line == NULL) {
            snprintf(err, errlen, "out of memory");
            return -1;
        }
        if (isatty(STDIN_FILENO))
            fprintf(stderr, "Type messages (Ctrl+C to exit):\n");
    }
    r->loop = sc_loop_create(SC_LOOP_CLIENT_TICK_MS);
    r->channel = r->loop ? open_channel(r->a, err, errlen) : NULL;
    if (r->channel == NULL)
        return -1;
    sc_backoff_xorshift_seed(&r->rng, (uint64_t)sc_time_wall_ns());
    sc_client_retry_init(&r->retry, r->loop, r->a->reconnect ? &r->a->policy : NULL,
                         sc_backoff_xorshift_next, &r->rng);
    r->retry.start_attempt = start_attempt;
    r->retry.on_finished = on_finished;
    r->retry.on_attempt = on_attempt;
    r->retry.user = r;
    sc_loop_set_poll_hook(r->loop, poll_hook, r);
    return 0;
}

static bool run_finished(void *ctx)
{
    return ((sc_call_run *)ctx)->finished;
}

static int run_exit_code(sc_call_run *r)
{
    if (r->a->method == SC_METHOD_UPLOAD)
        finish_upload(r);
    if (r->local_failure)
        return SC_CLI_EXIT_LOCAL;
    if (r->count_reached)
        return SC_CLI_EXIT_OK; /* we cancelled on purpose after --count responses */
    if (r->final_code != SC_STATUS_OK && r->a->errors_json) {
        /* --format json: {"code": "UNAVAILABLE", "code_number": 14, "message": "..."} */
        cJSON *o = cJSON_CreateObject();
        cJSON_AddStringToObject(o, "code", sc_status_name(r->final_code));
        cJSON_AddNumberToObject(o, "code_number", r->final_code);
        cJSON_AddStringToObject(o, "message", r->final_message ? r->final_message : "");
        char *line = cJSON_PrintUnformatted(o);
        fprintf(stderr, "%s\n", line != NULL ? line : "{}");
        free(line);
        cJSON_Delete(o);
    } else if (r->final_code != SC_STATUS_OK) {
        const char *name = sc_status_name(r->final_code);
        fprintf(stderr, "streamconform call: %s: %s\n", name ? name : "?",
                r->final_message ? r->final_message : "");
    }
    return sc_cli_exit_code(r->final_code);
}

static void run_cleanup(sc_call_run *r)
{
    if (r->call != NULL)
        sc_client_call_release(r->call);
    /* The channel goes before the loop: sc_loop_destroy ends with grpc_shutdown(), after which
     * no core object may be touched. */
    if (r->channel != NULL)
        grpc_channel_destroy(r->channel);
    if (r->loop != NULL)
        sc_loop_destroy(r->loop);
    sc_client_retry_free(&r->retry);
    if (r->upload_resp != NULL)
        protobuf_c_message_free_unpacked(&r->upload_resp->base, NULL);
    if (r->fd >= 0)
        close(r->fd);
    EVP_MD_CTX_free(r->sha);
    free(r->chunk);
    free(r->line);
    free(r->final_message);
}

static int run_call(const sc_call_args *a)
{
    sc_call_run r;
    memset(&r, 0, sizeof r);
    r.a = a;
    r.fd = -1;
    r.final_code = -1;
    r.last_code = -1;
    char err[512];
    int rc = SC_CLI_EXIT_LOCAL;
    if (run_setup(&r, err, sizeof err) != 0) {
        fprintf(stderr, "streamconform call: %s\n", err);
        goto cleanup;
    }
    sc_client_retry_begin(&r.retry);                 /* on_finished only sets a flag here */
    sc_loop_run_until(r.loop, run_finished, &r, -1); /* ends on status or Ctrl-C */
    rc = r.final_code < 0 ? SC_CLI_EXIT_LOCAL : run_exit_code(&r);
cleanup:
    run_cleanup(&r);
    return rc;
}

int sc_cli_call_main(int argc, char **argv)
{
    sc_call_args a;
    sc_cli_call_args_defaults(&a);
    char err[512];
    int prc = sc_cli_call_args_parse(&a, argc, argv, err, sizeof err);
    if (prc != 0) {
        if (prc > 0)
            sc_cli_call_args_usage(stdout);
        else
            fprintf(stderr, "streamconform call: %s\n", err);
        sc_cli_call_args_free(&a);
        return prc > 0 ? SC_CLI_EXIT_OK : SC_CLI_EXIT_USAGE;
    }
    if (a.verbose)
        sc_log_set_level(SC_LOG_DEBUG);
    struct sigaction sa, old;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_sigint;
    sigemptyset(&sa.sa_mask);
    sc_call_interrupted = 0;
    sigaction(SIGINT, &sa, &old);
    int rc = run_call(&a);
    sigaction(SIGINT, &old, NULL);
    sc_cli_call_args_free(&a);
    return rc;
}
