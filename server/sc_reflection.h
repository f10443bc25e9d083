/* sc_reflection: the logic of gRPC server reflection (grpc.reflection.v1 and v1alpha, which share
 * one wire format) over a FileDescriptorSet: an index of its files and symbols, and the answer to
 * one ServerReflectionRequest. Pure: bytes in, bytes out; server/sc_builtin runs it on calls. */
#ifndef SC_REFLECTION_H
#define SC_REFLECTION_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct sc_reflection sc_reflection;

/* Index a serialized FileDescriptorSet (protoc --descriptor_set_out --include_imports). `set` is
 * borrowed and must outlive the index (the answers point into it). NULL: malformed or no memory.
 * Caller owns the result. */
sc_reflection *sc_reflection_create(const uint8_t *set, size_t len);
void sc_reflection_free(sc_reflection *r);

/* Services the set declares, by full name ("streaming.DataService"), in file order. Borrowed. */
size_t sc_reflection_service_count(const sc_reflection *r);
const char *sc_reflection_service(const sc_reflection *r, size_t i);
/* The index of the file declaring `symbol` (a package-qualified message, enum, service or method
 * name), or -1. */
int sc_reflection_find_symbol(const sc_reflection *r, const char *symbol);
/* The index of the file named `name` ("streaming.proto"), or -1. */
int sc_reflection_find_file(const sc_reflection *r, const char *name);

/* Answer one serialized ServerReflectionRequest with a serialized ServerReflectionResponse
 * (*out malloc'd, the caller frees it). Unknown files and symbols, and extensions (the set
 * declares none), are answered with an error_response NOT_FOUND. false: the request is not a
 * ServerReflectionRequest, or no memory. */
bool sc_reflection_answer(const sc_reflection *r, const uint8_t *req, size_t len, uint8_t **out,
                          size_t *out_len);

#endif
