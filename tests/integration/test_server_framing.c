/* gRPC framing the C core decides before the reference server sees a message (issue 15;
 * docs/peer-protocol.md "Known differences"): these tests pin what the C server answers today,
 * so that a C core upgrade that changes it is noticed (then the known difference is updated).
 * A minimal HTTP/2 client: the preface, SETTINGS, one HEADERS frame (HPACK literals, no Huffman)
 * and one DATA frame with END_STREAM; the answer is read from the server's event log, which
 * spares an HPACK decoder. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "sc_testproc.h"
#include "sc_time.h"

/* Bounds of this file's waits (a loaded 2-core CI machine). */
#define READY_MS 10000
#define ANSWER_MS 5000

static sc_testproc server;
static char events_path[] = "/tmp/sc-it-framing-XXXXXX";

static int group_setup(void **state)
{
    (void)state;
    int fd = mkstemp(events_path);
    assert_true(fd >= 0);
    close(fd);
    char *argv[] = {(char *)sc_testproc_binary(),
                    "serve",
                    "--listen",
                    "127.0.0.1:0",
                    "--quiet",
                    "--events",
                    events_path,
                    NULL};
    assert_int_equal(sc_testproc_start(&server, argv, READY_MS), 0);
    return 0;
}

static int group_teardown(void **state)
{
    (void)state;
    int st = sc_testproc_stop(&server, SIGTERM, READY_MS);
    sc_testproc_cleanup(&server);
    unlink(events_path);
    return (st >= 0 && WIFEXITED(st) && WEXITSTATUS(st) == 0) ? 0 : -1;
}

/* ---- a minimal HTTP/2 client ------------------------------------------------------------ */

static size_t frame_header(uint8_t *p, size_t len, uint8_t type, uint8_t flags, uint32_t stream)
{
    p[0] = (uint8_t)(len >> 16);
    p[1] = (uint8_t)(len >> 8);
    p[2] = (uint8_t)len;
    p[3] = type;
    p[4] = flags;
    p[5] = (uint8_t)(stream >> 24);
    p[6] = (uint8_t)(stream >> 16);
    p[7] = (uint8_t)(stream >> 8);
    p[8] = (uint8_t)stream;
    return 9;
}

/* An HPACK "literal header field without indexing, new name" (names and values < 127 bytes). */
static size_t hpack_literal(uint8_t *p, const char *name, const char *value)
{
    size_t n = strlen(name), v = strlen(value), at = 0;
    p[at++] = 0x00;
    p[at++] = (uint8_t)n;
    memcpy(p + at, name, n);
    at += n;
    p[at++] = (uint8_t)v;
    memcpy(p + at, value, v);
    return at + v;
}

static void send_all(int fd, const uint8_t *p, size_t n)
{
    assert_int_equal(send(fd, p, n, MSG_NOSIGNAL), (ssize_t)n);
}

/* GetData on stream 1 of a new connection: `prefix` (5 bytes) then `body`, END_STREAM; with a
 * grpc-encoding header when `encoding` is not NULL. */
static int send_call(const char *case_id, const uint8_t prefix[5], const uint8_t *body,
                     size_t body_len, const char *encoding)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    assert_true(fd >= 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)server.port)};
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    assert_int_equal(connect(fd, (struct sockaddr *)&a, sizeof a), 0);
    uint8_t buf[1024];
    static const char preface[] = "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n";
    size_t at = sizeof preface - 1;
    memcpy(buf, preface, at);
    at += frame_header(buf + at, 0, 0x4, 0, 0); /* SETTINGS, empty */
    uint8_t block[512];
    size_t bl = hpack_literal(block, ":method", "POST");
    bl += hpack_literal(block + bl, ":scheme", "http");
    bl += hpack_literal(block + bl, ":path", "/streaming.DataService/GetData");
    bl += hpack_literal(block + bl, ":authority", "framing");
    bl += hpack_literal(block + bl, "content-type", "application/grpc");
    bl += hpack_literal(block + bl, "te", "trailers");
    bl += hpack_literal(block + bl, "x-sc-case", case_id);
    if (encoding != NULL)
        bl += hpack_literal(block + bl, "grpc-encoding", encoding);
    at += frame_header(buf + at, bl, 0x1, 0x4, 1); /* HEADERS, END_HEADERS */
    memcpy(buf + at, block, bl);
    at += bl;
    at += frame_header(buf + at, 5 + body_len, 0x0, 0x1, 1); /* DATA, END_STREAM */
    memcpy(buf + at, prefix, 5);
    memcpy(buf + at + 5, body, body_len);
    send_all(fd, buf, at + 5 + body_len);
    return fd;
}

/* Read frames until stream 1 ends (HEADERS or DATA with END_STREAM, RST_STREAM) or the bound;
 * acknowledge the server's SETTINGS. */
static void read_answer(int fd)
{
    uint8_t in[65536];
    size_t have = 0;
    int64_t until = sc_time_now_ms() + ANSWER_MS;
    for (;;) {
        while (have >= 9) {
            size_t len = ((size_t)in[0] << 16) | ((size_t)in[1] << 8) | in[2];
            if (have < 9 + len)
                break;
            uint8_t type = in[3], flags = in[4];
            uint32_t stream = ((uint32_t)(in[5] & 0x7f) << 24) | ((uint32_t)in[6] << 16) |
                              ((uint32_t)in[7] << 8) | in[8];
            if (type == 0x4 && !(flags & 0x1)) {
                uint8_t ack[9];
                send_all(fd, ack, frame_header(ack, 0, 0x4, 0x1, 0));
            }
            if (stream == 1 && (type == 0x3 || ((type == 0x0 || type == 0x1) && (flags & 0x1))))
                return;
            memmove(in, in + 9 + len, have - 9 - len);
            have -= 9 + len;
        }
        struct pollfd p = {.fd = fd, .events = POLLIN};
        int64_t left = until - sc_time_now_ms();
        assert_true(left > 0);
        if (poll(&p, 1, (int)left) <= 0)
            continue;
        ssize_t n = recv(fd, in + have, sizeof in - have, 0);
        assert_true(n > 0);
        have += (size_t)n;
    }
}

/* The status_sent line of `case_id` in the event log must contain `want`. */
static void expect_status(const char *case_id, const char *want)
{
    char needle[128], line[4096];
    snprintf(needle, sizeof needle, "\"case\":\"%s\"", case_id);
    int64_t until = sc_time_now_ms() + ANSWER_MS;
    while (sc_time_now_ms() < until) {
        FILE *f = fopen(events_path, "r");
        assert_non_null(f);
        while (fgets(line, sizeof line, f) != NULL) {
            if (strstr(line, needle) == NULL || strstr(line, "\"status_sent\"") == NULL)
                continue;
            fclose(f);
            if (strstr(line, want) == NULL)
                fail_msg("%s: %s, want %s", case_id, line, want);
            return;
        }
        fclose(f);
        usleep(20 * 1000); /* polling a file, bounded by `until` */
    }
    fail_msg("%s: no status_sent in the event log", case_id);
}

/* StreamRequest{subscription_id: "s", topics: ["t"], batch_size: 1} */
static const uint8_t request[] = {0x0a, 0x01, 's', 0x12, 0x01, 't', 0x18, 0x01};

static void run_case_with(const char *case_id, const uint8_t prefix[5], const char *encoding,
                          const char *want)
{
    int fd = send_call(case_id, prefix, request, sizeof request, encoding);
    read_answer(fd);
    close(fd);
    expect_status(case_id, want);
}

static void run_case(const char *case_id, const uint8_t prefix[5], const char *want)
{
    run_case_with(case_id, prefix, NULL, want);
}

/* ---- the cases -------------------------------------------------------------------------- */

static void a_well_formed_message_is_answered(void **state)
{
    (void)state;
    const uint8_t prefix[5] = {0, 0, 0, 0, sizeof request};
    run_case("framing/ok", prefix, "\"code\":\"OK\"");
}

/* grpc-go and Python: RESOURCE_EXHAUSTED from the prefix alone. C core 1.51 waits for the 4 GiB,
 * the stream ends first, and the server sees a half-close without a message. */
static void a_4_gib_prefix_is_a_missing_message(void **state)
{
    (void)state;
    const uint8_t prefix[5] = {0, 0xff, 0xff, 0xff, 0xff};
    run_case("framing/4gib", prefix,
             "\"code\":\"INVALID_ARGUMENT\",\"message\":\"no request message\"");
}

/* gRPC doc/compression.md: INTERNAL (grpc-go and Python too). C core 1.51 hands the bytes over
 * as if uncompressed; the C server sees the flag (server/sc_host_compress) and ends the call. */
static void a_compressed_flag_without_encoding_is_internal(void **state)
{
    (void)state;
    const uint8_t prefix[5] = {1, 0, 0, 0, sizeof request};
    run_case("framing/compressed-flag", prefix,
             "\"code\":\"INTERNAL\",\"message\":\"compressed flag set without grpc-encoding\"");
}

/* The flag with grpc-encoding identity is the same error. */
static void a_compressed_flag_with_identity_is_internal(void **state)
{
    (void)state;
    const uint8_t prefix[5] = {1, 0, 0, 0, sizeof request};
    run_case_with("framing/compressed-identity", prefix, "identity", "\"code\":\"INTERNAL\"");
}

/* An encoding the server does not know: the spec (and grpc-go, grpc-js) say UNIMPLEMENTED; C core
 * 1.51 drops the unknown grpc-encoding before the application sees the call, so the C server
 * can only see the flag without an encoding (INTERNAL; grpcio: INTERNAL "Error parsing
 * 'grpc-encoding' metadata"). docs/peer-protocol.md, "Known differences". */
static void an_unknown_encoding_is_internal_in_c_core(void **state)
{
    (void)state;
    const uint8_t prefix[5] = {1, 0, 0, 0, sizeof request};
    run_case_with(
        "framing/snappy", prefix, "snappy",
        "\"code\":\"INTERNAL\",\"message\":\"compressed flag set without grpc-encoding\"");
}

/* An uncompressed message under a grpc-encoding the server knows is read as it is. */
static void a_plain_message_under_gzip_is_read(void **state)
{
    (void)state;
    const uint8_t prefix[5] = {0, 0, 0, 0, sizeof request};
    run_case_with("framing/plain-gzip", prefix, "gzip", "\"code\":\"OK\"");
}

int main(void)
{
    signal(SIGPIPE, SIG_IGN);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(a_well_formed_message_is_answered),
        cmocka_unit_test(a_4_gib_prefix_is_a_missing_message),
        cmocka_unit_test(a_compressed_flag_without_encoding_is_internal),
        cmocka_unit_test(a_compressed_flag_with_identity_is_internal),
        cmocka_unit_test(a_plain_message_under_gzip_is_read),
        cmocka_unit_test(an_unknown_encoding_is_internal_in_c_core),
    };
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
