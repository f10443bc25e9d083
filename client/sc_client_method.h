/* sc_client_method: the four DataService methods (path, streaming shape, message types). */
#ifndef SC_CLIENT_METHOD_H
#define SC_CLIENT_METHOD_H

#include <protobuf-c/protobuf-c.h>
#include <stdbool.h>

typedef enum {
    SC_METHOD_GET = 0,   /* GetData: unary */
    SC_METHOD_SUBSCRIBE, /* SubscribeData: server streaming */
    SC_METHOD_UPLOAD,    /* UploadFile: client streaming */
    SC_METHOD_CHAT,      /* Chat: bidirectional */
    SC_METHOD_COUNT
} sc_client_method;

typedef struct {
    const char *cli_name; /* "get" */
    const char *rpc_name; /* "GetData" */
    const char *path;     /* "/streaming.DataService/GetData" */
    bool client_streaming;
    bool server_streaming;
    const ProtobufCMessageDescriptor *request;  /* static storage */
    const ProtobufCMessageDescriptor *response; /* static storage */
} sc_client_method_info;

/* Static information for a valid method; NULL otherwise. */
const sc_client_method_info *sc_client_method_get(sc_client_method m);

/* Accepts the CLI name ("subscribe"), the RPC name ("SubscribeData") or the full path.
 * Returns true and sets *m on success. */
bool sc_client_method_parse(const char *text, sc_client_method *m);

#endif
