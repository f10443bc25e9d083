/* sc_cli_bench_run: the bench workloads on one loop (see the header). */
#include "sc_cli_bench_run.h"

#include "sc_client_call.h"
#include "sc_client_channel.h"
#include "sc_loop.h"
#include "sc_md.h"
#include "sc_status.h"
#include "sc_time.h"
#include "streaming.pb-c.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Upload chunks queued ahead of the wire per call: enough for GRPC_WRITE_BUFFER_HINT to
 * coalesce writes, few enough to keep the sender honest about flow control. */
#define SC_BENCH_UPLOAD_AHEAD 8
/* Streaming calls (pingpong, stream) live for the whole variant plus this much: their deadline. */
#define SC_BENCH_STREAM_MARGIN_MS 30000
/* Longest a phase may overrun its timer before the run is declared stuck. */
#define SC_BENCH_PHASE_SLACK_MS 10000
/* Bound on waiting for the cancelled calls of a finished variant to end. */
#define SC_BENCH_DRAIN_MS 5000

typedef struct sc_bench sc_bench;

typedef struct {
    sc_bench *b;
    sc_client_call *call;  /* owned; NULL between calls */
    int64_t sent_ns;       /* pingpong: send of the message in flight; unary: start of the call */
    int64_t upload_queued; /* bytes of the current upload handed to the call */
    int index;
} sc_bench_slot;

struct sc_bench {
    const sc_bench_opts *o;
    const sc_bench_variant *v;
    sc_loop *loop;         /* owned */
    grpc_channel *channel; /* owned */
    sc_bench_slot *slots;  /* owned, v->concurrency */
    sc_md_list md;         /* the calls' control metadata */
    char *payload;         /* owned: pingpong content */
    unsigned char *chunk;  /* owned: one upload chunk */
    int live;              /* calls started and not done */
    bool stopping, phase_over, failed;
    char *error; /* the result's buffer */
    size_t errlen;
    uint64_t ops, items; /* monotonic counters */
    uint64_t upload_done_chunks, upload_done_bytes;
    sc_bench_hist *hist; /* the window's, NULL outside windows */
    sc_loop_timer phase_timer;
};

typedef struct {
    int64_t ns;
    double cpu, client_cpu;
    uint64_t ops, items;
} sc_bench_snap;

static const char *const kind_names[SC_BENCH_KIND_COUNT] = {"pingpong", "stream", "upload",
                                                            "unary"};

const char *sc_bench_kind_name(sc_bench_kind kind)
{
    return kind < SC_BENCH_KIND_COUNT ? kind_names[kind] : "?";
}

bool sc_bench_kind_parse(const char *text, sc_bench_kind *out)
{
    for (int i = 0; i < SC_BENCH_KIND_COUNT; i++)
        if (strcmp(text, kind_names[i]) == 0) {
            *out = (sc_bench_kind)i;
            return true;
        }
    return false;
}

sc_bench_result *sc_bench_result_new(int repeats)
{
    sc_bench_result *r = calloc(1, sizeof *r);
    if (r == NULL)
        return NULL;
    r->samples = calloc((size_t)repeats, sizeof *r->samples);
    if (r->samples == NULL) {
        free(r);
        return NULL;
    }
    return r;
}

void sc_bench_result_free(sc_bench_result *r)
{
    if (r == NULL)
        return;
    free(r->samples);
    free(r);
}

/* Monotonic nanoseconds (a loopback round trip is tens of microseconds). */
static int64_t now_ns(void)
{
    return sc_time_now_ns();
}

static void fail(sc_bench *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void fail(sc_bench *b, const char *fmt, ...)
{
    if (b->failed)
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(b->error, b->errlen, fmt, ap);
    va_end(ap);
    b->failed = true;
    b->phase_over = true;
}

/* ---------------------------------------------------------------- sending */

/* The Chat user of a slot: unique per process and slot (the room refuses a second live stream of
 * one user). */
static void chat_user(const sc_bench_slot *s, char *out, size_t outlen)
{
    snprintf(out, outlen, "bench-%ld-%d", (long)getpid(), s->index);
}

static void send_chat(sc_bench_slot *s)
{
    char user[64];
    chat_user(s, user, sizeof user);
    Streaming__ChatMessage m = STREAMING__CHAT_MESSAGE__INIT;
    m.user_id = user;
    m.content = s->b->payload;
    s->sent_ns = now_ns();
    if (sc_client_call_send(s->call, &m.base) != 0)
        fail(s->b, "pingpong: the Chat call refused a message");
}

static void send_stream_request(sc_bench_slot *s, int batch)
{
    char *topics[] = {"bench"};
    Streaming__StreamRequest req = STREAMING__STREAM_REQUEST__INIT;
    req.subscription_id = "bench";
    req.n_topics = 1;
    req.topics = topics;
    req.batch_size = batch;
    s->sent_ns = now_ns();
    if (sc_client_call_send(s->call, &req.base) != 0 || sc_client_call_close_send(s->call) != 0)
        fail(s->b, "%s: the call refused its request", sc_bench_kind_name(s->b->v->kind));
}

static void send_upload_metadata(sc_bench_slot *s)
{
    Streaming__FileMetadata meta = STREAMING__FILE_METADATA__INIT;
    meta.filename = "bench.bin";
    meta.content_type = "application/octet-stream";
    meta.total_size = s->b->o->upload_bytes;
    Streaming__UploadRequest req = STREAMING__UPLOAD_REQUEST__INIT;
    req.payload_case = STREAMING__UPLOAD_REQUEST__PAYLOAD_METADATA;
    req.metadata = &meta;
    s->upload_queued = 0;
    if (sc_client_call_send(s->call, &req.base) != 0)
        fail(s->b, "upload: the call refused its metadata");
}

/* Keep SC_BENCH_UPLOAD_AHEAD chunks queued until the whole upload went, then half-close. */
static void feed_upload(sc_bench_slot *s)
{
    sc_bench *b = s->b;
    while (s->upload_queued < b->o->upload_bytes &&
           sc_client_call_send_queued(s->call) < SC_BENCH_UPLOAD_AHEAD) {
        int64_t left = b->o->upload_bytes - s->upload_queued;
        Streaming__UploadRequest req = STREAMING__UPLOAD_REQUEST__INIT;
        req.payload_case = STREAMING__UPLOAD_REQUEST__PAYLOAD_CHUNK;
        req.chunk.data = b->chunk;
        req.chunk.len = (size_t)(left < b->o->chunk_bytes ? left : b->o->chunk_bytes);
        if (sc_client_call_send(s->call, &req.base) != 0)
            return; /* the call is over; on_done says why */
        s->upload_queued += (int64_t)req.chunk.len;
    }
    if (s->upload_queued >= b->o->upload_bytes)
        sc_client_call_close_send(s->call);
}

/* ---------------------------------------------------------------- handlers */

static void on_message(sc_client_call *call, ProtobufCMessage *msg, void *user)
{
    (void)call;
    sc_bench_slot *s = user;
    sc_bench *b = s->b;
    int64_t now = now_ns();
    switch (b->v->kind) {
    case SC_BENCH_PINGPONG: {
        const Streaming__ChatMessage *m = (const Streaming__ChatMessage *)msg;
        char me[64];
        chat_user(s, me, sizeof me);
        if (strcmp(m->user_id, me) != 0)
            break; /* a join or leave notice, or another member's message: not our echo */
        if (b->hist != NULL)
            sc_bench_hist_record(b->hist, now - s->sent_ns);
        b->ops++;
        b->items += strlen(m->content);
        if (!b->stopping)
            send_chat(s);
        break;
    }
    case SC_BENCH_STREAM:
    case SC_BENCH_UNARY:
        b->ops += b->v->kind == SC_BENCH_STREAM;
        b->items += ((const Streaming__StreamResponse *)msg)->n_data_points;
        break;
    case SC_BENCH_UPLOAD: {
        const Streaming__UploadResponse *r = (const Streaming__UploadResponse *)msg;
        if (r->bytes_received != b->o->upload_bytes)
            fail(b, "upload: the server received %lld bytes of %lld", (long long)r->bytes_received,
                 (long long)b->o->upload_bytes);
        break;
    }
    default:
        break;
    }
    protobuf_c_message_free_unpacked(msg, NULL);
}

static void on_send_ready(sc_client_call *call, void *user)
{
    (void)call;
    sc_bench_slot *s = user;
    if (s->b->v->kind == SC_BENCH_UPLOAD && !s->b->stopping)
        feed_upload(s);
}

static int start_slot(sc_bench_slot *s);

/* A call that ends on its own: unary and upload calls are counted and replaced; a ping-pong or
 * stream call is not supposed to end before the bench cancels it. */
static void on_done(sc_client_call *call, void *user)
{
    sc_bench_slot *s = user;
    sc_bench *b = s->b;
    const sc_client_call_result *res = sc_client_call_result_get(call);
    b->live--;
    bool ended_on_its_own = !b->stopping;
    if (ended_on_its_own && res->code != SC_STATUS_OK) {
        fail(b, "%s: call ended with %s: %s", sc_bench_kind_name(b->v->kind),
             sc_status_name(res->code) ? sc_status_name(res->code) : "?", res->message);
    } else if (ended_on_its_own && b->v->kind == SC_BENCH_UNARY) {
        if (b->hist != NULL)
            sc_bench_hist_record(b->hist, now_ns() - s->sent_ns);
        b->ops++;
    } else if (ended_on_its_own && b->v->kind == SC_BENCH_UPLOAD) {
        b->upload_done_bytes += (uint64_t)b->o->upload_bytes;
        b->upload_done_chunks += res->requests_sent > 0 ? res->requests_sent - 1 : 0;
    } else if (ended_on_its_own) {
        fail(b, "%s: the server ended the call with OK before the bench was over",
             sc_bench_kind_name(b->v->kind));
    }
    sc_client_call_release(call); /* safe in on_done: freed once this callback returned */
    s->call = NULL;
    if (!b->stopping && !b->failed)
        start_slot(s);
}

static int64_t variant_ms(const sc_bench *b)
{
    return b->o->warmup_ms + b->o->measure_ms * b->o->repeats + SC_BENCH_STREAM_MARGIN_MS;
}

static int start_slot(sc_bench_slot *s)
{
    sc_bench *b = s->b;
    static const sc_method methods[SC_BENCH_KIND_COUNT] = {SC_METHOD_CHAT, SC_METHOD_SUBSCRIBE,
                                                           SC_METHOD_UPLOAD, SC_METHOD_GET};
    bool long_lived = b->v->kind == SC_BENCH_PINGPONG || b->v->kind == SC_BENCH_STREAM;
    sc_client_call_opts opts = {
        .method = methods[b->v->kind],
        .metadata = &b->md,
        .deadline_ms = long_lived ? variant_ms(b) : b->o->call_deadline_ms,
    };
    sc_client_call_handlers h = {
        .on_message = on_message, .on_send_ready = on_send_ready, .on_done = on_done};
    char err[256];
    s->call = sc_client_call_start(b->loop, b->channel, &opts, &h, s, err, sizeof err);
    if (s->call == NULL) {
        fail(b, "%s: cannot start a call: %s", sc_bench_kind_name(b->v->kind), err);
        return -1;
    }
    b->live++;
    switch (b->v->kind) {
    case SC_BENCH_PINGPONG:
        send_chat(s);
        break;
    case SC_BENCH_STREAM:
    case SC_BENCH_UNARY:
        send_stream_request(s, b->v->batch);
        break;
    default:
        send_upload_metadata(s);
        feed_upload(s);
        break;
    }
    return b->failed ? -1 : 0;
}

/* ---------------------------------------------------------------- windows */

static void take_snap(sc_bench *b, sc_bench_snap *snap)
{
    snap->ns = now_ns();
    snap->cpu = b->o->server_pid > 0 ? sc_bench_proc_cpu_read(b->o->server_pid) : -1;
    if (b->o->server_pid > 0 && snap->cpu < 0)
        fail(b, "cannot read the CPU time of process %ld from /proc", b->o->server_pid);
    snap->client_cpu = sc_bench_proc_cpu_read((long)getpid());
    snap->ops = b->ops;
    snap->items = b->items;
    if (b->v->kind != SC_BENCH_UPLOAD)
        return;
    /* upload: what the core accepted so far, finished uploads plus the running ones */
    snap->ops = b->upload_done_chunks;
    snap->items = b->upload_done_bytes;
    for (int i = 0; i < b->v->concurrency; i++) {
        if (b->slots[i].call == NULL)
            continue;
        size_t sent = sc_client_call_result_get(b->slots[i].call)->requests_sent;
        uint64_t chunks = sent > 0 ? sent - 1 : 0; /* the first message is the metadata */
        uint64_t bytes = chunks * (uint64_t)b->o->chunk_bytes;
        snap->ops += chunks;
        snap->items += bytes < (uint64_t)b->o->upload_bytes ? bytes : (uint64_t)b->o->upload_bytes;
    }
}

static void on_phase_timer(sc_loop_timer *t)
{
    SC_CONTAINER_OF(t, sc_bench, phase_timer)->phase_over = true;
}

static bool phase_done(void *ctx)
{
    return ((sc_bench *)ctx)->phase_over;
}

static bool all_ended(void *ctx)
{
    return ((sc_bench *)ctx)->live == 0;
}

/* Let the calls run for `ms`. */
static void run_phase(sc_bench *b, int64_t ms)
{
    if (b->failed)
        return;
    b->phase_over = false;
    b->phase_timer.fire = on_phase_timer;
    if (sc_loop_timer_arm(b->loop, &b->phase_timer, sc_time_now_ms() + ms) != 0) {
        fail(b, "cannot arm a loop timer");
        return;
    }
    if (sc_loop_run_until(b->loop, phase_done, b, ms + SC_BENCH_PHASE_SLACK_MS) != 0)
        fail(b, "the loop overran a %lld ms window by %d ms", (long long)ms,
             SC_BENCH_PHASE_SLACK_MS);
    sc_loop_timer_disarm(b->loop, &b->phase_timer);
}

static void measure(sc_bench *b, sc_bench_result *out)
{
    for (int r = 0; r < b->o->repeats && !b->failed; r++) {
        sc_bench_sample *smp = &out->samples[r];
        sc_bench_hist_reset(&smp->lat);
        sc_bench_snap s0, s1;
        take_snap(b, &s0);
        b->hist = &smp->lat;
        run_phase(b, b->o->measure_ms);
        b->hist = NULL;
        take_snap(b, &s1);
        smp->seconds = (double)(s1.ns - s0.ns) / 1e9;
        smp->server_cpu_s = s0.cpu >= 0 && s1.cpu >= 0 ? s1.cpu - s0.cpu : -1;
        smp->client_cpu_s =
            s0.client_cpu >= 0 && s1.client_cpu >= 0 ? s1.client_cpu - s0.client_cpu : -1;
        smp->ops = s1.ops - s0.ops;
        smp->items = s1.items - s0.items;
        out->n_samples = (size_t)r + 1;
    }
}

/* ---------------------------------------------------------------- one variant */

static int setup(sc_bench *b)
{
    const sc_bench_opts *o = b->o;
    int rc = 0;
    if (b->v->kind == SC_BENCH_PINGPONG)
        rc = sc_md_list_add(&b->md, "x-sc-echo", "true", 4);
    else if (b->v->kind == SC_BENCH_STREAM) {
        char interval[24];
        int n = snprintf(interval, sizeof interval, "%lld", (long long)o->interval_ms);
        rc = sc_md_list_add(&b->md, "x-sc-response-delay-ms", interval, (size_t)n);
    }
    b->payload = malloc((size_t)o->payload_bytes + 1);
    b->chunk = malloc((size_t)o->chunk_bytes);
    b->slots = calloc((size_t)b->v->concurrency, sizeof *b->slots);
    b->loop = sc_loop_create(SC_LOOP_CLIENT_TICK_MS);
    if (rc != 0 || b->payload == NULL || b->chunk == NULL || b->slots == NULL || b->loop == NULL) {
        fail(b, "out of memory");
        return -1;
    }
    memset(b->payload, 'x', (size_t)o->payload_bytes);
    b->payload[o->payload_bytes] = '\0';
    for (int64_t i = 0; i < o->chunk_bytes; i++)
        b->chunk[i] = (unsigned char)(i * 131 + 7); /* not all zeros: nothing compresses it */
    char err[256];
    b->channel = sc_client_channel_create(o->target, NULL, err, sizeof err);
    if (b->channel == NULL) {
        fail(b, "cannot open a channel to %s: %s", o->target, err);
        return -1;
    }
    for (int i = 0; i < b->v->concurrency; i++) {
        b->slots[i].b = b;
        b->slots[i].index = i;
    }
    return 0;
}

/* Cancel whatever still runs, wait (bounded) for the calls to end, free everything. */
static void teardown(sc_bench *b)
{
    b->stopping = true;
    if (b->slots != NULL)
        for (int i = 0; i < b->v->concurrency; i++)
            if (b->slots[i].call != NULL)
                sc_client_call_cancel(b->slots[i].call);
    if (b->loop != NULL && b->live > 0)
        sc_loop_run_until(b->loop, all_ended, b, SC_BENCH_DRAIN_MS);
    if (b->slots != NULL)
        for (int i = 0; i < b->v->concurrency; i++)
            sc_client_call_release(b->slots[i].call);
    if (b->channel != NULL)
        grpc_channel_destroy(b->channel);
    sc_loop_destroy(b->loop);
    sc_md_list_free(&b->md);
    free(b->slots);
    free(b->payload);
    free(b->chunk);
}

int sc_bench_run_variant(const sc_bench_opts *opts, const sc_bench_variant *v, sc_bench_result *out)
{
    sc_bench b = {.o = opts, .v = v, .error = out->error, .errlen = sizeof out->error};
    out->variant = *v;
    out->n_samples = 0;
    out->failed = false;
    out->error[0] = '\0';
    if (setup(&b) == 0) {
        for (int i = 0; i < v->concurrency && !b.failed; i++)
            start_slot(&b.slots[i]);
        run_phase(&b, opts->warmup_ms);
        measure(&b, out);
    }
    teardown(&b);
    out->failed = b.failed;
    return b.failed ? -1 : 0;
}
