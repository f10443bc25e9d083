#include "sc_client_instr.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static sc_client_cancel_kind cancel_kind(sc_instr_cancel_kind k)
{
    switch (k) {
    case SC_INSTR_CANCEL_BEFORE_SEND:
        return SC_CANCEL_BEFORE_SEND;
    case SC_INSTR_CANCEL_AFTER_RESPONSES:
        return SC_CANCEL_AFTER_RESPONSES;
    case SC_INSTR_CANCEL_AFTER_MS:
        return SC_CANCEL_AFTER_MS;
    case SC_INSTR_CANCEL_AFTER_CLOSE_SEND_MS:
        return SC_CANCEL_AFTER_CLOSE_SEND_MS;
    case SC_INSTR_CANCEL_NONE:
    default:
        return SC_CANCEL_NONE;
    }
}

static sc_reconnect_policy policy_of(const sc_instr_policy *p)
{
    sc_reconnect_policy r = sc_reconnect_policy_default();
    r.backoff.initial_ms = p->initial_ms;
    r.backoff.multiplier = p->multiplier;
    r.backoff.jitter = p->jitter;
    r.backoff.max_ms = p->max_ms;
    r.exhausted_backoff_ms = p->exhausted_backoff_ms;
    r.max_attempts = p->max_attempts;
    r.retry_codes = p->retry_codes;
    r.honor_pushback = p->honor_pushback;
    return r;
}

/* Largest TCP port: the C core takes 99999 modulo 65536 and connects to another port. */
#define SC_INSTR_PORT_MAX 65535
#define SC_INSTR_PORT_MAX_TEXT "65535"

/* Schemes whose targets the library parses itself (C core 1.51's resolvers). */
static bool has_scheme(const char *target)
{
    static const char *schemes[] = {"dns:", "unix:", "unix-abstract:", "ipv4:", "ipv6:"};
    for (size_t i = 0; i < sizeof schemes / sizeof schemes[0]; i++)
        if (strncmp(target, schemes[i], strlen(schemes[i])) == 0)
            return true;
    return false;
}

/* A port of 1..SC_INSTR_PORT_MAX in decimal digits. */
static bool valid_port(const char *p)
{
    long port = 0;
    if (*p == '\0')
        return false;
    for (; *p != '\0'; p++) {
        if (*p < '0' || *p > '9' || port > SC_INSTR_PORT_MAX)
            return false;
        port = port * 10 + (*p - '0');
    }
    return port >= 1 && port <= SC_INSTR_PORT_MAX;
}

/* HOST:PORT (IPv6 in brackets) or a URI of a scheme the library knows. The C core accepts any
 * string and fails later, or connects elsewhere (port 99999 -> 34463; no port -> port 0): such a
 * target is a driver-side failure to start, an `error` result (docs/peer-protocol.md). */
static int check_target(const char *target, char *err, size_t errlen)
{
    if (has_scheme(target))
        return 0;
    const char *colon = strrchr(target, ':');
    size_t host_len = colon != NULL ? (size_t)(colon - target) : 0;
    bool bracketed = host_len > 2 && target[0] == '[' && target[host_len - 1] == ']';
    const char *why = NULL;
    if (colon == NULL || host_len == 0)
        why = "expected HOST:PORT (or a URI such as dns:///HOST:PORT)";
    else if (!bracketed && (target[0] == '[' || memchr(target, ':', host_len) != NULL))
        why = "an IPv6 host goes in brackets, such as [::1]:50051";
    else if (!valid_port(colon + 1))
        why = "the port must be a number from 1 to " SC_INSTR_PORT_MAX_TEXT;
    if (why == NULL)
        return 0;
    snprintf(err, errlen, "target: \"%.200s\": %s", target, why);
    return -1;
}

/* gRPC carries a text (non -bin) metadata value as printable ASCII only; the C core refuses the
 * whole call otherwise ("cannot start the call"). */
static int check_md_value(const char *key, const unsigned char *value, size_t len, char *err,
                          size_t errlen)
{
    if (sc_md_key_is_binary(key))
        return 0;
    for (size_t i = 0; i < len; i++) {
        if (value[i] < 0x20 || value[i] > 0x7e) {
            snprintf(err, errlen,
                     "metadata.%s: byte %zu (0x%02x) is not printable ASCII (0x20-0x7e); use a "
                     "-bin key for other bytes",
                     key, i, value[i]);
            return -1;
        }
    }
    return 0;
}

/* Take over the parsed instruction's owned parts; `from` is left empty. */
static int convert(sc_instr *from, sc_client_instr *in, char *err, size_t errlen)
{
    in->case_id = from->case_id;
    in->target = from->target;
    in->method = from->method;
    in->path = from->path;
    in->requests = from->requests;
    in->n_requests = from->n_requests;
    from->case_id = from->target = from->path = NULL;
    from->requests = NULL;
    from->n_requests = 0;
    in->timeout_ms = from->timeout_ms;
    in->start_delay_ms = from->start_delay_ms;
    in->read_pause_ms = from->read_pause_ms;
    in->request_delay_ms = from->request_delay_ms;
    in->half_close = from->half_close;
    in->pingpong = from->pingpong;
    in->wait_for_ready = from->wait_for_ready;
    in->cancel = (sc_client_cancel_plan){cancel_kind(from->cancel.kind), from->cancel.n};
    in->reconnect = from->reconnect;
    in->policy = policy_of(&from->policy);
    in->channel = (sc_client_channel_opts){
        .max_receive_bytes = from->channel.max_receive_bytes,
        .max_send_bytes = from->channel.max_send_bytes,
        .initial_reconnect_backoff_ms = from->channel.initial_reconnect_backoff_ms,
        .min_reconnect_backoff_ms = from->channel.min_reconnect_backoff_ms,
        .max_reconnect_backoff_ms = from->channel.max_reconnect_backoff_ms,
        .no_bdp_probe = from->channel.no_bdp_probe,
        .keepalive_time_ms = from->channel.keepalive.time_ms,
        .keepalive_timeout_ms = from->channel.keepalive.timeout_ms,
        .keepalive_permit_without_calls = from->channel.keepalive.permit_without_calls,
    };
    in->share = from->channel.share; /* taken over */
    from->channel.share = NULL;
    in->service_config = from->channel.service_config; /* taken over */
    from->channel.service_config = NULL;
    in->channel.service_config = in->service_config;
    in->tls = from->channel.tls; /* taken over: the channel options borrow its strings */
    memset(&from->channel.tls, 0, sizeof from->channel.tls);
    in->channel.tls_ca_file = in->tls.ca_file;
    in->channel.tls_cert_file = in->tls.cert_file;
    in->channel.tls_key_file = in->tls.key_file;
    in->channel.authority = in->tls.authority;
    in->compression = from->compression; /* taken over */
    memset(&from->compression, 0, sizeof from->compression);
    in->channel.compression = in->compression.given ? (int)in->compression.algorithm : 0;
    in->channel.accept_encodings = in->compression.has_accept ? in->compression.accept : 0;
    for (size_t i = 0; i < from->md.count; i++) {
        const sc_md_entry *m = &from->md.items[i];
        if (check_md_value(m->key, m->value, m->value_len, err, errlen) != 0)
            return -1;
        if (sc_md_list_add(&in->metadata, m->key, m->value, m->value_len) != 0) {
            snprintf(err, errlen, "metadata.%s: too many entries", m->key);
            return -1;
        }
    }
    return check_target(in->target, err, errlen);
}

int sc_client_instr_parse(const char *line, sc_client_instr *in, char *err, size_t errlen)
{
    memset(in, 0, sizeof *in);
    sc_instr parsed;
    int rc = sc_instr_parse(line, &parsed, err, errlen);
    if (rc != 0) {
        in->case_id = parsed.case_id; /* the error result carries it */
        parsed.case_id = NULL;
    } else {
        rc = convert(&parsed, in, err, errlen);
    }
    sc_instr_free(&parsed);
    return rc;
}

void sc_client_instr_free(sc_client_instr *in)
{
    free(in->case_id);
    free(in->target);
    free(in->path);
    free(in->service_config);
    free(in->share);
    sc_instr_tls_free(&in->tls);
    sc_instr_compression_free(&in->compression);
    sc_md_list_free(&in->metadata);
    for (size_t i = 0; i < in->n_requests; i++)
        protobuf_c_message_free_unpacked(in->requests[i], NULL);
    free(in->requests);
    memset(in, 0, sizeof *in);
}
