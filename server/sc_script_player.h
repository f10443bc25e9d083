/* sc_script_player: what the scripted server does on one call, as pure logic (sans-I/O). Given
 * the call's script (common/sc_script.h) and the time, it says what goes out next: the initial
 * metadata, response i, or the final status. The loop (sc_script_server.c) carries it out and
 * reports back when each output went out; nothing here reads a clock or touches the core.
 *
 * Timing (docs/scenario-format.md, "server.script"): nothing goes out before call start +
 * initial_delay_ms; the headers go out then; response i goes out delay_ms after the previous
 * output (the headers or response i - 1) went out; the status goes out status.delay_ms after the
 * last output went out (or after the initial delay when nothing went out before it: a
 * trailers-only response). Client messages do not change what is played. */
#ifndef SC_SCRIPT_PLAYER_H
#define SC_SCRIPT_PLAYER_H

#include "sc_script.h"

#include <stdbool.h>
#include <stdint.h>

/* Longest status message the player builds itself (no script, unknown method). */
#define SC_SCRIPT_PLAYER_MESSAGE_MAX (SC_SCRIPT_MAX_TEXT + 128)

typedef enum {
    SC_PLAY_NONE = 0, /* nothing due now: ask again at sc_script_player_wake_at */
    SC_PLAY_HEADERS,  /* send the initial metadata (sc_script_player_headers) */
    SC_PLAY_MESSAGE,  /* send response `index` of the script */
    SC_PLAY_STATUS    /* send the final status (with trailers; with empty initial metadata first
                         when no headers went out: trailers-only) */
} sc_play_kind;

typedef struct {
    sc_play_kind kind;
    size_t index;                    /* SC_PLAY_MESSAGE */
    const ProtobufCMessage *message; /* SC_PLAY_MESSAGE: borrowed from the script; NULL for raw */
    const unsigned char *raw;        /* SC_PLAY_MESSAGE of a raw response: its bytes, borrowed */
    size_t raw_len;
    int code;                   /* SC_PLAY_STATUS */
    const char *status_message; /* SC_PLAY_STATUS: borrowed from the player or the script */
} sc_play_out;

typedef struct {
    const sc_script *script; /* borrowed; NULL when the call has no script */
    int64_t gate_ms;         /* call start + initial_delay_ms */
    int64_t last_ms;         /* when the previous output went out; gate_ms before any */
    size_t next;             /* next response index */
    bool headers_out;
    bool in_flight; /* an output was handed out and has not been reported sent */
    bool status_out;
    bool closed;
    int64_t wake_ms; /* -1: nothing to wait for */
    double speed;    /* every delay is divided by this (1 unless sc_script_player_init_speed) */
    int fail_code;   /* no script: the status to answer with */
    char fail_message[SC_SCRIPT_PLAYER_MESSAGE_MAX];
} sc_script_player;

/* Play `script` (borrowed; must outlive the player) from `start_ms`. */
void sc_script_player_init(sc_script_player *p, const sc_script *script, int64_t start_ms);
/* Same, with every delay divided by `speed` (> 0): `streamconform replay --speed`. */
void sc_script_player_init_speed(sc_script_player *p, const sc_script *script, int64_t start_ms,
                                 double speed);
/* No script to play: the first output is this status, trailers-only (e.g. FAILED_PRECONDITION
 * "no script for case X", UNIMPLEMENTED "unknown method /x/Y"). */
void sc_script_player_init_fail(sc_script_player *p, int code, const char *message);

/* What to send next, given that nothing is in flight (SC_PLAY_NONE while something is). */
sc_play_out sc_script_player_next(sc_script_player *p, int64_t now_ms);
/* The output handed out last went out (ok) or failed to (!ok: the call is going away). */
void sc_script_player_on_sent(sc_script_player *p, bool ok, int64_t now_ms);
/* The call is over (cancelled, deadline, or after our status): nothing more is sent. */
void sc_script_player_on_closed(sc_script_player *p);
/* When to call sc_script_player_next again (besides after events); -1 for never. */
int64_t sc_script_player_wake_at(const sc_script_player *p);
/* Has the final status been handed out? */
bool sc_script_player_done(const sc_script_player *p);

/* Metadata of the headers and of the status (empty lists when the call has no script). */
const sc_md_list *sc_script_player_headers(const sc_script_player *p);
const sc_md_list *sc_script_player_trailers(const sc_script_player *p);

#endif
