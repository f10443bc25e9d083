/* sc_line_reader: newline-separated lines from a non-blocking fd (peer-client's stdin), read in
 * turns of a loop. Each complete line is handed to `on_line`; a line longer than
 * SC_LINE_READER_MAX_LINE is dropped whole and told once through `on_overlong`. At EOF a last
 * line without a newline is handed out too. No thread, no blocking read. */
#ifndef SC_LINE_READER_H
#define SC_LINE_READER_H

#include <stdbool.h>
#include <stddef.h>

/* Longest line: an instruction's requests for an upload can be large, but not unbounded. */
#define SC_LINE_READER_MAX_LINE (8 * 1024 * 1024)
/* Most bytes one turn reads: a turn reads until nothing is ready (one 64 KiB read per 20 ms loop
 * turn made stdin crawl at ~3 MB/s, issue 15) but not for ever, so that the calls in flight still
 * get their completions handled every few ms while stdin is flooded. */
#define SC_LINE_READER_TURN_CAP (4 * 1024 * 1024)
/* Bytes asked of one read(2). */
#define SC_LINE_READER_CHUNK 65536

typedef struct {
    int fd; /* borrowed; non-blocking or polled */
    /* `line` is NUL-terminated, without its newline, valid during the call only. */
    void (*on_line)(void *ctx, char *line);
    void (*on_overlong)(void *ctx);
    void *ctx;
    char *buf; /* owned: the partial line */
    size_t len;
    bool discarding; /* inside an over-long line */
    bool eof;
} sc_line_reader;

/* 0, or -1 when the buffer cannot be allocated. The callbacks may be NULL. */
int sc_line_reader_init(sc_line_reader *r, int fd, void (*on_line)(void *ctx, char *line),
                        void (*on_overlong)(void *ctx), void *ctx);
void sc_line_reader_free(sc_line_reader *r);

/* One turn: read until nothing is ready now (or SC_LINE_READER_TURN_CAP bytes were read) and hand
 * out the complete lines. Returns the bytes read (0 when nothing was ready); r->eof is set at end
 * of file (or a read error). */
size_t sc_line_reader_turn(sc_line_reader *r);

#endif
