#include "sc_transport.h"
#include "sc_jcheck.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const names[SC_TRANSPORT_COUNT] = {"plaintext", "tls", "mtls"};

const char *sc_transport_name(sc_transport t)
{
    return (unsigned)t < SC_TRANSPORT_COUNT ? names[t] : "?";
}

bool sc_transport_parse(const char *name, sc_transport *out)
{
    for (int i = 0; i < SC_TRANSPORT_COUNT; i++) {
        if (strcmp(name, names[i]) == 0) {
            *out = (sc_transport)i;
            return true;
        }
    }
    return false;
}

int sc_transport_parse_list(const char *text, unsigned *mask, char *err, size_t errlen)
{
    *mask = 0;
    const char *p = text;
    while (*p != '\0') {
        const char *comma = strchr(p, ',');
        size_t n = comma != NULL ? (size_t)(comma - p) : strlen(p);
        char word[16];
        sc_transport t;
        if (n == 0 || n >= sizeof word) {
            snprintf(err, errlen, "unknown transport \"%.*s\" (known: plaintext, tls, mtls)",
                     (int)(n > 32 ? 32 : n), p);
            return -1;
        }
        memcpy(word, p, n);
        word[n] = '\0';
        if (!sc_transport_parse(word, &t)) {
            snprintf(err, errlen, "unknown transport \"%s\" (known: plaintext, tls, mtls)", word);
            return -1;
        }
        *mask |= SC_TRANSPORT_BIT(t);
        p += n + (comma != NULL ? 1 : 0);
    }
    if (*mask == 0) {
        snprintf(err, errlen, "empty (known: plaintext, tls, mtls)");
        return -1;
    }
    return 0;
}

char *sc_transport_column(const char *server, sc_transport t)
{
    size_t n = strlen(server) + 16;
    char *out = malloc(n);
    if (out == NULL)
        return NULL;
    if (t == SC_TRANSPORT_PLAINTEXT)
        snprintf(out, n, "%s", server);
    else
        snprintf(out, n, "%s%c%s", server, SC_TRANSPORT_SEP, sc_transport_name(t));
    return out;
}

sc_transport sc_transport_of_column(const char *column, size_t *base_len)
{
    const char *sep = strrchr(column, SC_TRANSPORT_SEP);
    sc_transport t = SC_TRANSPORT_PLAINTEXT;
    if (sep != NULL && sc_transport_parse(sep + 1, &t) && t != SC_TRANSPORT_PLAINTEXT) {
        *base_len = (size_t)(sep - column);
        return t;
    }
    *base_len = strlen(column);
    return SC_TRANSPORT_PLAINTEXT;
}

char *sc_transport_base_id(const char *case_id)
{
    const char *arrow = strstr(case_id, "->");
    if (arrow == NULL)
        return NULL;
    size_t base = 0;
    if (sc_transport_of_column(arrow + 2, &base) == SC_TRANSPORT_PLAINTEXT)
        return NULL;
    return strndup(case_id, (size_t)(arrow + 2 - case_id) + base);
}

size_t sc_transport_server_args(sc_transport t, const sc_tls_material *m, const char **out)
{
    size_t n = 0;
    if (t == SC_TRANSPORT_PLAINTEXT)
        return 0;
    out[n++] = "--tls-cert";
    out[n++] = m->server_cert;
    out[n++] = "--tls-key";
    out[n++] = m->server_key;
    if (t == SC_TRANSPORT_MTLS) {
        out[n++] = "--tls-client-ca";
        out[n++] = m->ca_cert;
    }
    return n;
}

void sc_transport_placeholder(sc_tls_material *m, const char *dir)
{
    memset(m, 0, sizeof *m);
    snprintf(m->dir, sizeof m->dir, "%.200s", dir);
    snprintf(m->ca_cert, sizeof m->ca_cert, "%.200s/ca.pem", dir);
    snprintf(m->server_cert, sizeof m->server_cert, "%.200s/server.pem", dir);
    snprintf(m->server_key, sizeof m->server_key, "%.200s/server.key", dir);
    snprintf(m->client_cert, sizeof m->client_cert, "%.200s/client.pem", dir);
    snprintf(m->client_key, sizeof m->client_key, "%.200s/client.key", dir);
    snprintf(m->other_ca_cert, sizeof m->other_ca_cert, "%.200s/other-ca.pem", dir);
}

int sc_transport_check_spec(const cJSON *tls, const char *path, char *err, size_t errlen)
{
    static const sc_jfield fields[] = {
        {.key = "ca", .types = SC_JT_STRING | SC_JT_NULL},
        {.key = "client_cert", .types = SC_JT_BOOL | SC_JT_NULL},
        {.key = "authority", .types = SC_JT_STRING | SC_JT_NULL},
    };
    sc_jspec spec = SC_JSPEC(fields);
    if (sc_jcheck_object(tls, path, &spec, err, errlen) != 0)
        return -1;
    const char *ca = sc_jget_string(tls, "ca");
    if (ca != NULL && strcmp(ca, "run") != 0 && strcmp(ca, "other") != 0) {
        snprintf(err, errlen,
                 "%s.ca: expected \"run\" (the run's CA) or \"other\" (an unrelated "
                 "CA), got \"%.64s\"",
                 path, ca);
        return -1;
    }
    const char *authority = sc_jget_string(tls, "authority");
    if (authority != NULL &&
        (authority[0] == '\0' || strpbrk(authority, " /@") != NULL || strlen(authority) > 253)) {
        snprintf(err, errlen,
                 "%s.authority: expected a host name (no spaces, '/' or '@', at "
                 "most 253 bytes)",
                 path);
        return -1;
    }
    return 0;
}

/* The concrete channel.tls of transport t for the symbolic spec (NULL: the defaults). */
static cJSON *concrete(const cJSON *spec, sc_transport t, const sc_tls_material *m)
{
    const char *ca = sc_jget_string(spec, "ca");
    bool other = ca != NULL && strcmp(ca, "other") == 0;
    bool cert = sc_jget_bool(spec, "client_cert", t == SC_TRANSPORT_MTLS);
    const char *authority = sc_jget_string(spec, "authority");
    cJSON *o = cJSON_CreateObject();
    if (o == NULL ||
        cJSON_AddStringToObject(o, "ca_file", other ? m->other_ca_cert : m->ca_cert) == NULL ||
        (cert && cJSON_AddStringToObject(o, "cert_file", m->client_cert) == NULL) ||
        (cert && cJSON_AddStringToObject(o, "key_file", m->client_key) == NULL) ||
        (authority != NULL && cJSON_AddStringToObject(o, "authority", authority) == NULL)) {
        cJSON_Delete(o);
        return NULL;
    }
    return o;
}

int sc_transport_apply(cJSON *instr, sc_transport t, const sc_tls_material *m)
{
    cJSON *channel = cJSON_GetObjectItemCaseSensitive(instr, "channel");
    cJSON *spec = channel != NULL ? cJSON_DetachItemFromObjectCaseSensitive(channel, "tls") : NULL;
    int rc = 0;
    if (t != SC_TRANSPORT_PLAINTEXT) {
        if (channel == NULL || cJSON_IsNull(channel)) {
            cJSON_DeleteItemFromObjectCaseSensitive(instr, "channel");
            channel = cJSON_AddObjectToObject(instr, "channel");
        }
        cJSON *tls = channel != NULL ? concrete(spec, t, m) : NULL;
        if (tls == NULL || !cJSON_AddItemToObject(channel, "tls", tls)) {
            cJSON_Delete(tls);
            rc = -1;
        }
    }
    cJSON_Delete(spec);
    return rc;
}

int sc_transport_scenario_mask(const cJSON *transports, bool has_tls_spec, const char *path,
                               unsigned *mask, char *err, size_t errlen)
{
    unsigned secure = SC_TRANSPORT_BIT(SC_TRANSPORT_TLS) | SC_TRANSPORT_BIT(SC_TRANSPORT_MTLS);
    if (transports == NULL || cJSON_IsNull(transports)) {
        *mask = has_tls_spec ? secure : SC_TRANSPORT_ALL;
        return 0;
    }
    int n = cJSON_GetArraySize(transports);
    if (!cJSON_IsArray(transports) || n < 1 || n > SC_TRANSPORT_COUNT) {
        snprintf(err, errlen, "%s: expected an array of 1 to 3 of \"plaintext\", \"tls\", \"mtls\"",
                 path);
        return -1;
    }
    *mask = 0;
    for (int i = 0; i < n; i++) {
        const cJSON *e = cJSON_GetArrayItem(transports, i);
        sc_transport t;
        if (!cJSON_IsString(e) || !sc_transport_parse(e->valuestring, &t)) {
            snprintf(err, errlen, "%s[%d]: expected \"plaintext\", \"tls\" or \"mtls\"", path, i);
            return -1;
        }
        if (*mask & SC_TRANSPORT_BIT(t)) {
            snprintf(err, errlen, "%s[%d]: \"%s\" given twice", path, i, e->valuestring);
            return -1;
        }
        *mask |= SC_TRANSPORT_BIT(t);
    }
    if (has_tls_spec && (*mask & SC_TRANSPORT_BIT(SC_TRANSPORT_PLAINTEXT))) {
        snprintf(err, errlen,
                 "%s: \"plaintext\" with client.channel.tls (TLS material means "
                 "nothing over plaintext)",
                 path);
        return -1;
    }
    return 0;
}
