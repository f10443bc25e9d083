#include "sc_event_names.h"

#include <string.h>

static const char *const event_names[SC_EVENT_COUNT] = {
#define SC_EVENT_NAME(id, name) [SC_EVENT_##id] = name,
    SC_EVENT_NAMES(SC_EVENT_NAME)
#undef SC_EVENT_NAME
};

const char *sc_event_name(sc_event ev)
{
    if ((int)ev < 0 || ev >= SC_EVENT_COUNT)
        return "?";
    return event_names[ev];
}

int sc_event_from_name(const char *name)
{
    if (name == NULL)
        return -1;
    for (int i = 0; i < SC_EVENT_COUNT; i++)
        if (strcmp(event_names[i], name) == 0)
            return i;
    return -1;
}
