/* sc_batch_wire: the data points of one GetData / SubscribeData batch, written straight into
 * protobuf wire bytes (a StreamResponse) in a buffer the caller reuses from batch to batch.
 *
 * The bytes are exactly those protobuf-c packs for the message sc_handler_make_batch builds from
 * the same request, sequence number, random state and time (tests/unit/test_batch_wire.c checks
 * it), without its one allocation per point and field, its snprintf per id and its separate
 * pack pass: the server's cost per SubscribeData message (issue 16, point 3). Pure: no clock, no
 * network, no C core. */
#ifndef SC_BATCH_WIRE_H
#define SC_BATCH_WIRE_H

#include "streaming.pb-c.h"

#include <stddef.h>
#include <stdint.h>

/* A reusable output buffer. Zero-initialize it; owned by whoever holds it (sc_batch_wire_free).
 * `data` holds the last batch's `len` bytes until the next sc_batch_wire_build. */
typedef struct {
    uint8_t *data;
    size_t len;
    size_t cap;
} sc_batch_wire;

/* The value of one data point: 53 bits of xorshift64* (`*state`, never 0, advanced) scaled
 * into [0, 100). One per point, in point order. */
double sc_batch_wire_random_value(uint64_t *state);

/* Write the StreamResponse of batch `seq` of `req` (borrowed; batch_size <= 0 means
 * `default_batch`) into `w`, drawing one value per point from `*rng`, every timestamp
 * `wall_ns`. 0, or -1 when the buffer cannot grow (out of memory; `*rng` may have advanced). */
int sc_batch_wire_build(sc_batch_wire *w, const Streaming__StreamRequest *req, int64_t seq,
                        size_t default_batch, uint64_t *rng, int64_t wall_ns);

/* Release the buffer (the struct can be reused after). */
void sc_batch_wire_free(sc_batch_wire *w);

#endif
