/* sc_status: the gRPC status codes as one X-macro table (enum value, canonical name, meaning).
 * Everything that prints or parses a status code goes through this table. */
#ifndef SC_STATUS_H
#define SC_STATUS_H

#include <stdbool.h>

/* X(number, NAME, "one-line meaning") — numbers and names are the gRPC wire contract. */
#define SC_STATUS_MAP(X)                                                                           \
    X(0, OK, "not an error")                                                                       \
    X(1, CANCELLED, "the operation was cancelled, typically by the caller")                        \
    X(2, UNKNOWN, "unknown error")                                                                 \
    X(3, INVALID_ARGUMENT, "the client specified an invalid argument")                             \
    X(4, DEADLINE_EXCEEDED, "the deadline expired before the operation could complete")            \
    X(5, NOT_FOUND, "some requested entity was not found")                                         \
    X(6, ALREADY_EXISTS, "the entity that a client attempted to create already exists")            \
    X(7, PERMISSION_DENIED, "the caller does not have permission")                                 \
    X(8, RESOURCE_EXHAUSTED, "some resource has been exhausted")                                   \
    X(9, FAILED_PRECONDITION, "the system is not in a state required for the operation")           \
    X(10, ABORTED, "the operation was aborted")                                                    \
    X(11, OUT_OF_RANGE, "the operation was attempted past the valid range")                        \
    X(12, UNIMPLEMENTED, "the operation is not implemented or supported")                          \
    X(13, INTERNAL, "internal error")                                                              \
    X(14, UNAVAILABLE, "the service is currently unavailable")                                     \
    X(15, DATA_LOSS, "unrecoverable data loss or corruption")                                      \
    X(16, UNAUTHENTICATED, "the request does not have valid authentication credentials")

typedef enum {
#define SC_STATUS_ENUM(num, name, msg) SC_STATUS_##name = num,
    SC_STATUS_MAP(SC_STATUS_ENUM)
#undef SC_STATUS_ENUM
} sc_status_code;

/* Number of codes in the table (0..16). */
#define SC_STATUS_COUNT 17

/* Canonical name ("RESOURCE_EXHAUSTED") or NULL for a number outside the table. Static storage. */
const char *sc_status_name(int code);

/* One-line meaning, or NULL for a number outside the table. Static storage. */
const char *sc_status_meaning(int code);

/* Parse a code given as a canonical name (case-insensitive) or as a decimal number 0..16.
 * Returns true and sets *code on success; false for anything else (no partial parses). */
bool sc_status_parse(const char *text, int *code);

#endif
