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
    in->wait_for_ready = from->wait_for_ready;
    in->cancel = (sc_client_cancel_plan){cancel_kind(from->cancel.kind), from->cancel.n};
    in->reconnect = from->reconnect;
    in->policy = policy_of(&from->policy);
    in->channel = (sc_client_channel_opts){
        .max_receive_bytes = from->channel.max_receive_bytes,
        .initial_reconnect_backoff_ms = from->channel.initial_reconnect_backoff_ms,
        .min_reconnect_backoff_ms = from->channel.min_reconnect_backoff_ms,
        .max_reconnect_backoff_ms = from->channel.max_reconnect_backoff_ms,
        .no_bdp_probe = from->channel.no_bdp_probe,
    };
    for (size_t i = 0; i < from->n_md; i++)
        if (sc_md_list_add(&in->metadata, from->md[i].key, from->md[i].value, from->md[i].len) !=
            0) {
            snprintf(err, errlen, "metadata.%s: too many entries", from->md[i].key);
            return -1;
        }
    return 0;
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
    sc_md_list_free(&in->metadata);
    for (size_t i = 0; i < in->n_requests; i++)
        protobuf_c_message_free_unpacked(in->requests[i], NULL);
    free(in->requests);
    memset(in, 0, sizeof *in);
}
