/* streamconform peer-client: the client-driver protocol (docs/peer-protocol.md, "Client driver
 * protocol"). Instructions arrive as JSON lines on stdin; every instruction runs concurrently on
 * one sc_loop (one CQ, no thread per call) and its result line is written on completion. */
#include "sc_cli.h"
#include "sc_cli_peer_share.h"
#include "sc_cli_util.h"
#include "sc_client_call.h"
#include "sc_client_instr.h"
#include "sc_client_retry.h"
#include "sc_json.h"
#include "sc_line_reader.h"
#include "sc_log.h"
#include "sc_status.h"
#include "sc_time.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Requests queued ahead of the wire when there is no request_delay_ms. */
#define SC_PEER_SEND_AHEAD 64

typedef struct sc_peer_driver sc_peer_driver;

typedef struct sc_peer_job {
    sc_peer_driver *d;
    struct sc_peer_job *prev, *next;
    sc_client_instr in;
    int64_t start_ms;
    int response_encoding; /* the last attempt's (sc_encoding) */
    grpc_channel *channel; /* owned, or borrowed from `shared` */
    sc_peer_share *shared; /* channel.share: the shared channel's entry (a reference), or NULL */
    sc_client_call *call;  /* owned; the running attempt */
    sc_client_retry retry;
    sc_loop_timer send_timer;
    sc_loop_timer start_timer; /* start_delay_ms before the first attempt */
    int64_t attempt_start_ms;
    size_t next_request;
    size_t attempt_responses; /* responses of the running attempt (pingpong paces on them) */
    cJSON *responses;         /* owned array */
    cJSON *responses_ms;      /* owned array */
    int64_t headers_ms, first_response_ms, close_send_ms, status_ms;
    int code;
    char *message;     /* owned */
    char *start_error; /* owned: the first attempt could not start (an `error` result) */
    cJSON *headers;    /* owned */
    cJSON *trailers;
} sc_peer_job;

struct sc_peer_driver {
    sc_loop *loop;    /* owned */
    sc_peer_job jobs; /* sentinel of the live-job list */
    size_t live;
    sc_line_reader in; /* stdin */
    bool aborted;
    int abort_signal;
    sc_backoff_xorshift rng;
    sc_peer_shares shares; /* channels shared by name (channel.share) */
};

static volatile sig_atomic_t sc_peer_signal;

static void on_signal(int sig)
{
    sc_peer_signal = sig;
}

/* ---------------------------------------------------------------- output */

static void emit(cJSON *obj)
{
    char *text = cJSON_PrintUnformatted(obj);
    if (text != NULL) {
        fputs(text, stdout);
        fputc('\n', stdout);
        fflush(stdout);
    }
    free(text);
    cJSON_Delete(obj);
}

static void emit_error(const char *case_id, const char *err)
{
    cJSON *obj = cJSON_CreateObject();
    if (case_id != NULL)
        cJSON_AddStringToObject(obj, "case", case_id);
    else
        cJSON_AddNullToObject(obj, "case");
    cJSON_AddStringToObject(obj, "error", err);
    emit(obj);
}

static void add_ms(cJSON *obj, const char *name, int64_t ms)
{
    if (ms < 0)
        cJSON_AddNullToObject(obj, name);
    else
        cJSON_AddNumberToObject(obj, name, (double)ms);
}

static cJSON *status_json(int code, const char *message)
{
    cJSON *st = cJSON_CreateObject();
    const char *name = sc_status_name(code);
    cJSON_AddStringToObject(st, "code", name != NULL ? name : "UNKNOWN");
    cJSON_AddStringToObject(st, "message", message != NULL ? message : "");
    return st;
}

static cJSON *attempts_json(const sc_peer_job *j)
{
    cJSON *arr = cJSON_CreateArray();
    for (size_t i = 0; i < j->retry.recorded; i++) {
        const sc_client_attempt *a = &j->retry.attempts[i];
        cJSON *o = cJSON_CreateObject();
        add_ms(o, "start_ms", a->start_ms - j->start_ms);
        add_ms(o, "end_ms", a->end_ms < 0 ? -1 : a->end_ms - j->start_ms);
        const char *name = sc_status_name(a->code);
        cJSON_AddStringToObject(o, "code", name != NULL ? name : "UNKNOWN");
        if (a->pushback_ms != SC_RECONNECT_PUSHBACK_NONE)
            cJSON_AddNumberToObject(o, "pushback_ms",
                                    a->pushback_ms < 0 ? -1.0 : (double)a->pushback_ms);
        cJSON_AddItemToArray(arr, o);
    }
    return arr;
}

static cJSON *timings_json(sc_peer_job *j)
{
    cJSON *t = cJSON_CreateObject();
    add_ms(t, "headers_ms", j->headers_ms);
    add_ms(t, "first_response_ms", j->first_response_ms);
    cJSON_AddItemToObject(t, "responses_ms", j->responses_ms);
    j->responses_ms = NULL;
    add_ms(t, "close_send_ms", j->close_send_ms);
    add_ms(t, "status_ms", j->status_ms);
    return t;
}

static void emit_result(sc_peer_job *j)
{
    cJSON *obj = cJSON_CreateObject();
    cJSON_AddStringToObject(obj, "case", j->in.case_id);
    cJSON_AddItemToObject(obj, "status", status_json(j->code, j->message));
    cJSON_AddItemToObject(obj, "headers", j->headers ? j->headers : cJSON_CreateObject());
    cJSON_AddItemToObject(obj, "trailers", j->trailers ? j->trailers : cJSON_CreateObject());
    j->headers = j->trailers = NULL;
    cJSON_AddItemToObject(obj, "responses", j->responses);
    j->responses = NULL;
    cJSON_AddItemToObject(obj, "attempts", attempts_json(j));
    cJSON_AddItemToObject(obj, "timings", timings_json(j));
    /* issue 14: the last attempt's response encoding (client feature response-encoding) */
    const char *enc = sc_encoding_name((sc_encoding)j->response_encoding);
    cJSON_AddStringToObject(obj, "response_encoding", enc != NULL ? enc : "identity");
    emit(obj);
}

/* ---------------------------------------------------------------- jobs */

static void job_free(sc_peer_job *j)
{
    sc_peer_driver *d = j->d;
    j->prev->next = j->next;
    j->next->prev = j->prev;
    d->live--;
    sc_loop_timer_disarm(d->loop, &j->send_timer);
    sc_loop_timer_disarm(d->loop, &j->start_timer);
    if (j->call != NULL)
        sc_client_call_release(j->call);
    sc_client_retry_free(&j->retry);
    if (j->shared != NULL)
        sc_peer_share_release(&d->shares, j->shared);
    else if (j->channel != NULL)
        grpc_channel_destroy(j->channel);
    sc_client_instr_free(&j->in);
    cJSON_Delete(j->responses);
    cJSON_Delete(j->responses_ms);
    cJSON_Delete(j->headers);
    cJSON_Delete(j->trailers);
    free(j->message);
    free(j->start_error);
    free(j);
}

static void feed_requests(sc_peer_job *j);

static void on_send_timer(sc_loop_timer *t)
{
    sc_peer_job *j = SC_CONTAINER_OF(t, sc_peer_job, send_timer);
    feed_requests(j);
}

/* Send what is due (sc_client_flow_feed: everything a window at a time without request_delay_ms,
 * else request i at attempt start + i * delay) and half-close after the last one when the
 * instruction says so. */
static void feed_requests(sc_peer_job *j)
{
    if (j->call == NULL)
        return;
    const sc_client_feed_plan plan = {j->in.n_requests, j->in.request_delay_ms,
                                      j->in.half_close, SC_PEER_SEND_AHEAD,
                                      j->in.pingpong,   j->attempt_responses};
    sc_client_feed_step step =
        sc_client_flow_feed(&plan, j->next_request, sc_client_call_send_queued(j->call),
                            j->attempt_start_ms, sc_time_now_ms());
    for (size_t k = 0; k < step.send; k++) {
        if (sc_client_call_send(j->call, j->in.requests[j->next_request]) != 0)
            return; /* the call is over; its status says why */
        j->next_request++;
    }
    if (step.wake_at_ms >= 0 && sc_loop_timer_arm(j->d->loop, &j->send_timer, step.wake_at_ms) != 0)
        sc_client_call_cancel(j->call); /* cannot keep the delay: end the call */
    if (step.close)
        sc_client_call_close_send(j->call);
}

static void on_message(sc_client_call *call, ProtobufCMessage *msg, void *user)
{
    (void)call;
    sc_peer_job *j = user;
    int64_t t = sc_time_now_ms() - j->start_ms;
    char err[256];
    cJSON *json = sc_json_from_message(msg, err, sizeof err);
    protobuf_c_message_free_unpacked(msg, NULL);
    if (json == NULL)
        json = cJSON_CreateString(err); /* cannot happen for a parsed message; keep the count */
    cJSON_AddItemToArray(j->responses, json);
    cJSON_AddItemToArray(j->responses_ms, cJSON_CreateNumber((double)t));
    if (j->first_response_ms < 0)
        j->first_response_ms = t;
    j->attempt_responses++;
    if (j->in.pingpong)
        feed_requests(j); /* the reply the next request waited for */
}

static void on_headers(sc_client_call *call, void *user)
{
    sc_peer_job *j = user;
    if (j->headers_ms < 0)
        j->headers_ms = sc_client_call_result_get(call)->headers_ms - j->start_ms;
}

static void on_send_ready(sc_client_call *call, void *user)
{
    (void)call;
    feed_requests(user);
}

static void keep_attempt_result(sc_peer_job *j, const sc_client_call_result *r)
{
    j->code = r->code;
    free(j->message);
    j->message = strdup(r->message);
    cJSON_Delete(j->headers);
    cJSON_Delete(j->trailers);
    j->headers = sc_md_list_to_json(&r->headers);
    j->trailers = sc_md_list_to_json(&r->trailers);
    j->close_send_ms = r->close_send_ms < 0 ? -1 : r->close_send_ms - j->start_ms;
    j->status_ms = r->status_ms - j->start_ms;
    j->response_encoding = r->response_encoding;
}

static void on_done(sc_client_call *call, void *user)
{
    sc_peer_job *j = user;
    const sc_client_call_result *r = sc_client_call_result_get(call);
    keep_attempt_result(j, r);
    size_t responses = r->responses;
    int64_t pushback = sc_client_retry_pushback(&r->trailers);
    j->call = NULL;
    sc_client_call_release(call);
    sc_loop_timer_disarm(j->d->loop, &j->send_timer);
    sc_client_retry_attempt_ended(&j->retry, j->code, responses, pushback);
}

/* As in `call --reconnect`: after UNAVAILABLE a fresh channel, so the attempt really reconnects
 * instead of failing fast inside the old channel's own backoff. */
static int refresh_channel(sc_peer_job *j, char *err, size_t errlen)
{
    if (j->retry.count <= 1 || j->code != SC_STATUS_UNAVAILABLE || j->shared != NULL)
        return 0; /* a shared channel stays the one the case's calls share */
    grpc_channel *ch = sc_client_channel_create(j->in.target, &j->in.channel, err, errlen);
    if (ch == NULL)
        return -1;
    grpc_channel_destroy(j->channel); /* every call on it has been released */
    j->channel = ch;
    return 0;
}

static int start_attempt(sc_client_retry *retry, void *user)
{
    (void)retry;
    sc_peer_job *j = user;
    static const sc_client_call_handlers handlers = {
        .on_headers = on_headers,
        .on_message = on_message,
        .on_send_ready = on_send_ready,
        .on_done = on_done,
    };
    sc_client_call_opts opts = {
        .method = j->in.method,
        .path = j->in.path,
        .metadata = &j->in.metadata,
        .deadline_ms = j->in.timeout_ms,
        .wait_for_ready = j->in.wait_for_ready,
        .read_pause_ms = j->in.read_pause_ms,
        .cancel = j->in.cancel,
        .no_compress = j->in.compression.no_compress,
        .n_no_compress = j->in.compression.n_no_compress,
    };
    char err[256];
    if (refresh_channel(j, err, sizeof err) == 0)
        j->call =
            sc_client_call_start(j->d->loop, j->channel, &opts, &handlers, j, err, sizeof err);
    if (j->call == NULL) {
        free(j->message);
        j->message = strdup(err);
        j->code = SC_STATUS_INTERNAL;
        /* A driver-side failure to start the instruction is an `error` result
         * (docs/peer-protocol.md); a later attempt that cannot start ends the retries as a status.
         */
        if (j->retry.count <= 1 && j->start_error == NULL)
            j->start_error = strdup(err);
        return -1;
    }
    j->attempt_start_ms = sc_time_now_ms();
    j->next_request = 0;
    j->attempt_responses = 0;
    feed_requests(j);
    return 0;
}

static void on_finished(sc_client_retry *retry, void *user)
{
    (void)retry;
    sc_peer_job *j = user;
    if (j->start_error != NULL) {
        char err[320];
        snprintf(err, sizeof err, "(start): %s", j->start_error);
        emit_error(j->in.case_id, err);
    } else {
        emit_result(j);
    }
    job_free(j);
}

static void on_start_timer(sc_loop_timer *t)
{
    sc_peer_job *j = SC_CONTAINER_OF(t, sc_peer_job, start_timer);
    sc_client_retry_begin(&j->retry); /* a failed start still finishes (and reports) the job */
}

static sc_peer_job *job_new(sc_peer_driver *d)
{
    sc_peer_job *j = calloc(1, sizeof *j);
    if (j == NULL)
        return NULL;
    j->d = d;
    j->start_ms = sc_time_now_ms();
    j->headers_ms = j->first_response_ms = j->close_send_ms = j->status_ms = -1;
    j->code = -1;
    j->send_timer.fire = on_send_timer;
    j->start_timer.fire = on_start_timer;
    j->responses = cJSON_CreateArray();
    j->responses_ms = cJSON_CreateArray();
    j->next = d->jobs.next;
    j->prev = &d->jobs;
    d->jobs.next->prev = j;
    d->jobs.next = j;
    d->live++;
    return j;
}

static void run_line(sc_peer_driver *d, const char *line)
{
    char err[1024];
    sc_peer_job *j = job_new(d);
    if (j == NULL) {
        emit_error(NULL, "(line): out of memory");
        return;
    }
    if (sc_client_instr_parse(line, &j->in, err, sizeof err) != 0) {
        emit_error(j->in.case_id, err);
        job_free(j);
        return;
    }
    j->channel = j->in.share != NULL
                     ? sc_peer_share_take(&d->shares, j->in.share, j->in.target, &j->in.channel,
                                          &j->shared, err, sizeof err)
                     : sc_client_channel_create(j->in.target, &j->in.channel, err, sizeof err);
    if (j->channel == NULL) {
        emit_error(j->in.case_id, err);
        job_free(j);
        return;
    }
    sc_client_retry_init(&j->retry, d->loop, j->in.reconnect ? &j->in.policy : NULL,
                         sc_backoff_xorshift_next, &d->rng);
    j->retry.start_attempt = start_attempt;
    j->retry.on_finished = on_finished;
    j->retry.user = j;
    if (j->in.start_delay_ms > 0 &&
        sc_loop_timer_arm(d->loop, &j->start_timer, j->start_ms + j->in.start_delay_ms) == 0)
        return;                       /* (a timer that cannot be armed: start at once) */
    sc_client_retry_begin(&j->retry); /* a failed start still finishes (and reports) it */
}

/* ---------------------------------------------------------------- stdin */

static bool blank(const char *s)
{
    for (; *s != '\0'; s++)
        if (*s != ' ' && *s != '\t' && *s != '\r')
            return false;
    return true;
}

static void on_line(void *ctx, char *line)
{
    if (!blank(line))
        run_line(ctx, line);
}

static void on_overlong(void *ctx)
{
    (void)ctx;
    char err[96];
    snprintf(err, sizeof err, "(line): longer than %d bytes", SC_LINE_READER_MAX_LINE);
    emit_error(NULL, err);
}

static void poll_hook(void *ctx)
{
    sc_peer_driver *d = ctx;
    if (sc_peer_signal != 0) {
        d->aborted = true;
        d->abort_signal = sc_peer_signal;
        return;
    }
    sc_line_reader_turn(&d->in);
}

static bool driver_done(void *ctx)
{
    sc_peer_driver *d = ctx;
    return d->aborted || (d->in.eof && d->live == 0);
}

/* ---------------------------------------------------------------- main */

static int parse_args(int argc, char **argv)
{
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--verbose") == 0 || strcmp(argv[i], "-v") == 0) {
            sc_log_set_level(SC_LOG_DEBUG);
        } else if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            puts("usage: streamconform peer-client [--verbose]\n"
                 "reads one JSON instruction per line on stdin, writes one JSON result per\n"
                 "instruction on stdout in completion order (docs/peer-protocol.md, \"Client\n"
                 "driver protocol\"); exits 0 at EOF once every result is written.");
            return 1;
        } else {
            fprintf(stderr, "streamconform peer-client: unknown argument '%s' (see --help)\n",
                    argv[i]);
            return -1;
        }
    }
    return 0;
}

static void driver_free(sc_peer_driver *d)
{
    while (d->jobs.next != &d->jobs)
        job_free(d->jobs.next); /* releases calls: the loop drains them below */
    if (d->loop != NULL)
        sc_loop_destroy(d->loop);
    sc_line_reader_free(&d->in);
}

static int run_driver(void)
{
    sc_peer_driver d;
    memset(&d, 0, sizeof d);
    d.jobs.next = d.jobs.prev = &d.jobs;
    int in_rc = sc_line_reader_init(&d.in, STDIN_FILENO, on_line, on_overlong, &d);
    d.loop = sc_loop_create(SC_LOOP_CLIENT_TICK_MS);
    if (in_rc != 0 || d.loop == NULL) {
        fprintf(stderr, "streamconform peer-client: out of memory\n");
        driver_free(&d);
        return SC_CLI_EXIT_LOCAL;
    }
    sc_backoff_xorshift_seed(&d.rng, (uint64_t)sc_time_wall_ns());
    sc_loop_set_poll_hook(d.loop, poll_hook, &d);
    sc_loop_run_until(d.loop, driver_done, &d, -1); /* ends at EOF or on a signal */
    int rc = d.aborted ? 128 + d.abort_signal : SC_CLI_EXIT_OK;
    if (d.aborted)
        sc_log(SC_LOG_WARN, "peer-client", "aborted by signal %d with %zu instructions running",
               d.abort_signal, d.live);
    driver_free(&d);
    return rc;
}

int sc_cli_peer_client_main(int argc, char **argv)
{
    int prc = parse_args(argc, argv);
    if (prc != 0)
        return prc > 0 ? SC_CLI_EXIT_OK : SC_CLI_EXIT_USAGE;
    struct sigaction sa, old_term, old_int;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    sc_peer_signal = 0;
    sigaction(SIGTERM, &sa, &old_term);
    sigaction(SIGINT, &sa, &old_int);
    int rc = run_driver();
    sigaction(SIGTERM, &old_term, NULL);
    sigaction(SIGINT, &old_int, NULL);
    return rc;
}
