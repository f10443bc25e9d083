/* libFuzzer target: the reference server's per-method logic (server/sc_handler, sans-I/O) fed
 * decoded requests. Input: byte 0 picks the method, byte 1 a few control keys; then chunks of
 * <1-byte length><bytes>, each unpacked as the method's request (a message that does not parse
 * goes to on_malformed). Between chunks and after the half-close the outputs are drained with the
 * clock moving on, as the host would; every output is acknowledged. */
#include "fuzz_util.h"
#include "sc_handler.h"
#include "sc_method.h"

/* Outputs taken after each event: a SubscribeData with no max never ends on its own. */
#define FUZZ_MAX_OUTPUTS 64

static sc_clock at(int64_t ms)
{
    return (sc_clock){.mono_ms = ms, .wall_ns = 1700000000000000000LL + ms * 1000000};
}

static void drain(sc_handler *h, int64_t *now)
{
    for (int i = 0; i < FUZZ_MAX_OUTPUTS; i++) {
        sc_out o = sc_handler_next_output(h, at(*now));
        if (o.kind == SC_OUT_NONE) {
            int64_t wake = sc_handler_wake_at(h);
            if (wake < 0)
                return;
            *now = wake > *now ? wake : *now + 1;
            continue;
        }
        if (o.kind == SC_OUT_MESSAGE && o.message != NULL)
            protobuf_c_message_free_unpacked(o.message, NULL);
        if (o.kind == SC_OUT_STATUS)
            return;
        sc_handler_on_sent(h, true, at(*now));
    }
}

/* Control keys from one byte: fail after N, max responses, echo (Chat). */
static void control_from(uint8_t bits, sc_md_list *md)
{
    if (bits & 1)
        sc_md_list_add(md, "x-sc-fail-code", "UNAVAILABLE", 11);
    if (bits & 2)
        sc_md_list_add(md, "x-sc-fail-after", "2", 1);
    if (bits & 4)
        sc_md_list_add(md, "x-sc-max-responses", "3", 1);
    if (bits & 8)
        sc_md_list_add(md, "x-sc-echo", "true", 4);
    if (bits & 16)
        sc_md_list_add(md, "x-sc-response-delay-ms", "0", 1);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 2 || size > FUZZ_MAX_INPUT)
        return 0;
    static sc_handler_env env;
    env.tick_ms = 10;
    env.max_upload_bytes = 1 << 16;
    env.rng = 42;
    sc_method m = (sc_method)(data[0] % SC_METHOD_COUNT);
    sc_md_list md = {0};
    control_from(data[1], &md);
    int64_t now = 0;
    sc_handler h;
    sc_handler_init(&h, m, &env, &md, at(now));
    const ProtobufCMessageDescriptor *desc = sc_method_request_desc(m);
    size_t i = 2;
    while (i < size) {
        size_t len = data[i++];
        len = len < size - i ? len : size - i;
        ProtobufCMessage *msg = protobuf_c_message_unpack(desc, NULL, len, data + i);
        if (msg != NULL) {
            sc_handler_on_message(&h, msg, at(now));
            protobuf_c_message_free_unpacked(msg, NULL);
        } else {
            sc_handler_on_malformed(&h, at(now));
        }
        i += len;
        drain(&h, &now);
    }
    sc_handler_on_half_close(&h, at(now));
    drain(&h, &now);
    sc_handler_on_closed(&h, at(now));
    sc_handler_free(&h, at(now));
    sc_md_list_free(&md);
    return 0;
}
