#include "sc_proxy.h"
#include "sc_proxy_net.h"

#include <cjson/cJSON.h>
#include "sc_proxy_flow.h"

#include "sc_log.h"
#include "sc_time.h"

#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

/* epoll events handled per epoll_wait. */
#define SC_PROXY_EVENTS 256
/* Bytes read at a time from a side whose data is thrown away (blackhole, after a close fault). */
#define SC_PROXY_DISCARD 16384
/* Longest "error" text in a record. */
#define SC_PROXY_ERR_MAX 160

enum { SIDE_CLIENT = 0, SIDE_SERVER = 1 };

struct conn;

typedef struct {
    int fd;
    int which; /* SIDE_CLIENT or SIDE_SERVER */
    uint32_t events;
    bool registered;
    struct conn *c;
} side;

/* One direction's bytes: a ring addressed by absolute stream offsets, with delivery times. */
typedef struct {
    uint8_t data[SC_PROXY_BUF];
    uint64_t rd, wr; /* bytes read into the ring / written out of it */
    struct {
        uint64_t end;
        int64_t due;
    } marks[SC_PROXY_MARKS];
    size_t mhead, mcount;
} pipe_buf;

typedef struct conn {
    struct conn *prev, *next;
    side s[2];
    int64_t no;
    int state;     /* sc_proxy_conn_state (sc_proxy_flow.h), changed through set_state only */
    unsigned eof;  /* by SC_PROXY_SHUT_BIT(dir): the direction's source sent FIN */
    unsigned shut; /* by SC_PROXY_SHUT_BIT(dir): that FIN was passed on (shutdown bitmask) */
    bool ended;    /* end record written */
    int fault;     /* blackhole fault index */
    const char *closer;
    int64_t wake_ms;
    int64_t linger_until;
    sc_proxy_flow flow;
    pipe_buf buf[2]; /* [SC_PROXY_UP] client -> server, [SC_PROXY_DOWN] server -> client */
} conn;

struct sc_proxy {
    int epfd, listen_fd, stop_fd;
    int control_fd; /* control lines (borrowed), or -1 */
    char control[SC_PROXY_CONTROL_LINE];
    size_t control_len;
    int port;
    struct sockaddr_storage up_addr;
    socklen_t up_len;
    sc_proxy_faults faults;
    FILE *records;
    uint64_t seed;
    int64_t start_ms;
    int64_t accepted;
    int64_t accept_paused_until;
    bool listen_registered;
    conn *live;
    conn *dead;
};

/* Markers for the two non-connection descriptors in the epoll set. */
static int listen_marker, stop_marker, control_marker;

/* ---- small helpers ------------------------------------------------------------------------- */

static void set_state(conn *c, sc_proxy_conn_state to)
{
    sc_fsm_set(&sc_proxy_conn_fsm, (uint64_t)c->no, &c->state, (int)to);
}

static bool is_state(const conn *c, sc_proxy_conn_state st)
{
    return c->state == (int)st;
}

static bool closed(const conn *c)
{
    return is_state(c, SC_PROXY_CONN_CLOSED);
}

static int64_t min64(int64_t a, int64_t b)
{
    return a < b ? a : b;
}

/* ---- records ------------------------------------------------------------------------------- */

static void record_accept(sc_proxy *p, const conn *c, int64_t now)
{
    sc_log(SC_LOG_DEBUG, "proxy", "conn %lld accepted", (long long)c->no);
    if (p->records == NULL)
        return;
    fprintf(p->records, "{\"event\":\"accept\",\"conn\":%lld,\"t_ms\":%lld}\n", (long long)c->no,
            (long long)(now - p->start_ms));
    fflush(p->records);
}

static void record_end(sc_proxy *p, conn *c, const char *how, int fault, const char *error,
                       int64_t now)
{
    if (c->ended)
        return;
    c->ended = true;
    sc_log(SC_LOG_DEBUG, "proxy", "conn %lld ended: %s (fault %d)%s%s", (long long)c->no, how,
           fault, error ? ": " : "", error ? error : "");
    if (p->records == NULL)
        return;
    char fbuf[24];
    if (fault >= 0)
        snprintf(fbuf, sizeof fbuf, "%d", fault);
    else
        snprintf(fbuf, sizeof fbuf, "null");
    fprintf(p->records,
            "{\"event\":\"end\",\"conn\":%lld,\"t_ms\":%lld,\"bytes_up\":%lld,\"bytes_down\":%lld,"
            "\"how\":\"%s\",\"fault\":%s",
            (long long)c->no, (long long)(now - p->start_ms), (long long)c->flow.fwd[SC_PROXY_UP],
            (long long)c->flow.fwd[SC_PROXY_DOWN], how, fbuf);
    if (error != NULL) {
        /* strerror / fixed texts: no quotes or control characters to escape. */
        fprintf(p->records, ",\"error\":\"%s\"", error);
    }
    fprintf(p->records, "}\n");
    fflush(p->records);
}

/* ---- epoll interest ------------------------------------------------------------------------ */

static void set_interest(sc_proxy *p, side *s, uint32_t events)
{
    if (s->fd < 0)
        return;
    if (events == 0) {
        /* Not registered at all: a hang-up on a side we do not read must not spin the loop. */
        if (s->registered)
            epoll_ctl(p->epfd, EPOLL_CTL_DEL, s->fd, NULL);
        s->registered = false;
        s->events = 0;
        return;
    }
    if (s->registered && s->events == events)
        return;
    struct epoll_event ev = {.events = events, .data.ptr = s};
    if (epoll_ctl(p->epfd, s->registered ? EPOLL_CTL_MOD : EPOLL_CTL_ADD, s->fd, &ev) == 0) {
        s->registered = true;
        s->events = events;
    }
}

static void close_side(sc_proxy *p, side *s, bool rst)
{
    if (s->fd < 0)
        return;
    set_interest(p, s, 0);
    if (rst)
        sc_proxy_close_rst(s->fd);
    else
        close(s->fd);
    s->fd = -1;
}

/* ---- connection lifetime ------------------------------------------------------------------- */

static void unlink_conn(conn **list, conn *c)
{
    if (c->prev != NULL)
        c->prev->next = c->next;
    else
        *list = c->next;
    if (c->next != NULL)
        c->next->prev = c->prev;
    c->prev = c->next = NULL;
}

static void push_conn(conn **list, conn *c)
{
    c->prev = NULL;
    c->next = *list;
    if (*list != NULL)
        (*list)->prev = c;
    *list = c;
}

/* Close both sides and move the connection to the dead list (freed after this loop turn, as
 * later events of the same epoll batch may still point at it). */
static void kill_conn(sc_proxy *p, conn *c, bool rst)
{
    close_side(p, &c->s[SIDE_CLIENT], rst);
    close_side(p, &c->s[SIDE_SERVER], rst);
    if (closed(c))
        return;
    set_state(c, SC_PROXY_CONN_CLOSED);
    unlink_conn(&p->live, c);
    push_conn(&p->dead, c);
}

static void free_dead(sc_proxy *p)
{
    while (p->dead != NULL) {
        conn *c = p->dead;
        unlink_conn(&p->dead, c);
        free(c);
    }
}

/* The side whose peer receives direction d's bytes. */
static side *dst_of(conn *c, sc_proxy_dir d)
{
    return &c->s[d == SC_PROXY_UP ? SIDE_SERVER : SIDE_CLIENT];
}

static const char *closed_how(int which)
{
    return which == SIDE_CLIENT ? "client_closed" : "server_closed";
}

/* A fault's action on a live connection: the next state is sc_proxy_conn_after's. */
static void apply(sc_proxy *p, conn *c, sc_proxy_verdict v, int64_t now)
{
    sc_proxy_conn_state to = sc_proxy_conn_after((sc_proxy_conn_state)c->state, v.action);
    switch (v.action) {
    case SC_PROXY_ACT_NONE:
        return;
    case SC_PROXY_ACT_REFUSE:
    case SC_PROXY_ACT_RESET:
        record_end(p, c, v.action == SC_PROXY_ACT_REFUSE ? "refused" : "reset_by_fault", v.fault,
                   NULL, now);
        kill_conn(p, c, true);
        return;
    case SC_PROXY_ACT_CLOSE:
        record_end(p, c, "closed_by_fault", v.fault, NULL, now);
        if (is_state(c, SC_PROXY_CONN_CONNECTING))
            close_side(p, &c->s[SIDE_SERVER], false);
        for (int i = 0; i < 2; i++)
            if (c->s[i].fd >= 0)
                shutdown(c->s[i].fd, SHUT_WR);
        c->linger_until = now + SC_PROXY_CLOSE_LINGER_MS;
        break;
    case SC_PROXY_ACT_BLACKHOLE:
        if (is_state(c, SC_PROXY_CONN_CONNECTING))
            close_side(p, &c->s[SIDE_SERVER], false);
        c->fault = v.fault;
        break;
    }
    set_state(c, to);
}

/* ---- moving bytes -------------------------------------------------------------------------- */

static size_t buf_room(const pipe_buf *b)
{
    if (b->mcount >= SC_PROXY_MARKS)
        return 0;
    return SC_PROXY_BUF - (size_t)(b->rd - b->wr);
}

static void add_mark(pipe_buf *b, uint64_t end, int64_t due, int64_t now)
{
    if (b->mcount > 0) {
        size_t last = (b->mhead + b->mcount - 1) % SC_PROXY_MARKS;
        /* Bytes that are due by now either way need no mark of their own. */
        if (b->marks[last].due == due || (b->marks[last].due <= now && due <= now)) {
            b->marks[last].end = end;
            return;
        }
    }
    size_t at = (b->mhead + b->mcount) % SC_PROXY_MARKS;
    b->marks[at].end = end;
    b->marks[at].due = due;
    b->mcount++;
}

/* Bytes that are due now (from b->wr on); *next_due: when more become due (INT64_MAX: none). */
static size_t due_bytes(pipe_buf *b, int64_t now, int64_t *next_due)
{
    while (b->mcount > 0 && b->marks[b->mhead].end <= b->wr) {
        b->mhead = (b->mhead + 1) % SC_PROXY_MARKS;
        b->mcount--;
    }
    uint64_t end = b->wr;
    *next_due = INT64_MAX;
    for (size_t i = 0; i < b->mcount; i++) {
        size_t k = (b->mhead + i) % SC_PROXY_MARKS;
        if (b->marks[k].due > now) {
            *next_due = b->marks[k].due;
            break;
        }
        end = b->marks[k].end;
    }
    return (size_t)(end - b->wr);
}

/* Read what a side has. Returns false when the connection ended. */
static bool read_side(sc_proxy *p, conn *c, side *s, int64_t now)
{
    if (!sc_proxy_conn_forwarding((sc_proxy_conn_state)c->state)) {
        uint8_t scratch[SC_PROXY_DISCARD];
        for (;;) {
            ssize_t n = recv(s->fd, scratch, sizeof scratch, 0);
            if (n > 0)
                continue;
            if (n < 0 && (errno == EAGAIN || errno == EINTR))
                return true;
            /* This peer is gone. */
            if (is_state(c, SC_PROXY_CONN_BLACKHOLE)) {
                record_end(p, c, "blackholed", c->fault, NULL, now);
                kill_conn(p, c, false);
                return false;
            }
            close_side(p, s, false);
            if (c->s[SIDE_CLIENT].fd < 0 && c->s[SIDE_SERVER].fd < 0) {
                kill_conn(p, c, false);
                return false;
            }
            return true;
        }
    }
    sc_proxy_dir d = s->which == SIDE_CLIENT ? SC_PROXY_UP : SC_PROXY_DOWN;
    pipe_buf *b = &c->buf[d];
    while ((c->eof & SC_PROXY_SHUT_BIT(d)) == 0) {
        size_t room = buf_room(b);
        if (room == 0)
            return true;
        size_t off = (size_t)(b->rd % SC_PROXY_BUF);
        size_t len = SC_PROXY_BUF - off < room ? SC_PROXY_BUF - off : room;
        ssize_t n = recv(s->fd, b->data + off, len, 0);
        if (n > 0) {
            b->rd += (uint64_t)n;
            add_mark(b, b->rd, sc_proxy_flow_due(&c->flow, d, now), now);
            continue;
        }
        if (n == 0) {
            c->eof |= SC_PROXY_SHUT_BIT(d);
            if (c->closer == NULL)
                c->closer = closed_how(s->which);
            return true;
        }
        if (errno == EAGAIN || errno == EINTR)
            return true;
        /* The peer reset: pass the reset on to the other side. */
        record_end(p, c, closed_how(s->which), -1, NULL, now);
        kill_conn(p, c, true);
        return false;
    }
    return true;
}

/* Write what is due in direction d. Returns false when the connection ended; sets *want_out when
 * the destination is full and *wake when to try again. */
static bool write_dir(sc_proxy *p, conn *c, sc_proxy_dir d, int64_t now, bool *want_out,
                      int64_t *wake)
{
    pipe_buf *b = &c->buf[d];
    side *dst = dst_of(c, d);
    for (;;) {
        int64_t next_due;
        size_t ready = due_bytes(b, now, &next_due);
        if (next_due != INT64_MAX)
            *wake = min64(*wake, next_due);
        if (ready == 0)
            break;
        int64_t allow_wake;
        size_t n = sc_proxy_flow_allow(&c->flow, d, ready, now, &allow_wake);
        if (n == 0) {
            *wake = min64(*wake, allow_wake);
            break;
        }
        size_t off = (size_t)(b->wr % SC_PROXY_BUF);
        if (n > SC_PROXY_BUF - off)
            n = SC_PROXY_BUF - off;
        ssize_t w = send(dst->fd, b->data + off, n, MSG_NOSIGNAL);
        if (w < 0) {
            if (errno == EAGAIN || errno == EINTR) {
                *want_out = true;
                break;
            }
            /* The destination's peer is gone (EPIPE, ECONNRESET). */
            record_end(p, c, closed_how(dst->which), -1, NULL, now);
            kill_conn(p, c, true);
            return false;
        }
        b->wr += (uint64_t)w;
        sc_proxy_flow_forwarded(&c->flow, d, (size_t)w, now);
        sc_proxy_verdict v = sc_proxy_flow_check(&c->flow, now);
        if (v.action != SC_PROXY_ACT_NONE) {
            apply(p, c, v, now);
            return !closed(c); /* the caller looks at the new state */
        }
    }
    /* This direction is done once its source's FIN and every byte before it went out; the other
     * direction goes on (a half-closed connection, as an HTTP/2 stream's half). */
    unsigned bit = SC_PROXY_SHUT_BIT(d);
    if ((c->eof & bit) != 0 && b->wr == b->rd && (c->shut & bit) == 0) {
        shutdown(dst->fd, SHUT_WR);
        c->shut |= bit;
    }
    return true;
}

/* Closing or blackholed: read (and drop) from both sides; a closing one until its linger ends. */
static void pump_draining(sc_proxy *p, conn *c, int64_t now)
{
    if (is_state(c, SC_PROXY_CONN_CLOSING)) {
        if (now >= c->linger_until) {
            kill_conn(p, c, false);
            return;
        }
        c->wake_ms = c->linger_until;
    }
    set_interest(p, &c->s[SIDE_CLIENT], EPOLLIN);
    set_interest(p, &c->s[SIDE_SERVER], EPOLLIN);
}

/* What a forwarding connection's side waits for: to read its direction while that is open and
 * has room, to write when the other direction's bytes found it full; a side still connecting
 * waits to be writable. */
static uint32_t side_interest(const conn *c, int which, const bool want_out[2])
{
    if (which == SIDE_SERVER && is_state(c, SC_PROXY_CONN_CONNECTING))
        return EPOLLOUT;
    sc_proxy_dir in = which == SIDE_CLIENT ? SC_PROXY_UP : SC_PROXY_DOWN;
    sc_proxy_dir out = which == SIDE_CLIENT ? SC_PROXY_DOWN : SC_PROXY_UP;
    uint32_t ev = 0;
    if ((c->eof & SC_PROXY_SHUT_BIT(in)) == 0 && buf_room(&c->buf[in]) > 0)
        ev |= EPOLLIN;
    if (want_out[out])
        ev |= EPOLLOUT;
    return ev;
}

static void pump(sc_proxy *p, conn *c, int64_t now);

/* Forwarding: bytes due both ways (upstream-bound ones wait for the dial), then the end once both
 * directions are shut, else the interest and the next wake-up. */
static void pump_forwarding(sc_proxy *p, conn *c, int64_t now)
{
    bool want_out[2] = {false, false};
    int64_t wake = sc_proxy_flow_next_ms(&c->flow);
    for (int d = 0; d < 2; d++) {
        if (d == SC_PROXY_UP && is_state(c, SC_PROXY_CONN_CONNECTING))
            continue;
        if (!write_dir(p, c, (sc_proxy_dir)d, now, &want_out[d], &wake))
            return;
        if (!sc_proxy_conn_forwarding((sc_proxy_conn_state)c->state)) { /* a fault fired */
            pump(p, c, now);
            return;
        }
    }
    if (c->shut == SC_PROXY_SHUT_BOTH) {
        record_end(p, c, c->closer != NULL ? c->closer : "client_closed", -1, NULL, now);
        kill_conn(p, c, false);
        return;
    }
    c->wake_ms = wake;
    set_interest(p, &c->s[SIDE_CLIENT], side_interest(c, SIDE_CLIENT, want_out));
    set_interest(p, &c->s[SIDE_SERVER], side_interest(c, SIDE_SERVER, want_out));
}

/* Bring a connection up to date: faults due, bytes due, epoll interest, next wake-up. */
static void pump(sc_proxy *p, conn *c, int64_t now)
{
    if (closed(c))
        return;
    c->wake_ms = INT64_MAX;
    if (sc_proxy_conn_forwarding((sc_proxy_conn_state)c->state))
        apply(p, c, sc_proxy_flow_check(&c->flow, now), now);
    if (closed(c))
        return;
    if (sc_proxy_conn_forwarding((sc_proxy_conn_state)c->state))
        pump_forwarding(p, c, now);
    else
        pump_draining(p, c, now);
}

/* ---- accept / connect ---------------------------------------------------------------------- */

static void dial(sc_proxy *p, conn *c, int64_t now)
{
    int fd = socket(p->up_addr.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0) {
        record_end(p, c, "error", -1, "upstream socket failed", now);
        kill_conn(p, c, true);
        return;
    }
    sc_proxy_set_nodelay(fd);
    c->s[SIDE_SERVER].fd = fd;
    if (connect(fd, (struct sockaddr *)&p->up_addr, p->up_len) == 0) {
        set_state(c, SC_PROXY_CONN_OPEN);
    } else if (errno != EINPROGRESS) { /* EINPROGRESS: stays CONNECTING */
        char e[SC_PROXY_ERR_MAX];
        snprintf(e, sizeof e, "upstream connect: %s", strerror(errno));
        record_end(p, c, "error", -1, e, now);
        kill_conn(p, c, true);
    }
}

static void accept_one(sc_proxy *p, int fd, int64_t now)
{
    conn *c = calloc(1, sizeof *c);
    if (c == NULL) {
        sc_proxy_close_rst(fd);
        return;
    }
    c->no = ++p->accepted;
    c->state = SC_PROXY_CONN_CONNECTING;
    c->fault = -1;
    for (int i = 0; i < 2; i++) {
        c->s[i].fd = -1;
        c->s[i].which = i;
        c->s[i].c = c;
    }
    c->s[SIDE_CLIENT].fd = fd;
    sc_proxy_set_nodelay(fd);
    push_conn(&p->live, c);
    sc_proxy_flow_init(&c->flow, &p->faults, c->no, p->start_ms, now, p->seed);
    record_accept(p, c, now);
    sc_proxy_verdict v = sc_proxy_flow_accept(&c->flow, now);
    if (v.action == SC_PROXY_ACT_NONE) {
        dial(p, c, now);
        if (closed(c))
            return;
    } else {
        apply(p, c, v, now); /* nothing dialled yet: a close or blackhole has no upstream side */
    }
    pump(p, c, now);
}

static void accept_some(sc_proxy *p, int64_t now)
{
    for (int i = 0; i < SC_PROXY_ACCEPT_BATCH; i++) {
        int fd = accept4(p->listen_fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
        if (fd >= 0) {
            accept_one(p, fd, now);
            continue;
        }
        if (errno == EAGAIN || errno == EINTR || errno == ECONNABORTED)
            return;
        sc_log(SC_LOG_WARN, "proxy", "accept: %s; pausing %d ms", strerror(errno),
               SC_PROXY_ACCEPT_PAUSE_MS);
        p->accept_paused_until = now + SC_PROXY_ACCEPT_PAUSE_MS;
        epoll_ctl(p->epfd, EPOLL_CTL_DEL, p->listen_fd, NULL);
        p->listen_registered = false;
        return;
    }
}

static void on_side_event(sc_proxy *p, side *s, uint32_t events, int64_t now)
{
    conn *c = s->c;
    if (closed(c) || s->fd < 0)
        return;
    if (is_state(c, SC_PROXY_CONN_CONNECTING) && s->which == SIDE_SERVER) {
        int soerr = 0;
        socklen_t len = sizeof soerr;
        getsockopt(s->fd, SOL_SOCKET, SO_ERROR, &soerr, &len);
        if (soerr != 0) {
            char e[SC_PROXY_ERR_MAX];
            snprintf(e, sizeof e, "upstream connect: %s", strerror(soerr));
            record_end(p, c, "error", -1, e, now);
            kill_conn(p, c, true);
            return;
        }
        if ((events & EPOLLOUT) == 0)
            return;
        set_state(c, SC_PROXY_CONN_OPEN);
    } else if (events & (EPOLLIN | EPOLLHUP | EPOLLERR | EPOLLRDHUP)) {
        if (!read_side(p, c, s, now))
            return;
    }
    pump(p, c, now);
}

/* ---- public -------------------------------------------------------------------------------- */

sc_proxy *sc_proxy_create(const sc_proxy_config *cfg, char *err, size_t errlen)
{
    sc_proxy *p = calloc(1, sizeof *p);
    if (p == NULL) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    p->epfd = p->listen_fd = p->stop_fd = p->control_fd = -1;
    if (cfg->faults != NULL)
        p->faults = *cfg->faults;
    p->records = cfg->records;
    p->start_ms = cfg->origin_ms > 0 ? cfg->origin_ms : sc_time_now_ms();
    p->seed = cfg->seed != 0 ? cfg->seed : (uint64_t)sc_time_wall_ns();
    struct sockaddr_storage la;
    socklen_t llen;
    if (sc_proxy_resolve("--upstream", cfg->upstream, false, &p->up_addr, &p->up_len, err,
                         errlen) != 0 ||
        sc_proxy_resolve("--listen", cfg->listen, true, &la, &llen, err, errlen) != 0)
        goto fail;
    p->epfd = epoll_create1(EPOLL_CLOEXEC);
    p->stop_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    p->listen_fd = socket(la.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (p->epfd < 0 || p->stop_fd < 0 || p->listen_fd < 0) {
        snprintf(err, errlen, "cannot create sockets: %s", strerror(errno));
        goto fail;
    }
    int one = 1;
    setsockopt(p->listen_fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    if (bind(p->listen_fd, (struct sockaddr *)&la, llen) != 0 ||
        listen(p->listen_fd, SOMAXCONN) != 0) {
        snprintf(err, errlen, "--listen %s: %s", cfg->listen, strerror(errno));
        goto fail;
    }
    struct sockaddr_storage bound;
    socklen_t blen = sizeof bound;
    getsockname(p->listen_fd, (struct sockaddr *)&bound, &blen);
    p->port = ntohs(bound.ss_family == AF_INET6 ? ((struct sockaddr_in6 *)&bound)->sin6_port
                                                : ((struct sockaddr_in *)&bound)->sin_port);
    struct epoll_event ev = {.events = EPOLLIN, .data.ptr = &listen_marker};
    struct epoll_event sev = {.events = EPOLLIN, .data.ptr = &stop_marker};
    if (epoll_ctl(p->epfd, EPOLL_CTL_ADD, p->listen_fd, &ev) != 0 ||
        epoll_ctl(p->epfd, EPOLL_CTL_ADD, p->stop_fd, &sev) != 0) {
        snprintf(err, errlen, "epoll: %s", strerror(errno));
        goto fail;
    }
    p->listen_registered = true;
    p->control_fd = cfg->control_fd > 0 ? cfg->control_fd : -1;
    struct epoll_event cev = {.events = EPOLLIN, .data.ptr = &control_marker};
    if (p->control_fd >= 0 &&
        (fcntl(p->control_fd, F_SETFL, fcntl(p->control_fd, F_GETFL) | O_NONBLOCK) != 0 ||
         epoll_ctl(p->epfd, EPOLL_CTL_ADD, p->control_fd, &cev) != 0)) {
        snprintf(err, errlen, "--control: %s", strerror(errno));
        goto fail;
    }
    return p;
fail:
    sc_proxy_destroy(p);
    return NULL;
}

int sc_proxy_port(const sc_proxy *p)
{
    return p->port;
}

int64_t sc_proxy_accepted(const sc_proxy *p)
{
    return p->accepted;
}

void sc_proxy_stop(sc_proxy *p)
{
    uint64_t one = 1;
    ssize_t rc = write(p->stop_fd, &one, sizeof one); /* async-signal-safe */
    (void)rc;
}

/* One control line: {"upstream": "HOST:PORT"}. Errors are logged; the proxy goes on. */
static void control_line(sc_proxy *p, const char *line)
{
    cJSON *o = cJSON_Parse(line);
    const cJSON *up = cJSON_GetObjectItemCaseSensitive(o, "upstream");
    char err[256];
    struct sockaddr_storage addr;
    socklen_t len = 0;
    if (!cJSON_IsString(up))
        sc_log(SC_LOG_WARN, "proxy", "control: expected {\"upstream\": \"HOST:PORT\"}: %.100s",
               line);
    else if (sc_proxy_resolve("upstream", up->valuestring, false, &addr, &len, err, sizeof err) !=
             0)
        sc_log(SC_LOG_WARN, "proxy", "control: %s", err);
    else {
        p->up_addr = addr;
        p->up_len = len;
        sc_log(SC_LOG_INFO, "proxy", "upstream is now %s", up->valuestring);
    }
    cJSON_Delete(o);
}

/* Read what the control descriptor has; each complete line is applied. At EOF it is dropped
 * (the proxy goes on with the upstream it has). */
static void control_read(sc_proxy *p)
{
    for (;;) {
        ssize_t n = read(p->control_fd, p->control + p->control_len,
                         sizeof p->control - 1 - p->control_len);
        if (n <= 0) {
            if (n == 0 || (errno != EAGAIN && errno != EINTR)) {
                epoll_ctl(p->epfd, EPOLL_CTL_DEL, p->control_fd, NULL);
                p->control_fd = -1;
            }
            return;
        }
        p->control_len += (size_t)n;
        p->control[p->control_len] = '\0';
        char *nl;
        while ((nl = strchr(p->control, '\n')) != NULL) {
            *nl = '\0';
            control_line(p, p->control);
            size_t used = (size_t)(nl + 1 - p->control);
            memmove(p->control, nl + 1, p->control_len - used + 1);
            p->control_len -= used;
        }
        if (p->control_len == sizeof p->control - 1)
            p->control_len = 0; /* an overlong line: dropped */
    }
}

int sc_proxy_run(sc_proxy *p)
{
    struct epoll_event events[SC_PROXY_EVENTS];
    for (;;) {
        int64_t now = sc_time_now_ms();
        int64_t wake = now + SC_PROXY_MAX_WAIT_MS;
        if (!p->listen_registered)
            wake = min64(wake, p->accept_paused_until);
        for (conn *c = p->live; c != NULL; c = c->next)
            wake = min64(wake, c->wake_ms);
        int timeout = wake <= now ? 0 : (int)(wake - now);
        int n = epoll_wait(p->epfd, events, SC_PROXY_EVENTS, timeout);
        if (n < 0 && errno != EINTR) {
            sc_log(SC_LOG_ERROR, "proxy", "epoll_wait: %s", strerror(errno));
            return -1;
        }
        now = sc_time_now_ms();
        bool stop = false;
        for (int i = 0; i < n; i++) {
            void *ptr = events[i].data.ptr;
            if (ptr == &stop_marker)
                stop = true;
            else if (ptr == &control_marker)
                control_read(p);
            else if (ptr == &listen_marker)
                accept_some(p, now);
            else
                on_side_event(p, ptr, events[i].events, now);
        }
        if (!p->listen_registered && now >= p->accept_paused_until) {
            struct epoll_event ev = {.events = EPOLLIN, .data.ptr = &listen_marker};
            p->listen_registered = epoll_ctl(p->epfd, EPOLL_CTL_ADD, p->listen_fd, &ev) == 0;
        }
        /* Timers: connections whose next decision is due. */
        conn *next;
        for (conn *c = p->live; c != NULL; c = next) {
            next = c->next;
            if (c->wake_ms <= now)
                pump(p, c, now);
        }
        free_dead(p);
        if (stop)
            return 0;
    }
}

void sc_proxy_destroy(sc_proxy *p)
{
    if (p == NULL)
        return;
    int64_t now = sc_time_now_ms();
    while (p->live != NULL) {
        conn *c = p->live;
        record_end(p, c, "proxy_stopped", -1, NULL, now);
        kill_conn(p, c, false);
    }
    free_dead(p);
    if (p->listen_fd >= 0)
        close(p->listen_fd);
    if (p->stop_fd >= 0)
        close(p->stop_fd);
    if (p->epfd >= 0)
        close(p->epfd);
    free(p);
}
