#include "sc_reflection.h"

#include "grpc/reflection/v1/reflection.pb-c.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Field numbers of descriptor.proto that the index reads (the rest is skipped). */
enum {
    SET_FILE = 1,        /* FileDescriptorSet.file */
    FILE_NAME = 1,       /* FileDescriptorProto.name */
    FILE_PACKAGE = 2,    /* FileDescriptorProto.package */
    FILE_DEPENDENCY = 3, /* FileDescriptorProto.dependency */
    FILE_MESSAGE = 4,    /* FileDescriptorProto.message_type */
    FILE_ENUM = 5,       /* FileDescriptorProto.enum_type */
    FILE_SERVICE = 6,    /* FileDescriptorProto.service */
    MSG_NAME = 1,        /* DescriptorProto.name (EnumDescriptorProto, ServiceDescriptorProto
                            and MethodDescriptorProto too) */
    MSG_NESTED = 3,      /* DescriptorProto.nested_type */
    MSG_ENUM = 4,        /* DescriptorProto.enum_type */
    SERVICE_METHOD = 2,  /* ServiceDescriptorProto.method */
    WIRE_VARINT = 0,
    WIRE_I64 = 1,
    WIRE_LEN = 2,
    WIRE_I32 = 5,
};
/* gRPC status codes an error_response carries. */
enum { CODE_NOT_FOUND = 5, CODE_INVALID_ARGUMENT = 3 };
/* Nesting depth of messages followed for symbols: deeper ones are unusual and not indexed. */
#define REFL_MAX_DEPTH 16

typedef struct {
    char *name; /* owned */
    const uint8_t *bytes;
    size_t len;
    char **deps; /* owned */
    size_t ndeps;
} refl_file;

typedef struct {
    char *name; /* owned, full name */
    int file;
} refl_symbol;

struct sc_reflection {
    refl_file *files;
    size_t nfiles;
    refl_symbol *symbols;
    size_t nsymbols, symbols_cap;
    char **services; /* borrowed from symbols */
    size_t nservices;
};

/* ---- wire reading ------------------------------------------------------------------------ */

typedef struct {
    const uint8_t *p, *end;
} rd;

typedef struct {
    uint32_t number;
    int wire;
    const uint8_t *data; /* WIRE_LEN */
    size_t len;
} rd_field;

static bool rd_varint(rd *r, uint64_t *v)
{
    *v = 0;
    for (int shift = 0; shift < 64 && r->p < r->end; shift += 7) {
        uint8_t b = *r->p++;
        *v |= (uint64_t)(b & 0x7f) << shift;
        if (!(b & 0x80))
            return true;
    }
    return false;
}

/* The next field; false at the end (*bad set when the bytes are malformed). */
static bool rd_next(rd *r, rd_field *f, bool *bad)
{
    uint64_t key, v;
    if (r->p >= r->end)
        return false;
    if (!rd_varint(r, &key))
        goto malformed;
    f->number = (uint32_t)(key >> 3);
    f->wire = (int)(key & 7);
    size_t skip = 0;
    switch (f->wire) {
    case WIRE_VARINT:
        if (!rd_varint(r, &v))
            goto malformed;
        return true;
    case WIRE_I64:
        skip = 8;
        break;
    case WIRE_I32:
        skip = 4;
        break;
    case WIRE_LEN:
        if (!rd_varint(r, &v))
            goto malformed;
        skip = (size_t)v;
        f->data = r->p;
        f->len = skip;
        break;
    default:
        goto malformed;
    }
    if ((size_t)(r->end - r->p) < skip)
        goto malformed;
    r->p += skip;
    return true;
malformed:
    *bad = true;
    return false;
}

static char *dup_len(const uint8_t *s, size_t n)
{
    char *d = malloc(n + 1);
    if (d != NULL) {
        memcpy(d, s, n);
        d[n] = '\0';
    }
    return d;
}

/* ---- the index --------------------------------------------------------------------------- */

static bool add_symbol(sc_reflection *x, const char *scope, const rd_field *name, int file)
{
    if (x->nsymbols == x->symbols_cap) {
        size_t cap = x->symbols_cap ? x->symbols_cap * 2 : 32;
        refl_symbol *s = realloc(x->symbols, cap * sizeof *s);
        if (s == NULL)
            return false;
        x->symbols = s;
        x->symbols_cap = cap;
    }
    size_t sl = strlen(scope);
    char *full = malloc(sl + 1 + name->len + 1);
    if (full == NULL)
        return false;
    snprintf(full, sl + 1 + name->len + 1, "%s%s%.*s", scope, sl > 0 ? "." : "", (int)name->len,
             (const char *)name->data);
    x->symbols[x->nsymbols++] = (refl_symbol){.name = full, .file = file};
    return true;
}

/* The `name` field of a message (DescriptorProto, EnumDescriptorProto...). */
static bool name_of(const uint8_t *p, size_t len, rd_field *name)
{
    rd r = {p, p + len};
    rd_field f;
    bool bad = false;
    while (rd_next(&r, &f, &bad))
        if (f.number == MSG_NAME && f.wire == WIRE_LEN) {
            *name = f;
            return true;
        }
    return false;
}

/* A message type, its nested types and enums, under `scope`; a service and its methods. */
static bool index_type(sc_reflection *x, const char *scope, const rd_field *type, int file,
                       bool service, int depth)
{
    rd_field name;
    if (depth > REFL_MAX_DEPTH || !name_of(type->data, type->len, &name))
        return true; /* nameless or too deep: nothing to index */
    if (!add_symbol(x, scope, &name, file))
        return false;
    const char *full = x->symbols[x->nsymbols - 1].name; /* its own allocation: stays put */
    rd r = {type->data, type->data + type->len};
    rd_field f;
    bool bad = false, ok = true;
    while (ok && rd_next(&r, &f, &bad)) {
        if (f.wire != WIRE_LEN)
            continue;
        rd_field inner;
        if (service && f.number == SERVICE_METHOD)
            ok = !name_of(f.data, f.len, &inner) || add_symbol(x, full, &inner, file);
        else if (!service && f.number == MSG_NESTED)
            ok = index_type(x, full, &f, file, false, depth + 1);
        else if (!service && f.number == MSG_ENUM)
            ok = !name_of(f.data, f.len, &inner) || add_symbol(x, full, &inner, file);
    }
    return ok && !bad;
}

static bool add_dep(refl_file *file, const rd_field *f)
{
    char **d = realloc(file->deps, (file->ndeps + 1) * sizeof *d);
    if (d == NULL)
        return false;
    file->deps = d;
    return (d[file->ndeps++] = dup_len(f->data, f->len)) != NULL;
}

/* One FileDescriptorProto: its name, dependencies and top-level symbols. */
static bool index_file(sc_reflection *x, int idx)
{
    refl_file *file = &x->files[idx];
    char *package = NULL;
    rd r = {file->bytes, file->bytes + file->len};
    rd_field f;
    bool bad = false, ok = true;
    while (ok && rd_next(&r, &f, &bad)) { /* the package first: symbols are named after it */
        if (f.number == FILE_NAME && f.wire == WIRE_LEN)
            ok = (file->name = dup_len(f.data, f.len)) != NULL;
        else if (f.number == FILE_PACKAGE && f.wire == WIRE_LEN)
            ok = (package = dup_len(f.data, f.len)) != NULL;
        else if (f.number == FILE_DEPENDENCY && f.wire == WIRE_LEN)
            ok = add_dep(file, &f);
    }
    const char *scope = package != NULL ? package : "";
    r = (rd){file->bytes, file->bytes + file->len};
    while (ok && !bad && rd_next(&r, &f, &bad)) {
        if (f.wire != WIRE_LEN)
            continue;
        if (f.number == FILE_MESSAGE || f.number == FILE_ENUM)
            ok = index_type(x, scope, &f, idx, false, 0);
        else if (f.number == FILE_SERVICE)
            ok = index_type(x, scope, &f, idx, true, 0);
    }
    free(package);
    return ok && !bad && file->name != NULL;
}

/* Services: the symbols of FILE_SERVICE entries, found again by name shape would be fragile, so
 * they are collected from each file's service fields. */
static bool index_services(sc_reflection *x)
{
    x->services = calloc(x->nsymbols + 1, sizeof *x->services);
    if (x->services == NULL)
        return false;
    for (size_t i = 0; i < x->nfiles; i++) {
        const refl_file *file = &x->files[i];
        char *package = NULL;
        rd r = {file->bytes, file->bytes + file->len};
        rd_field f, name;
        bool bad = false;
        while (rd_next(&r, &f, &bad)) {
            if (f.number == FILE_PACKAGE && f.wire == WIRE_LEN && package == NULL)
                package = dup_len(f.data, f.len);
            if (f.number != FILE_SERVICE || f.wire != WIRE_LEN || !name_of(f.data, f.len, &name))
                continue;
            char full[512];
            snprintf(full, sizeof full, "%s%s%.*s", package ? package : "", package ? "." : "",
                     (int)name.len, (const char *)name.data);
            int at = -1;
            for (size_t s = 0; s < x->nsymbols && at < 0; s++)
                if (strcmp(x->symbols[s].name, full) == 0)
                    at = (int)s;
            if (at >= 0)
                x->services[x->nservices++] = x->symbols[at].name;
        }
        free(package);
    }
    return true;
}

sc_reflection *sc_reflection_create(const uint8_t *set, size_t len)
{
    sc_reflection *x = calloc(1, sizeof *x);
    if (x == NULL)
        return NULL;
    rd r = {set, set + len};
    rd_field f;
    bool bad = false;
    while (rd_next(&r, &f, &bad)) {
        if (f.number != SET_FILE || f.wire != WIRE_LEN)
            continue;
        refl_file *files = realloc(x->files, (x->nfiles + 1) * sizeof *files);
        if (files == NULL)
            goto fail;
        x->files = files;
        x->files[x->nfiles++] = (refl_file){.bytes = f.data, .len = f.len};
    }
    if (bad)
        goto fail;
    for (size_t i = 0; i < x->nfiles; i++)
        if (!index_file(x, (int)i))
            goto fail;
    if (!index_services(x))
        goto fail;
    return x;
fail:
    sc_reflection_free(x);
    return NULL;
}

void sc_reflection_free(sc_reflection *x)
{
    if (x == NULL)
        return;
    for (size_t i = 0; i < x->nfiles; i++) {
        free(x->files[i].name);
        for (size_t d = 0; d < x->files[i].ndeps; d++)
            free(x->files[i].deps[d]);
        free(x->files[i].deps);
    }
    for (size_t i = 0; i < x->nsymbols; i++)
        free(x->symbols[i].name);
    free(x->files);
    free(x->symbols);
    free(x->services);
    free(x);
}

size_t sc_reflection_service_count(const sc_reflection *x)
{
    return x->nservices;
}

const char *sc_reflection_service(const sc_reflection *x, size_t i)
{
    return i < x->nservices ? x->services[i] : NULL;
}

int sc_reflection_find_symbol(const sc_reflection *x, const char *symbol)
{
    for (size_t i = 0; i < x->nsymbols; i++)
        if (strcmp(x->symbols[i].name, symbol) == 0)
            return x->symbols[i].file;
    return -1;
}

int sc_reflection_find_file(const sc_reflection *x, const char *name)
{
    for (size_t i = 0; i < x->nfiles; i++)
        if (strcmp(x->files[i].name, name) == 0)
            return (int)i;
    return -1;
}

/* ---- answers ----------------------------------------------------------------------------- */

/* `file` then its dependencies, transitively, each once, into `order` (nfiles slots). */
static void collect_files(const sc_reflection *x, int file, int *order, size_t *n, bool *seen)
{
    if (file < 0 || seen[file])
        return;
    seen[file] = true;
    order[(*n)++] = file;
    for (size_t d = 0; d < x->files[file].ndeps; d++)
        collect_files(x, sc_reflection_find_file(x, x->files[file].deps[d]), order, n, seen);
}

typedef Grpc__Reflection__V1__ServerReflectionRequest refl_req;
typedef Grpc__Reflection__V1__ServerReflectionResponse refl_resp;

/* The answer's payload into `resp`, with storage from `st` (freed by the caller). */
typedef struct {
    Grpc__Reflection__V1__FileDescriptorResponse fd;
    ProtobufCBinaryData *blobs;
    int *order;
    bool *seen;
    Grpc__Reflection__V1__ListServiceResponse list;
    Grpc__Reflection__V1__ServiceResponse *svc;
    Grpc__Reflection__V1__ServiceResponse **svcp;
    Grpc__Reflection__V1__ErrorResponse error;
    Grpc__Reflection__V1__ExtensionNumberResponse ext;
    char message[256];
} refl_storage;

static void answer_error(refl_resp *resp, refl_storage *st, int code, const char *what,
                         const char *name)
{
    grpc__reflection__v1__error_response__init(&st->error);
    snprintf(st->message, sizeof st->message, "%s not found: %s", what, name);
    st->error.error_code = code;
    st->error.error_message = st->message;
    resp->message_response_case =
        GRPC__REFLECTION__V1__SERVER_REFLECTION_RESPONSE__MESSAGE_RESPONSE_ERROR_RESPONSE;
    resp->error_response = &st->error;
}

static bool answer_files(const sc_reflection *x, int file, refl_resp *resp, refl_storage *st)
{
    st->order = calloc(x->nfiles, sizeof *st->order);
    st->seen = calloc(x->nfiles, sizeof *st->seen);
    st->blobs = calloc(x->nfiles, sizeof *st->blobs);
    if (st->order == NULL || st->seen == NULL || st->blobs == NULL)
        return false;
    size_t n = 0;
    collect_files(x, file, st->order, &n, st->seen);
    for (size_t i = 0; i < n; i++)
        st->blobs[i] = (ProtobufCBinaryData){.len = x->files[st->order[i]].len,
                                             .data = (uint8_t *)x->files[st->order[i]].bytes};
    grpc__reflection__v1__file_descriptor_response__init(&st->fd);
    st->fd.n_file_descriptor_proto = n;
    st->fd.file_descriptor_proto = st->blobs;
    resp->message_response_case =
        GRPC__REFLECTION__V1__SERVER_REFLECTION_RESPONSE__MESSAGE_RESPONSE_FILE_DESCRIPTOR_RESPONSE;
    resp->file_descriptor_response = &st->fd;
    return true;
}

static bool answer_list(const sc_reflection *x, refl_resp *resp, refl_storage *st)
{
    st->svc = calloc(x->nservices + 1, sizeof *st->svc);
    st->svcp = calloc(x->nservices + 1, sizeof *st->svcp);
    if (st->svc == NULL || st->svcp == NULL)
        return false;
    for (size_t i = 0; i < x->nservices; i++) {
        grpc__reflection__v1__service_response__init(&st->svc[i]);
        st->svc[i].name = x->services[i];
        st->svcp[i] = &st->svc[i];
    }
    grpc__reflection__v1__list_service_response__init(&st->list);
    st->list.n_service = x->nservices;
    st->list.service = st->svcp;
    resp->message_response_case =
        GRPC__REFLECTION__V1__SERVER_REFLECTION_RESPONSE__MESSAGE_RESPONSE_LIST_SERVICES_RESPONSE;
    resp->list_services_response = &st->list;
    return true;
}

/* all_extension_numbers_of_type: a known message has none (the set declares no extensions). */
static void answer_extensions(const sc_reflection *x, const char *type, refl_resp *resp,
                              refl_storage *st)
{
    if (sc_reflection_find_symbol(x, type) < 0) {
        answer_error(resp, st, CODE_NOT_FOUND, "type", type);
        return;
    }
    grpc__reflection__v1__extension_number_response__init(&st->ext);
    st->ext.base_type_name = (char *)type;
    resp->message_response_case =
        GRPC__REFLECTION__V1__SERVER_REFLECTION_RESPONSE__MESSAGE_RESPONSE_ALL_EXTENSION_NUMBERS_RESPONSE;
    resp->all_extension_numbers_response = &st->ext;
}

static bool answer_request(const sc_reflection *x, const refl_req *req, refl_resp *resp,
                           refl_storage *st)
{
    int file;
    switch (req->message_request_case) {
    case GRPC__REFLECTION__V1__SERVER_REFLECTION_REQUEST__MESSAGE_REQUEST_FILE_BY_FILENAME:
        if ((file = sc_reflection_find_file(x, req->file_by_filename)) < 0)
            break;
        return answer_files(x, file, resp, st);
    case GRPC__REFLECTION__V1__SERVER_REFLECTION_REQUEST__MESSAGE_REQUEST_FILE_CONTAINING_SYMBOL:
        if ((file = sc_reflection_find_symbol(x, req->file_containing_symbol)) < 0)
            break;
        return answer_files(x, file, resp, st);
    case GRPC__REFLECTION__V1__SERVER_REFLECTION_REQUEST__MESSAGE_REQUEST_LIST_SERVICES:
        return answer_list(x, resp, st);
    case GRPC__REFLECTION__V1__SERVER_REFLECTION_REQUEST__MESSAGE_REQUEST_ALL_EXTENSION_NUMBERS_OF_TYPE:
        answer_extensions(x, req->all_extension_numbers_of_type, resp, st);
        return true;
    case GRPC__REFLECTION__V1__SERVER_REFLECTION_REQUEST__MESSAGE_REQUEST_FILE_CONTAINING_EXTENSION:
        answer_error(resp, st, CODE_NOT_FOUND, "extension of",
                     req->file_containing_extension->containing_type);
        return true;
    default:
        answer_error(resp, st, CODE_INVALID_ARGUMENT, "request", "(no request set)");
        return true;
    }
    answer_error(
        resp, st, CODE_NOT_FOUND,
        req->message_request_case ==
                GRPC__REFLECTION__V1__SERVER_REFLECTION_REQUEST__MESSAGE_REQUEST_FILE_BY_FILENAME
            ? "file"
            : "symbol",
        req->message_request_case ==
                GRPC__REFLECTION__V1__SERVER_REFLECTION_REQUEST__MESSAGE_REQUEST_FILE_BY_FILENAME
            ? req->file_by_filename
            : req->file_containing_symbol);
    return true;
}

bool sc_reflection_answer(const sc_reflection *x, const uint8_t *bytes, size_t len, uint8_t **out,
                          size_t *out_len)
{
    bool ok = false;
    refl_storage st = {0};
    refl_req *req = grpc__reflection__v1__server_reflection_request__unpack(NULL, len, bytes);
    if (req == NULL)
        return false;
    refl_resp resp = GRPC__REFLECTION__V1__SERVER_REFLECTION_RESPONSE__INIT;
    resp.valid_host = req->host;
    resp.original_request = req;
    if (!answer_request(x, req, &resp, &st))
        goto cleanup;
    *out_len = grpc__reflection__v1__server_reflection_response__get_packed_size(&resp);
    *out = malloc(*out_len > 0 ? *out_len : 1);
    if (*out == NULL)
        goto cleanup;
    grpc__reflection__v1__server_reflection_response__pack(&resp, *out);
    ok = true;
cleanup:
    free(st.order);
    free(st.seen);
    free(st.blobs);
    free(st.svc);
    free(st.svcp);
    grpc__reflection__v1__server_reflection_request__free_unpacked(req, NULL);
    return ok;
}
