/* sc_fault: the fault list of the fault proxy (docs/fault-proxy.md) as data, and its
 * parser: part of the scenario contract (a scenario's `faults` section is such a list; the engine
 * checks it with this parser, the proxy runs what it parses). No gRPC include. Pure: no I/O, no
 * clocks. Every error names the JSON path of the offending value, e.g. faults[2].type: unknown
 * fault "rst" so that a scenario author (or the engine, which embeds the list in a scenario) can
 * point at it.
 */
#ifndef SC_FAULT_H
#define SC_FAULT_H

#include <cjson/cJSON.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Most faults in one list: a scenario states a few; each connection keeps per-fault state. */
#define SC_FAULT_MAX_FAULTS 32
/* Largest time value (ms) in a fault: one hour, as the rest of the harness (control metadata). */
#define SC_FAULT_MAX_MS 3600000
/* Largest byte count in a fault: 2^53 - 1, what a JSON number holds exactly. */
#define SC_FAULT_MAX_BYTES 9007199254740991LL
/* Largest --faults text: fault lists are written by hand or embedded in a scenario. */
#define SC_FAULT_MAX_TEXT (1024 * 1024)

typedef enum {
    SC_FAULT_RESET = 0,       /* RST both sides (SO_LINGER 0, close) */
    SC_FAULT_CLOSE,           /* FIN both sides (shutdown, then close once the peers closed) */
    SC_FAULT_BLACKHOLE,       /* forward nothing, answer nothing: the connection stalls */
    SC_FAULT_REFUSE,          /* accept and reset at once, never dial the upstream */
    SC_FAULT_LATENCY,         /* deliver every byte `ms` (+- jitter_ms) later, order kept */
    SC_FAULT_BANDWIDTH,       /* at most bytes_per_s per direction */
    SC_FAULT_SLICE,           /* forward in writes of at most `bytes` bytes */
    SC_FAULT_CUT_AFTER_BYTES, /* reset once `bytes` bytes went through in `direction` */
} sc_fault_type;

/* Which directions a fault concerns: bits, up (client -> server) = 1, down = 2. */
enum { SC_FAULT_DIR_UP = 1, SC_FAULT_DIR_DOWN = 2, SC_FAULT_DIR_BOTH = 3 };

/* When a fault starts to apply. Without a trigger a fault applies from the accept on. */
typedef enum {
    SC_FAULT_TRIGGER_NONE = 0,
    SC_FAULT_TRIGGER_AT_MS,       /* `value` ms after the connection was accepted */
    SC_FAULT_TRIGGER_AT_CASE_MS,  /* `value` ms after the proxy started */
    SC_FAULT_TRIGGER_AFTER_BYTES, /* once `value` bytes were forwarded in `dirs` (both: in total) */
} sc_fault_trigger;

typedef struct {
    sc_fault_type type;
    int dirs; /* SC_FAULT_DIR_*: shaped directions, or the directions after_bytes counts */
    /* parameters */
    int64_t ms;          /* latency */
    int64_t jitter_ms;   /* latency: each chunk gets ms + uniform[-jitter_ms, +jitter_ms] */
    int64_t bytes_per_s; /* bandwidth */
    int64_t bytes;       /* slice: write size; cut_after_bytes: the threshold */
    int64_t delay_ms;    /* slice: pause between two writes (default 0) */
    /* schedule */
    sc_fault_trigger trigger;
    int64_t trigger_value;
    int64_t conn_from, conn_to; /* on_connection, 1-based, inclusive; 1..INT64_MAX = all */
} sc_fault;

typedef struct {
    sc_fault items[SC_FAULT_MAX_FAULTS];
    size_t count;
} sc_fault_list;

/* Parse a fault list from JSON text (an array; see docs/fault-proxy.md). 0, or -1 with a message
 * that starts with the JSON path ("faults", "faults[1].ms", ...). */
int sc_fault_list_parse(const char *text, sc_fault_list *out, char *err, size_t errlen);

/* The same from a parsed cJSON value (so the engine can pass a scenario's `faults` section);
 * `path` is the prefix for messages ("faults" or "scenarios[3].faults"). */
int sc_fault_list_from_json(const cJSON *json, const char *path, sc_fault_list *out, char *err,
                            size_t errlen);

/* The fault's type name as written in JSON ("reset", ...). */
const char *sc_fault_type_name(sc_fault_type type);

/* Faults that act once on a connection (reset, close, blackhole, refuse, cut_after_bytes) as
 * opposed to shaping its bytes for as long as they apply (latency, bandwidth, slice). */
bool sc_fault_is_action(sc_fault_type type);

#endif
