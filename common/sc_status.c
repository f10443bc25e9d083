#include "sc_status.h"

#include <stdlib.h>
#include <strings.h>

static const struct {
    int code;
    const char *name;
    const char *meaning;
} sc_status_table[] = {
#define SC_STATUS_ROW(num, name, msg) {num, #name, msg},
    SC_STATUS_MAP(SC_STATUS_ROW)
#undef SC_STATUS_ROW
};

const char *sc_status_name(int code)
{
    if (code < 0 || code >= SC_STATUS_COUNT)
        return NULL;
    return sc_status_table[code].name;
}

const char *sc_status_meaning(int code)
{
    if (code < 0 || code >= SC_STATUS_COUNT)
        return NULL;
    return sc_status_table[code].meaning;
}

static bool parse_decimal_code(const char *text, int *code)
{
    if (*text < '0' || *text > '9')
        return false;
    char *end = NULL;
    long v = strtol(text, &end, 10);
    if (*end != '\0' || v < 0 || v >= SC_STATUS_COUNT)
        return false;
    *code = (int)v;
    return true;
}

bool sc_status_parse(const char *text, int *code)
{
    if (text == NULL || *text == '\0')
        return false;
    if (parse_decimal_code(text, code))
        return true;
    for (int i = 0; i < SC_STATUS_COUNT; i++) {
        if (strcasecmp(text, sc_status_table[i].name) == 0) {
            *code = sc_status_table[i].code;
            return true;
        }
    }
    return false;
}
