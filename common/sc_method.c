#include "sc_method.h"

#include "streaming.pb-c.h"

#include <string.h>

static const sc_method_info sc_methods[SC_METHOD_COUNT] = {
    [SC_METHOD_GET] = {"get", "GetData", "/streaming.DataService/GetData", false, false,
                       &streaming__stream_request__descriptor,
                       &streaming__stream_response__descriptor},
    [SC_METHOD_SUBSCRIBE] = {"subscribe", "SubscribeData", "/streaming.DataService/SubscribeData",
                             false, true, &streaming__stream_request__descriptor,
                             &streaming__stream_response__descriptor},
    [SC_METHOD_UPLOAD] = {"upload", "UploadFile", "/streaming.DataService/UploadFile", true, false,
                          &streaming__upload_request__descriptor,
                          &streaming__upload_response__descriptor},
    [SC_METHOD_CHAT] = {"chat", "Chat", "/streaming.DataService/Chat", true, true,
                        &streaming__chat_message__descriptor, &streaming__chat_message__descriptor},
};

const sc_method_info *sc_method_get(sc_method m)
{
    if ((int)m < 0 || m >= SC_METHOD_COUNT)
        return NULL;
    return &sc_methods[m];
}

bool sc_method_parse(const char *text, sc_method *m)
{
    if (text == NULL)
        return false;
    for (int i = 0; i < SC_METHOD_COUNT; i++) {
        const sc_method_info *info = &sc_methods[i];
        if (strcmp(text, info->cli_name) == 0 || strcmp(text, info->rpc_name) == 0 ||
            strcmp(text, info->path) == 0) {
            *m = (sc_method)i;
            return true;
        }
    }
    return false;
}

const char *sc_method_name(sc_method m)
{
    const sc_method_info *info = sc_method_get(m);
    return info ? info->rpc_name : "unknown";
}

const char *sc_method_path(sc_method m)
{
    const sc_method_info *info = sc_method_get(m);
    return info ? info->path : NULL;
}

const ProtobufCMessageDescriptor *sc_method_request_desc(sc_method m)
{
    const sc_method_info *info = sc_method_get(m);
    return info ? info->request : NULL;
}
