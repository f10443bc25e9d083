/* `record --out` (issue 15): a path that cannot be written is refused at start (exit 2), and the
 * recording is written as calls finish, so a recorder killed before its stop keeps them. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <grpc/grpc.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "sc_client_channel.h"
#include "sc_client_sync.h"
#include "sc_status.h"
#include "sc_testproc.h"
#include "sc_time.h"
#include "streaming.pb-c.h"

/* Bounds of this file's waits (a loaded 2-core CI machine). */
#define READY_MS 10000
#define CALL_MS 10000
#define EXIT_MS 5000

/* Wait up to `ms` for `p` to exit; its status, or -1 when it is still running. */
static int wait_exit(sc_proc *p, int64_t ms)
{
    int64_t deadline = sc_time_now_ms() + ms;
    int st = -1;
    while (sc_time_now_ms() < deadline) {
        if (sc_proc_exited(p, &st))
            return st;
        usleep(20 * 1000); /* polling for an exit, bounded by `deadline` */
    }
    return -1;
}

static void missing_folder_is_refused_at_start(void **state)
{
    (void)state;
    char *argv[] = {(char *)sc_testproc_binary(),
                    "record",
                    "--upstream",
                    "127.0.0.1:1",
                    "--out",
                    "/tmp/sc-it-no-such-folder-15/rec.json",
                    "--quiet",
                    NULL};
    sc_proc p;
    assert_int_equal(sc_proc_spawn(&p, argv, SC_PROC_STDERR), 0);
    int st = wait_exit(&p, EXIT_MS);
    char err[4096] = "";
    ssize_t n = read(p.err_fd, err, sizeof err - 1);
    err[n > 0 ? n : 0] = '\0';
    sc_proc_cleanup(&p);
    if (st < 0)
        fail_msg("record with --out in a missing folder still runs after %d ms", EXIT_MS);
    assert_true(WIFEXITED(st));
    assert_int_equal(WEXITSTATUS(st), 2);
    assert_non_null(strstr(err, "--out /tmp/sc-it-no-such-folder-15/rec.json"));
    assert_non_null(strstr(err, "No such file or directory"));
}

/* Is `needle` in the file at `path` now? */
static bool file_has(const char *path, const char *needle)
{
    FILE *f = fopen(path, "r");
    if (f == NULL)
        return false;
    static char buf[1 << 16];
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    buf[n] = '\0';
    return strstr(buf, needle) != NULL;
}

static void one_get(int port)
{
    char t[64], err[256];
    snprintf(t, sizeof t, "127.0.0.1:%d", port);
    sc_client_channel_opts co = {0};
    grpc_channel *ch = sc_client_channel_create(t, &co, err, sizeof err);
    assert_non_null(ch);
    static char *topics[] = {"t"};
    Streaming__StreamRequest req = STREAMING__STREAM_REQUEST__INIT;
    req.subscription_id = "rec";
    req.topics = topics;
    req.n_topics = 1;
    req.batch_size = 2;
    sc_client_call_opts o = {.method = SC_METHOD_GET, .deadline_ms = CALL_MS};
    ProtobufCMessage *resp = NULL;
    assert_int_equal(sc_client_sync_unary(ch, &o, &req.base, &resp, CALL_MS, err, sizeof err),
                     SC_STATUS_OK);
    protobuf_c_message_free_unpacked(resp, NULL);
    grpc_channel_destroy(ch);
}

static void calls_are_written_as_they_finish(void **state)
{
    (void)state;
    char out[] = "/tmp/sc-it-record-out-XXXXXX";
    int fd = mkstemp(out);
    assert_true(fd >= 0);
    close(fd);
    unlink(out);
    sc_proc server, rec;
    char *sargv[] = {
        (char *)sc_testproc_binary(), "serve", "--listen", "127.0.0.1:0", "--quiet", NULL};
    assert_int_equal(sc_proc_start(&server, sargv, READY_MS), 0);
    char upstream[64];
    snprintf(upstream, sizeof upstream, "127.0.0.1:%d", server.port);
    char *rargv[] = {(char *)sc_testproc_binary(),
                     "record",
                     "--upstream",
                     upstream,
                     "--out",
                     out,
                     "--quiet",
                     NULL};
    assert_int_equal(sc_proc_start(&rec, rargv, READY_MS), 0);
    one_get(rec.port);
    int64_t deadline = sc_time_now_ms() + EXIT_MS;
    while (!file_has(out, "recorded/get/1") && sc_time_now_ms() < deadline)
        usleep(20 * 1000);                /* polling a file, bounded by `deadline` */
    sc_proc_stop(&rec, SIGKILL, EXIT_MS); /* no stop: what is on disk is all there is */
    sc_proc_cleanup(&rec);
    sc_proc_stop(&server, SIGTERM, EXIT_MS);
    sc_proc_cleanup(&server);
    bool written = file_has(out, "recorded/get/1");
    unlink(out);
    if (!written)
        fail_msg("a finished call was not in --out %s before the recorder stopped", out);
}

int main(void)
{
    grpc_init();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(missing_folder_is_refused_at_start),
        cmocka_unit_test(calls_are_written_as_they_finish),
    };
    int rc = cmocka_run_group_tests(tests, NULL, NULL);
    grpc_shutdown();
    return rc;
}
