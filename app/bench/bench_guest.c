/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The vmpower authors
 */

/*
 * The guest library's send path (vmp_guest_channel_send(), fire and
 * forget, as the rte_power backend uses it): nanoseconds and syscalls a
 * request. A pty stands in for the virtio-serial port, a thread for the
 * host: it answers every request with an ACK (the pending reply the next
 * send reads first), or stays quiet. Syscalls are counted by tracing the
 * sender with ptrace, between marker calls; the clock is read without.
 */

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ptrace.h>
#include <sys/syscall.h>
#include <sys/user.h>
#include <sys/wait.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include <vmp_guest_channel.h>

#include "bench.h"

#define TRACED		200	/* requests sent under ptrace, each mode */
#define NR_MAX		512

static struct {
	int master;
	atomic_int ack;		/* answer requests */
	atomic_int stop;
	atomic_uint requests;
	atomic_uint replies;
} host;

/* The host's side of the port: read requests, answer them if asked. */
static void *
host_main(void *arg)
{
	static uint8_t buf[64 * 1024];
	size_t len = 0;

	(void)arg;
	while (!atomic_load(&host.stop)) {
		struct pollfd pf = { .fd = host.master, .events = POLLIN };
		ssize_t n;
		size_t off = 0;

		if (poll(&pf, 1, 50) <= 0)
			continue;
		n = read(host.master, buf + len, sizeof(buf) - len);
		if (n <= 0)
			continue;
		len += (size_t)n;
		for (; len - off >= PKT_SZ; off += PKT_SZ) {
			struct vmp_proto_packet *p = (void *)(buf + off);

			if (p->command == VMP_PROTO_CONNECT)
				continue;
			atomic_fetch_add(&host.requests, 1);
			if (!atomic_load(&host.ack))
				continue;
			/* An echoed CPU_POWER is an ACK. */
			if (write(host.master, p, PKT_SZ) == (ssize_t)PKT_SZ)
				atomic_fetch_add(&host.replies, 1);
		}
		memmove(buf, buf + off, len - off);
		len -= off;
	}
	return NULL;
}

static void
sleep_us(unsigned int us)
{
	struct timespec ts = { 0, (long)us * 1000 };

	nanosleep(&ts, NULL);
}

/*
 * Wait until the host took the requests sent (and answered them, the
 * answer then reaching the port: the next send reads it), so that every
 * send finds the same state.
 */
static void
settle(int ack, unsigned int want)
{
	atomic_uint *c = ack ? &host.replies : &host.requests;
	int i;

	for (i = 0; i < 100000 && atomic_load(c) < want; i++)
		sleep_us(10);
	sleep_us(ack ? 200 : 50);
}

/* Median ns of @count sends (or raw writes on @raw_fd). */
static double
time_sends(unsigned int count, int ack, int raw_fd, double clock_ns)
{
	static struct vmp_proto_packet pkt;
	double *v = calloc(count, sizeof(*v)), m;
	unsigned int i, retries = 0;
	unsigned int base = atomic_load(ack ? &host.replies : &host.requests);

	if (v == NULL)
		return -1;
	vmp_proto_request(&pkt, VMP_PROTO_CPU_POWER, VMP_PROTO_SCALE_MIN, 0,
		NULL);
	atomic_store(&host.ack, ack);
	for (i = 0; i < count; i++) {
		uint64_t t0;
		int ret;

		settle(ack, base + i);
		t0 = now_ns();
		if (raw_fd >= 0)
			ret = write(raw_fd, &pkt, PKT_SZ) == (ssize_t)PKT_SZ ?
				0 : -errno;
		else
			ret = vmp_guest_channel_send(0, i & 1 ?
				VMP_PROTO_SCALE_MAX : VMP_PROTO_SCALE_MIN);
		v[i] = (double)(now_ns() - t0) - clock_ns;
		/* The host thread starved (a busy machine): wait, again. */
		if (ret == -EAGAIN && retries++ < 1000) {
			sleep_us(1000);
			i--;
			continue;
		}
		if (ret < 0) {
			fprintf(stderr, "bench: guest send: %s\n",
				strerror(-ret));
			free(v);
			return -1;
		}
	}
	sort_doubles(v, count);
	m = percentile(v, count, 50);
	free(v);
	return m;
}

static int
open_port(char *dir, size_t dlen)
{
	char link[128], prefix[128];
	struct vmp_guest_channel_conf conf = { 0 };
	struct termios t;
	int slave;

	snprintf(dir, dlen, "/tmp/vmp_bench_guest.XXXXXX");
	host.master = posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC);
	if (mkdtemp(dir) == NULL || host.master < 0 ||
			grantpt(host.master) < 0 || unlockpt(host.master) < 0)
		return -1;
	/* Raw, no echo: bytes cross unchanged, as on a virtio port. */
	slave = open(ptsname(host.master), O_RDWR | O_NOCTTY | O_CLOEXEC);
	if (slave < 0 || tcgetattr(slave, &t) < 0)
		return -1;
	cfmakeraw(&t);
	if (tcsetattr(slave, TCSANOW, &t) < 0)
		return -1;
	snprintf(link, sizeof(link), "%s/port.0", dir);
	snprintf(prefix, sizeof(prefix), "%s/port", dir);
	if (symlink(ptsname(host.master), link) < 0)
		return -1;
	conf.path_prefix = prefix;
	if (vmp_guest_channel_configure(&conf) < 0 ||
			vmp_guest_channel_open(0) < 0)
		return -1;
	return slave;
}

/* The sender: timings to @out, then traced sends between markers. */
static void
guest_child(unsigned int count, int cpu, int out)
{
	struct guest_result r = { 0 };
	pthread_t th;
	char dir[64], cmd[96];
	double clk[64];
	unsigned int i, base;
	int slave;

	pin_self(cpu);
	slave = open_port(dir, sizeof(dir));
	if (slave < 0 || pthread_create(&th, NULL, host_main, NULL) != 0)
		_exit(1);
	for (i = 0; i < 64; i++) {
		uint64_t t0 = now_ns();

		clk[i] = (double)(now_ns() - t0);
	}
	r.ns_quiet = time_sends(count, 0, -1, median(clk, 64));
	r.ns_acked = time_sends(count, 1, -1, median(clk, 64));
	r.ns_raw = time_sends(count, 0, slave, median(clk, 64));
	if (write(out, &r, sizeof(r)) != sizeof(r))
		_exit(1);
	close(out);
	/* Traced from here: getppid() marks where each part starts. */
	ptrace(PTRACE_TRACEME, 0, NULL, NULL);
	raise(SIGSTOP);
	for (i = 0; i < 2; i++) {
		unsigned int k;

		atomic_store(&host.ack, i);
		base = atomic_load(i ? &host.replies : &host.requests);
		settle(i, base);
		syscall(SYS_getppid);
		for (k = 0; k < TRACED; k++) {
			vmp_guest_channel_send(0, k & 1 ? VMP_PROTO_SCALE_MAX :
				VMP_PROTO_SCALE_MIN);
			settle(i, base + k + 1);
		}
	}
	syscall(SYS_getppid);
	atomic_store(&host.stop, 1);
	pthread_join(th, NULL);
	vmp_guest_channel_close(0);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	if (system(cmd) != 0)
		_exit(1);
	_exit(0);
}

static const char *
nr_name(long nr)
{
	switch (nr) {
	case SYS_read: return "read";
	case SYS_write: return "write";
	case SYS_poll: return "poll";
	case SYS_ppoll: return "ppoll";
	case SYS_clock_gettime: return "clock_gettime";
	default: return "other";
	}
}

/* Count the tracee's syscalls a part, leaving out its sleeps. */
static int
trace_child(pid_t pid, struct guest_result *r)
{
	static unsigned int counts[3][NR_MAX];
	struct user_regs_struct regs;
	int st, entry = 0, part = -1, sig = 0;
	unsigned int total[3] = { 0 };
	size_t off = 0;
	long nr;

	if (waitpid(pid, &st, 0) != pid || !WIFSTOPPED(st))
		return -1;
	ptrace(PTRACE_SETOPTIONS, pid, NULL,
		(void *)(long)(PTRACE_O_TRACESYSGOOD | PTRACE_O_EXITKILL));
	for (;;) {
		if (ptrace(PTRACE_SYSCALL, pid, NULL, (void *)(long)sig) < 0 ||
				waitpid(pid, &st, 0) != pid || WIFEXITED(st) ||
				WIFSIGNALED(st))
			break;
		sig = 0;
		if (WSTOPSIG(st) != (SIGTRAP | 0x80)) {
			sig = WSTOPSIG(st);
			continue;
		}
		entry = !entry;
		if (!entry || ptrace(PTRACE_GETREGS, pid, NULL, &regs) < 0)
			continue;
		nr = (long)regs.orig_rax;
		if (nr == SYS_getppid) {
			part++;
			continue;
		}
		if (part < 0 || part > 1 || nr == SYS_nanosleep ||
				nr == SYS_clock_nanosleep || nr < 0 ||
				nr >= NR_MAX)
			continue;
		counts[part][nr]++;
		total[part]++;
	}
	r->sys_quiet = (double)total[0] / TRACED;
	r->sys_acked = (double)total[1] / TRACED;
	for (nr = 0; nr < NR_MAX; nr++)
		if (counts[1][nr] > 0 && off < sizeof(r->sys_detail))
			off += (size_t)snprintf(r->sys_detail + off,
				sizeof(r->sys_detail) - off, "%s%s %.2g",
				off ? ", " : "", nr_name(nr),
				(double)counts[1][nr] / TRACED);
	return part == 2 ? 0 : -1;
}

int
guest_bench(unsigned int count, int cpu, struct guest_result *r)
{
	int fds[2], st;
	pid_t pid;

	memset(r, 0, sizeof(*r));
	if (pipe2(fds, O_CLOEXEC) < 0)
		return -errno;
	fflush(NULL);
	pid = fork();
	if (pid == 0) {
		close(fds[0]);
		guest_child(count, cpu, fds[1]);
	}
	close(fds[1]);
	if (pid < 0 || read(fds[0], r, sizeof(*r)) != sizeof(*r)) {
		close(fds[0]);
		if (pid > 0)
			waitpid(pid, &st, 0);
		return -EIO;
	}
	close(fds[0]);
	if (trace_child(pid, r) < 0)
		fprintf(stderr, "bench: guest: syscalls not counted\n");
	waitpid(pid, &st, 0);
	return r->ns_acked > 0 && r->ns_quiet > 0 ? 0 : -EIO;
}
