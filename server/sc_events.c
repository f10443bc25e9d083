#include "sc_events.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int sc_events_open(sc_events *ev, const char *path, int64_t origin_ms, char *err, size_t errlen)
{
    ev->out = NULL;
    ev->owns_out = false;
    ev->origin_ms = origin_ms;
    if (path == NULL)
        return 0;
    if (strcmp(path, "-") == 0) {
        ev->out = stdout;
        return 0;
    }
    ev->out = fopen(path, "w");
    if (ev->out == NULL) {
        snprintf(err, errlen, "--events %s: %s", path, strerror(errno));
        return -1;
    }
    ev->owns_out = true;
    return 0;
}

void sc_events_close(sc_events *ev)
{
    if (ev->out != NULL && ev->owns_out)
        fclose(ev->out);
    else if (ev->out != NULL)
        fflush(ev->out);
    ev->out = NULL;
}

void sc_events_emit(sc_events *ev, int64_t now_ms, sc_event event, cJSON *obj)
{
    if (!sc_events_enabled(ev)) {
        cJSON_Delete(obj);
        return;
    }
    cJSON *line = cJSON_CreateObject();
    cJSON_AddNumberToObject(line, "t_ms", (double)(now_ms - ev->origin_ms));
    cJSON_AddStringToObject(line, "event", sc_event_name(event));
    /* Move obj's members after the two leading keys. */
    while (obj != NULL && obj->child != NULL) {
        cJSON *item = cJSON_DetachItemViaPointer(obj, obj->child);
        cJSON_AddItemToObject(line, item->string, item);
    }
    cJSON_Delete(obj);
    char *text = cJSON_PrintUnformatted(line);
    if (text != NULL) {
        fprintf(ev->out, "%s\n", text);
        fflush(ev->out);
        free(text);
    }
    cJSON_Delete(line);
}

void sc_events_call_emit(sc_events *ev, int64_t now_ms, const sc_events_call *call, sc_event event,
                         cJSON *extra)
{
    if (!sc_events_enabled(ev)) {
        cJSON_Delete(extra);
        return;
    }
    cJSON *o = cJSON_CreateObject();
    cJSON_AddNumberToObject(o, "call", (double)call->id);
    if (call->case_id != NULL)
        cJSON_AddStringToObject(o, "case", call->case_id);
    else
        cJSON_AddNullToObject(o, "case");
    cJSON_AddStringToObject(o, "method", call->method);
    while (extra != NULL && extra->child != NULL) {
        cJSON *item = cJSON_DetachItemViaPointer(extra, extra->child);
        cJSON_AddItemToObject(o, item->string, item);
    }
    cJSON_Delete(extra);
    sc_events_emit(ev, now_ms, event, o);
}

cJSON *sc_events_call_start_fields(const char *peer, const sc_md_list *md, int64_t deadline_left_ms)
{
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "peer", peer ? peer : "");
    cJSON_AddItemToObject(o, "metadata", sc_md_list_to_json(md));
    if (deadline_left_ms == INT64_MAX)
        cJSON_AddNullToObject(o, "deadline_ms");
    else
        cJSON_AddNumberToObject(o, "deadline_ms", (double)deadline_left_ms);
    return o;
}

sc_event sc_events_cut_off_event(int64_t deadline_left_ms)
{
    return deadline_left_ms <= SC_EVENTS_DEADLINE_SLACK_MS ? SC_EVENT_DEADLINE_EXCEEDED
                                                           : SC_EVENT_CANCELLED;
}
