#include "sc_line_reader.h"

#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int sc_line_reader_init(sc_line_reader *r, int fd, void (*on_line)(void *ctx, char *line),
                        void (*on_overlong)(void *ctx), void *ctx)
{
    memset(r, 0, sizeof *r);
    r->fd = fd;
    r->on_line = on_line;
    r->on_overlong = on_overlong;
    r->ctx = ctx;
    /* a line, one more read, and the NUL that ends a final line at EOF */
    r->buf = malloc(SC_LINE_READER_MAX_LINE + SC_LINE_READER_CHUNK + 1);
    return r->buf != NULL ? 0 : -1;
}

void sc_line_reader_free(sc_line_reader *r)
{
    free(r->buf);
    r->buf = NULL;
    r->len = 0;
}

static void take_line(sc_line_reader *r, char *line)
{
    if (r->discarding) { /* the end of an over-long line */
        r->discarding = false;
        return;
    }
    if (r->on_line != NULL)
        r->on_line(r->ctx, line);
}

/* Split complete lines off the buffer. */
static void split_lines(sc_line_reader *r)
{
    size_t start = 0;
    for (size_t i = 0; i < r->len; i++) {
        if (r->buf[i] != '\n')
            continue;
        r->buf[i] = '\0';
        take_line(r, r->buf + start);
        start = i + 1;
    }
    memmove(r->buf, r->buf + start, r->len - start);
    r->len -= start;
    if (r->len > SC_LINE_READER_MAX_LINE) {
        if (!r->discarding && r->on_overlong != NULL)
            r->on_overlong(r->ctx);
        r->discarding = true;
        r->len = 0;
    }
}

/* One read(2): bytes read, 0 when nothing is ready now (or at EOF, then r->eof is set). */
static size_t read_once(sc_line_reader *r)
{
    struct pollfd p = {.fd = r->fd, .events = POLLIN};
    if (r->eof || poll(&p, 1, 0) <= 0)
        return 0;
    ssize_t n = read(r->fd, r->buf + r->len, SC_LINE_READER_CHUNK);
    if (n < 0 && (errno == EINTR || errno == EAGAIN))
        return 0;
    if (n <= 0) {
        r->eof = true;
        r->buf[r->len] = '\0';
        take_line(r, r->buf); /* a last line without a newline */
        r->len = 0;
        return 0;
    }
    r->len += (size_t)n;
    split_lines(r);
    return (size_t)n;
}

size_t sc_line_reader_turn(sc_line_reader *r)
{
    size_t total = 0, n;
    while (total < SC_LINE_READER_TURN_CAP && (n = read_once(r)) > 0)
        total += n;
    return total;
}
