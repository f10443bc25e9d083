/* sc_feature: the feature vocabulary. See sc_feature.h. */
#include "sc_feature.h"

#include <stdio.h>
#include <string.h>

typedef struct {
    sc_role role;
    const char *name;
    const char *meaning;
} feature_row;

static const feature_row rows[SC_FEAT_COUNT] = {
#define SC_FEATURE_ROW(id, role, name, meaning) [SC_FEAT_##id] = {role, name, meaning},
    SC_FEATURES(SC_FEATURE_ROW)
#undef SC_FEATURE_ROW
};

static bool valid(sc_feature f)
{
    return (int)f >= 0 && f < SC_FEAT_COUNT;
}

const char *sc_feature_name(sc_feature f)
{
    return valid(f) ? rows[f].name : "?";
}

const char *sc_feature_meaning(sc_feature f)
{
    return valid(f) ? rows[f].meaning : "?";
}

sc_role sc_feature_role(sc_feature f)
{
    return valid(f) ? rows[f].role : SC_ROLE_SERVER;
}

const char *sc_role_name(sc_role role)
{
    return role == SC_ROLE_CLIENT ? "client" : role == SC_ROLE_APP ? "app" : "server";
}

int sc_feature_by_name(sc_role role, const char *name)
{
    for (int f = 0; name != NULL && f < SC_FEAT_COUNT; f++)
        if (rows[f].role == role && strcmp(rows[f].name, name) == 0)
            return f;
    return -1;
}

sc_feature_mask sc_feature_all(sc_role role)
{
    sc_feature_mask m = 0;
    for (int f = 0; f < SC_FEAT_COUNT; f++)
        if (rows[f].role == role)
            m |= SC_FEAT_BIT(f);
    return m;
}

/* Append ", name" (or "name" first) to out. */
static void append_name(char *out, size_t len, size_t *used, const char *name)
{
    if (*used >= len)
        return;
    int n = snprintf(out + *used, len - *used, "%s%s", *used > 0 ? ", " : "", name);
    *used += n > 0 ? (size_t)n : 0;
}

void sc_feature_list(sc_feature_mask mask, char *out, size_t len)
{
    size_t used = 0;
    if (len == 0)
        return;
    out[0] = '\0';
    for (int f = 0; f < SC_FEAT_COUNT; f++)
        if (mask & SC_FEAT_BIT(f))
            append_name(out, len, &used, rows[f].name);
    if (used == 0)
        snprintf(out, len, "none");
}

void sc_feature_known(sc_role role, char *out, size_t len)
{
    sc_feature_list(sc_feature_all(role), out, len);
}
