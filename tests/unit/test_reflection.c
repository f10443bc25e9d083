/* sc_reflection: the index of the embedded descriptor set and the answers to reflection
 * requests (list_services, file_by_filename, file_containing_symbol, errors). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "grpc/reflection/v1/reflection.pb-c.h"
#include "sc_reflection.h"

extern const unsigned char sc_builtin_descriptor_set[];
extern const size_t sc_builtin_descriptor_set_len;

typedef Grpc__Reflection__V1__ServerReflectionRequest req_t;
typedef Grpc__Reflection__V1__ServerReflectionResponse resp_t;

static int setup(void **state)
{
    *state = sc_reflection_create(sc_builtin_descriptor_set, sc_builtin_descriptor_set_len);
    return *state == NULL;
}

static int teardown(void **state)
{
    sc_reflection_free(*state);
    return 0;
}

static bool has_service(const sc_reflection *r, const char *name)
{
    for (size_t i = 0; i < sc_reflection_service_count(r); i++)
        if (strcmp(sc_reflection_service(r, i), name) == 0)
            return true;
    return false;
}

static void index_has_every_service_and_symbol(void **state)
{
    const sc_reflection *r = *state;
    assert_true(has_service(r, "streaming.DataService"));
    assert_true(has_service(r, "grpc.health.v1.Health"));
    assert_true(has_service(r, "grpc.reflection.v1.ServerReflection"));
    assert_true(has_service(r, "grpc.reflection.v1alpha.ServerReflection"));
    assert_false(has_service(r, "streaming.DataPoint")); /* a message, not a service */
    int file = sc_reflection_find_file(r, "streaming.proto");
    assert_true(file >= 0);
    assert_int_equal(sc_reflection_find_symbol(r, "streaming.DataService"), file);
    assert_int_equal(sc_reflection_find_symbol(r, "streaming.DataService.Chat"), file);
    assert_int_equal(sc_reflection_find_symbol(r, "streaming.StreamRequest"), file);
    assert_int_equal(sc_reflection_find_symbol(r, "streaming.DataPoint.MetadataEntry"), file);
    assert_int_equal(
        sc_reflection_find_symbol(r, "grpc.health.v1.HealthCheckResponse.ServingStatus"),
        sc_reflection_find_file(r, "grpc/health/v1/health.proto"));
    assert_int_equal(sc_reflection_find_symbol(r, "streaming.NoSuch"), -1);
    assert_int_equal(sc_reflection_find_symbol(r, "streaming"), -1); /* a package */
    assert_int_equal(sc_reflection_find_file(r, "nope.proto"), -1);
}

/* Ask `req`; the decoded response (the caller frees it). */
static resp_t *ask(const sc_reflection *r, req_t *req)
{
    size_t len = grpc__reflection__v1__server_reflection_request__get_packed_size(req);
    uint8_t *bytes = malloc(len + 1);
    assert_non_null(bytes);
    grpc__reflection__v1__server_reflection_request__pack(req, bytes);
    uint8_t *out = NULL;
    size_t out_len = 0;
    assert_true(sc_reflection_answer(r, bytes, len, &out, &out_len));
    free(bytes);
    resp_t *resp = grpc__reflection__v1__server_reflection_response__unpack(NULL, out_len, out);
    free(out);
    assert_non_null(resp);
    return resp;
}

static void list_services_names_them_all(void **state)
{
    req_t req = GRPC__REFLECTION__V1__SERVER_REFLECTION_REQUEST__INIT;
    req.host = "h";
    req.message_request_case =
        GRPC__REFLECTION__V1__SERVER_REFLECTION_REQUEST__MESSAGE_REQUEST_LIST_SERVICES;
    req.list_services = "*";
    resp_t *resp = ask(*state, &req);
    assert_string_equal(resp->valid_host, "h");
    assert_non_null(resp->original_request);
    assert_int_equal(
        resp->message_response_case,
        GRPC__REFLECTION__V1__SERVER_REFLECTION_RESPONSE__MESSAGE_RESPONSE_LIST_SERVICES_RESPONSE);
    assert_int_equal(resp->list_services_response->n_service, sc_reflection_service_count(*state));
    assert_string_equal(resp->list_services_response->service[0]->name, "streaming.DataService");
    grpc__reflection__v1__server_reflection_response__free_unpacked(resp, NULL);
}

static void symbol_and_file_give_the_file(void **state)
{
    req_t req = GRPC__REFLECTION__V1__SERVER_REFLECTION_REQUEST__INIT;
    req.message_request_case =
        GRPC__REFLECTION__V1__SERVER_REFLECTION_REQUEST__MESSAGE_REQUEST_FILE_CONTAINING_SYMBOL;
    req.file_containing_symbol = "streaming.DataService.GetData";
    resp_t *resp = ask(*state, &req);
    assert_int_equal(
        resp->message_response_case,
        GRPC__REFLECTION__V1__SERVER_REFLECTION_RESPONSE__MESSAGE_RESPONSE_FILE_DESCRIPTOR_RESPONSE);
    assert_int_equal(resp->file_descriptor_response->n_file_descriptor_proto, 1);
    /* FileDescriptorProto.name (field 1) "streaming.proto" comes first */
    const ProtobufCBinaryData *fd = &resp->file_descriptor_response->file_descriptor_proto[0];
    assert_true(fd->len > 17);
    assert_int_equal(fd->data[0], 0x0a);
    assert_memory_equal(fd->data + 2, "streaming.proto", 15);
    grpc__reflection__v1__server_reflection_response__free_unpacked(resp, NULL);

    req.message_request_case =
        GRPC__REFLECTION__V1__SERVER_REFLECTION_REQUEST__MESSAGE_REQUEST_FILE_BY_FILENAME;
    req.file_by_filename = "grpc/reflection/v1alpha/reflection.proto";
    resp = ask(*state, &req);
    assert_int_equal(resp->file_descriptor_response->n_file_descriptor_proto, 1);
    grpc__reflection__v1__server_reflection_response__free_unpacked(resp, NULL);
}

static void unknown_names_are_not_found(void **state)
{
    req_t req = GRPC__REFLECTION__V1__SERVER_REFLECTION_REQUEST__INIT;
    req.message_request_case =
        GRPC__REFLECTION__V1__SERVER_REFLECTION_REQUEST__MESSAGE_REQUEST_FILE_CONTAINING_SYMBOL;
    req.file_containing_symbol = "streaming.Nope";
    resp_t *resp = ask(*state, &req);
    assert_int_equal(
        resp->message_response_case,
        GRPC__REFLECTION__V1__SERVER_REFLECTION_RESPONSE__MESSAGE_RESPONSE_ERROR_RESPONSE);
    assert_int_equal(resp->error_response->error_code, 5 /* NOT_FOUND */);
    assert_non_null(strstr(resp->error_response->error_message, "streaming.Nope"));
    grpc__reflection__v1__server_reflection_response__free_unpacked(resp, NULL);

    req.message_request_case =
        GRPC__REFLECTION__V1__SERVER_REFLECTION_REQUEST__MESSAGE_REQUEST_FILE_BY_FILENAME;
    req.file_by_filename = "nope.proto";
    resp = ask(*state, &req);
    assert_int_equal(resp->error_response->error_code, 5);
    grpc__reflection__v1__server_reflection_response__free_unpacked(resp, NULL);

    req.message_request_case =
        GRPC__REFLECTION__V1__SERVER_REFLECTION_REQUEST__MESSAGE_REQUEST_ALL_EXTENSION_NUMBERS_OF_TYPE;
    req.all_extension_numbers_of_type = "streaming.DataPoint";
    resp = ask(*state, &req);
    assert_int_equal(resp->all_extension_numbers_response->n_extension_number, 0);
    assert_string_equal(resp->all_extension_numbers_response->base_type_name,
                        "streaming.DataPoint");
    grpc__reflection__v1__server_reflection_response__free_unpacked(resp, NULL);
}

static void malformed_input_is_refused(void **state)
{
    const uint8_t junk[] = {0x0a, 0x7f, 0x01}; /* a length past the end */
    uint8_t *out = NULL;
    size_t out_len = 0;
    assert_false(sc_reflection_answer(*state, junk, sizeof junk, &out, &out_len));
    assert_null(sc_reflection_create(junk, sizeof junk));
    sc_reflection *empty = sc_reflection_create(junk, 0);
    assert_non_null(empty);
    assert_int_equal(sc_reflection_service_count(empty), 0);
    sc_reflection_free(empty);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(index_has_every_service_and_symbol),
        cmocka_unit_test(list_services_names_them_all),
        cmocka_unit_test(symbol_and_file_give_the_file),
        cmocka_unit_test(unknown_names_are_not_found),
        cmocka_unit_test(malformed_input_is_refused),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
