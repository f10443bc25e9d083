/* sc_scenario_needs: a scenario's needs from its content. See sc_scenario_needs.h. */
#include "sc_scenario_needs.h"
#include "sc_scenario_internal.h"

#include <stdio.h>
#include <string.h>

/* Does a client metadata key ask the server for something (a control key)? */
static bool is_control_key(const char *key)
{
    return (strncmp(key, "x-sc-", 5) == 0 && strcmp(key, "x-sc-case") != 0) ||
           strncmp(key, "x-grpc-test-echo-", 17) == 0;
}

static bool sets_control_key(const cJSON *client)
{
    const cJSON *md = sc_jget(client, "metadata");
    const cJSON *e = NULL;
    cJSON_ArrayForEach(e, md)
    {
        if (e->string != NULL && is_control_key(e->string))
            return true;
    }
    return false;
}

/* The DataService method a call of `s` (the main one or a companion) reaches on the server: the
 * scenario's, or the one its `client.path` names exactly; SC_METHOD_UNKNOWN for a path to a
 * method or service the server does not have (answered UNIMPLEMENTED: the call never reaches a
 * method's semantics, such as the Chat room). */
static sc_method reached_method(const sc_scenario *s, const cJSON *client)
{
    const char *path = sc_jget_string(client, "path");
    if (path == NULL)
        return s->method;
    sc_method m;
    if (path[0] == '/' && sc_method_parse(path, &m) && strcmp(path, sc_method_path(m)) == 0)
        return m;
    return SC_METHOD_UNKNOWN;
}

/* The parts of client.compression (issue 14) a scenario uses. */
static sc_feature_mask compression_client_needs(const cJSON *z)
{
    sc_feature_mask m = 0;
    if (z == NULL)
        return 0;
    if (sc_jget(z, "algorithm") != NULL)
        m |= SC_FEAT_BIT(SC_FEAT_CLIENT_COMPRESSION);
    if (cJSON_GetArraySize(sc_jget(z, "no_compress")) > 0)
        m |= SC_FEAT_BIT(SC_FEAT_NO_COMPRESS);
    if (sc_jget(z, "accept") != NULL)
        m |= SC_FEAT_BIT(SC_FEAT_ACCEPT_ENCODING);
    return m;
}

/* The server's compression (issue 14): x-sc-compress-responses needs "compression";
 * call_start.encoding and what each message was need "compression-events". */
static sc_feature_mask compression_needs(const sc_scenario *s)
{
    sc_feature_mask m = 0;
    if (sc_jget(s->control, "x-sc-compress-responses") != NULL)
        m |= SC_FEAT_BIT(SC_FEAT_SERVER_COMPRESSION);
    if (sc_jget(s->control, "x-sc-no-compress-responses") != NULL)
        m |= SC_FEAT_BIT(SC_FEAT_NO_COMPRESS_RESPONSES);
    if (s->ex.server.request_encoding >= 0 || s->ex.server.n_received_compressed >= 0 ||
        s->ex.server.n_sent_compressed >= 0)
        m |= SC_FEAT_BIT(SC_FEAT_COMPRESSION_EVENTS);
    return m;
}

/* Members of client.channel that are channel options proper ("channel"): service_config is a
 * feature of its own ("service-config"). */
static int channel_options(const cJSON *channel)
{
    static const char *const own[] = {"service_config",
                                      "tls",
                                      "keepalive_time_ms",
                                      "keepalive_timeout_ms",
                                      "keepalive_permit_without_calls",
                                      "share"};
    int n = cJSON_GetArraySize(channel);
    for (size_t i = 0; i < sizeof own / sizeof own[0]; i++)
        n -= sc_jget(channel, own[i]) != NULL;
    return n;
}

/* channel.keepalive_* ("keepalive") and channel.share ("share-channel"). */
static sc_feature_mask lifecycle_needs(const cJSON *channel)
{
    sc_feature_mask m = 0;
    if (sc_jget(channel, "keepalive_time_ms") != NULL ||
        sc_jget(channel, "keepalive_timeout_ms") != NULL ||
        sc_jget(channel, "keepalive_permit_without_calls") != NULL)
        m |= SC_FEAT_BIT(SC_FEAT_KEEPALIVE);
    if (sc_jget(channel, "share") != NULL)
        m |= SC_FEAT_BIT(SC_FEAT_SHARE_CHANNEL);
    return m;
}

/* The driver-protocol parts one client section uses. */
static sc_feature_mask client_needs(const sc_scenario *s)
{
    const cJSON *cl = s->client;
    sc_feature_mask m = 0;
    if (sc_jget(cl, "cancel") != NULL)
        m |= SC_FEAT_BIT(SC_FEAT_CANCEL);
    if (s->reconnect)
        m |= SC_FEAT_BIT(SC_FEAT_RECONNECT);
    if (s->honor_pushback)
        m |= SC_FEAT_BIT(SC_FEAT_PUSHBACK);
    if (sc_jget(cl, "path") != NULL)
        m |= SC_FEAT_BIT(SC_FEAT_PATH);
    const cJSON *channel = sc_jget(cl, "channel");
    bool tls = sc_jget(channel, "tls") != NULL;
    /* channel options other than service_config, tls, keepalive and share (features of their
     * own) */
    if (channel_options(channel) > 0)
        m |= SC_FEAT_BIT(SC_FEAT_CHANNEL);
    m |= lifecycle_needs(channel);
    if (sc_jget(channel, "service_config") != NULL)
        m |= SC_FEAT_BIT(SC_FEAT_SERVICE_CONFIG);
    if (tls)
        m |= SC_FEAT_BIT(SC_FEAT_CLIENT_TLS);
    if (sc_jget_int(cl, "read_pause_ms", 0) > 0)
        m |= SC_FEAT_BIT(SC_FEAT_READ_PAUSE);
    if (sc_jget_int(cl, "start_delay_ms", 0) > 0)
        m |= SC_FEAT_BIT(SC_FEAT_START_DELAY);
    if (sc_jget_int(cl, "request_delay_ms", 0) > 0)
        m |= SC_FEAT_BIT(SC_FEAT_REQUEST_DELAY);
    if (sc_jget_bool(cl, "wait_for_ready", false))
        m |= SC_FEAT_BIT(SC_FEAT_WAIT_FOR_READY);
    if (!sc_jget_bool(cl, "half_close", true))
        m |= SC_FEAT_BIT(SC_FEAT_KEEP_OPEN);
    if (sc_jget_bool(cl, "pingpong", false))
        m |= SC_FEAT_BIT(SC_FEAT_PINGPONG);
    m |= compression_client_needs(sc_jget(cl, "compression"));
    if (s->ex.response_encoding >= 0)
        m |= SC_FEAT_BIT(SC_FEAT_RESPONSE_ENCODING);
    return m;
}

sc_needs sc_scenario_needs(const sc_scenario *s)
{
    sc_needs n = {0, client_needs(s)};
    bool control = cJSON_GetArraySize(s->control) > 0 || sets_control_key(s->client);
    bool chat = reached_method(s, s->client) == SC_METHOD_CHAT;
    for (size_t i = 0; i < s->n_companions; i++) {
        n.client |= client_needs(s->companions[i]) | SC_FEAT_BIT(SC_FEAT_COMPANIONS);
        control = control || sets_control_key(s->companions[i]->client);
        chat = chat || reached_method(s, s->companions[i]->client) == SC_METHOD_CHAT;
    }
    if (s->script != NULL)
        return n; /* played by the engine's scripted server */
    if (control)
        n.server |= SC_FEAT_BIT(SC_FEAT_CONTROL);
    if (s->ex.server.given)
        n.server |= SC_FEAT_BIT(SC_FEAT_EVENTS);
    n.server |= compression_needs(s);
    if (chat)
        n.server |= SC_FEAT_BIT(SC_FEAT_CHAT_ROOM);
    if (s->has_server_options)
        n.server |= SC_FEAT_BIT(SC_FEAT_LIFECYCLE);
    if (s->has_server_options && s->shutdown_at_ms >= 0)
        n.server |= SC_FEAT_BIT(SC_FEAT_EVENTS); /* its clock starts at the call_start event */
    return n;
}

sc_feature_mask sc_needs_missing(const sc_needs *needs, sc_role role, sc_feature_mask has)
{
    sc_feature_mask want = role == SC_ROLE_SERVER ? needs->server : needs->client;
    return want & ~has & sc_feature_all(role);
}

/* "needs server feature 'control': mine declares none" (appended at out + *used). */
static void describe(char *out, size_t len, size_t *used, sc_role role, sc_feature_mask missing,
                     const char *name, sc_feature_mask has)
{
    int count = 0;
    char names[512] = "";
    size_t nu = 0;
    for (int f = 0; f < SC_FEAT_COUNT; f++) {
        if (!(missing & SC_FEAT_BIT(f)) || nu >= sizeof names)
            continue;
        int w = snprintf(names + nu, sizeof names - nu, "%s'%s'", count ? ", " : "",
                         sc_feature_name((sc_feature)f));
        nu += w > 0 ? (size_t)w : 0;
        count++;
    }
    char declared[512];
    sc_feature_list(has & sc_feature_all(role), declared, sizeof declared);
    if (*used < len) {
        int w = snprintf(out + *used, len - *used, "%sneeds %s feature%s %s: %s declares %s",
                         *used ? "; " : "", sc_role_name(role), count > 1 ? "s" : "", names, name,
                         declared);
        *used += w > 0 ? (size_t)w : 0;
    }
}

bool sc_needs_met(const sc_needs *needs, const char *server, sc_feature_mask server_has,
                  const char *client, sc_feature_mask client_has, char *why, size_t len)
{
    sc_feature_mask ms = sc_needs_missing(needs, SC_ROLE_SERVER, server_has);
    sc_feature_mask mc = sc_needs_missing(needs, SC_ROLE_CLIENT, client_has);
    size_t used = 0;
    if (len > 0)
        why[0] = '\0';
    if (ms != 0)
        describe(why, len, &used, SC_ROLE_SERVER, ms, server, server_has);
    if (mc != 0)
        describe(why, len, &used, SC_ROLE_CLIENT, mc, client, client_has);
    return ms == 0 && mc == 0;
}
