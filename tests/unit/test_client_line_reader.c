/* sc_line_reader: peer-client's stdin. One turn reads everything ready (up to
 * SC_LINE_READER_TURN_CAP), not one 64 KiB chunk: at one chunk per 20 ms loop turn, stdin went at
 * ~3 MB/s (issue 15). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sc_line_reader.h"

typedef struct {
    size_t lines, bytes, longest, overlong;
} seen;

static void on_line(void *ctx, char *line)
{
    seen *s = ctx;
    size_t n = strlen(line);
    s->lines++;
    s->bytes += n;
    s->longest = n > s->longest ? n : s->longest;
}

static void on_overlong(void *ctx)
{
    ((seen *)ctx)->overlong++;
}

/* A temporary file holding `n` lines of `len` bytes each, opened for reading. */
static int file_of_lines(size_t n, size_t len)
{
    char path[] = "/tmp/sc-line-reader-XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    unlink(path);
    char *line = malloc(len + 1);
    assert_non_null(line);
    memset(line, 'a', len);
    line[len] = '\n';
    for (size_t i = 0; i < n; i++)
        assert_int_equal(write(fd, line, len + 1), (ssize_t)(len + 1));
    free(line);
    assert_int_equal(lseek(fd, 0, SEEK_SET), 0);
    return fd;
}

/* A pipe holding 1,000 lines of 999 bytes: one turn takes them all, the next finds nothing. */
static void one_turn_reads_until_the_pipe_is_empty(void **state)
{
    (void)state;
    int p[2];
    assert_int_equal(pipe2(p, O_NONBLOCK), 0);
    if (fcntl(p[1], F_SETPIPE_SZ, 1 << 20) < (1 << 20))
        skip(); /* pipe-max-size below 1 MiB */
    char line[1000];
    memset(line, 'x', sizeof line - 1);
    line[sizeof line - 1] = '\n';
    for (int i = 0; i < 1000; i++)
        assert_int_equal(write(p[1], line, sizeof line), (ssize_t)sizeof line);
    seen s = {0};
    sc_line_reader r;
    assert_int_equal(sc_line_reader_init(&r, p[0], on_line, on_overlong, &s), 0);
    assert_int_equal(sc_line_reader_turn(&r), 1000 * sizeof line);
    assert_int_equal(s.lines, 1000);
    assert_int_equal(sc_line_reader_turn(&r), 0);
    assert_false(r.eof);
    close(p[1]);
    assert_int_equal(sc_line_reader_turn(&r), 0);
    assert_true(r.eof);
    assert_int_equal(s.lines, 1001); /* the empty last "line" at EOF */
    sc_line_reader_free(&r);
    close(p[0]);
}

/* A 7 MiB instruction (under SC_LINE_READER_MAX_LINE) comes out whole in two turns (it took 113
 * turns of 64 KiB, 2.3 s). */
static void a_large_line_in_two_turns(void **state)
{
    (void)state;
    size_t len = 7u * 1024 * 1024;
    int fd = file_of_lines(1, len);
    seen s = {0};
    sc_line_reader r;
    assert_int_equal(sc_line_reader_init(&r, fd, on_line, on_overlong, &s), 0);
    sc_line_reader_turn(&r);
    sc_line_reader_turn(&r);
    assert_int_equal(s.longest, len);
    sc_line_reader_free(&r);
    close(fd);
}

/* More than the cap is ready: one turn stops after about SC_LINE_READER_TURN_CAP bytes, the next
 * turns read the rest. */
static void one_turn_is_capped(void **state)
{
    (void)state;
    size_t len = 1023, n = (3 * SC_LINE_READER_TURN_CAP) / (len + 1);
    int fd = file_of_lines(n, len);
    seen s = {0};
    sc_line_reader r;
    assert_int_equal(sc_line_reader_init(&r, fd, on_line, on_overlong, &s), 0);
    size_t got = sc_line_reader_turn(&r);
    assert_true(got >= SC_LINE_READER_TURN_CAP);
    assert_true(got < SC_LINE_READER_TURN_CAP + SC_LINE_READER_CHUNK);
    assert_true(s.lines < n);
    for (int turns = 0; !r.eof && turns < 10; turns++)
        sc_line_reader_turn(&r);
    assert_true(r.eof);
    assert_int_equal(s.lines, n + 1);
    assert_int_equal(s.bytes, n * len);
    sc_line_reader_free(&r);
    close(fd);
}

/* An over-long line is dropped whole, told once; the next line is read. */
static void an_overlong_line_is_dropped(void **state)
{
    (void)state;
    char path[] = "/tmp/sc-line-reader-XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    unlink(path);
    size_t big = SC_LINE_READER_MAX_LINE + 3 * SC_LINE_READER_CHUNK;
    char *text = malloc(big + 8);
    assert_non_null(text);
    memset(text, 'b', big);
    memcpy(text + big, "\nok\n", 4);
    assert_int_equal(write(fd, text, big + 4), (ssize_t)(big + 4));
    free(text);
    assert_int_equal(lseek(fd, 0, SEEK_SET), 0);
    seen s = {0};
    sc_line_reader r;
    assert_int_equal(sc_line_reader_init(&r, fd, on_line, on_overlong, &s), 0);
    for (int turns = 0; !r.eof && turns < 1000; turns++)
        sc_line_reader_turn(&r);
    assert_int_equal(s.overlong, 1);
    assert_int_equal(s.lines, 2); /* "ok" and the empty last line */
    assert_int_equal(s.longest, 2);
    sc_line_reader_free(&r);
    close(fd);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(one_turn_reads_until_the_pipe_is_empty),
        cmocka_unit_test(a_large_line_in_two_turns),
        cmocka_unit_test(one_turn_is_capped),
        cmocka_unit_test(an_overlong_line_is_dropped),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
