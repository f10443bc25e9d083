/* The scenario contract's driver instruction (contract/sc_instr): the writer the engine uses and
 * the parser every driver's parse goes through, without the C client. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "sc_instr.h"
#include "sc_status.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void writer_puts_client_metadata_then_control_then_case(void **state)
{
    (void)state;
    cJSON *client = cJSON_Parse("{\"timeout_ms\":1500,\"metadata\":{\"x-a\":\"1\",\"x-b-bin\":"
                                "\"AAE=\"},\"requests\":[{\"userId\":\"u\"}]}");
    cJSON *control = cJSON_Parse("{\"x-sc-fail-code\":\"UNAVAILABLE\"}");
    cJSON *o = sc_instr_write(client, control, SC_METHOD_CHAT, "case/1", "127.0.0.1:9");
    assert_non_null(o);
    char *text = cJSON_PrintUnformatted(o);
    assert_string_equal(text, "{\"case\":\"case/1\",\"target\":\"127.0.0.1:9\",\"method\":\"Chat\","
                              "\"metadata\":{\"x-a\":\"1\",\"x-b-bin\":\"AAE=\",\"x-sc-fail-code\":"
                              "\"UNAVAILABLE\",\"x-sc-case\":\"case/1\"},\"timeout_ms\":1500,"
                              "\"requests\":[{\"userId\":\"u\"}]}");
    sc_instr in;
    char err[256];
    assert_int_equal(sc_instr_from_json(o, &in, err, sizeof err), 0);
    assert_string_equal(in.case_id, "case/1");
    assert_int_equal(in.method, SC_METHOD_CHAT);
    assert_int_equal(in.timeout_ms, 1500);
    assert_int_equal(in.n_requests, 1);
    assert_int_equal(in.md.count, 4);
    assert_string_equal(in.md.items[1].key, "x-b-bin");
    assert_int_equal(in.md.items[1].value_len, 2);
    assert_int_equal(in.md.items[1].value[1], 1);
    assert_false(in.reconnect);
    sc_instr_free(&in);
    free(text);
    cJSON_Delete(o);
    cJSON_Delete(client);
    cJSON_Delete(control);
}

static void parser_defaults_and_policy(void **state)
{
    (void)state;
    sc_instr in;
    char err[256];
    assert_int_equal(sc_instr_parse("{\"case\":\"c\",\"target\":\"h:1\",\"method\":\"GetData\","
                                    "\"reconnect\":true,\"cancel\":{\"after_ms\":5}}",
                                    &in, err, sizeof err),
                     0);
    assert_int_equal(in.timeout_ms, SC_INSTR_DEFAULT_TIMEOUT_MS);
    assert_true(in.half_close);
    assert_true(in.reconnect);
    assert_int_equal(in.policy.max_attempts, SC_INSTR_DEFAULT_MAX_ATTEMPTS);
    assert_int_equal(in.policy.initial_ms, SC_INSTR_DEFAULT_BACKOFF_INITIAL_MS);
    assert_true(in.policy.retry_codes & SC_INSTR_CODE_BIT(SC_STATUS_UNAVAILABLE));
    assert_int_equal(in.cancel.kind, SC_INSTR_CANCEL_AFTER_MS);
    assert_int_equal(in.cancel.n, 5);
    sc_instr_free(&in);
}

static void parser_refuses_duplicates_and_infinity(void **state)
{
    (void)state;
    static const struct {
        const char *line, *err;
    } cases[] = {
        {"{\"case\":\"c\",\"target\":\"h:1\",\"method\":\"GetData\",\"target\":\"h:2\"}",
         "target: given twice"},
        {"{\"case\":\"c\",\"target\":\"h:1\",\"method\":\"GetData\",\"channel\":{"
         "\"max_receive_bytes\":1,\"max_receive_bytes\":2}}",
         "channel.max_receive_bytes: given twice"},
        {"{\"case\":\"c\",\"target\":\"h:1\",\"method\":\"GetData\",\"read_pause_ms\":1e400}",
         "read_pause_ms: expected an integer"},
        {"{\"case\":\"c\",\"target\":\"h:1\",\"method\":\"GetData\",\"reconnect\":{"
         "\"backoff_jitter\":-1e400}}",
         "reconnect.backoff_jitter: expected a number"},
        {"[1]", "(line): not a JSON object"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        sc_instr in;
        char err[256] = "";
        if (sc_instr_parse(cases[i].line, &in, err, sizeof err) != -1 ||
            strcmp(err, cases[i].err) != 0)
            fail_msg("%s\n got: %s\nwant: %s", cases[i].line, err, cases[i].err);
        sc_instr_free(&in);
    }
}

/* channel.keepalive_*: two integers and a flag (absent: no keepalive), errors by path. */
static void parser_keepalive(void **state)
{
    (void)state;
    sc_instr in;
    char err[256] = "";
    assert_int_equal(
        sc_instr_parse("{\"case\":\"c\",\"target\":\"h:1\",\"method\":\"GetData\","
                       "\"channel\":{\"keepalive_time_ms\":500,\"keepalive_timeout_ms\":"
                       "250,\"keepalive_permit_without_calls\":true}}",
                       &in, err, sizeof err),
        0);
    assert_int_equal(in.channel.keepalive.time_ms, 500);
    assert_int_equal(in.channel.keepalive.timeout_ms, 250);
    assert_true(in.channel.keepalive.permit_without_calls);
    sc_instr_free(&in);
    assert_int_equal(sc_instr_parse("{\"case\":\"c\",\"target\":\"h:1\",\"method\":\"GetData\","
                                    "\"channel\":{\"max_receive_bytes\":10}}",
                                    &in, err, sizeof err),
                     0);
    assert_int_equal(in.channel.keepalive.time_ms, 0);
    assert_false(in.channel.keepalive.permit_without_calls);
    assert_null(in.channel.share);
    sc_instr_free(&in);
    assert_int_equal(sc_instr_parse("{\"case\":\"c\",\"target\":\"h:1\",\"method\":\"GetData\","
                                    "\"channel\":{\"share\":\"c/conn\"}}",
                                    &in, err, sizeof err),
                     0);
    assert_string_equal(in.channel.share, "c/conn");
    sc_instr_free(&in);

    static const struct {
        const char *channel, *err;
    } cases[] = {
        {"{\"keepalive_time_ms\":-1}", "channel.keepalive_time_ms: "},
        {"{\"keepalive_timeout_ms\":\"5\"}", "channel.keepalive_timeout_ms: "},
        {"{\"keepalive_permit_without_calls\":1}", "channel.keepalive_permit_without_calls: "},
        {"{\"keepalive_time_ms\":3000000000}", "channel.keepalive_time_ms: "},
        {"{\"share\":\"\"}", "channel.share: expected a name of 1 to 1100 bytes"},
        {"{\"share\":5}", "channel.share: "},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char line[512];
        snprintf(line, sizeof line,
                 "{\"case\":\"c\",\"target\":\"h:1\",\"method\":\"GetData\",\"channel\":%s}",
                 cases[i].channel);
        assert_int_equal(sc_instr_parse(line, &in, err, sizeof err), -1);
        if (strncmp(err, cases[i].err, strlen(cases[i].err)) != 0)
            fail_msg("%s\n got: %s\nwant prefix: %s", line, err, cases[i].err);
        sc_instr_free(&in);
    }
}

/* channel.service_config: an object kept as compact text for the library (its content is not
 * judged here), refused when it is not an object or too long, errors by path. */
static void parser_service_config(void **state)
{
    (void)state;
    sc_instr in;
    char err[256] = "";
    assert_int_equal(sc_instr_parse("{\"case\":\"c\",\"target\":\"h:1\",\"method\":\"GetData\","
                                    "\"channel\":{\"service_config\":{\"methodConfig\":[{\"name\":"
                                    "[{}], \"retryPolicy\": {\"maxAttempts\": 3}}]}}}",
                                    &in, err, sizeof err),
                     0);
    assert_string_equal(in.channel.service_config,
                        "{\"methodConfig\":[{\"name\":[{}],\"retryPolicy\":{\"maxAttempts\":3}}]}");
    sc_instr_free(&in);
    assert_int_equal(sc_instr_parse("{\"case\":\"c\",\"target\":\"h:1\",\"method\":\"GetData\","
                                    "\"channel\":{\"service_config\":null}}",
                                    &in, err, sizeof err),
                     0);
    assert_null(in.channel.service_config);
    sc_instr_free(&in);

    static const struct {
        const char *channel, *err;
    } cases[] = {
        {"{\"service_config\":\"{}\"}", "channel.service_config: expected an object"},
        {"{\"service_config\":[]}", "channel.service_config: expected an object"},
        {"{\"service_config\":{},\"service_config\":{}}", "channel.service_config: given twice"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char line[512];
        snprintf(line, sizeof line,
                 "{\"case\":\"c\",\"target\":\"h:1\",\"method\":\"GetData\",\"channel\":%s}",
                 cases[i].channel);
        if (sc_instr_parse(line, &in, err, sizeof err) != -1 || strcmp(err, cases[i].err) != 0)
            fail_msg("%s\n got: %s\nwant: %s", line, err, cases[i].err);
        sc_instr_free(&in);
    }

    /* Longer than SC_INSTR_MAX_SERVICE_CONFIG printed. */
    size_t n = SC_INSTR_MAX_SERVICE_CONFIG + 100;
    char *big = malloc(n + 200);
    assert_non_null(big);
    int head = snprintf(big, 200,
                        "{\"case\":\"c\",\"target\":\"h:1\",\"method\":\"GetData\","
                        "\"channel\":{\"service_config\":{\"x\":\"");
    memset(big + head, 'a', n);
    strcpy(big + head + n, "\"}}}");
    assert_int_equal(sc_instr_parse(big, &in, err, sizeof err), -1);
    assert_string_equal(err, "channel.service_config: longer than 65536 bytes printed");
    sc_instr_free(&in);
    free(big);
}

#define TLS_LINE(tls)                                                                              \
    "{\"case\":\"c\",\"target\":\"h:1\",\"method\":\"GetData\",\"channel\":{\"tls\":" tls "}}"

static void parser_reads_channel_tls(void **state)
{
    (void)state;
    sc_instr in;
    char err[256] = "";
    assert_int_equal(sc_instr_parse(TLS_LINE("{\"ca_file\":\"/x/ca.pem\",\"cert_file\":\"c.pem\","
                                             "\"key_file\":\"c.key\",\"authority\":\"localhost\"}"),
                                    &in, err, sizeof err),
                     0);
    assert_string_equal(in.channel.tls.ca_file, "/x/ca.pem");
    assert_string_equal(in.channel.tls.cert_file, "c.pem");
    assert_string_equal(in.channel.tls.key_file, "c.key");
    assert_string_equal(in.channel.tls.authority, "localhost");
    sc_instr_free(&in);
    assert_int_equal(sc_instr_parse(TLS_LINE("{\"ca_file\":\"ca.pem\"}"), &in, err, sizeof err), 0);
    assert_null(in.channel.tls.cert_file);
    assert_null(in.channel.tls.authority);
    sc_instr_free(&in);
    assert_int_equal(sc_instr_parse(TLS_LINE("null"), &in, err, sizeof err), 0);
    assert_null(in.channel.tls.ca_file); /* plaintext */
    sc_instr_free(&in);
}

static void parser_refuses_bad_channel_tls_by_path(void **state)
{
    (void)state;
    static const struct {
        const char *line, *err;
    } cases[] = {
        {TLS_LINE("{}"), "channel.tls.ca_file: missing"},
        {TLS_LINE("{\"ca_file\":3}"), "channel.tls.ca_file: expected a string"},
        {TLS_LINE("{\"ca_file\":\"\"}"), "channel.tls.ca_file: expected a non-empty string"},
        {TLS_LINE("{\"ca_file\":\"a\",\"cert_file\":\"c\"}"),
         "channel.tls.key_file: cert_file and key_file go together (the client certificate for "
         "mTLS)"},
        {TLS_LINE("{\"ca_file\":\"a\",\"key_file\":\"k\"}"),
         "channel.tls.cert_file: cert_file and key_file go together (the client certificate for "
         "mTLS)"},
        {TLS_LINE("{\"ca_file\":\"a\",\"authority\":\"a b\"}"),
         "channel.tls.authority: expected a host name (printable ASCII, no spaces, '/' or '@', at "
         "most 260 bytes)"},
        {TLS_LINE("{\"ca_file\":\"a\",\"ca\":\"run\"}"), "channel.tls.ca: unknown field"},
        {TLS_LINE("{\"ca_file\":\"a\",\"ca_file\":\"b\"}"), "channel.tls.ca_file: given twice"},
        {TLS_LINE("[]"), "channel.tls: expected an object"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        sc_instr in;
        char err[256] = "";
        if (sc_instr_parse(cases[i].line, &in, err, sizeof err) != -1 ||
            strcmp(err, cases[i].err) != 0)
            fail_msg("%s\n got: %s\nwant: %s", cases[i].line, err, cases[i].err);
        sc_instr_free(&in);
    }
}

#define Z_LINE(z) "{\"case\":\"c\",\"target\":\"h:1\",\"method\":\"GetData\",\"compression\":" z "}"

/* "compression" (issue 14): the request encoding, the no-compress requests, what is accepted. */
static void parser_reads_compression(void **state)
{
    (void)state;
    sc_instr in;
    char err[256] = "";
    assert_int_equal(sc_instr_parse(Z_LINE("{\"algorithm\":\"gzip\",\"no_compress\":[1,3],"
                                           "\"accept\":[\"deflate\"]}"),
                                    &in, err, sizeof err),
                     0);
    assert_true(in.compression.given);
    assert_int_equal(in.compression.algorithm, SC_ENC_GZIP);
    assert_true(in.compression.has_accept);
    assert_int_equal(in.compression.accept,
                     SC_ENC_BIT(SC_ENC_IDENTITY) | SC_ENC_BIT(SC_ENC_DEFLATE));
    assert_int_equal(in.compression.n_no_compress, 2);
    assert_true(sc_instr_compression_skip(&in.compression, 3));
    assert_false(sc_instr_compression_skip(&in.compression, 0));
    sc_instr_free(&in);
    assert_int_equal(sc_instr_parse(Z_LINE("{}"), &in, err, sizeof err), 0);
    assert_true(in.compression.given);
    assert_int_equal(in.compression.algorithm, SC_ENC_IDENTITY);
    assert_false(in.compression.has_accept);
    sc_instr_free(&in);
    assert_int_equal(sc_instr_parse(Z_LINE("null"), &in, err, sizeof err), 0);
    assert_false(in.compression.given);
    sc_instr_free(&in);
    assert_string_equal(sc_encoding_name(SC_ENC_DEFLATE), "deflate");
    assert_int_equal(sc_encoding_by_name("gzip"), SC_ENC_GZIP);
    assert_int_equal(sc_encoding_by_name("GZIP"), -1);
}

static void parser_refuses_bad_compression_by_path(void **state)
{
    (void)state;
    static const struct {
        const char *line, *err;
    } cases[] = {
        {Z_LINE("\"gzip\""), "compression: expected an object"},
        {Z_LINE("{\"algorithm\":\"snappy\"}"),
         "compression.algorithm: expected \"identity\", \"deflate\" or \"gzip\""},
        {Z_LINE("{\"algorithm\":1}"), "compression.algorithm: expected a string"},
        {Z_LINE("{\"accept\":[\"br\"]}"),
         "compression.accept: expected an array of \"identity\", \"deflate\", \"gzip\""},
        {Z_LINE("{\"accept\":\"gzip\"}"),
         "compression.accept: expected an array of \"identity\", \"deflate\", \"gzip\""},
        {Z_LINE("{\"no_compress\":[-1]}"),
         "compression.no_compress: expected an array of request indices (whole numbers from 0)"},
        {Z_LINE("{\"no_compress\":[1.5]}"),
         "compression.no_compress: expected an array of request indices (whole numbers from 0)"},
        {Z_LINE("{\"level\":1}"), "compression.level: unknown field"},
        {Z_LINE("{\"algorithm\":\"gzip\",\"algorithm\":\"gzip\"}"),
         "compression.algorithm: given twice"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        sc_instr in;
        char err[256] = "";
        if (sc_instr_parse(cases[i].line, &in, err, sizeof err) != -1 ||
            strcmp(err, cases[i].err) != 0)
            fail_msg("%s\n got: %s\nwant: %s", cases[i].line, err, cases[i].err);
        sc_instr_free(&in);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(writer_puts_client_metadata_then_control_then_case),
        cmocka_unit_test(parser_defaults_and_policy),
        cmocka_unit_test(parser_refuses_duplicates_and_infinity),
        cmocka_unit_test(parser_service_config),
        cmocka_unit_test(parser_keepalive),
        cmocka_unit_test(parser_reads_channel_tls),
        cmocka_unit_test(parser_refuses_bad_channel_tls_by_path),
        cmocka_unit_test(parser_reads_compression),
        cmocka_unit_test(parser_refuses_bad_compression_by_path),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
