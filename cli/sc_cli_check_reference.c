/* `streamconform check` without --target: start the reference server as a child process on an
 * OS-assigned port, drive every DataService method once through the C client (control metadata
 * allowed), verify what came back, stop the server. The README's main job runs it until the full
 * conformance matrix exists. */
#include "sc_cli_check.h"
#include "sc_cli_check_reference.h"
#include "sc_client_channel.h"
#include "sc_client_sync.h"
#include "sc_proc.h"
#include "sc_status.h"
#include "sc_time.h"
#include "streaming.pb-c.h"

#include <grpc/grpc.h>
#include <openssl/evp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

/* Bounds: the server must be ready, and stop, well within these on any machine (each call has
 * the --deadline-ms bound, SC_CHECK_DEFAULT_DEADLINE_MS by default). */
#define CHECK_READY_MS 10000
#define CHECK_STOP_MS 10000
/* Size of the file uploaded: several chunks of CHECK_CHUNK bytes, the last one partial. */
#define CHECK_UPLOAD_BYTES (3 * 65536 + 1000)
#define CHECK_CHUNK 65536

typedef struct {
    grpc_channel *channel;
    int64_t deadline_ms; /* of each call, and the bound of each blocking step */
    int failures;
} check_ctx;

static void report(check_ctx *c, const char *what, bool ok, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static void report(check_ctx *c, const char *what, bool ok, const char *fmt, ...)
{
    char detail[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(detail, sizeof detail, fmt, ap);
    va_end(ap);
    printf(SC_CHECK_LINE_FMT, what, ok ? "ok" : "FAIL", detail);
    fflush(stdout);
    if (!ok)
        c->failures++;
}

static sc_client_sync *start(check_ctx *c, sc_method m, const sc_md_list *md)
{
    sc_client_call_opts o = {.method = m, .metadata = md, .deadline_ms = c->deadline_ms};
    char err[256];
    sc_client_sync *s = sc_client_sync_start(c->channel, &o, err, sizeof err);
    if (s == NULL)
        fprintf(stderr, "streamconform check: %s\n", err);
    return s;
}

static const char *status_text(const sc_client_sync *s, char *buf, size_t len)
{
    const sc_client_call_result *r = sc_client_sync_result(s);
    snprintf(buf, len, "%s \"%s\"", sc_status_name(r->code), r->message ? r->message : "");
    return buf;
}

static Streaming__StreamRequest request(const char *sub, int batch)
{
    static char *topics[] = {"metrics", "events", "logs"};
    Streaming__StreamRequest r = STREAMING__STREAM_REQUEST__INIT;
    r.subscription_id = (char *)sub;
    r.topics = topics;
    r.n_topics = 3;
    r.batch_size = batch;
    return r;
}

static void check_get(check_ctx *c)
{
    Streaming__StreamRequest req = request("check", 3);
    sc_client_call_opts o = {.method = SC_METHOD_GET, .deadline_ms = c->deadline_ms};
    ProtobufCMessage *m = NULL;
    char err[256];
    int code = sc_client_sync_unary(c->channel, &o, &req.base, &m, c->deadline_ms, err, sizeof err);
    Streaming__StreamResponse *r = (Streaming__StreamResponse *)m;
    bool ok = code == 0 && r != NULL && r->n_data_points == 3 &&
              strcmp(r->data_points[2]->id, "check-0-2") == 0;
    if (ok)
        report(c, "GetData", true, "1 response: %zu data points, ids %s..%s, topic %s",
               r->n_data_points, r->data_points[0]->id, r->data_points[2]->id,
               r->data_points[1]->metadata[0]->value);
    else
        report(c, "GetData", false, "status %s, %s", code >= 0 ? sc_status_name(code) : "none",
               code < 0 ? err : "unexpected response");
    if (m != NULL)
        protobuf_c_message_free_unpacked(m, NULL);
}

static void check_subscribe(check_ctx *c)
{
    sc_md_list md = {0};
    sc_md_list_add(&md, "x-sc-max-responses", "3", 1);
    sc_client_sync *s = start(c, SC_METHOD_SUBSCRIBE, &md);
    sc_md_list_free(&md);
    if (s == NULL) {
        report(c, "SubscribeData", false, "could not start");
        return;
    }
    Streaming__StreamRequest req = request("check", 2);
    sc_client_sync_send(s, &req.base, c->deadline_ms);
    sc_client_sync_close_send(s, c->deadline_ms);
    char seqs[128] = "";
    int n = 0;
    bool in_order = true;
    ProtobufCMessage *m;
    while (sc_client_sync_recv(s, &m, c->deadline_ms) == SC_SYNC_OK) {
        Streaming__StreamResponse *r = (Streaming__StreamResponse *)m;
        in_order &= r->sequence_number == n;
        size_t used = strlen(seqs);
        snprintf(seqs + used, sizeof seqs - used, "%s%lld", n ? "," : "",
                 (long long)r->sequence_number);
        n++;
        protobuf_c_message_free_unpacked(m, NULL);
    }
    sc_client_sync_finish(s, c->deadline_ms);
    char st[600];
    bool ok = sc_client_sync_result(s)->code == 0 && n == 3 && in_order;
    report(c, "SubscribeData", ok, "%d batches (sequence %s), then %s", n, seqs,
           status_text(s, st, sizeof st));
    sc_client_sync_free(s);
}

static bool send_upload_part(const check_ctx *c, sc_client_sync *s,
                             const Streaming__UploadRequest *r)
{
    return sc_client_sync_send(s, &r->base, c->deadline_ms) == SC_SYNC_OK;
}

static void check_upload(check_ctx *c)
{
    unsigned char *file = malloc(CHECK_UPLOAD_BYTES);
    sc_client_sync *s = start(c, SC_METHOD_UPLOAD, NULL);
    if (file == NULL || s == NULL) {
        report(c, "UploadFile", false, "could not start");
        free(file);
        sc_client_sync_free(s);
        return;
    }
    for (size_t i = 0; i < CHECK_UPLOAD_BYTES; i++)
        file[i] = (unsigned char)(i * 31 + 7);
    unsigned char digest[32];
    unsigned int dlen = 0;
    EVP_Digest(file, CHECK_UPLOAD_BYTES, digest, &dlen, EVP_sha256(), NULL);
    char hex[65];
    for (unsigned i = 0; i < dlen; i++)
        snprintf(hex + 2 * i, 3, "%02x", digest[i]);

    Streaming__FileMetadata fm = STREAMING__FILE_METADATA__INIT;
    fm.filename = "check.bin";
    fm.content_type = "application/octet-stream";
    fm.total_size = CHECK_UPLOAD_BYTES;
    Streaming__UploadRequest r = STREAMING__UPLOAD_REQUEST__INIT;
    r.payload_case = STREAMING__UPLOAD_REQUEST__PAYLOAD_METADATA;
    r.metadata = &fm;
    bool sent = send_upload_part(c, s, &r);
    for (size_t off = 0; sent && off < CHECK_UPLOAD_BYTES; off += CHECK_CHUNK) {
        Streaming__UploadRequest ch = STREAMING__UPLOAD_REQUEST__INIT;
        ch.payload_case = STREAMING__UPLOAD_REQUEST__PAYLOAD_CHUNK;
        ch.chunk.data = file + off;
        ch.chunk.len =
            CHECK_UPLOAD_BYTES - off < CHECK_CHUNK ? CHECK_UPLOAD_BYTES - off : CHECK_CHUNK;
        sent = send_upload_part(c, s, &ch);
    }
    sc_client_sync_close_send(s, c->deadline_ms);
    ProtobufCMessage *m = NULL;
    if (sc_client_sync_recv(s, &m, c->deadline_ms) != SC_SYNC_OK)
        m = NULL;
    sc_client_sync_finish(s, c->deadline_ms);
    Streaming__UploadResponse *resp = (Streaming__UploadResponse *)m;
    char st[600];
    if (resp != NULL && resp->bytes_received == CHECK_UPLOAD_BYTES &&
        strcmp(resp->checksum, hex) == 0)
        report(c, "UploadFile", true, "%s: %lld bytes, sha256 %.16s... matches the local one",
               resp->file_id, (long long)resp->bytes_received, resp->checksum);
    else
        report(c, "UploadFile", false, "%s, checksum %s, expected %s",
               status_text(s, st, sizeof st), resp ? resp->checksum : "none", hex);
    if (m != NULL)
        protobuf_c_message_free_unpacked(m, NULL);
    sc_client_sync_free(s);
    free(file);
}

static bool chat_say(const check_ctx *c, sc_client_sync *s, const char *user, const char *text)
{
    Streaming__ChatMessage m = STREAMING__CHAT_MESSAGE__INIT;
    m.user_id = (char *)user;
    m.content = (char *)text;
    m.timestamp = sc_time_wall_ns();
    return sc_client_sync_send(s, &m.base, c->deadline_ms) == SC_SYNC_OK;
}

/* Bob joins, Alice joins and says hello: Bob must see the join notice, then the message. */
static void check_chat(check_ctx *c)
{
    sc_client_sync *bob = start(c, SC_METHOD_CHAT, NULL);
    sc_client_sync *alice = start(c, SC_METHOD_CHAT, NULL);
    char got[2][256] = {"", ""};
    int n = 0;
    if (bob != NULL && alice != NULL && chat_say(c, bob, "bob", "joined")) {
        /* Bob's join must be in before Alice's: wait for nothing but the send's completion. */
        if (chat_say(c, alice, "alice", "joined") && chat_say(c, alice, "alice", "hello bob")) {
            ProtobufCMessage *m;
            while (n < 2 && sc_client_sync_recv(bob, &m, c->deadline_ms) == SC_SYNC_OK) {
                Streaming__ChatMessage *cm = (Streaming__ChatMessage *)m;
                snprintf(got[n++], sizeof got[0], "%s: %s", cm->user_id, cm->content);
                protobuf_c_message_free_unpacked(m, NULL);
            }
        }
        sc_client_sync_close_send(alice, c->deadline_ms);
        sc_client_sync_close_send(bob, c->deadline_ms);
    }
    bool ok = n == 2 && strcmp(got[0], "system: alice joined the chat") == 0 &&
              strcmp(got[1], "alice: hello bob") == 0;
    report(c, "Chat", ok, "bob received [%s] [%s]", got[0], got[1]);
    sc_client_sync_free(alice);
    sc_client_sync_free(bob);
}

static void check_error_path(check_ctx *c)
{
    Streaming__StreamRequest req = STREAMING__STREAM_REQUEST__INIT;
    req.subscription_id = "check";
    sc_client_call_opts o = {.method = SC_METHOD_GET, .deadline_ms = c->deadline_ms};
    ProtobufCMessage *m = NULL;
    char err[256];
    int code = sc_client_sync_unary(c->channel, &o, &req.base, &m, c->deadline_ms, err, sizeof err);
    report(c, "empty topics", code == SC_STATUS_INVALID_ARGUMENT, "GetData -> %s",
           code >= 0 ? sc_status_name(code) : err);
    if (m != NULL)
        protobuf_c_message_free_unpacked(m, NULL);
}

int sc_check_reference_run(int64_t deadline_ms)
{
    char *server_argv[] = {"/proc/self/exe", "serve", "--listen", "127.0.0.1:0",
                           "--tick-ms",      "100",   "--quiet",  NULL};
    char self[4096];
    ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
    if (n > 0) {
        self[n] = '\0';
        server_argv[0] = self;
    }
    sc_proc server;
    if (sc_proc_start(&server, server_argv, CHECK_READY_MS) != 0) {
        fprintf(stderr, "streamconform check: the reference server did not start\n");
        return 1;
    }
    printf("streamconform check: reference server %s on 127.0.0.1:%d\n", server_argv[0],
           server.port);
    grpc_init();
    char target[64], err[256];
    snprintf(target, sizeof target, "127.0.0.1:%d", server.port);
    sc_client_channel_opts copts = {0};
    check_ctx c = {.channel = sc_client_channel_create(target, &copts, err, sizeof err),
                   .deadline_ms = deadline_ms};
    if (c.channel == NULL) {
        fprintf(stderr, "streamconform check: %s\n", err);
        c.failures++;
    } else {
        check_get(&c);
        check_subscribe(&c);
        check_upload(&c);
        check_chat(&c);
        check_error_path(&c);
        grpc_channel_destroy(c.channel);
    }
    grpc_shutdown();
    int st = sc_proc_stop(&server, SIGTERM, CHECK_STOP_MS);
    sc_proc_cleanup(&server);
    bool clean = st >= 0 && WIFEXITED(st) && WEXITSTATUS(st) == 0;
    printf(SC_CHECK_LINE_FMT, "shutdown", clean ? "ok" : "FAIL",
           clean ? "SIGTERM: server exited 0" : "server did not exit cleanly");
    if (!clean)
        c.failures++;
    printf("streamconform check: %s\n", c.failures == 0 ? "all methods behaved" : "FAILED");
    return c.failures == 0 ? 0 : 1;
}
