/* tcpref: the loopback TCP limit for bench/run — ping-pong round trips of SIZE bytes
 * (TCP_NODELAY, one message in flight) and one-way bulk throughput in CHUNK-byte writes, each for
 * MS milliseconds after a warm-up, over 127.0.0.1 between this process and a forked child (two
 * processes, like a gRPC client and server).
 *
 *   tcpref MS SIZE CHUNK    prints one JSON line:
 *   {"rtt_us":{"p50":..,"p90":..,"p99":..,"p999":..},"round_trips_per_s":..,"bulk_mb_per_s":..}
 *
 * Built by bench/run with `cc -O2`; not part of the CMake build. */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/wait.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

/* Warm-up before each measurement: lets the socket buffers and the CPU frequency settle. */
#define WARMUP_NS 200000000LL
/* Most round trips kept for percentiles (loopback does well under 100K/s). */
#define MAX_SAMPLES 4000000
/* Largest message or chunk accepted on the command line. */
#define MAX_SIZE (16 << 20)

static int64_t now_ns(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (int64_t)t.tv_sec * 1000000000 + t.tv_nsec;
}

static void die(const char *what)
{
    perror(what);
    exit(1);
}

static int full_io(int fd, char *buf, size_t n, int writing)
{
    size_t done = 0;
    while (done < n) {
        ssize_t k = writing ? write(fd, buf + done, n - done) : read(fd, buf + done, n - done);
        if (k <= 0)
            return -1;
        done += (size_t)k;
    }
    return 0;
}

typedef struct {
    int listen_fd;
    size_t size;
    int mode; /* 0 echo, 1 sink */
} peer_arg;

static void peer(peer_arg *a)
{
    int fd = accept(a->listen_fd, NULL, NULL);
    if (fd < 0)
        die("accept");
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    char *buf = malloc(a->size);
    if (a->mode == 0) {
        while (full_io(fd, buf, a->size, 0) == 0 && full_io(fd, buf, a->size, 1) == 0)
            ;
    } else {
        while (read(fd, buf, a->size) > 0)
            ;
    }
    free(buf);
    close(fd);
}

/* A connected client socket, the peer process started in `mode`. */
static int connect_pair(pid_t *child, peer_arg *a, size_t size, int mode)
{
    int l = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in addr = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t len = sizeof addr;
    if (l < 0 || bind(l, (struct sockaddr *)&addr, sizeof addr) != 0 || listen(l, 1) != 0 ||
        getsockname(l, (struct sockaddr *)&addr, &len) != 0)
        die("listen");
    a->listen_fd = l;
    a->size = size;
    a->mode = mode;
    fflush(stdout);
    *child = fork();
    if (*child < 0)
        die("fork");
    if (*child == 0) {
        peer(a);
        _exit(0);
    }
    int c = socket(AF_INET, SOCK_STREAM, 0);
    if (c < 0 || connect(c, (struct sockaddr *)&addr, sizeof addr) != 0)
        die("connect");
    int one = 1;
    setsockopt(c, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    return c;
}

static int cmp_i64(const void *x, const void *y)
{
    int64_t a = *(const int64_t *)x, b = *(const int64_t *)y;
    return (a > b) - (a < b);
}

static double pct(const int64_t *v, size_t n, double p)
{
    size_t i = (size_t)(p / 100.0 * (double)n);
    return n == 0 ? 0 : (double)v[i < n ? i : n - 1] / 1e3;
}

static void rtt(int64_t ms, size_t size)
{
    pid_t th;
    peer_arg a;
    int c = connect_pair(&th, &a, size, 0);
    char *buf = calloc(1, size);
    int64_t *lat = malloc(MAX_SAMPLES * sizeof *lat);
    size_t n = 0;
    int64_t start = now_ns(), measure = start + WARMUP_NS, end = measure + ms * 1000000;
    for (int64_t t = start; t < end && n < MAX_SAMPLES;) {
        if (full_io(c, buf, size, 1) != 0 || full_io(c, buf, size, 0) != 0)
            die("ping-pong");
        int64_t t2 = now_ns();
        if (t >= measure)
            lat[n++] = t2 - t;
        t = t2;
    }
    double secs = (double)(now_ns() - measure) / 1e9;
    close(c);
    waitpid(th, NULL, 0);
    close(a.listen_fd);
    qsort(lat, n, sizeof *lat, cmp_i64);
    printf("\"rtt_us\":{\"p50\":%.2f,\"p90\":%.2f,\"p99\":%.2f,\"p999\":%.2f},"
           "\"round_trips_per_s\":%.1f",
           pct(lat, n, 50), pct(lat, n, 90), pct(lat, n, 99), pct(lat, n, 99.9), (double)n / secs);
    free(lat);
    free(buf);
}

static void bulk(int64_t ms, size_t chunk)
{
    pid_t th;
    peer_arg a;
    int c = connect_pair(&th, &a, chunk, 1);
    char *buf = malloc(chunk);
    memset(buf, 0x5a, chunk);
    int64_t start = now_ns(), measure = start + WARMUP_NS, end = measure + ms * 1000000;
    uint64_t bytes = 0;
    for (int64_t t = start; t < end; t = now_ns()) {
        if (full_io(c, buf, chunk, 1) != 0)
            die("bulk");
        if (t >= measure)
            bytes += chunk;
    }
    double secs = (double)(now_ns() - measure) / 1e9;
    close(c);
    waitpid(th, NULL, 0);
    close(a.listen_fd);
    printf("\"bulk_mb_per_s\":%.1f", (double)bytes / 1e6 / secs);
    free(buf);
}

int main(int argc, char **argv)
{
    if (argc != 4) {
        fprintf(stderr, "usage: tcpref MS SIZE CHUNK\n");
        return 2;
    }
    long long ms = atoll(argv[1]), size = atoll(argv[2]), chunk = atoll(argv[3]);
    if (ms < 1 || ms > 600000 || size < 1 || size > MAX_SIZE || chunk < 1 || chunk > MAX_SIZE) {
        fprintf(stderr, "tcpref: MS 1..600000, SIZE and CHUNK 1..%d\n", MAX_SIZE);
        return 2;
    }
    printf("{");
    rtt(ms, (size_t)size);
    printf(",");
    bulk(ms, (size_t)chunk);
    printf("}\n");
    return 0;
}
