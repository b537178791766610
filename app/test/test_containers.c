/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The vmpower authors
 */

/*
 * Host channels with real containers (test_container.h: a cpuset
 * cgroup, mount and pid namespaces, the socket bind-mounted in): the
 * real daemon over the fake cpufreq tree, the real guest_cli inside the
 * containers on the host transport (VMPOWER_HOST_SOCKET), and raw peers
 * for what guest_cli cannot ask (a CPU its EAL cannot run on).
 */

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <vmp_guest_channel.h>
#include <vmp_protocol.h>

#include "cpufreq_sandbox.h"
#include "test.h"
#include "test_container.h"
#include "test_daemon_run.h"
#include "test_virt.h"

/* A test's daemon, containers and guest CLIs, all ended by world_end()
 * whichever way the test ends. */
struct world {
	char hcdir[64];
	struct daemon d;
	int up;
	struct test_container c[2];
	struct daemon g[2];
	int g_up[2];
	int fifos;		/* --host-fifo-compat <hcdir>/fifos */
};

static int
world_start(struct world *w)
{
	const char *extra[] = { "--host-channels", w->hcdir, "--libvirt-uri",
		"test:///default", NULL, NULL, NULL };
	char sock[128], fifos[96];

	snprintf(w->hcdir, sizeof(w->hcdir), "/tmp/vmp_hc.XXXXXX");
	TEST_ASSERT(test_mkdtemp(w->hcdir) != NULL, "mkdtemp: %s",
		strerror(errno));
	snprintf(fifos, sizeof(fifos), "%s/fifos", w->hcdir);
	if (w->fifos) {
		extra[4] = "--host-fifo-compat";
		extra[5] = fifos;
	}
	TEST_ASSERT_EQUAL(daemon_start(&w->d, extra), 0, "");
	w->up = 1;
	TEST_ASSERT_EQUAL(daemon_expect(&w->d, "ready:", 10000), 0, "");
	snprintf(sock, sizeof(sock), "%s/vmpower.sock", w->hcdir);
	TEST_ASSERT_EQUAL(test_wait_file(sock), 0, "");
	return TEST_SUCCESS;
}

static void
rm_runtime(const struct daemon *d)
{
	char cmd[160];

	/* EAL's runtime directory of a process that was killed. */
	snprintf(cmd, sizeof(cmd), "rm -rf '/var/run/dpdk/%s'", d->prefix);
	if (d->prefix[0] != '\0' && system(cmd) != 0)
		printf("cannot remove /var/run/dpdk/%s\n", d->prefix);
}

/* @return the daemon's exit status (0: clean, sanitizers too), or 0. */
static int
world_end(struct world *w)
{
	char cmd[128];
	unsigned int i;
	int st = 0;

	for (i = 0; i < 2; i++) {
		if (w->g_up[i]) {
			ctr_kill(&w->c[i]);
			daemon_wait(&w->g[i]);
			daemon_close(&w->g[i]);
			rm_runtime(&w->g[i]);
		}
		ctr_destroy(&w->c[i]);
	}
	if (w->up) {
		daemon_cmd(&w->d, "quit", "restoring cores");
		st = daemon_wait(&w->d);
		daemon_close(&w->d);
		rm_runtime(&w->d);
		w->up = 0;
		if (st != 0)
			printf("daemon exit status %d\n", st);
	}
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", w->hcdir);
	if (strncmp(w->hcdir, "/tmp/vmp_hc.", 12) == 0 && system(cmd) != 0)
		printf("cannot remove %s\n", w->hcdir);
	return st;
}

/* guest_cli in container @i, its lcore 0 on CPU @cpu, channel open. */
static int
cli_in(struct world *w, unsigned int i, const char *cpu)
{
	struct daemon *g = &w->g[i];
	struct test_container *c = &w->c[i];
	static char lcores[2][16];
	static unsigned int n;
	const char *extra[] = { "--channels", "0", "--timeout", "3000",
		NULL };
	const char *l[2] = { "--lcores", lcores[n % 2] };

	snprintf(lcores[n++ % 2], sizeof(lcores[0]), "0@%s", cpu);
	if (guest_cli_start_in(g, l, extra, ctr_pre_exec, c) < 0)
		return -1;
	w->g_up[i] = 1;
	return 0;
}

/*
 * Run @cmd in guest_cli and take its verdict, a line "ACK" or "NACK"
 * (CMD() would take the ACK inside NACK). @return 1 ACK, 0 NACK, -1.
 */
static int
verdict(struct daemon *g, const char *cmd)
{
	struct pollfd p = { .fd = g->out, .events = POLLIN };
	char line[128];
	int n = snprintf(line, sizeof(line), "%s\n", cmd);

	if (write(g->in, line, (size_t)n) != n)
		return -1;
	for (;;) {
		char *l = g->buf, *nl;
		ssize_t got;

		g->buf[g->len] = '\0';
		while ((nl = strchr(l, '\n')) != NULL) {
			int v = -1;

			*nl = '\0';
			if (strcmp(l, "ACK") == 0)
				v = 1;
			else if (strcmp(l, "NACK") == 0)
				v = 0;
			l = nl + 1;
			if (v >= 0) {
				g->len -= (size_t)(l - g->buf);
				memmove(g->buf, l, g->len);
				return v;
			}
		}
		g->len -= (size_t)(l - g->buf);
		memmove(g->buf, l, g->len);
		if (poll(&p, 1, test_slow_ms(5000)) <= 0)
			return -1;
		got = read(g->out, g->buf + g->len, sizeof(g->buf) - 1 - g->len);
		if (got <= 0)
			return -1;
		g->len += (size_t)got;
	}
}

#define ACK(g, cmd) TEST_ASSERT_EQUAL(verdict(g, cmd), 1, "%s: ACK", cmd)
#define NACK(g, cmd) TEST_ASSERT_EQUAL(verdict(g, cmd), 0, "%s: NACK", cmd)

/* Container @i's guest CLI quits by itself. */
static void
cli_quit(struct world *w, unsigned int i)
{
	daemon_cmd(&w->g[i], "quit", "");
	daemon_wait(&w->g[i]);
	daemon_close(&w->g[i]);
	rm_runtime(&w->g[i]);
	w->g_up[i] = 0;
}

/* Make container @i, or skip where no cpuset cgroup exists. */
#define CONTAINER(w, i, cpus) do {					\
	int r_ = ctr_create(&(w)->c[i], cpus, (w)->hcdir);		\
									\
	if (r_ == -EOPNOTSUPP)						\
		TEST_SKIP("no cpuset cgroup on this machine");		\
	TEST_ASSERT_EQUAL(r_, 0, "container: %s", strerror(-r_));	\
} while (0)

typedef int (*steps_fn)(struct world *w);
static int json_steps(struct world *w);

/* In the sandbox: the steps, then everything they made goes. */
static int
run_world(void *arg)
{
	struct world w;
	int ret;

	/* A daemon that died must fail the test, not kill it (its pipe). */
	signal(SIGPIPE, SIG_IGN);
	memset(&w, 0, sizeof(w));
	w.fifos = *(steps_fn *)arg == json_steps;
	ret = world_start(&w);
	if (ret == TEST_SUCCESS)
		ret = (*(steps_fn *)arg)(&w);
	if (world_end(&w) != 0 && ret == TEST_SUCCESS)
		ret = TEST_FAILED;
	return ret;
}

static int
in_sandbox(steps_fn steps)
{
	struct sandbox_shape shape = { .nb_cpus = 4 };

	return sandbox_run(&shape, run_world, &steps);
}

/*
 * One packet from inside @c, as any program could send it: the reply's
 * command, or -1 (no reply in 5 s, or no connection).
 */
static int
raw_request(struct test_container *c, uint32_t command, uint32_t unit,
		uint64_t cpu)
{
	pid_t pid = fork();
	int st;

	if (pid == 0) {
		struct sockaddr_un sa = { .sun_family = AF_UNIX };
		struct vmp_proto_packet p, r;
		struct pollfd pf;
		int fd;

		ctr_enter(c);
		fd = socket(AF_UNIX, SOCK_STREAM, 0);
		snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", c->sock);
		if (fd < 0 || connect(fd, (struct sockaddr *)&sa,
				sizeof(sa)) < 0)
			_exit(255);
		vmp_proto_request(&p, command, unit, cpu, "");
		p.core_type = VMP_PROTO_CORE_PHYSICAL;
		pf.fd = fd;
		pf.events = POLLIN;
		if (write(fd, &p, sizeof(p)) != sizeof(p) ||
				poll(&pf, 1, test_slow_ms(5000)) != 1 ||
				read(fd, &r, sizeof(r)) < 16)
			_exit(255);
		_exit((int)r.command);
	}
	if (pid < 0 || waitpid(pid, &st, 0) != pid || !WIFEXITED(st) ||
			WEXITSTATUS(st) == 255)
		return -1;
	return WEXITSTATUS(st);
}

/* Own CPUs land, others are refused; CLI and telemetry show the peer. */
static int
own_cpus(struct world *w)
{
	struct test_container *c = &w->c[0];
	struct daemon *g = &w->g[0];
	char json[4096];

	CONTAINER(w, 0, "1");
	TEST_ASSERT_EQUAL(cli_in(w, 0, "1"), 0, "");
	ACK(g, "set_cpu_freq 0 max");
	TEST_ASSERT_EQUAL(sandbox_setspeed(1), 2400000, "its own CPU 1 scaled");
	CMD(g, "query_cpu_freq 0", "vCPU 1: 2400000 kHz");
	CMD(g, "query_cpu_freq_avail 0", "2401000 2400000 2000000");
	ACK(g, "set_cpu_freq 0 down");
	TEST_ASSERT_EQUAL(sandbox_setspeed(1), 2000000, "");
	TEST_ASSERT_EQUAL(daemon_expect(&w->d, "cpuset 1) connected", 3000),
		0, "");
	CMD(&w->d, "list_host_channels", "cpuset 1 votes 1 requests");

	/* CPU 0 and 3 are not the container's: refused, untouched. */
	TEST_ASSERT_EQUAL(raw_request(c, VMP_PROTO_CPU_POWER,
		VMP_PROTO_SCALE_MAX, 0), VMP_PROTO_NACK, "CPU 0 refused");
	TEST_ASSERT_EQUAL(daemon_expect(&w->d, "CPU 0 is outside its "
		"cpuset 1", 3000), 0, "");
	TEST_ASSERT_EQUAL(raw_request(c, VMP_PROTO_CPU_POWER,
		VMP_PROTO_SCALE_MAX, 3), VMP_PROTO_NACK, "CPU 3 refused");
	TEST_ASSERT_EQUAL(sandbox_setspeed(0), 1200000, "CPU 0 untouched");
	TEST_ASSERT_EQUAL(sandbox_setspeed(3), 1200000, "CPU 3 untouched");
	TEST_ASSERT_EQUAL(raw_request(c, VMP_PROTO_QUERY_FREQ, 0, 0),
		VMP_PROTO_NACK, "no query of another CPU");
	TEST_ASSERT_EQUAL(raw_request(c, VMP_PROTO_CPU_POWER,
		VMP_PROTO_SCALE_MIN, 1), VMP_PROTO_ACK, "a raw peer's own CPU");

	TEST_ASSERT_EQUAL(test_telemetry(w->d.prefix,
		"/vmpower/host_channels", json, sizeof(json)), 0, "");
	TEST_ASSERT(strstr(json, "\"count\":1") != NULL, "%s", json);
	TEST_ASSERT(strstr(json, "\"cpuset\":\"1\",\"votes\":\"1\"") != NULL,
		"%s", json);
	TEST_ASSERT(strstr(json, "/vmp_test_") != NULL, "%s", json);
	cli_quit(w, 0);
	return TEST_SUCCESS;
}

static int
test_containers_own_cpus(void)
{
	return in_sandbox(own_cpus);
}
REGISTER_TEST(containers_own_cpus, test_containers_own_cpus);

/* A cpuset changed while the container runs counts at the next request. */
static int
cpuset_change(struct world *w)
{
	struct test_container *c = &w->c[0];
	struct daemon *g = &w->g[0];

	CONTAINER(w, 0, "0-1");
	TEST_ASSERT_EQUAL(cli_in(w, 0, "1"), 0, "");
	ACK(g, "set_cpu_freq 0 min");
	ACK(g, "set_cpu_freq 0 up");
	TEST_ASSERT_EQUAL(sandbox_setspeed(1), 1600000, "");
	/* The runtime takes CPU 1 away: the kernel moves the process. */
	TEST_ASSERT_EQUAL(ctr_set_cpus(c, "0"), 0, "");
	NACK(g, "set_cpu_freq 0 up");
	TEST_ASSERT_EQUAL(daemon_expect(&w->d, "CPU 1 left its cpuset 0",
		3000), 0, "");
	TEST_ASSERT_EQUAL(daemon_expect(&w->d, "CPU 1 is outside its "
		"cpuset 0", 3000), 0, "");
	CMD(&w->d, "list_host_channels", "cpuset 0 votes none");
	/* And gives it back. */
	TEST_ASSERT_EQUAL(ctr_set_cpus(c, "0-1"), 0, "");
	ACK(g, "set_cpu_freq 0 max");
	TEST_ASSERT_EQUAL(sandbox_setspeed(1), 2400000, "");
	CMD(&w->d, "list_host_channels", "cpuset 0-1 votes 1");
	cli_quit(w, 0);
	return TEST_SUCCESS;
}

static int
test_containers_cpuset_change(void)
{
	return in_sandbox(cpuset_change);
}
REGISTER_TEST(containers_cpuset_change, test_containers_cpuset_change);

/*
 * Two containers share CPU 1: the higher vote wins; when the one holding
 * it is killed, its vote goes and the other's decides.
 */
static int
shared_killed(struct world *w)
{
	CONTAINER(w, 0, "1");
	CONTAINER(w, 1, "0-1");
	TEST_ASSERT_EQUAL(cli_in(w, 0, "1"), 0, "");
	TEST_ASSERT_EQUAL(cli_in(w, 1, "1"), 0, "");
	ACK(&w->g[0], "set_cpu_freq 0 max");
	ACK(&w->g[1], "set_cpu_freq 0 min");
	TEST_ASSERT_EQUAL(sandbox_setspeed(1), 2400000, "the higher vote wins");
	CMD(&w->d, "show_cpu_freq 1", "votes 2");
	CMD(&w->d, "list_host_channels", "2 connected");

	/* As a runtime kills a container: every process of its cgroup. */
	TEST_ASSERT(ctr_kill(&w->c[0]) > 0, "nothing to kill");
	daemon_wait(&w->g[0]);
	daemon_close(&w->g[0]);
	rm_runtime(&w->g[0]);
	w->g_up[0] = 0;
	TEST_ASSERT_EQUAL(daemon_expect(&w->d, "disconnected", 3000), 0, "");
	CMD(&w->d, "show_cpu_freq 1", "votes 1");
	TEST_ASSERT_EQUAL(sandbox_setspeed(1), 1200000, "the other's vote decides");
	CMD(&w->d, "list_host_channels", "1 connected");
	cli_quit(w, 1);
	return TEST_SUCCESS;
}

static int
test_containers_shared_killed(void)
{
	return in_sandbox(shared_killed);
}
REGISTER_TEST(containers_shared_killed, test_containers_shared_killed);

/*
 * One JSON object from inside @c on the socket; its answer line in @out.
 * @return 0, or -1 (no connection or no answer in 5 s).
 */
static int
json_request(struct test_container *c, const char *json, char *out,
		size_t len)
{
	int pfd[2], st;
	ssize_t n;
	pid_t pid;

	if (pipe(pfd) < 0)
		return -1;
	pid = fork();
	if (pid == 0) {
		struct sockaddr_un sa = { .sun_family = AF_UNIX };
		struct pollfd pf;
		char line[512];
		int fd;

		close(pfd[0]);
		ctr_enter(c);
		fd = socket(AF_UNIX, SOCK_STREAM, 0);
		snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", c->sock);
		if (fd < 0 || connect(fd, (struct sockaddr *)&sa,
				sizeof(sa)) < 0 ||
				write(fd, json, strlen(json)) < 0)
			_exit(1);
		pf.fd = fd;
		pf.events = POLLIN;
		if (poll(&pf, 1, test_slow_ms(5000)) != 1)
			_exit(1);
		n = read(fd, line, sizeof(line) - 1);
		if (n <= 0 || write(pfd[1], line, (size_t)n) != n)
			_exit(1);
		_exit(0);
	}
	close(pfd[1]);
	n = pid > 0 ? read(pfd[0], out, len - 1) : -1;
	close(pfd[0]);
	if (pid < 0 || waitpid(pid, &st, 0) != pid || !WIFEXITED(st) ||
			WEXITSTATUS(st) != 0 || n <= 0)
		return -1;
	out[n] = '\0';
	return 0;
}

/*
 * Upstream's JSON: on the socket from a container (its cpuset applies),
 * and from a shell into a FIFO (echo '{...}' > fifo3), whose CPU is the
 * only one it may name.
 */
static int
json_steps(struct world *w)
{
	struct test_container *c = &w->c[0];
	char out[512], cmd[512];

	CONTAINER(w, 0, "1");
	TEST_ASSERT_EQUAL(json_request(c, "{\"instruction\": {\"name\": "
		"\"ctr\", \"command\": \"power\", \"unit\": \"SCALE_MAX\", "
		"\"resource_id\": 1}}", out, sizeof(out)), 0, "");
	TEST_ASSERT_STR(out, "{\"result\":\"ACK\"}\n");
	TEST_ASSERT_EQUAL(daemon_expect(&w->d, "disconnected", 3000), 0, "");
	TEST_ASSERT_EQUAL(json_request(c, "{\"instruction\": {\"command\": "
		"\"power\", \"unit\": \"SCALE_MAX\", \"resource_id\": 0}}", out,
		sizeof(out)), 0, "");
	TEST_ASSERT(strstr(out, "\"NACK\",\"reason\":\"CPU 0 is outside its "
		"cpuset 1\"") != NULL, "%s", out);
	TEST_ASSERT_EQUAL(sandbox_setspeed(0), 1200000, "CPU 0 untouched");
	TEST_ASSERT_EQUAL(json_request(c, "{\"policy\": {\"command\": "
		"\"create\", \"policy_type\": \"WORKLOAD\", \"workload\": "
		"\"HIGH\", \"core_list\": [1]}}", out, sizeof(out)), 0, "");
	/* Taken (test_containers_policy.c), and gone with the connection. */
	TEST_ASSERT_STR(out, "{\"result\":\"ACK\"}\n");
	TEST_ASSERT_EQUAL(json_request(c, "{\"instruction\": {\"command\": "
		"\"power\", \"unit\": \"FAST\"}}", out, sizeof(out)), 0, "");
	TEST_ASSERT(strstr(out, "NACK") != NULL && strstr(out, "unit") !=
		NULL, "%s", out);

	/* The FIFO, from a shell, as upstream's guide does it. */
	snprintf(cmd, sizeof(cmd), "echo '{\"instruction\": {\"name\": "
		"\"vm\", \"command\": \"power\", \"unit\": \"SCALE_MAX\"}}' > "
		"%s/fifos/fifo3", w->hcdir);
	TEST_ASSERT_EQUAL(system(cmd), 0, "%s", cmd);
	TEST_ASSERT_EQUAL(sandbox_wait_setspeed(3, 2400000, 5000), 0, "fifo3 scaled CPU 3");
	snprintf(cmd, sizeof(cmd), "echo '{\"instruction\": {\"command\": "
		"\"power\", \"unit\": \"SCALE_MIN\", \"resource_id\": 2}}' > "
		"%s/fifos/fifo3", w->hcdir);
	TEST_ASSERT_EQUAL(system(cmd), 0, "%s", cmd);
	TEST_ASSERT_EQUAL(daemon_expect(&w->d, "CPU 2 is not this channel's "
		"CPU 3", 3000), 0, "");
	TEST_ASSERT_EQUAL(sandbox_setspeed(2), 1200000, "CPU 2 untouched");
	TEST_ASSERT_EQUAL(sandbox_setspeed(3), 2400000, "");
	snprintf(cmd, sizeof(cmd), "fifo %s/fifos/fifo3 cpuset 3 votes 3",
		w->hcdir);
	CMD(&w->d, "list_host_channels", cmd);
	return TEST_SUCCESS;
}

static int
test_containers_json(void)
{
	return in_sandbox(json_steps);
}
REGISTER_TEST(containers_json, test_containers_json);

/* vm0's vCPU 0 runs on host CPU 1, the container's CPU too. */
static const char vm_node_xml[] =
"<node>\n"
" <cpu><nodes>1</nodes><sockets>1</sockets><cores>4</cores>"
"<threads>1</threads><mhz>2000</mhz><model>i686</model></cpu>\n"
" <domain type='test'><name>vm0</name><memory>65536</memory>"
"<vcpu>1</vcpu>\n"
"  <cputune><vcpupin vcpu='0' cpuset='1'/></cputune>"
"<os><type>hvm</type></os>\n"
"  <devices>\n"
"   <channel type='unix'><source mode='bind' path='%1$s/qemu/vm0.0'/>"
"<target type='virtio' name='virtio.serial.port.poweragent.0'/></channel>\n"
"  </devices></domain>\n"
"</node>\n";

/*
 * A VM and a container share host CPU 1: their votes are arbitrated
 * together (the highest wins); the container's going leaves the VM's.
 */
static int
vm_and_container(void *arg)
{
	struct test_container *c;
	struct test_virt v;
	struct world w;
	struct vmp_guest_channel_conf conf = { .reply_timeout_ms = 3000 };
	const char *extra[] = { "--host-channels", w.hcdir, "--libvirt-uri",
		NULL, "--channel-dir", NULL, NULL };
	char path[PATH_MAX], prefix[PATH_MAX];
	pid_t socat;
	int ret;

	(void)arg;
	memset(&w, 0, sizeof(w));
	c = &w.c[0];
	TEST_ASSERT_EQUAL(test_virt_init(&v, vm_node_xml), 0, "");
	extra[3] = v.uri;
	extra[5] = v.chdir;
	snprintf(w.hcdir, sizeof(w.hcdir), "/tmp/vmp_hc.XXXXXX");
	TEST_ASSERT(test_mkdtemp(w.hcdir) != NULL, "");
	socat = test_socat_bridge(v.dir, "vm0.0", "port.0");
	snprintf(path, sizeof(path), "%s/qemu/vm0.0", v.dir);
	ret = test_wait_file(path) == 0 && daemon_start(&w.d, extra) == 0 ?
		TEST_SUCCESS : TEST_FAILED;
	w.up = ret == TEST_SUCCESS;
	if (ret == TEST_SUCCESS)
		ret = daemon_expect(&w.d, "ready:", 10000) == 0 &&
			daemon_cmd(&w.d, "add_vm vm0", "VM vm0 added") == 0 &&
			daemon_cmd(&w.d, "add_channels vm0 all",
			"1 channel connected") == 0 ? TEST_SUCCESS : TEST_FAILED;
	snprintf(prefix, sizeof(prefix), "%s/port", v.dir);
	conf.path_prefix = prefix;
	/* The guest side in this process: vCPU 0's channel. */
	if (ret == TEST_SUCCESS) {
		snprintf(path, sizeof(path), "%s/port.0", v.dir);
		ret = test_wait_file(path) == 0 &&
			vmp_guest_channel_configure(&conf) == 0 &&
			vmp_guest_channel_open(0) == 0 &&
			vmp_guest_channel_set_vcpu(0, 0) == 0 &&
			vmp_guest_channel_request(0, VMP_PROTO_SCALE_MIN) ==
			VMP_PROTO_ACK ? TEST_SUCCESS : TEST_FAILED;
	}
	if (ret == TEST_SUCCESS) {
		int r = ctr_create(c, "1", w.hcdir);

		ret = r == 0 ? TEST_SUCCESS : TEST_FAILED;
		if (r == -EOPNOTSUPP) {
			printf("SKIP: no cpuset cgroup on this machine\n");
			ret = TEST_SKIPPED;
		}
	}
	if (ret == TEST_SUCCESS)
		ret = cli_in(&w, 0, "1") == 0 ? TEST_SUCCESS : TEST_FAILED;
	if (ret == TEST_SUCCESS) {
		ret = TEST_FAILED;
		if (sandbox_setspeed(1) == 1200000 &&
				verdict(&w.g[0], "set_cpu_freq 0 max") == 1 &&
				sandbox_setspeed(1) == 2400000 &&
				daemon_cmd(&w.d, "show_cpu_freq 1", "votes 2") == 0 &&
				vmp_guest_channel_request(0, VMP_PROTO_SCALE_UP)
				== VMP_PROTO_ACK && sandbox_setspeed(1) == 2400000 &&
				ctr_kill(c) > 0 &&
				daemon_expect(&w.d, "disconnected", 3000) == 0 &&
				sandbox_setspeed(1) == 1600000 &&
				daemon_cmd(&w.d, "show_cpu_freq 1", "votes 1") == 0)
			ret = TEST_SUCCESS;
		else
			printf("CPU 1 at %u kHz\n", sandbox_setspeed(1));
	}
	vmp_guest_channel_close(0);
	vmp_guest_channel_configure(NULL);
	if (world_end(&w) != 0 && ret == TEST_SUCCESS)
		ret = TEST_FAILED;
	kill(socat, SIGTERM);
	waitpid(socat, NULL, 0);
	test_virt_fini(&v);
	return ret;
}

static int
test_containers_with_vm(void)
{
	struct sandbox_shape shape = { .nb_cpus = 4 };

	return sandbox_run(&shape, vm_and_container, NULL);
}
REGISTER_TEST(containers_with_vm, test_containers_with_vm);
