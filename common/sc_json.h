/* sc_json: protobuf messages <-> JSON with protobuf's canonical proto3 JSON mapping.
 *
 * Driven generically by protobuf-c descriptors: any message type works, not only the ones in
 * proto/streaming.proto. Output follows protobuf's JsonFormat with default options:
 *   - field names in lowerCamelCase (protoc's json_name rule: drop '_', upper-case the next char);
 *   - proto3 fields equal to their default are omitted; empty repeated fields and maps omitted;
 *     a set oneof member is always emitted, even when it holds its default value;
 *   - int64/uint64/sint64/fixed64/sfixed64 as decimal strings; 32-bit integers as numbers;
 *   - float/double as numbers in the shortest form that reads back to the same value, or the
 *     strings "NaN", "Infinity", "-Infinity";
 *   - bytes as standard base64 with padding; enums by name (by number when the value has no name);
 *   - map fields as JSON objects (keys are strings; integer keys in decimal, bool keys
 *     "true"/"false"); if a protobuf-c message holds the same map key twice, the last entry wins.
 *
 * Input accepts both the lowerCamelCase name and the original proto field name; `null` for a field
 * means "leave it at its default". Anything else that is not valid for the type is an error, and
 * every error message starts with the JSON path of the offending value, for example
 *   dataPoints[2].timestamp: expected an integer (number or string), got true
 *   unknownField: no such field in streaming.StreamRequest
 * (errors about the top-level value itself use the path "(root)").
 *
 * Float and double in the cJSON tree: cJSON's own printer may round a double to 15 significant
 * digits, so sc_json_from_message stores every finite float/double value as a cJSON_Raw item
 * whose text is the shortest exact decimal form (its valuedouble is set as well). Such items print
 * as plain JSON numbers; code walking the tree must test cJSON_IsRaw, not cJSON_IsNumber. The
 * decoder accepts both number and raw-number items.
 *
 * Numbers read from JSON pass through a C double (cJSON), so a 64-bit integer given as a JSON
 * number is accepted only up to +/-(2^53 - 1); larger values must be quoted (as the encoder does).
 *
 * All functions are reentrant; none keeps state between calls. Formatting uses snprintf/strtod,
 * which assume the "C" LC_NUMERIC locale (the default unless the program calls setlocale). */
#ifndef SC_JSON_H
#define SC_JSON_H

#include <cjson/cJSON.h>
#include <protobuf-c/protobuf-c.h>
#include <stddef.h>

/* Encode `msg` as canonical JSON. Returns a new cJSON object owned by the caller (release it with
 * cJSON_Delete), or NULL with a NUL-terminated message in `err` (`err` may be NULL or `errlen` 0
 * when the caller does not want the message). `msg` is only read. */
cJSON *sc_json_from_message(const ProtobufCMessage *msg, char *err, size_t errlen);

/* Decode `json` (must be an object) into a new message of type `desc`. Every part of the result
 * is allocated with malloc exactly as protobuf-c's unpacker would, so the caller frees it with
 * protobuf_c_message_free_unpacked(msg, NULL). On any error returns NULL, writes a message to
 * `err`, and has freed everything it allocated. `json` is only read. */
ProtobufCMessage *sc_json_to_message(const ProtobufCMessageDescriptor *desc, const cJSON *json,
                                     char *err, size_t errlen);

/* Encode `msg` as compact JSON text. Returns a malloc'd NUL-terminated string the caller frees
 * with free(), or NULL with a message in `err`. */
char *sc_json_message_to_string(const ProtobufCMessage *msg, char *err, size_t errlen);

/* Parse JSON text (NUL-terminated; nothing but whitespace may follow the value) and decode it as
 * with sc_json_to_message. Ownership of the result is the same: protobuf_c_message_free_unpacked
 * (msg, NULL). Invalid JSON is reported with the byte offset where parsing stopped. */
ProtobufCMessage *sc_json_message_from_string(const ProtobufCMessageDescriptor *desc,
                                              const char *text, char *err, size_t errlen);

/* Look up one of proto/streaming.proto's message descriptors by full name
 * ("streaming.StreamRequest") or short name ("StreamRequest"). Returns a pointer to static
 * storage, or NULL for an unknown name (map entry types are not listed). */
const ProtobufCMessageDescriptor *sc_json_find_descriptor(const char *name);

#endif
