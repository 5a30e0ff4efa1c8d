/* The syscalls `psoxide ps` makes for its columns, and nothing else: for each process
 * in /proc, pidfd_open, read PID/stat, ioctl(PIDFD_GET_INFO), read PID/statm and
 * PID/cmdline, close the pidfd. scripts/bench-ps.py runs it beside psoxide and procps
 * as the floor of a listing (BENCHMARKS.md, "psoxide ps against procps ps"); not a
 * test. It also reads the (empty) cmdline of kernel threads, which psoxide skips.
 *
 *   cc -O2 -o /tmp/ps-floor scripts/ps-floor.c && /tmp/ps-floor 7
 *
 * The argument is a bit mask: 1 pidfd + PIDFD_GET_INFO, 2 statm, 4 cmdline, 8 status
 * (stat is always read). It prints a checksum so that nothing is optimised away. */
#define _GNU_SOURCE
#include <dirent.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <unistd.h>

struct pidfd_info {
    uint64_t mask, cgroupid;
    uint32_t pid, tgid, ppid, ruid, rgid, euid, egid, suid, sgid, fsuid, fsgid;
    int32_t exit_code;
    uint32_t coredump_mask, spare;
};
#define PIDFD_GET_INFO _IOWR(0xFF, 11, struct pidfd_info)

static char buf[16384];

static long slurp(int dir, const char *rel) {
    int fd = openat(dir, rel, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return 0;
    long n = read(fd, buf, sizeof buf);
    close(fd);
    return n > 0 ? n : 0;
}

int main(int argc, char **argv) {
    int mask = argc > 1 ? atoi(argv[1]) : 7;
    int proc = open("/proc", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    DIR *d = fdopendir(dup(proc));
    struct dirent *e;
    char rel[64];
    long sum = 0;
    while ((e = readdir(d)) != NULL) {
        if (e->d_name[0] < '1' || e->d_name[0] > '9')
            continue;
        int pid = atoi(e->d_name), pfd = -1;
        if (mask & 1)
            pfd = syscall(SYS_pidfd_open, pid, 0);
        snprintf(rel, sizeof rel, "%d/stat", pid);
        sum += slurp(proc, rel);
        if (pfd >= 0) {
            struct pidfd_info i = {.mask = 1};
            if (ioctl(pfd, PIDFD_GET_INFO, &i) == 0)
                sum += i.ruid;
        }
        if (mask & 2) {
            snprintf(rel, sizeof rel, "%d/statm", pid);
            sum += slurp(proc, rel);
        }
        if (mask & 4) {
            snprintf(rel, sizeof rel, "%d/cmdline", pid);
            sum += slurp(proc, rel);
        }
        if (mask & 8) {
            snprintf(rel, sizeof rel, "%d/status", pid);
            sum += slurp(proc, rel);
        }
        if (pfd >= 0)
            close(pfd);
    }
    printf("%ld\n", sum);
    return 0;
}
