/* sc_proxy_fault: the proxy's names for the fault list. The list, its limits and its parser are
 * the scenario contract's (contract/sc_fault: the engine checks a scenario's `faults` with the
 * same parser); this header only gives them the proxy's names, plus the direction of bytes that
 * the proxy's decisions (sc_proxy_flow) use. */
#ifndef SC_PROXY_FAULT_H
#define SC_PROXY_FAULT_H

#include "sc_fault.h"

#define SC_PROXY_MAX_FAULTS SC_FAULT_MAX_FAULTS
#define SC_PROXY_MAX_MS SC_FAULT_MAX_MS
#define SC_PROXY_MAX_BYTES SC_FAULT_MAX_BYTES
#define SC_PROXY_MAX_FAULTS_TEXT SC_FAULT_MAX_TEXT

typedef sc_fault_type sc_proxy_fault_type;
typedef sc_fault sc_proxy_fault;
typedef sc_fault_list sc_proxy_faults;
typedef sc_fault_trigger sc_proxy_trigger;

/* Direction of bytes: up = client -> server, down = server -> client. */
typedef enum { SC_PROXY_UP = 0, SC_PROXY_DOWN = 1 } sc_proxy_dir;

/* Which directions a fault concerns (bit 1 << sc_proxy_dir). */
enum {
    SC_PROXY_DIR_UP = SC_FAULT_DIR_UP,
    SC_PROXY_DIR_DOWN = SC_FAULT_DIR_DOWN,
    SC_PROXY_DIR_BOTH = SC_FAULT_DIR_BOTH
};

#define SC_TRIGGER_NONE SC_FAULT_TRIGGER_NONE
#define SC_TRIGGER_AT_MS SC_FAULT_TRIGGER_AT_MS
#define SC_TRIGGER_AT_CASE_MS SC_FAULT_TRIGGER_AT_CASE_MS
#define SC_TRIGGER_AFTER_BYTES SC_FAULT_TRIGGER_AFTER_BYTES

/* Parse a fault list from JSON text (sc_fault_list_parse). */
static inline int sc_proxy_faults_parse(const char *text, sc_proxy_faults *out, char *err,
                                        size_t errlen)
{
    return sc_fault_list_parse(text, out, err, errlen);
}

/* The same from a parsed cJSON value (sc_fault_list_from_json). */
static inline int sc_proxy_faults_from_json(const cJSON *json, const char *path,
                                            sc_proxy_faults *out, char *err, size_t errlen)
{
    return sc_fault_list_from_json(json, path, out, err, errlen);
}

static inline const char *sc_proxy_fault_type_name(sc_proxy_fault_type type)
{
    return sc_fault_type_name(type);
}

static inline bool sc_proxy_fault_is_action(sc_proxy_fault_type type)
{
    return sc_fault_is_action(type);
}

#endif
