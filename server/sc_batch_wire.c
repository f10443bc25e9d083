#include "sc_batch_wire.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

/* Most bytes a varint takes (a 64-bit value, 7 bits a byte). */
#define WIRE_VARINT_MAX 10
/* Most decimal digits of a uint64_t. */
#define WIRE_DIGITS_MAX 20
/* Most bytes of one point besides its id and topic: its tag and length, the id's tag and length,
 * the double, the timestamp, the map entry's tag and length, its "topic" key, the value's tag and
 * length (every length counted as a full varint). */
#define WIRE_POINT_OVERHEAD                                                                        \
    (1 + WIRE_VARINT_MAX + 1 + WIRE_VARINT_MAX + 9 + 1 + WIRE_VARINT_MAX + 1 + WIRE_VARINT_MAX +   \
     7 + 1 + WIRE_VARINT_MAX)
/* The map key every point carries (sc_handler_make_batch's). */
#define WIRE_TOPIC_KEY "topic"
#define WIRE_TOPIC_KEY_LEN 5

/* Field tags: (number << 3) | wire type (0 varint, 1 64-bit, 2 length-delimited). */
enum {
    TAG_RESP_POINTS = 1 << 3 | 2,
    TAG_RESP_SEQ = 2 << 3 | 0,
    TAG_POINT_ID = 1 << 3 | 2,
    TAG_POINT_VALUE = 2 << 3 | 1,
    TAG_POINT_TS = 3 << 3 | 0,
    TAG_POINT_MD = 4 << 3 | 2,
    TAG_ENTRY_KEY = 1 << 3 | 2,
    TAG_ENTRY_VALUE = 2 << 3 | 2,
};

static uint64_t next_random(uint64_t *state)
{
    /* xorshift64*: plenty for test data, and deterministic for a given seed. */
    uint64_t x = *state;
    x ^= x >> 12;
    x ^= x << 25;
    x ^= x >> 27;
    *state = x;
    return x * 0x2545F4914F6CDD1DULL;
}

double sc_batch_wire_random_value(uint64_t *state)
{
    /* 53 random bits scaled into [0, 100). */
    return (double)(next_random(state) >> 11) * (1.0 / 9007199254740992.0) * 100.0;
}

static size_t varint_size(uint64_t v)
{
    size_t n = 1;
    while (v >= 0x80) {
        v >>= 7;
        n++;
    }
    return n;
}

static uint8_t *put_varint(uint8_t *p, uint64_t v)
{
    while (v >= 0x80) {
        *p++ = (uint8_t)(v | 0x80);
        v >>= 7;
    }
    *p++ = (uint8_t)v;
    return p;
}

static uint8_t *put_bytes(uint8_t *p, const void *src, size_t len)
{
    memcpy(p, src, len);
    return p + len;
}

/* Decimal digits of `v` into `out` (no NUL); returns how many. */
static size_t put_decimal(char *out, uint64_t v)
{
    char tmp[WIRE_DIGITS_MAX];
    size_t n = 0;
    do {
        tmp[n++] = (char)('0' + v % 10);
        v /= 10;
    } while (v != 0);
    for (size_t i = 0; i < n; i++)
        out[i] = tmp[n - 1 - i];
    return n;
}

/* What every point of a batch shares. */
typedef struct {
    const Streaming__StreamRequest *req;
    size_t sub_len;
    char mid[WIRE_DIGITS_MAX + 3]; /* "-<seq>-" */
    size_t mid_len;
    int64_t wall_ns;
} batch_ctx;

/* protobuf-c leaves a proto3 double out when all its bits are 0. */
static uint64_t double_bits(double d)
{
    uint64_t bits;
    memcpy(&bits, &d, sizeof bits);
    return bits;
}

static size_t entry_size(size_t topic_len)
{
    size_t n = 1 + 1 + WIRE_TOPIC_KEY_LEN;
    if (topic_len > 0)
        n += 1 + varint_size(topic_len) + topic_len;
    return n;
}

static size_t point_size(const batch_ctx *b, size_t id_len, uint64_t value_bits, size_t topic_len)
{
    size_t n = 0;
    if (id_len > 0)
        n += 1 + varint_size(id_len) + id_len;
    if (value_bits != 0)
        n += 1 + 8;
    if (b->wall_ns != 0)
        n += 1 + varint_size((uint64_t)b->wall_ns);
    size_t e = entry_size(topic_len);
    return n + 1 + varint_size(e) + e;
}

/* One point, its tag and length first, at `p`; returns the end. */
static uint8_t *put_point(uint8_t *p, const batch_ctx *b, size_t i, uint64_t *rng)
{
    char digits[WIRE_DIGITS_MAX];
    size_t dlen = put_decimal(digits, (uint64_t)i);
    size_t id_len = b->sub_len + b->mid_len + dlen;
    uint64_t bits = double_bits(sc_batch_wire_random_value(rng));
    const char *topic = b->req->topics[i % b->req->n_topics];
    size_t topic_len = strlen(topic);
    *p++ = TAG_RESP_POINTS;
    p = put_varint(p, point_size(b, id_len, bits, topic_len));
    if (id_len > 0) {
        *p++ = TAG_POINT_ID;
        p = put_varint(p, id_len);
        p = put_bytes(p, b->req->subscription_id, b->sub_len);
        p = put_bytes(p, b->mid, b->mid_len);
        p = put_bytes(p, digits, dlen);
    }
    if (bits != 0) {
        *p++ = TAG_POINT_VALUE;
        for (int k = 0; k < 8; k++)
            *p++ = (uint8_t)(bits >> (8 * k));
    }
    if (b->wall_ns != 0) {
        *p++ = TAG_POINT_TS;
        p = put_varint(p, (uint64_t)b->wall_ns);
    }
    *p++ = TAG_POINT_MD;
    p = put_varint(p, entry_size(topic_len));
    *p++ = TAG_ENTRY_KEY;
    *p++ = WIRE_TOPIC_KEY_LEN;
    p = put_bytes(p, WIRE_TOPIC_KEY, WIRE_TOPIC_KEY_LEN);
    if (topic_len > 0) {
        *p++ = TAG_ENTRY_VALUE;
        p = put_varint(p, topic_len);
        p = put_bytes(p, topic, topic_len);
    }
    return p;
}

/* An upper bound of the batch's bytes, or 0 when it does not fit a size_t. */
static size_t batch_bound(const batch_ctx *b, size_t n)
{
    size_t topic = 0;
    for (size_t i = 0; i < b->req->n_topics && i < n; i++) {
        size_t len = strlen(b->req->topics[i]);
        topic = len > topic ? len : topic;
    }
    size_t per_point = WIRE_POINT_OVERHEAD + b->sub_len + b->mid_len + WIRE_DIGITS_MAX + topic;
    if (per_point < topic || per_point > (SIZE_MAX - 1 - WIRE_VARINT_MAX) / (n ? n : 1))
        return 0;
    return per_point * n + 1 + WIRE_VARINT_MAX;
}

static int reserve(sc_batch_wire *w, size_t need)
{
    if (need <= w->cap)
        return 0;
    uint8_t *grown = realloc(w->data, need);
    if (grown == NULL)
        return -1;
    w->data = grown;
    w->cap = need;
    return 0;
}

int sc_batch_wire_build(sc_batch_wire *w, const Streaming__StreamRequest *req, int64_t seq,
                        size_t default_batch, uint64_t *rng, int64_t wall_ns)
{
    if (seq < 0 || req->n_topics == 0) /* never from the handler */
        return -1;
    size_t n = req->batch_size > 0 ? (size_t)req->batch_size : default_batch;
    batch_ctx b = {.req = req, .sub_len = strlen(req->subscription_id), .wall_ns = wall_ns};
    b.mid[0] = '-';
    b.mid_len = 1 + put_decimal(b.mid + 1, (uint64_t)seq);
    b.mid[b.mid_len++] = '-';
    size_t bound = batch_bound(&b, n);
    if (bound == 0 || reserve(w, bound) != 0)
        return -1;
    uint8_t *p = w->data;
    for (size_t i = 0; i < n; i++)
        p = put_point(p, &b, i, rng);
    if (seq != 0) {
        *p++ = TAG_RESP_SEQ;
        p = put_varint(p, (uint64_t)seq);
    }
    w->len = (size_t)(p - w->data);
    return 0;
}

void sc_batch_wire_free(sc_batch_wire *w)
{
    free(w->data);
    w->data = NULL;
    w->len = 0;
    w->cap = 0;
}
