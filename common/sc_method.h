/* sc_method: the four DataService methods (path, streaming shape, message types). */
#ifndef SC_METHOD_H
#define SC_METHOD_H

#include <protobuf-c/protobuf-c.h>
#include <stdbool.h>

typedef enum {
    SC_METHOD_GET = 0,   /* GetData: unary */
    SC_METHOD_SUBSCRIBE, /* SubscribeData: server streaming */
    SC_METHOD_UPLOAD,    /* UploadFile: client streaming */
    SC_METHOD_CHAT,      /* Chat: bidirectional */
    SC_METHOD_COUNT,
    /* A server-side call to any other path (answered UNIMPLEMENTED). */
    SC_METHOD_UNKNOWN = SC_METHOD_COUNT
} sc_method;

typedef struct {
    const char *cli_name; /* "get" */
    const char *rpc_name; /* "GetData" */
    const char *path;     /* "/streaming.DataService/GetData" */
    bool client_streaming;
    bool server_streaming;
    const ProtobufCMessageDescriptor *request;  /* static storage */
    const ProtobufCMessageDescriptor *response; /* static storage */
} sc_method_info;

/* Static information for a valid method; NULL otherwise. */
const sc_method_info *sc_method_get(sc_method m);

/* Shorthands: the RPC name ("GetData"; "unknown" for SC_METHOD_UNKNOWN), the path and the
 * request descriptor (NULL for SC_METHOD_UNKNOWN). */
const char *sc_method_name(sc_method m);
const char *sc_method_path(sc_method m);
const ProtobufCMessageDescriptor *sc_method_request_desc(sc_method m);

/* Accepts the CLI name ("subscribe"), the RPC name ("SubscribeData") or the full path.
 * Returns true and sets *m on success. */
bool sc_method_parse(const char *text, sc_method *m);

#endif
