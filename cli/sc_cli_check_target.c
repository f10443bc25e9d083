/* `streamconform check --target HOST:PORT`: smoke-test a DataService server that someone else
 * runs. Plain DataService calls only (no control metadata), each bounded by a deadline; for each
 * method one line with what the server answered and a verdict (see `check --help`). */
#include "sc_cli_check_target.h"
#include "sc_client_channel.h"
#include "sc_client_sync.h"
#include "sc_status.h"
#include "sc_time.h"
#include "streaming.pb-c.h"

#include <grpc/grpc.h>
#include <openssl/evp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Added to the call's deadline for each blocking step, so that the deadline (a status from the
 * core) ends a stuck call, and the local bound is only the backstop. */
#define TARGET_MARGIN_MS 2000
/* Bytes uploaded: several chunks of TARGET_CHUNK bytes, the last one partial. */
#define TARGET_UPLOAD_BYTES (3 * 65536 + 1000)
#define TARGET_CHUNK 65536
/* Chat messages quoted in a line (the others are only counted): keeps the line readable. */
#define TARGET_CHAT_QUOTED 3
/* Longest text kept of a status message, a quoted field or a summary. */
#define TARGET_TEXT 256
#define TARGET_DETAIL 1024

typedef struct {
    grpc_channel *channel;
    int64_t deadline_ms;
    int failures;
} target_ctx;

/* What one call answered. */
typedef struct {
    int code;                  /* final status; -1: the call did not start or gave no status */
    char message[TARGET_TEXT]; /* the status message, or the local reason when code is -1 */
    int responses;             /* response messages received */
    bool cancelled_by_check;   /* check cancelled it on purpose (SubscribeData) */
} target_answer;

/* Called for response number `index` (0-based); the message stays the caller's. */
typedef void (*target_on_response)(const ProtobufCMessage *m, int index, void *user);

static void target_report(target_ctx *t, const char *what, bool ok, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static void target_report(target_ctx *t, const char *what, bool ok, const char *fmt, ...)
{
    char detail[TARGET_DETAIL];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(detail, sizeof detail, fmt, ap);
    va_end(ap);
    printf(SC_CHECK_LINE_FMT, what, ok ? "ok" : "FAIL", detail);
    fflush(stdout);
    if (!ok)
        t->failures++;
}

/* The bound of one blocking step (send, receive, status). */
static int64_t step_ms(const target_ctx *t)
{
    return t->deadline_ms + TARGET_MARGIN_MS;
}

static sc_client_sync *target_start(target_ctx *t, sc_method m, target_answer *a)
{
    sc_client_call_opts o = {.method = m, .deadline_ms = t->deadline_ms};
    *a = (target_answer){.code = -1};
    return sc_client_sync_start(t->channel, &o, a->message, sizeof a->message);
}

/* Read responses until the stream ends or `max` were read (max <= 0: no limit). */
static void target_drain(target_ctx *t, sc_client_sync *s, target_answer *a, int max,
                         target_on_response each, void *user)
{
    ProtobufCMessage *m;
    while ((max <= 0 || a->responses < max) &&
           sc_client_sync_recv(s, &m, step_ms(t)) == SC_SYNC_OK) {
        if (each != NULL)
            each(m, a->responses, user);
        a->responses++;
        protobuf_c_message_free_unpacked(m, NULL);
    }
}

/* Wait for the status (cancelling the call when the local bound passes) and copy it into `a`. */
static void target_finish(target_ctx *t, sc_client_sync *s, target_answer *a)
{
    if (sc_client_sync_finish(s, step_ms(t)) != SC_SYNC_OK) {
        sc_client_sync_cancel(s);
        if (sc_client_sync_finish(s, TARGET_MARGIN_MS) != SC_SYNC_OK) {
            a->code = -1;
            snprintf(a->message, sizeof a->message, "no status within %lld ms",
                     (long long)(step_ms(t) + TARGET_MARGIN_MS));
            return;
        }
    }
    const sc_client_call_result *r = sc_client_sync_result(s);
    a->code = r->code;
    snprintf(a->message, sizeof a->message, "%s", r->message != NULL ? r->message : "");
}

static const char *answer_status(const target_answer *a, char *buf, size_t len)
{
    if (a->code < 0)
        snprintf(buf, len, "no status (%s)", a->message);
    else
        snprintf(buf, len, "%s \"%s\"", sc_status_name(a->code), a->message);
    return buf;
}

static const char *plural(int n)
{
    return n == 1 ? "" : "s";
}

static Streaming__StreamRequest stream_request(void)
{
    static char *topics[] = {"metrics", "events"};
    Streaming__StreamRequest r = STREAMING__STREAM_REQUEST__INIT;
    r.subscription_id = "check";
    r.topics = topics;
    r.n_topics = 2;
    r.batch_size = 3;
    return r;
}

/* "sequence 0, 3 data points (ids a..c, first value 12.5, metadata topic=metrics)". */
static void summarize_stream_response(const ProtobufCMessage *m, char *buf, size_t len)
{
    const Streaming__StreamResponse *r = (const Streaming__StreamResponse *)m;
    if (r->n_data_points == 0) {
        snprintf(buf, len, "sequence %lld, no data points", (long long)r->sequence_number);
        return;
    }
    const Streaming__DataPoint *first = r->data_points[0];
    const Streaming__DataPoint *last = r->data_points[r->n_data_points - 1];
    char md[TARGET_TEXT] = "none";
    if (first->n_metadata > 0)
        snprintf(md, sizeof md, "%s=%s", first->metadata[0]->key, first->metadata[0]->value);
    snprintf(buf, len,
             "sequence %lld, %zu data point%s (ids %.40s..%.40s, first value %g, metadata %s)",
             (long long)r->sequence_number, r->n_data_points, r->n_data_points == 1 ? "" : "s",
             first->id, last->id, first->value, md);
}

static void on_get_response(const ProtobufCMessage *m, int index, void *user)
{
    if (index == 0)
        summarize_stream_response(m, user, TARGET_DETAIL / 2);
}

/* ok: OK with exactly one response. */
static void target_get(target_ctx *t)
{
    Streaming__StreamRequest req = stream_request();
    target_answer a;
    char first[TARGET_DETAIL / 2] = "", st[TARGET_TEXT + 64];
    sc_client_sync *s = target_start(t, SC_METHOD_GET, &a);
    if (s != NULL) {
        sc_client_sync_send(s, &req.base, step_ms(t));
        sc_client_sync_close_send(s, step_ms(t));
        target_drain(t, s, &a, 0, on_get_response, first);
        target_finish(t, s, &a);
        sc_client_sync_free(s);
    }
    bool ok = a.code == SC_STATUS_OK && a.responses == 1;
    target_report(t, "GetData", ok, "%s, %d response%s%s%s", answer_status(&a, st, sizeof st),
                  a.responses, plural(a.responses), first[0] ? ": " : "", first);
}

typedef struct {
    char sequences[TARGET_TEXT];
    char first[TARGET_DETAIL / 2];
} subscribe_seen;

static void on_subscribe_response(const ProtobufCMessage *m, int index, void *user)
{
    subscribe_seen *seen = user;
    size_t used = strlen(seen->sequences);
    snprintf(seen->sequences + used, sizeof seen->sequences - used, "%s%lld", index ? "," : "",
             (long long)((const Streaming__StreamResponse *)m)->sequence_number);
    if (index == 0)
        summarize_stream_response(m, seen->first, sizeof seen->first);
}

/* ok: at least one response, and either SC_CHECK_TARGET_STREAM_RESPONSES of them (check then
 * cancels the stream: a subscription need not end by itself) or a stream the server ended with OK.
 */
static void target_subscribe(target_ctx *t)
{
    Streaming__StreamRequest req = stream_request();
    target_answer a;
    subscribe_seen seen = {"", ""};
    char st[TARGET_TEXT + 64];
    sc_client_sync *s = target_start(t, SC_METHOD_SUBSCRIBE, &a);
    if (s != NULL) {
        sc_client_sync_send(s, &req.base, step_ms(t));
        sc_client_sync_close_send(s, step_ms(t));
        target_drain(t, s, &a, SC_CHECK_TARGET_STREAM_RESPONSES, on_subscribe_response, &seen);
        if (a.responses == SC_CHECK_TARGET_STREAM_RESPONSES) {
            sc_client_sync_cancel(s);
            a.cancelled_by_check = true;
        }
        target_finish(t, s, &a);
        sc_client_sync_free(s);
    }
    bool ok = a.responses > 0 && (a.cancelled_by_check || a.code == SC_STATUS_OK);
    answer_status(&a, st, sizeof st);
    if (a.cancelled_by_check)
        target_report(t, "SubscribeData", ok,
                      "%d responses (sequence %s), then cancelled by check (%s); first: %s",
                      a.responses, seen.sequences, st, seen.first);
    else if (a.responses > 0)
        target_report(t, "SubscribeData", ok, "%s, %d response%s (sequence %s); first: %s", st,
                      a.responses, plural(a.responses), seen.sequences, seen.first);
    else
        target_report(t, "SubscribeData", ok, "%s, 0 responses", st);
}

typedef struct {
    char file_id[TARGET_TEXT];
    char checksum[TARGET_TEXT];
    long long bytes_received;
} upload_seen;

static void on_upload_response(const ProtobufCMessage *m, int index, void *user)
{
    const Streaming__UploadResponse *r = (const Streaming__UploadResponse *)m;
    upload_seen *seen = user;
    if (index != 0)
        return;
    snprintf(seen->file_id, sizeof seen->file_id, "%s", r->file_id);
    snprintf(seen->checksum, sizeof seen->checksum, "%s", r->checksum);
    seen->bytes_received = (long long)r->bytes_received;
}

/* The file uploaded (the caller frees it) and its SHA-256 in lower-case hex. */
static unsigned char *upload_file(char hex[65])
{
    unsigned char *file = malloc(TARGET_UPLOAD_BYTES);
    if (file == NULL)
        return NULL;
    for (size_t i = 0; i < TARGET_UPLOAD_BYTES; i++)
        file[i] = (unsigned char)(i * 31 + 7);
    unsigned char digest[32];
    unsigned int dlen = 0;
    EVP_Digest(file, TARGET_UPLOAD_BYTES, digest, &dlen, EVP_sha256(), NULL);
    hex[0] = '\0';
    for (unsigned i = 0; i < dlen && i < 32; i++)
        snprintf(hex + 2 * i, 3, "%02x", digest[i]);
    return file;
}

/* The metadata message, then the chunks; stops at the first send that fails. */
static void upload_send(target_ctx *t, sc_client_sync *s, const unsigned char *file)
{
    Streaming__FileMetadata fm = STREAMING__FILE_METADATA__INIT;
    fm.filename = "check.bin";
    fm.content_type = "application/octet-stream";
    fm.total_size = TARGET_UPLOAD_BYTES;
    Streaming__UploadRequest r = STREAMING__UPLOAD_REQUEST__INIT;
    r.payload_case = STREAMING__UPLOAD_REQUEST__PAYLOAD_METADATA;
    r.metadata = &fm;
    bool sent = sc_client_sync_send(s, &r.base, step_ms(t)) == SC_SYNC_OK;
    for (size_t off = 0; sent && off < TARGET_UPLOAD_BYTES; off += TARGET_CHUNK) {
        Streaming__UploadRequest ch = STREAMING__UPLOAD_REQUEST__INIT;
        ch.payload_case = STREAMING__UPLOAD_REQUEST__PAYLOAD_CHUNK;
        ch.chunk.data = (unsigned char *)file + off;
        ch.chunk.len =
            TARGET_UPLOAD_BYTES - off < TARGET_CHUNK ? TARGET_UPLOAD_BYTES - off : TARGET_CHUNK;
        sent = sc_client_sync_send(s, &ch.base, step_ms(t)) == SC_SYNC_OK;
    }
    sc_client_sync_close_send(s, step_ms(t));
}

/* ok: OK with exactly one response whose bytes_received is what was sent. The checksum is shown
 * and compared with the SHA-256 of the bytes sent, but a server may compute another one. */
static void target_upload(target_ctx *t)
{
    char hex[65], st[TARGET_TEXT + 64];
    target_answer a = {.code = -1, .message = "out of memory"};
    upload_seen seen = {.bytes_received = -1};
    unsigned char *file = upload_file(hex);
    sc_client_sync *s = file != NULL ? target_start(t, SC_METHOD_UPLOAD, &a) : NULL;
    if (s != NULL) {
        upload_send(t, s, file);
        target_drain(t, s, &a, 0, on_upload_response, &seen);
        target_finish(t, s, &a);
        sc_client_sync_free(s);
    }
    free(file);
    answer_status(&a, st, sizeof st);
    bool ok =
        a.code == SC_STATUS_OK && a.responses == 1 && seen.bytes_received == TARGET_UPLOAD_BYTES;
    if (a.responses == 0) {
        target_report(t, "UploadFile", false, "%s, 0 responses", st);
        return;
    }
    target_report(t, "UploadFile", ok,
                  "%s, %d response%s: file_id %.60s, bytes_received %lld of %d sent, checksum "
                  "%.16s... (%s)",
                  st, a.responses, plural(a.responses), seen.file_id, seen.bytes_received,
                  TARGET_UPLOAD_BYTES, seen.checksum,
                  strcmp(seen.checksum, hex) == 0 ? "the sha256 of the bytes sent"
                                                  : "not the sha256 of the bytes sent");
}

typedef struct {
    char quoted[TARGET_DETAIL / 2];
} chat_seen;

static void on_chat_response(const ProtobufCMessage *m, int index, void *user)
{
    const Streaming__ChatMessage *c = (const Streaming__ChatMessage *)m;
    chat_seen *seen = user;
    if (index >= TARGET_CHAT_QUOTED)
        return;
    size_t used = strlen(seen->quoted);
    snprintf(seen->quoted + used, sizeof seen->quoted - used, " [%.40s: %.60s]", c->user_id,
             c->content);
}

static void chat_say(target_ctx *t, sc_client_sync *s, const char *user, const char *text)
{
    Streaming__ChatMessage m = STREAMING__CHAT_MESSAGE__INIT;
    m.user_id = (char *)user;
    m.content = (char *)text;
    m.timestamp = sc_time_wall_ns();
    sc_client_sync_send(s, &m.base, step_ms(t));
}

/* Half-close, read what the server still sends and wait for the status. */
static void chat_end(target_ctx *t, sc_client_sync *s, target_answer *a, chat_seen *seen)
{
    sc_client_sync_close_send(s, step_ms(t));
    target_drain(t, s, a, 0, on_chat_response, seen);
    target_finish(t, s, a);
}

/* Bob joins, Alice joins, says hello and leaves, then Bob leaves. ok: both streams end with OK
 * after their half-close (what Bob receives depends on the server's room semantics: shown, not
 * judged). */
static void target_chat(target_ctx *t)
{
    target_answer ab, aa;
    chat_seen sb = {""}, sa = {""};
    char stb[TARGET_TEXT + 64], sta[TARGET_TEXT + 64];
    sc_client_sync *bob = target_start(t, SC_METHOD_CHAT, &ab);
    sc_client_sync *alice = target_start(t, SC_METHOD_CHAT, &aa);
    if (bob != NULL)
        chat_say(t, bob, "bob", "joined");
    if (alice != NULL) {
        chat_say(t, alice, "alice", "joined");
        chat_say(t, alice, "alice", "hello bob");
        /* Alice ends first: whatever the server relays to Bob is then queued before he leaves. */
        chat_end(t, alice, &aa, &sa);
    }
    if (bob != NULL)
        chat_end(t, bob, &ab, &sb);
    sc_client_sync_free(alice);
    sc_client_sync_free(bob);
    bool ok = ab.code == SC_STATUS_OK && aa.code == SC_STATUS_OK;
    target_report(t, "Chat", ok, "bob: %s, %d response%s%s; alice: %s, %d response%s%s",
                  answer_status(&ab, stb, sizeof stb), ab.responses, plural(ab.responses),
                  sb.quoted, answer_status(&aa, sta, sizeof sta), aa.responses,
                  plural(aa.responses), sa.quoted);
}

int sc_check_target_run(const char *target, int64_t deadline_ms)
{
    printf("streamconform check: target %s, plain DataService calls, deadline %lld ms each\n",
           target, (long long)deadline_ms);
    fflush(stdout);
    grpc_init();
    char err[TARGET_TEXT];
    sc_client_channel_opts copts = {0};
    target_ctx t = {.channel = sc_client_channel_create(target, &copts, err, sizeof err),
                    .deadline_ms = deadline_ms};
    if (t.channel == NULL) {
        fprintf(stderr, "streamconform check: %s\n", err);
        t.failures = 4;
    } else {
        target_get(&t);
        target_subscribe(&t);
        target_upload(&t);
        target_chat(&t);
        grpc_channel_destroy(t.channel);
    }
    grpc_shutdown();
    if (t.failures == 0)
        printf("streamconform check: all methods behaved\n");
    else
        printf("streamconform check: FAILED (%d of 4 methods)\n", t.failures);
    return t.failures;
}
