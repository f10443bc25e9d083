#include "sc_handler.h"
#include "sc_status.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- final status ---------------------------------------------------------------------- */

static void finish(sc_handler *h, int code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Decide the final status (first decision wins). It goes out once queued messages are sent. */
static void finish(sc_handler *h, int code, const char *fmt, ...)
{
    if (h->finished)
        return;
    h->finished = true;
    h->final_code = code;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(h->final_message, sizeof h->final_message, fmt, ap);
    va_end(ap);
}

static void finish_ok(sc_handler *h)
{
    finish(h, SC_STATUS_OK, "%s", "");
}

/* The x-sc-fail-code failure, if `count` (messages sent or received) has reached fail-after. */
static void maybe_inject_failure(sc_handler *h, int64_t count)
{
    if (!h->ctl.fail || count < h->ctl.fail_after || h->finished)
        return;
    finish(h, h->ctl.fail_code, "%s",
           h->ctl.fail_message ? h->ctl.fail_message : SC_INJECTED_FAILURE_MESSAGE);
    h->final_is_injected = true;
}

/* ---- data generation ------------------------------------------------------------------- */

/* One point: its id is `prefix` ("<subscription_id>-<seq>-", built once per batch) and `i`. */
static Streaming__DataPoint *make_point(const Streaming__StreamRequest *req, const char *prefix,
                                        size_t prefix_len, size_t i, uint64_t *rng, int64_t wall_ns)
{
    Streaming__DataPoint *dp = malloc(sizeof *dp);
    Streaming__DataPoint__MetadataEntry *entry = malloc(sizeof *entry);
    Streaming__DataPoint__MetadataEntry **entries = malloc(sizeof *entries);
    char *id = malloc(prefix_len + 24); /* + the decimal digits of a size_t and the NUL */
    if (dp == NULL || entry == NULL || entries == NULL || id == NULL)
        goto fail;
    streaming__data_point__init(dp);
    streaming__data_point__metadata_entry__init(entry);
    memcpy(id, prefix, prefix_len);
    snprintf(id + prefix_len, 24, "%zu", i);
    dp->id = id;
    dp->value = sc_batch_wire_random_value(rng);
    dp->timestamp = wall_ns;
    entry->key = strdup("topic");
    entry->value = strdup(req->topics[i % req->n_topics]);
    entries[0] = entry;
    dp->metadata = entries;
    dp->n_metadata = 1;
    if (entry->key == NULL || entry->value == NULL) {
        protobuf_c_message_free_unpacked(&dp->base, NULL);
        return NULL;
    }
    return dp;
fail:
    free(dp);
    free(entry);
    free(entries);
    free(id);
    return NULL;
}

Streaming__StreamResponse *sc_handler_make_batch(const Streaming__StreamRequest *req, int64_t seq,
                                                 uint64_t *rng, int64_t wall_ns)
{
    size_t n = req->batch_size > 0 ? (size_t)req->batch_size : SC_DEFAULT_BATCH_SIZE;
    Streaming__StreamResponse *resp = malloc(sizeof *resp);
    size_t prefix_len = strlen(req->subscription_id) + 24;
    char *prefix = malloc(prefix_len);
    if (resp == NULL || prefix == NULL) {
        free(resp);
        free(prefix);
        return NULL;
    }
    prefix_len = (size_t)snprintf(prefix, prefix_len, "%s-%" PRId64 "-", req->subscription_id, seq);
    streaming__stream_response__init(resp);
    resp->sequence_number = seq;
    resp->data_points = calloc(n, sizeof *resp->data_points);
    if (resp->data_points == NULL)
        goto fail;
    for (size_t i = 0; i < n; i++) {
        resp->data_points[i] = make_point(req, prefix, prefix_len, i, rng, wall_ns);
        if (resp->data_points[i] == NULL)
            goto fail;
        resp->n_data_points = i + 1;
    }
    free(prefix);
    return resp;
fail:
    free(prefix);
    protobuf_c_message_free_unpacked(&resp->base, NULL);
    return NULL;
}

/* Bytes of ids and topics a batch of `req` copies (an upper bound; saturates at SIZE_MAX). */
static size_t batch_bytes(const Streaming__StreamRequest *req)
{
    size_t n = req->batch_size > 0 ? (size_t)req->batch_size : SC_DEFAULT_BATCH_SIZE;
    size_t topic = 0;
    for (size_t i = 0; i < req->n_topics && i < n; i++) {
        size_t len = strlen(req->topics[i]);
        topic = len > topic ? len : topic;
    }
    size_t per_point = strlen(req->subscription_id) + topic;
    return per_point > SIZE_MAX / n ? SIZE_MAX : per_point * n;
}

/* ---- per-method message handling ------------------------------------------------------- */

static void on_stream_request(sc_handler *h, const ProtobufCMessage *msg)
{
    const Streaming__StreamRequest *req = (const Streaming__StreamRequest *)msg;
    /* GetData and SubscribeData take one request; the host stops reading after it, so a second
     * one is a caller's error: the first request stands (found by tests/fuzz/fuzz_handler, where
     * a second request leaked the first). */
    if (h->request != NULL)
        return;
    if (req->n_topics == 0) {
        finish(h, SC_STATUS_INVALID_ARGUMENT, "topics must not be empty");
        return;
    }
    if (req->batch_size > SC_MAX_BATCH_SIZE) {
        finish(h, SC_STATUS_INVALID_ARGUMENT, "batch_size must be at most %d (got %d)",
               SC_MAX_BATCH_SIZE, (int)req->batch_size);
        return;
    }
    size_t bytes = batch_bytes(req);
    if (bytes > SC_MAX_BATCH_BYTES) {
        finish(h, SC_STATUS_RESOURCE_EXHAUSTED,
               "a batch would copy %zu bytes of ids and topics (subscription_id %zu bytes x "
               "batch_size %d), over the limit of %d",
               bytes, strlen(req->subscription_id),
               req->batch_size > 0 ? (int)req->batch_size : SC_DEFAULT_BATCH_SIZE,
               SC_MAX_BATCH_BYTES);
        return;
    }
    /* Keep our own copy: pack + unpack is the simplest exact deep copy protobuf-c offers. */
    size_t len = protobuf_c_message_get_packed_size(msg);
    uint8_t *buf = malloc(len ? len : 1);
    if (buf == NULL) {
        finish(h, SC_STATUS_RESOURCE_EXHAUSTED, "out of memory");
        return;
    }
    protobuf_c_message_pack(msg, buf);
    h->request = streaming__stream_request__unpack(NULL, len, buf);
    free(buf);
    if (h->request == NULL) {
        finish(h, SC_STATUS_RESOURCE_EXHAUSTED, "out of memory");
        return;
    }
    if (h->method == SC_METHOD_GET)
        maybe_inject_failure(h, INT64_MAX); /* GetData fails before responding, whatever N */
    else
        maybe_inject_failure(h, 0); /* SubscribeData: fail-after 0 means before the first batch */
}

/* A chunk of `n` pieces: counted against the limit and hashed. False when it ended the call. */
static bool upload_chunk(sc_handler *h, const sc_handler_piece *pieces, size_t n)
{
    if (!h->have_metadata) {
        finish(h, SC_STATUS_INVALID_ARGUMENT, "chunk before metadata");
        return false;
    }
    for (size_t i = 0; i < n; i++)
        h->bytes += (int64_t)pieces[i].len;
    if (h->bytes > h->env->max_upload_bytes) {
        finish(h, SC_STATUS_RESOURCE_EXHAUSTED, "upload exceeds %" PRId64 " bytes",
               h->env->max_upload_bytes);
        return false;
    }
    for (size_t i = 0; i < n; i++) {
        if (EVP_DigestUpdate(h->sha, pieces[i].data, pieces[i].len) != 1) {
            finish(h, SC_STATUS_INTERNAL, "sha256 update failed");
            return false;
        }
    }
    return true;
}

static void on_upload_message(sc_handler *h, const ProtobufCMessage *msg)
{
    const Streaming__UploadRequest *req = (const Streaming__UploadRequest *)msg;
    switch (req->payload_case) {
    case STREAMING__UPLOAD_REQUEST__PAYLOAD_METADATA:
        if (h->have_metadata) {
            finish(h, SC_STATUS_INVALID_ARGUMENT, "second metadata message");
            return;
        }
        h->have_metadata = true;
        h->announced_size = req->metadata ? req->metadata->total_size : 0;
        break;
    case STREAMING__UPLOAD_REQUEST__PAYLOAD_CHUNK: {
        sc_handler_piece piece = {req->chunk.data, req->chunk.len};
        if (!upload_chunk(h, &piece, 1))
            return;
        break;
    }
    default:
        finish(h, SC_STATUS_INVALID_ARGUMENT, "message has neither metadata nor chunk");
        return;
    }
    maybe_inject_failure(h, h->received);
}

static void on_chat_message(sc_handler *h, const ProtobufCMessage *msg, sc_clock now)
{
    const Streaming__ChatMessage *cm = (const Streaming__ChatMessage *)msg;
    if (h->member.joined) {
        sc_chat_broadcast(&h->env->room, &h->member, cm, h->ctl.echo);
        return;
    }
    if (cm->user_id == NULL || cm->user_id[0] == '\0') {
        finish(h, SC_STATUS_INVALID_ARGUMENT, "first message must set user_id");
        return;
    }
    switch (sc_chat_join(&h->env->room, &h->member, cm->user_id, now.wall_ns)) {
    case SC_CHAT_OK:
        break;
    case SC_CHAT_DUPLICATE:
        finish(h, SC_STATUS_ALREADY_EXISTS, "user \"%.256s\" is already in the chat", cm->user_id);
        return;
    case SC_CHAT_NOMEM:
        finish(h, SC_STATUS_RESOURCE_EXHAUSTED, "out of memory");
        return;
    }
    if (h->ctl.echo) /* the first message is not relayed, but x-sc-echo returns it */
        sc_chat_deliver(&h->member, cm);
}

/* ---- events ---------------------------------------------------------------------------- */

void sc_handler_init(sc_handler *h, sc_method method, sc_handler_env *env, const sc_md_list *md,
                     sc_clock now)
{
    memset(h, 0, sizeof *h);
    h->method = method;
    h->env = env;
    h->ready_since = -1;
    h->wake_ms = -1;
    char err[SC_STATUS_MESSAGE_MAX];
    if (sc_control_parse(&h->ctl, md, err, sizeof err) != 0) {
        finish(h, SC_STATUS_INVALID_ARGUMENT, "%s", err);
        return;
    }
    h->ctl_ok = true;
    if (h->ctl.fail && h->ctl.fail_calls > 0) {
        int64_t n = sc_case_calls_bump(&env->case_calls, h->ctl.case_id);
        if (n < 0) {
            finish(h, SC_STATUS_RESOURCE_EXHAUSTED, "out of memory");
            return;
        }
        h->ctl.fail = n <= h->ctl.fail_calls; /* later calls of the case run without it */
    }
    h->gate_ms = now.mono_ms + h->ctl.initial_delay_ms;
    if (method == SC_METHOD_UPLOAD) {
        h->sha = EVP_MD_CTX_new();
        if (h->sha == NULL || EVP_DigestInit_ex(h->sha, EVP_sha256(), NULL) != 1)
            finish(h, SC_STATUS_INTERNAL, "sha256 init failed");
    }
    /* Streams and uploads can fail before any message: fail-after 0. */
    if (method == SC_METHOD_UPLOAD || method == SC_METHOD_CHAT)
        maybe_inject_failure(h, 0);
}

void sc_handler_init_unknown(sc_handler *h, sc_handler_env *env, const char *path)
{
    memset(h, 0, sizeof *h);
    h->method = SC_METHOD_UNKNOWN;
    h->env = env;
    h->ready_since = -1;
    h->wake_ms = -1;
    finish(h, SC_STATUS_UNIMPLEMENTED, "unknown method %.512s", path);
}

void sc_handler_free(sc_handler *h, sc_clock now)
{
    sc_chat_leave(&h->env->room, &h->member, now.wall_ns);
    sc_chat_member_clear(&h->member);
    sc_control_free(&h->ctl);
    if (h->request != NULL)
        protobuf_c_message_free_unpacked(&h->request->base, NULL);
    EVP_MD_CTX_free(h->sha);
    sc_batch_wire_free(&h->wire);
    h->request = NULL;
    h->sha = NULL;
}

bool sc_handler_wants_recv(const sc_handler *h)
{
    if (!h->ctl_ok || h->finished || h->half_closed || h->closed)
        return false;
    switch (h->method) {
    case SC_METHOD_GET:
    case SC_METHOD_SUBSCRIBE:
        return h->received == 0;
    case SC_METHOD_UPLOAD:
    case SC_METHOD_CHAT:
        return true;
    default:
        return false;
    }
}

void sc_handler_on_message(sc_handler *h, const ProtobufCMessage *msg, sc_clock now)
{
    if (h->finished || h->closed)
        return;
    h->received++;
    switch (h->method) {
    case SC_METHOD_GET:
    case SC_METHOD_SUBSCRIBE:
        on_stream_request(h, msg);
        break;
    case SC_METHOD_UPLOAD:
        on_upload_message(h, msg);
        break;
    case SC_METHOD_CHAT:
        on_chat_message(h, msg, now);
        break;
    default:
        break;
    }
}

void sc_handler_on_upload_chunk(sc_handler *h, const sc_handler_piece *pieces, size_t n,
                                sc_clock now)
{
    (void)now;
    if (h->finished || h->closed)
        return;
    h->received++;
    if (h->method == SC_METHOD_UPLOAD && upload_chunk(h, pieces, n))
        maybe_inject_failure(h, h->received);
}

void sc_handler_on_malformed(sc_handler *h, sc_clock now)
{
    (void)now;
    h->received++;
    finish(h, SC_STATUS_INTERNAL, "failed to parse %s",
           sc_method_request_desc(h->method)->short_name);
}

void sc_handler_on_nul_string(sc_handler *h, const char *field, sc_clock now)
{
    (void)now;
    h->received++;
    finish(h, SC_STATUS_INVALID_ARGUMENT,
           "%.100s: a NUL byte inside a string is not supported by this server (protobuf-c "
           "strings end at the first NUL)",
           field);
}

static void finish_upload(sc_handler *h)
{
    if (!h->have_metadata) {
        finish(h, SC_STATUS_INVALID_ARGUMENT, "stream ended without metadata");
        return;
    }
    if (h->announced_size > 0 && h->announced_size != h->bytes) {
        finish(h, SC_STATUS_DATA_LOSS, "received %" PRId64 " bytes but metadata announced %" PRId64,
               h->bytes, h->announced_size);
        return;
    }
    h->upload_response_due = true;
}

void sc_handler_on_half_close(sc_handler *h, sc_clock now)
{
    if (h->half_closed || h->closed)
        return;
    h->half_closed = true;
    if (h->finished)
        return;
    switch (h->method) {
    case SC_METHOD_GET:
    case SC_METHOD_SUBSCRIBE:
        if (h->received == 0)
            finish(h, SC_STATUS_INVALID_ARGUMENT, "no request message");
        break;
    case SC_METHOD_UPLOAD:
        finish_upload(h);
        break;
    case SC_METHOD_CHAT:
        /* Leave now so nothing new is queued; OK goes out once the queue is drained. */
        sc_chat_leave(&h->env->room, &h->member, now.wall_ns);
        finish_ok(h);
        break;
    default:
        break;
    }
}

void sc_handler_on_sent(sc_handler *h, bool ok, sc_clock now)
{
    (void)now;
    h->ready_since = -1;
    if (!ok)
        return; /* the call is going away; on_closed follows */
    if (!h->headers_out) {
        h->headers_out = true;
        return;
    }
    h->sent++;
    switch (h->method) {
    case SC_METHOD_GET:
        finish_ok(h);
        break;
    case SC_METHOD_SUBSCRIBE:
        maybe_inject_failure(h, h->sent);
        if (h->ctl.max_responses >= 0 && h->sent >= h->ctl.max_responses)
            finish_ok(h);
        break;
    case SC_METHOD_UPLOAD:
        finish_ok(h);
        break;
    case SC_METHOD_CHAT:
        maybe_inject_failure(h, h->sent);
        break;
    default:
        break;
    }
}

void sc_handler_on_closed(sc_handler *h, sc_clock now)
{
    h->closed = true;
    h->wake_ms = -1;
    sc_chat_leave(&h->env->room, &h->member, now.wall_ns);
}

/* ---- outputs --------------------------------------------------------------------------- */

/* Delay before each response message: x-sc-response-delay-ms, else the tick for SubscribeData,
 * else none. */
static int64_t response_delay(const sc_handler *h)
{
    if (h->ctl.response_delay_ms >= 0)
        return h->ctl.response_delay_ms;
    return h->method == SC_METHOD_SUBSCRIBE ? h->env->tick_ms : 0;
}

static ProtobufCMessage *upload_response(sc_handler *h, sc_clock now)
{
    unsigned char digest[EVP_MAX_MD_SIZE];
    unsigned int dlen = 0;
    char hex[2 * EVP_MAX_MD_SIZE + 1];
    char file_id[64];
    if (EVP_DigestFinal_ex(h->sha, digest, &dlen) != 1)
        return NULL;
    for (unsigned i = 0; i < dlen; i++)
        snprintf(hex + 2 * i, 3, "%02x", digest[i]);
    hex[2 * dlen] = '\0';
    snprintf(file_id, sizeof file_id, "file-%" PRId64 "-%" PRIu64, now.wall_ns,
             ++h->env->file_counter);
    Streaming__UploadResponse *resp = malloc(sizeof *resp);
    if (resp == NULL)
        return NULL;
    streaming__upload_response__init(resp);
    resp->file_id = strdup(file_id);
    resp->checksum = strdup(hex);
    resp->bytes_received = h->bytes;
    if (resp->file_id == NULL || resp->checksum == NULL) {
        protobuf_c_message_free_unpacked(&resp->base, NULL);
        return NULL;
    }
    return &resp->base;
}

/* Is a response message available (ignoring its delay)? */
static bool message_available(const sc_handler *h)
{
    switch (h->method) {
    case SC_METHOD_GET:
        return h->request != NULL && !h->unary_done && !h->finished;
    case SC_METHOD_SUBSCRIBE:
        return h->request != NULL && !h->finished;
    case SC_METHOD_UPLOAD:
        return h->upload_response_due;
    case SC_METHOD_CHAT:
        return h->member.len > 0 && !(h->finished && h->final_code != SC_STATUS_OK);
    default:
        return false;
    }
}

/* The next batch of GetData / SubscribeData as wire bytes in h->wire; -1: out of memory. */
static int take_batch(sc_handler *h, sc_clock now, sc_out *out)
{
    int64_t seq = h->method == SC_METHOD_GET ? 0 : h->sent;
    h->unary_done = h->method == SC_METHOD_GET;
    if (sc_batch_wire_build(&h->wire, h->request, seq, SC_DEFAULT_BATCH_SIZE, &h->env->rng,
                            now.wall_ns) != 0)
        return -1;
    out->wire = h->wire.data;
    out->wire_len = h->wire.len;
    return 0;
}

static int take_message(sc_handler *h, sc_clock now, sc_out *out)
{
    switch (h->method) {
    case SC_METHOD_GET:
    case SC_METHOD_SUBSCRIBE:
        return take_batch(h, now, out);
    case SC_METHOD_UPLOAD:
        h->upload_response_due = false;
        out->message = upload_response(h, now);
        break;
    case SC_METHOD_CHAT:
        out->message = (ProtobufCMessage *)sc_chat_member_pop(&h->member);
        break;
    default:
        break;
    }
    return out->message != NULL ? 0 : -1;
}

/* GetData without a delay: its headers wait for the response and go out in its batch (one
 * batch and one write fewer). When the call ends without a response the headers still go out
 * first on their own. */
static bool headers_ride_with_response(const sc_handler *h)
{
    return h->method == SC_METHOD_GET && response_delay(h) == 0 && !h->finished &&
           !h->ctl.lazy_headers;
}

/* May the message about to go out wait for what follows it? GetData's response: its OK status
 * follows at once. SubscribeData without a delay: when neither max_responses nor fail-after ends
 * the stream after it, and not for more than SC_MAX_HELD_MESSAGES in a row. */
static bool next_follows_at_once(sc_handler *h)
{
    if (h->method == SC_METHOD_GET)
        return true;
    int64_t after = h->sent + 1; /* messages sent once this one is */
    bool more = h->method == SC_METHOD_SUBSCRIBE && response_delay(h) == 0 && !h->finished &&
                !(h->ctl.max_responses >= 0 && after >= h->ctl.max_responses) &&
                !(h->ctl.fail && after >= h->ctl.fail_after) &&
                h->held_run < SC_MAX_HELD_MESSAGES - 1;
    h->held_run = more ? h->held_run + 1 : 0;
    return more;
}

static sc_out status_output(sc_handler *h)
{
    h->status_out = true;
    h->wake_ms = -1;
    return (sc_out){
        .kind = SC_OUT_STATUS, .code = h->final_code, .status_message = h->final_message};
}

sc_out sc_handler_next_output(sc_handler *h, sc_clock now)
{
    sc_out none = {.kind = SC_OUT_NONE};
    h->wake_ms = -1;
    if (h->status_out || h->closed || h->aborted)
        return none;
    if (!h->ctl_ok)
        return status_output(h); /* trailers-only: bad control metadata */
    if (now.mono_ms < h->gate_ms) {
        h->wake_ms = h->gate_ms;
        return none;
    }
    if (!h->headers_out && h->ctl.lazy_headers && !message_available(h))
        return h->finished ? status_output(h) : none; /* trailers-only when it ends first */
    if (!h->headers_out && !headers_ride_with_response(h))
        return (sc_out){.kind = SC_OUT_HEADERS};
    if (message_available(h)) {
        if (h->ready_since < 0)
            h->ready_since = now.mono_ms;
        int64_t due = h->ready_since + response_delay(h);
        if (now.mono_ms < due) {
            h->wake_ms = due;
            return none;
        }
        sc_out out = {.kind = SC_OUT_MESSAGE};
        if (take_message(h, now, &out) != 0) {
            finish(h, SC_STATUS_RESOURCE_EXHAUSTED, "out of memory building a response");
            return status_output(h);
        }
        out.more_follows = next_follows_at_once(h);
        h->headers_out = true; /* when none went out yet, the host sends them with it */
        return out;
    }
    if (h->finished)
        return status_output(h);
    return none;
}

int64_t sc_handler_wake_at(const sc_handler *h)
{
    return h->wake_ms;
}

bool sc_handler_take_abort(sc_handler *h, int *code, const char **message, sc_clock now)
{
    if (!h->member.overflowed || h->aborted || h->status_out || h->closed)
        return false;
    h->aborted = true;
    h->finished = true;
    h->final_code = SC_STATUS_RESOURCE_EXHAUSTED;
    snprintf(h->final_message, sizeof h->final_message,
             "chat receiver too slow: more than %d messages queued", SC_CHAT_QUEUE_CAP);
    sc_chat_leave(&h->env->room, &h->member, now.wall_ns);
    sc_chat_member_clear(&h->member);
    *code = h->final_code;
    *message = h->final_message;
    return true;
}

const sc_md_list *sc_handler_initial_metadata(const sc_handler *h)
{
    return &h->ctl.echo_initial;
}

int sc_handler_trailing_metadata(const sc_handler *h, sc_md_list *out)
{
    const sc_md_list *echo = &h->ctl.echo_trailing;
    for (size_t i = 0; i < echo->count; i++)
        if (sc_md_list_add(out, echo->items[i].key, echo->items[i].value,
                           echo->items[i].value_len) != 0)
            return -1;
    if (h->final_is_injected && h->ctl.retry_pushback_ms >= 0) {
        char v[32];
        snprintf(v, sizeof v, "%" PRId64, h->ctl.retry_pushback_ms);
        if (sc_md_list_add(out, "grpc-retry-pushback-ms", v, strlen(v)) != 0)
            return -1;
    }
    return 0;
}
