/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The vmpower authors
 */

/* The guest CLI test rig: see test_guest_cli_rig.h. */

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <rte_common.h>

#include <vmp_guest_channel.h>

#include "test.h"
#include "test_guest_cli_rig.h"
#include "test_eal.h"

#define ANSWER_MS	5000	/* the first answer includes EAL start */

/* The VM every fake host answers about. */
static const uint32_t vm_khz[RIG_VCPUS] = { 2400000, 1800000, 1200000 };
static const uint64_t vm_turbo[RIG_VCPUS] = { 1, 0, 1 };
static const uint64_t vm_priority[RIG_VCPUS] = { 0, 1, 0 };

uint32_t
rig_avail_khz(uint32_t i)
{
	return 2600000 - i * 100000;
}

static void
fill_list(struct vmp_proto_freq_list *f, struct vmp_proto_caps_list *c,
		uint32_t cmd, uint32_t first, uint32_t last)
{
	uint32_t v;

	for (v = first; v < last; v++) {
		unsigned int s = vmp_proto_slot(v);

		if (cmd == VMP_PROTO_QUERY_FREQ ||
				cmd == VMP_PROTO_QUERY_FREQ_LIST) {
			f->freq_list[s] = vm_khz[v];
		} else {
			c->turbo[s] = vm_turbo[v];
			c->priority[s] = vm_priority[v];
		}
	}
}

/* The reply the vmpower host would send; 0 for none. */
static int
host_answer(struct fake_host *h, const struct vmp_proto_packet *req,
		union vmp_guest_reply *r)
{
	uint32_t cmd = req->command, v = (uint32_t)req->resource_id, i;
	int mode = h->mode, freq = cmd == VMP_PROTO_QUERY_FREQ ||
		cmd == VMP_PROTO_QUERY_FREQ_LIST, list =
		cmd == VMP_PROTO_QUERY_FREQ_LIST ||
		cmd == VMP_PROTO_QUERY_CAPS_LIST;

	if (mode == RIG_SILENT)
		return 0;
	memset(r, 0, sizeof(*r));
	r->ack = *req;
	/* Refusals echo the request, as the host's do. */
	if (mode == RIG_NACK || (!list && v >= RIG_VCPUS) ||
			(cmd == VMP_PROTO_QUERY_FREQ_AVAIL &&
			 req->unit >= RIG_FREQS)) {
		r->ack.command = VMP_PROTO_NACK;
		return 1;
	}
	switch (cmd) {
	case VMP_PROTO_CPU_POWER:
		r->ack.command = VMP_PROTO_ACK;
		return 1;
	case VMP_PROTO_QUERY_FREQ:
	case VMP_PROTO_QUERY_FREQ_LIST:
	case VMP_PROTO_QUERY_CAPS:
	case VMP_PROTO_QUERY_CAPS_LIST:
		memset(r, 0, sizeof(*r));
		r->ack.resource_id = req->resource_id;
		fill_list(&r->freq, &r->caps, cmd, list ? 0 : v,
			list ? RIG_VCPUS : v + 1);
		/* Like the host, the count of the VM's vCPUs either way. */
		if (freq) {
			r->freq.command = VMP_PROTO_FREQ_LIST;
			r->freq.num_vcpu = mode == RIG_GARBLE ? 9 : RIG_VCPUS;
		} else {
			r->caps.command = VMP_PROTO_CAPS_LIST;
			r->caps.num_vcpu = mode == RIG_GARBLE ? 0 : RIG_VCPUS;
		}
		return 1;
	case VMP_PROTO_QUERY_FREQ_AVAIL:
		memset(r, 0, sizeof(*r));
		r->freq.resource_id = req->resource_id;
		r->freq.command = VMP_PROTO_FREQ_AVAIL;
		/* A garbled second page disagrees on the total. */
		r->freq.unit = RIG_FREQS + (mode == RIG_GARBLE && req->unit);
		for (i = 0; i < VMP_PROTO_LIST_SZ && req->unit + i < RIG_FREQS;
				i++)
			r->freq.freq_list[i] = rig_avail_khz(req->unit + i);
		r->freq.num_vcpu = (uint8_t)i;
		return 1;
	default:
		r->ack.command = VMP_PROTO_NACK;
		return 1;
	}
}

static void *
host_main(void *arg)
{
	struct fake_host *h = arg;
	struct vmp_proto_packet req;
	union vmp_guest_reply r;

	while (!h->stop) {
		int ret = test_port_read(&h->port, &req, 20);

		if (ret == -ETIMEDOUT)
			continue;
		/* No guest has the port open (between two CLI runs). */
		if (ret == -EIO) {
			usleep(10000);
			continue;
		}
		if (ret < 0)
			break;
		if (req.command == VMP_PROTO_CONNECT) {
			h->connects++;
			continue;
		}
		pthread_mutex_lock(&h->lock);
		h->last = req;
		pthread_mutex_unlock(&h->lock);
		if (req.command == VMP_PROTO_CPU_POWER && req.unit < 8)
			h->units[req.unit]++;
		h->requests++;
		if (host_answer(h, &req, &r) &&
				test_port_reply(&h->port, &r) < 0)
			break;
	}
	return NULL;
}

void
rig_host_stop(struct fake_host *h)
{
	if (!h->running)
		return;
	h->stop = 1;
	pthread_join(h->thread, NULL);
	h->running = 0;
}

struct vmp_proto_packet
rig_host_last(struct fake_host *h)
{
	struct vmp_proto_packet p;

	pthread_mutex_lock(&h->lock);
	p = h->last;
	pthread_mutex_unlock(&h->lock);
	return p;
}

/* The first port's directory holds every link and the CLI's stderr. */
int
rig_add_port(struct rig *r, unsigned int lcore)
{
	struct fake_host *h = &r->host[r->nb];
	char link[PATH_MAX + 16];

	TEST_ASSERT(r->nb < RIG_MAX_PORTS, "too many ports");
	memset(h, 0, sizeof(*h));
	pthread_mutex_init(&h->lock, NULL);
	TEST_ASSERT_EQUAL(test_port_create(&h->port, lcore, 0, 0), 0, "pty");
	r->lcore[r->nb++] = lcore;
	if (r->nb == 1) {
		snprintf(r->prefix, sizeof(r->prefix), "%s", h->port.prefix);
		snprintf(r->errlog, sizeof(r->errlog), "%s/stderr.txt",
			h->port.dir);
	} else {
		snprintf(link, sizeof(link), "%s.%u", r->prefix, lcore);
		TEST_ASSERT(symlink(h->port.slave, link) == 0, "%s: %s", link,
			strerror(errno));
	}
	TEST_ASSERT_EQUAL(pthread_create(&h->thread, NULL, host_main, h), 0,
		"host thread");
	h->running = 1;
	return TEST_SUCCESS;
}

struct fake_host *
rig_host(struct rig *r, unsigned int lcore)
{
	unsigned int i;

	for (i = 0; i < r->nb; i++)
		if (r->lcore[i] == lcore)
			return &r->host[i];
	return NULL;
}

static const char *
cli_path(void)
{
	static char path[PATH_MAX];
	const char *env = getenv("GUEST_CLI");
	char self[PATH_MAX], *slash;
	ssize_t n;

	if (env != NULL && env[0] != '\0')
		return env;
	/* build/app/test/<binary> -> build/examples/... */
	n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	if (n <= 0)
		return "guest_cli";
	self[n] = '\0';
	slash = strrchr(self, '/');
	if (slash != NULL)
		*slash = '\0';
	snprintf(path, sizeof(path), "%s/../../examples/vm_power_manager/"
		"guest_cli/guest_cli", self);
	return path;
}

/* Kill it if it runs, close our ends, remove its runtime directory. */
static void
cli_reap(struct cli_proc *c)
{
	char path[PATH_MAX];

	if (c->pid > 0) {
		kill(c->pid, SIGKILL);
		waitpid(c->pid, NULL, 0);
	}
	c->pid = 0;
	if (c->in >= 0)
		close(c->in);
	if (c->out >= 0 && c->out != c->in)
		close(c->out);
	c->in = c->out = -1;
	/* --no-shconf still makes an (empty) runtime directory. */
	if (c->prefix[0] != '\0') {
		snprintf(path, sizeof(path), "/var/run/dpdk/%s", c->prefix);
		rmdir(path);
	}
	c->prefix[0] = '\0';
}

int
rig_start(struct rig *r, const char *script, int tty, const char *fmt, ...)
{
	static const char *const eal[] = { "-l", "0", "--no-huge", "--no-pci",
		"-m", "64", "--no-shconf", "--no-telemetry", "--file-prefix" };
	static unsigned int seq;
	struct cli_proc *c = &r->cli;
	char *args, *tok, *save = NULL, *argv[64], slave[PATH_MAX];
	int in[2] = { -1, -1 }, out[2] = { -1, -1 }, nb = 0, fd, i;
	va_list ap;

	cli_reap(c);
	memset(c, 0, sizeof(*c));
	c->in = c->out = -1;
	test_eal_prefix(c->prefix, sizeof(c->prefix), "vmp_guest_cli",
		(int)seq++);
	va_start(ap, fmt);
	TEST_ASSERT(vasprintf(&args, fmt, ap) >= 0, "args");
	va_end(ap);
	argv[nb++] = (char *)(uintptr_t)cli_path();
	for (i = 0; i < (int)RTE_DIM(eal); i++)
		argv[nb++] = (char *)(uintptr_t)eal[i];
	argv[nb++] = c->prefix;
	for (tok = strtok_r(args, " ", &save); tok != NULL && nb < 62;
			tok = strtok_r(NULL, " ", &save))
		argv[nb++] = tok;
	argv[nb] = NULL;
	printf("run:");
	for (i = 0; i < nb; i++)
		printf(" %s", argv[i]);
	printf("%s%s\n", script ? " < " : "", script ? script : "");
	if (tty) {
		c->in = posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC);
		TEST_ASSERT(c->in >= 0 && grantpt(c->in) == 0 &&
			unlockpt(c->in) == 0 &&
			ptsname_r(c->in, slave, sizeof(slave)) == 0, "pty");
		c->out = c->in;
		c->tty = 1;
	} else {
		TEST_ASSERT(pipe2(in, O_CLOEXEC) == 0 &&
			pipe2(out, O_CLOEXEC) == 0, "pipes");
	}
	c->pid = fork();
	if (c->pid == 0) {
		/* Never outlive the test. */
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		if (tty) {
			setsid();
			fd = open(slave, O_RDWR);
			in[0] = out[1] = fd;
		} else if (script != NULL) {
			in[0] = open(script, O_RDONLY);
		}
		/* This run's alone, for rig_errlog_has(). */
		fd = open(r->errlog, O_WRONLY | O_CREAT | O_TRUNC, 0644);
		if (in[0] < 0 || fd < 0 || dup2(in[0], 0) < 0 ||
				dup2(out[1], 1) < 0 || dup2(fd, 2) < 0)
			_exit(126);
		execv(argv[0], argv);
		_exit(127);
	}
	free(args);
	if (!tty) {
		close(in[0]);
		close(out[1]);
		c->in = in[1];
		c->out = out[0];
		/* A script needs no stdin pipe: its end is the file's. */
		if (script != NULL) {
			close(c->in);
			c->in = -1;
		}
	}
	TEST_ASSERT(c->pid > 0, "fork: %s", strerror(errno));
	return TEST_SUCCESS;
}

static uint64_t
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/* Read more output, waiting up to @ms. @return bytes, 0 at EOF, <0. */
static int
cli_fill(struct cli_proc *c, int ms)
{
	struct pollfd pfd = { .fd = c->out, .events = POLLIN };
	ssize_t n;

	if (c->len >= sizeof(c->buf) - 1)
		return -ENOBUFS;
	if (poll(&pfd, 1, ms) <= 0)
		return -ETIMEDOUT;
	n = read(c->out, c->buf + c->len, sizeof(c->buf) - 1 - c->len);
	/* A pty master reads EIO once the last slave is closed. */
	if (n <= 0)
		return 0;
	c->len += (size_t)n;
	c->buf[c->len] = '\0';
	return (int)n;
}

/* The next line of output, without its end. @return 0, -ETIMEDOUT, -EPIPE */
static int
next_line(struct cli_proc *c, char *line, size_t size)
{
	uint64_t deadline = now_ms() + (uint64_t)test_slow_ms(ANSWER_MS);
	char *nl;
	size_t n;
	int ret;

	c->buf[c->len] = '\0';
	while ((nl = strchr(c->buf, '\n')) == NULL) {
		uint64_t now = now_ms();

		if (now >= deadline)
			return -ETIMEDOUT;
		ret = cli_fill(c, (int)(deadline - now));
		if (ret == 0)
			return -EPIPE;
		if (ret < 0 && ret != -ETIMEDOUT)
			return ret;
	}
	n = (size_t)(nl - c->buf);
	snprintf(line, size, "%.*s", (int)n, c->buf);
	c->len -= n + 1;
	memmove(c->buf, nl + 1, c->len + 1);
	return 0;
}

int
rig_send(struct rig *r, const char *cmd)
{
	struct cli_proc *c = &r->cli;
	size_t len = strlen(cmd);

	c->lineno++;
	if (write(c->in, cmd, len) != (ssize_t)len || write(c->in, "\n", 1)
			!= 1)
		return -errno;
	return 0;
}

int
rig_expect_line(struct rig *r, const char *what, const char *want)
{
	char line[1024];
	int ret = next_line(&r->cli, line, sizeof(line));

	TEST_ASSERT(ret == 0, "no answer to '%s': %s", what, strerror(-ret));
	TEST_ASSERT(strcmp(line, want) == 0, "'%s' answered \"%s\", expected "
		"\"%s\"", what, line, want);
	return TEST_SUCCESS;
}

int
rig_expect(struct rig *r, const char *cmd, const char *want)
{
	TEST_ASSERT(rig_send(r, cmd) == 0, "cannot send '%s'", cmd);
	return rig_expect_line(r, cmd, want);
}

int
rig_expect_text(struct rig *r, const char *text)
{
	struct cli_proc *c = &r->cli;
	uint64_t deadline = now_ms() + (uint64_t)test_slow_ms(ANSWER_MS);
	char *at;

	c->buf[c->len] = '\0';
	while ((at = strstr(c->buf, text)) == NULL) {
		uint64_t now = now_ms();

		TEST_ASSERT(now < deadline && cli_fill(c, (int)(deadline -
			now)) > 0, "output lacks \"%s\": \"%s\"", text, c->buf);
	}
	c->len -= (size_t)(at + strlen(text) - c->buf);
	memmove(c->buf, at + strlen(text), c->len + 1);
	return TEST_SUCCESS;
}

int
rig_finish(struct rig *r, const char *rest)
{
	struct cli_proc *c = &r->cli;
	uint64_t deadline = now_ms() + (uint64_t)test_slow_ms(ANSWER_MS);
	int status, code = -1;

	if (!c->tty && c->in >= 0) {
		close(c->in);
		c->in = -1;
	}
	while (waitpid(c->pid, &status, WNOHANG) == 0) {
		if (now_ms() >= deadline) {
			printf("guest_cli did not exit\n");
			cli_reap(c);
			return -1;
		}
		usleep(10000);
	}
	c->pid = 0;
	if (WIFEXITED(status))
		code = WEXITSTATUS(status);
	if (!c->tty) {
		while (cli_fill(c, 100) > 0)
			;
		if (rest != NULL && strcmp(c->buf, rest) != 0) {
			printf("output left at exit: \"%s\", expected \"%s\"\n",
				c->buf, rest);
			code = -1;
		}
	}
	cli_reap(c);
	return code;
}

int
rig_errlog_has(const struct rig *r, const char *text)
{
	char buf[65536];
	FILE *f = fopen(r->errlog, "r");
	size_t n;

	if (f == NULL)
		return 0;
	n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = '\0';
	return strstr(buf, text) != NULL;
}

static void
rig_teardown(struct rig *r, int failed)
{
	char line[1024];
	unsigned int i;
	FILE *f;

	cli_reap(&r->cli);
	if (failed && r->nb > 0 && (f = fopen(r->errlog, "r")) != NULL) {
		printf("--- guest_cli stderr:\n");
		while (fgets(line, sizeof(line), f) != NULL)
			fputs(line, stdout);
		fclose(f);
	}
	for (i = 0; i < r->nb; i++) {
		rig_host_stop(&r->host[i]);
		test_port_destroy(&r->host[i].port);
		pthread_mutex_destroy(&r->host[i].lock);
	}
}

int
rig_run(int (*body)(struct rig *), const int *lcores)
{
	struct rig r;
	int ret = TEST_SUCCESS;

	memset(&r, 0, sizeof(r));
	r.cli.in = r.cli.out = -1;
	/* A CLI that died must fail the test, not kill it. */
	signal(SIGPIPE, SIG_IGN);
	for (; *lcores >= 0 && ret == TEST_SUCCESS; lcores++)
		ret = rig_add_port(&r, (unsigned int)*lcores);
	if (ret == TEST_SUCCESS)
		ret = body(&r);
	rig_teardown(&r, ret != TEST_SUCCESS);
	return ret;
}
