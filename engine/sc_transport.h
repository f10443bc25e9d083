/* sc_transport: the transport axis of a run (`run --transport plaintext,tls,mtls`, issue 14).
 *
 * A server implementation runs once per transport of the run, as its own column: "c" over
 * plaintext, "c+tls" over TLS, "c+mtls" over TLS with a required client certificate; case ids
 * follow ("get/happy/basic@go->c+tls"), so filters, known lists, `show` and the reports need
 * nothing new. A TLS column's server is started with --tls-cert/--tls-key (and --tls-client-ca
 * for mTLS) pointing at the run's generated material (common/sc_tls_certs), and every
 * instruction of its cases gets channel.tls (docs/peer-protocol.md) pointing at the same files.
 *
 * A scenario chooses its TLS material symbolically in client.channel.tls:
 *   {"ca": "run" | "other", "client_cert": true | false, "authority": "NAME"}
 * ("other": an unrelated CA, the wrong-CA cases; client_cert defaults to the transport: true
 * under mtls, false under tls), and the transports it runs on with "transports". Pure: no I/O. */
#ifndef SC_TRANSPORT_H
#define SC_TRANSPORT_H

#include "sc_tls_certs.h"

#include <cjson/cJSON.h>
#include <stdbool.h>
#include <stddef.h>

typedef enum {
    SC_TRANSPORT_PLAINTEXT = 0,
    SC_TRANSPORT_TLS = 1,  /* server authentication only */
    SC_TRANSPORT_MTLS = 2, /* the server requires a client certificate by the run's CA */
} sc_transport;
#define SC_TRANSPORT_COUNT 3
#define SC_TRANSPORT_BIT(t) (1u << (unsigned)(t))
#define SC_TRANSPORT_ALL (SC_TRANSPORT_BIT(SC_TRANSPORT_COUNT) - 1u)
/* What sets the column name apart: "c" + "+" + "tls". */
#define SC_TRANSPORT_SEP '+'
/* Server arguments a transport adds: --tls-cert F --tls-key F --tls-client-ca F. */
#define SC_TRANSPORT_MAX_ARGS 6

/* "plaintext", "tls", "mtls". */
const char *sc_transport_name(sc_transport t);
/* The transport named `name`; false for an unknown name. */
bool sc_transport_parse(const char *name, sc_transport *out);
/* A comma-separated list ("plaintext,tls") into a mask. 0, or -1 with "unknown transport \"x\"
 * (known: plaintext, tls, mtls)" or "empty" in err. */
int sc_transport_parse_list(const char *text, unsigned *mask, char *err, size_t errlen);

/* The column name of `server` over `t`: the name itself for plaintext, "NAME+tls" otherwise.
 * Caller frees; NULL when out of memory. */
char *sc_transport_column(const char *server, sc_transport t);
/* The transport a column name ends with ("c+mtls" -> mtls; "c" -> plaintext), and the length of
 * the server name before it. */
sc_transport sc_transport_of_column(const char *column, size_t *base_len);
/* The case id without the column's transport ("s@go->c+tls" -> "s@go->c"); NULL for a
 * plaintext id or out of memory. Caller frees. For known lists: an entry without a transport
 * holds for every transport. */
char *sc_transport_base_id(const char *case_id);

/* The server arguments of `t` (borrowed from `m`) into out[SC_TRANSPORT_MAX_ARGS]; how many. */
size_t sc_transport_server_args(sc_transport t, const sc_tls_material *m, const char **out);

/* Material with the file names only, in `dir` (no file made): what the loader validates
 * instructions with and `show` prints. */
void sc_transport_placeholder(sc_tls_material *m, const char *dir);

/* Check a scenario's symbolic client.channel.tls at `path`. 0, or -1 with "<path>.<key>: reason"
 * in err. */
int sc_transport_check_spec(const cJSON *tls, const char *path, char *err, size_t errlen);

/* Give the instruction `instr` (a driver instruction object, changed in place) the channel.tls of
 * transport `t` with material `m`, following the symbolic channel.tls it carries from its
 * scenario (which is replaced). Plaintext: channel.tls removed. 0, or -1 when out of memory. */
int sc_transport_apply(cJSON *instr, sc_transport t, const sc_tls_material *m);

/* A scenario's transports: the "transports" member (an array of names, checked at `path`), or
 * the default: every transport, but tls and mtls only for a client with channel.tls (its
 * material means nothing over plaintext). 0, or -1 with a message. */
int sc_transport_scenario_mask(const cJSON *transports, bool has_tls_spec, const char *path,
                               unsigned *mask, char *err, size_t errlen);

#endif
