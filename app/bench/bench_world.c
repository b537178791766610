/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The vmpower authors
 */

/*
 * A world: the real vm_power_mgr driven through its CLI (a pipe), VMs in
 * a generated libvirt test-driver node, and QEMU's side of every channel:
 * the bench listens at <channel-dir>/<vm>.<n>, the daemon connects.
 */

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include "bench.h"

/* A VM of VM_VCPUS vCPUs; vCPU v runs on pCPU v, or all on ONE_PCPU;
 * with @nics, one NIC a VM (bench_mac()), whose counters libvirt's test
 * driver makes up from its clock. */
static int
write_node(const struct world *w, int one_pcpu, int nics)
{
	char path[128];
	unsigned int k, v;
	FILE *f;

	snprintf(path, sizeof(path), "%s/node.xml", w->dir);
	f = fopen(path, "we");
	if (f == NULL)
		return -errno;
	fprintf(f, "<node>\n <cpu><nodes>1</nodes><sockets>1</sockets>"
		"<cores>%d</cores><threads>1</threads><mhz>2000</mhz>"
		"<model>i686</model></cpu>\n", BENCH_PCPUS);
	for (k = 0; k < w->nb_vms; k++) {
		fprintf(f, " <domain type='test'><name>vm%u</name>"
			"<memory>65536</memory><vcpu>%d</vcpu><cputune>", k,
			VM_VCPUS);
		for (v = 0; v < VM_VCPUS; v++)
			fprintf(f, "<vcpupin vcpu='%u' cpuset='%u'/>", v,
				one_pcpu ? ONE_PCPU : v % BENCH_PCPUS);
		fprintf(f, "</cputune><os><type>hvm</type></os>");
		if (nics) {
			uint8_t m[6];

			bench_mac(k, m);
			fprintf(f, "<devices><interface type='network'><mac "
				"address='%02x:%02x:%02x:%02x:%02x:%02x'/>"
				"<source network='default'/></interface>"
				"</devices>", m[0], m[1], m[2], m[3], m[4],
				m[5]);
		}
		fprintf(f, "</domain>\n");
	}
	fprintf(f, "</node>\n");
	return fclose(f) == 0 ? 0 : -EIO;
}

static int
spawn(struct world *w, const struct world_conf *c, const char *daemon)
{
	char lcore[16];
	const char *argv[] = {
		"vm_power_mgr", "-l", lcore, "--no-huge", "--no-pci",
		"-m", "64", "--file-prefix", w->prefix,
		"--log-level=lib.eal:warning", "--log-level=lib.power:warning",
		"--log-level=vmpower.power_manager:warning",
		"--log-level=vmpower.channel_manager:warning",
		"--", "--libvirt-uri", w->uri, "--channel-dir", w->chdir,
		/* Crash records and lock in the world's own directory. */
		"--state-dir", w->dir,
		/* The capacity, not the per-guest policy, is measured. */
		"--rate-limit", "0",
		/* BRANCH_RATIO: page faults, as the tests (no PMU here). */
		NULL, NULL, NULL,
	};
	int in[2], out[2];

	snprintf(lcore, sizeof(lcore), "%d", c->cpu < 0 ? 0 : c->cpu);
	if (c->branch_sw) {
		argv[sizeof(argv) / sizeof(argv[0]) - 3] = "--branch-events";
		argv[sizeof(argv) / sizeof(argv[0]) - 2] = "software";
	}
	if (pipe2(in, O_CLOEXEC) < 0 || pipe2(out, O_CLOEXEC) < 0)
		return -errno;
	w->pid = fork();
	if (w->pid == 0) {
		dup2(in[0], 0);
		dup2(out[1], 1);
		dup2(out[1], 2);
		execv(daemon, (char *const *)argv);
		_exit(127);
	}
	close(in[0]);
	close(out[1]);
	w->in = in[1];
	w->out = out[0];
	fcntl(w->out, F_SETFL, O_NONBLOCK);
	return w->pid > 0 ? 0 : -errno;
}

void
bench_mac(unsigned int vm, uint8_t mac[6])
{
	mac[0] = 0x52;
	mac[1] = 0x54;
	mac[2] = 0x00;
	mac[3] = (uint8_t)(vm >> 16);
	mac[4] = (uint8_t)(vm >> 8);
	mac[5] = (uint8_t)vm;
}

void
world_drain(struct world *w)
{
	ssize_t n;

	for (;;) {
		if (w->len > sizeof(w->buf) / 2) {
			/* Keep the recent half: enough to match an answer. */
			memmove(w->buf, w->buf + w->len - sizeof(w->buf) / 4,
				sizeof(w->buf) / 4);
			w->len = sizeof(w->buf) / 4;
		}
		n = read(w->out, w->buf + w->len, sizeof(w->buf) - 1 - w->len);
		if (n <= 0)
			return;
		w->len += (size_t)n;
	}
}

/* Wait until the daemon said @text; consume up to it. */
static int
expect(struct world *w, const char *text, int ms)
{
	struct pollfd p = { .fd = w->out, .events = POLLIN };
	double end = now_s() + ms / 1000.0;
	char *hit;

	for (;;) {
		w->buf[w->len] = '\0';
		hit = strstr(w->buf, text);
		if (hit != NULL) {
			size_t off = (size_t)(hit - w->buf) + strlen(text);

			memmove(w->buf, w->buf + off, w->len - off);
			w->len -= off;
			return 0;
		}
		if (now_s() > end || poll(&p, 1, 100) < 0) {
			fprintf(stderr, "bench: daemon did not say \"%s\"; it "
				"said:\n%s\n", text, w->buf);
			return -ETIMEDOUT;
		}
		world_drain(w);
		if (waitpid(w->pid, NULL, WNOHANG) == w->pid) {
			w->pid = 0;
			fprintf(stderr, "bench: daemon exited:\n%s\n", w->buf);
			return -EPIPE;
		}
	}
}

static int
cmd(struct world *w, const char *line, const char *answer)
{
	char buf[256];
	int n = snprintf(buf, sizeof(buf), "%s\n", line);

	if (write(w->in, buf, (size_t)n) != n)
		return -EIO;
	return expect(w, answer, 10000);
}

static int
listen_at(const char *path)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);

	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
	if (fd < 0 || bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 ||
			listen(fd, 4) < 0) {
		if (fd >= 0)
			close(fd);
		return -1;
	}
	return fd;
}

/* Add VM @k and connect its @nb channels: listen, ask, accept. */
static int
add_vm(struct world *w, unsigned int k, unsigned int nb)
{
	char line[128], ans[128], path[160];
	int lfd[VM_VCPUS], ret = 0;
	unsigned int j;

	snprintf(line, sizeof(line), "add_vm vm%u", k);
	snprintf(ans, sizeof(ans), "VM vm%u added", k);
	if (cmd(w, line, ans) < 0)
		return -EIO;
	for (j = 0; j < nb; j++) {
		snprintf(path, sizeof(path), "%s/vm%u.%u", w->chdir, k, j);
		lfd[j] = listen_at(path);
		if (lfd[j] < 0) {
			ret = -errno;
			nb = j;
			goto out;
		}
	}
	snprintf(line, sizeof(line), "add_channels vm%u 0-%u", k, nb - 1);
	snprintf(ans, sizeof(ans), "VM vm%u: %u channel%s connected", k, nb,
		nb == 1 ? "" : "s");
	if (cmd(w, line, ans) < 0) {
		ret = -EIO;
		goto out;
	}
	for (j = 0; j < nb; j++) {
		struct peer *p = &w->peers[w->nb_peers];
		struct pollfd pf = { .fd = lfd[j], .events = POLLIN };

		if (poll(&pf, 1, 2000) <= 0 ||
				(p->fd = accept4(lfd[j], NULL, NULL,
				SOCK_CLOEXEC)) < 0) {
			ret = -EIO;
			goto out;
		}
		p->vcpu = j;
		w->nb_peers++;
	}
out:
	/* QEMU would keep listening; the bench needs no second client. */
	for (j = 0; j < nb; j++)
		close(lfd[j]);
	return ret;
}

int
world_start(struct world *w, const struct world_conf *c,
	const char *daemon_path)
{
	unsigned int k, left;
	int ret;

	memset(w, 0, sizeof(*w));
	w->in = w->out = -1;
	strcpy(w->dir, "/tmp/vmp_bench.XXXXXX");
	if (mkdtemp(w->dir) == NULL)
		return -errno;
	snprintf(w->chdir, sizeof(w->chdir), "%s/ch", w->dir);
	if (mkdir(w->chdir, 0755) < 0)
		return -errno;
	snprintf(w->uri, sizeof(w->uri), "test://%s/node.xml", w->dir);
	snprintf(w->prefix, sizeof(w->prefix), "vmp_bench_%d_%u", getpid(),
		c->channels);
	w->nb_vms = (c->channels + VM_VCPUS - 1) / VM_VCPUS;
	w->peers = calloc(c->channels, sizeof(*w->peers));
	if (w->peers == NULL)
		return -ENOMEM;
	ret = write_node(w, c->one_pcpu, c->nics);
	if (ret == 0)
		ret = spawn(w, c, daemon_path);
	if (ret == 0)
		ret = expect(w, "ready: channel directory", 20000);
	if (ret == 0) {
		struct proc_sample ps;

		proc_sample(w->pid, &ps);
		w->rss_ready_kb = ps.rss_kb;
	}
	for (k = 0, left = c->channels; ret == 0 && left > 0; k++) {
		unsigned int nb = left < VM_VCPUS ? left : VM_VCPUS;

		ret = add_vm(w, k, nb);
		left -= nb;
	}
	if (ret < 0)
		fprintf(stderr, "bench: world of %u channels: %s\n",
			c->channels, strerror(-ret));
	return ret;
}

void
world_stop(struct world *w)
{
	char cmdline[160];
	unsigned int i;
	int st, t;

	if (w->in >= 0)
		close(w->in);		/* end of input: the daemon stops */
	for (t = 0; w->pid > 0 && t < 1500; t++) {
		world_drain(w);
		if (waitpid(w->pid, &st, WNOHANG) == w->pid) {
			w->pid = 0;
			break;
		}
		usleep(10000);
	}
	if (w->pid > 0) {
		fprintf(stderr, "bench: daemon did not stop: killed\n");
		kill(w->pid, SIGKILL);
		waitpid(w->pid, &st, 0);
	}
	for (i = 0; i < w->nb_peers; i++)
		close(w->peers[i].fd);
	free(w->peers);
	if (w->out >= 0)
		close(w->out);
	snprintf(cmdline, sizeof(cmdline), "rm -rf '%s' '/var/run/dpdk/%s'",
		w->dir, w->prefix);
	if (w->dir[0] != '\0' && system(cmdline) != 0)
		fprintf(stderr, "bench: cannot remove %s\n", w->dir);
	memset(w, 0, sizeof(*w));
	w->in = w->out = -1;
}

static uint64_t
field(const char *json, const char *key)
{
	char k[64];
	const char *p;

	snprintf(k, sizeof(k), "\"%s\":", key);
	p = strstr(json, k);
	return p == NULL ? 0 : strtoull(p + strlen(k), NULL, 10);
}

/* The daemon's counters through its telemetry socket (v2 protocol). */
int
world_stats(struct world *w, struct daemon_stats *st)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	static const char req[] = "/vmpower/stats";
	char buf[4096];
	ssize_t n = -1;
	int fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);

	memset(st, 0, sizeof(*st));
	snprintf(sa.sun_path, sizeof(sa.sun_path),
		"/var/run/dpdk/%s/dpdk_telemetry.v2", w->prefix);
	if (fd >= 0 && connect(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0 &&
			read(fd, buf, sizeof(buf) - 1) > 0 &&
			write(fd, req, strlen(req)) > 0)
		n = read(fd, buf, sizeof(buf) - 1);
	if (fd >= 0)
		close(fd);
	if (n <= 0)
		return -EIO;
	buf[n] = '\0';
	st->requests = field(buf, "requests");
	st->acks = field(buf, "acks");
	st->nacks = field(buf, "nacks");
	st->limited = field(buf, "limited");
	st->writes = field(buf, "writes");
	st->coalesced = field(buf, "coalesced");
	st->wakeups = field(buf, "wakeups");
	return 0;
}
