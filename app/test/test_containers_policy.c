/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The vmpower authors
 */

/*
 * Host-side policies from host peers, with real containers
 * (test_container.h): the real daemon over the fake cpufreq tree, a
 * peer inside the container that keeps its connection (a policy lives
 * as long as it), binary packets and upstream's JSON, and the FIFOs.
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

#include <vmp_protocol.h>

#include "cpufreq_sandbox.h"
#include "test.h"
#include "test_container.h"
#include "test_daemon_run.h"

struct pworld {
	char hcdir[64];
	struct daemon d;
	int up;
	struct test_container c;
	pid_t peer;		/* the peer's process, 0: none */
	int to, from;		/* its pipes: what to send, what came back */
};

/*
 * A peer inside the container on one connection: each message written
 * to w->to is sent as it is, and the reply (or "" after 5 s) comes back
 * on w->from. It ends when w->to closes or the container is killed.
 */
static int
peer_start(struct pworld *w)
{
	int a[2], b[2];

	if (pipe(a) < 0 || pipe(b) < 0)
		return -1;
	w->peer = fork();
	if (w->peer == 0) {
		struct sockaddr_un sa = { .sun_family = AF_UNIX };
		char buf[1024];
		struct pollfd pf;
		ssize_t n;
		int fd;

		close(a[1]);
		close(b[0]);
		ctr_enter(&w->c);
		fd = socket(AF_UNIX, SOCK_STREAM, 0);
		snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", w->c.sock);
		if (fd < 0 || connect(fd, (struct sockaddr *)&sa,
				sizeof(sa)) < 0)
			_exit(1);
		while ((n = read(a[0], buf, sizeof(buf))) > 0) {
			if (write(fd, buf, (size_t)n) != n)
				_exit(1);
			pf.fd = fd;
			pf.events = POLLIN;
			n = poll(&pf, 1, test_slow_ms(5000)) == 1 ?
				read(fd, buf, sizeof(buf)) : 0;
			if (n < 0 || write(b[1], buf, n > 0 ? (size_t)n : 1) < 0)
				_exit(1);
		}
		_exit(0);
	}
	close(a[0]);
	close(b[1]);
	w->to = a[1];
	w->from = b[0];
	return w->peer > 0 ? 0 : -1;
}

/* Send @len bytes; the reply in @out (NUL-terminated). @return its size */
static ssize_t
peer_ask(struct pworld *w, const void *msg, size_t len, void *out,
		size_t size)
{
	struct pollfd pf = { .fd = w->from, .events = POLLIN };
	ssize_t n;

	if (write(w->to, msg, len) != (ssize_t)len ||
			poll(&pf, 1, test_slow_ms(8000)) != 1)
		return -1;
	n = read(w->from, out, size - 1);
	if (n > 0)
		((char *)out)[n] = '\0';
	return n;
}

/* Send @p: the reply's command, or -1. */
static int
ask_packet(struct pworld *w, const struct vmp_proto_packet *p)
{
	char buf[1024];
	struct vmp_proto_packet r;

	if (peer_ask(w, p, sizeof(*p), buf, sizeof(buf)) < 16)
		return -1;
	memset(&r, 0, sizeof(r));
	memcpy(&r, buf, 16);
	return (int)r.command;
}

/* A binary POLICY of @type on @cpu: the reply's command, or -1. */
static int
policy(struct pworld *w, uint32_t command, uint32_t type, uint32_t wl,
		unsigned int cpu)
{
	struct vmp_proto_packet p;

	vmp_proto_request(&p, command, 0, cpu, "");
	p.core_type = VMP_PROTO_CORE_PHYSICAL;
	p.policy_to_use = type;
	p.workload = wl;
	p.num_vcpu = 1;
	p.vcpu_to_control[0] = (uint8_t)cpu;
	if (type == VMP_PROTO_POLICY_TRAFFIC) {
		p.nb_mac_to_monitor = 1;
		p.vfid[0] = 0x563412005452ull;	/* 52:54:00:12:34:56 */
		p.traffic_policy[VMP_PROTO_TRAFFIC_AVG_MAX] = 100;
		p.traffic_policy[VMP_PROTO_TRAFFIC_MAX_MAX] = 1000;
	}
	return ask_packet(w, &p);
}

/* The CPU_POWER @unit on @cpu: the reply's command, or -1. */
static int
power(struct pworld *w, uint32_t unit, unsigned int cpu)
{
	struct vmp_proto_packet p;

	vmp_proto_request(&p, VMP_PROTO_CPU_POWER, unit, cpu, "");
	p.core_type = VMP_PROTO_CORE_PHYSICAL;
	return ask_packet(w, &p);
}

/* One JSON object: its answer line in @out. @return 0 or -1. */
static int
json(struct pworld *w, const char *obj, char *out, size_t size)
{
	return peer_ask(w, obj, strlen(obj), out, size) > 1 ? 0 : -1;
}

static void
rm_runtime(const struct daemon *d)
{
	char cmd[160];

	snprintf(cmd, sizeof(cmd), "rm -rf '/var/run/dpdk/%s'", d->prefix);
	if (d->prefix[0] != '\0' && system(cmd) != 0)
		printf("cannot remove /var/run/dpdk/%s\n", d->prefix);
}

static void
peer_end(struct pworld *w)
{
	if (w->peer <= 0)
		return;
	close(w->to);
	close(w->from);
	ctr_kill(&w->c);
	waitpid(w->peer, NULL, 0);
	w->peer = 0;
}

typedef int (*psteps_fn)(struct pworld *w);

static int
run_pworld(void *arg)
{
	char fifos[96], cmd[128];
	const char *extra[] = { "--host-channels", NULL, "--libvirt-uri",
		"test:///default", "--host-fifo-compat", fifos, NULL };
	struct pworld w;
	int ret, st, r;

	signal(SIGPIPE, SIG_IGN);
	memset(&w, 0, sizeof(w));
	snprintf(w.hcdir, sizeof(w.hcdir), "/tmp/vmp_hc.XXXXXX");
	TEST_ASSERT(test_mkdtemp(w.hcdir) != NULL, "mkdtemp: %s", strerror(errno));
	extra[1] = w.hcdir;
	snprintf(fifos, sizeof(fifos), "%s/fifos", w.hcdir);
	ret = daemon_start(&w.d, extra) == 0 ? TEST_SUCCESS : TEST_FAILED;
	w.up = ret == TEST_SUCCESS;
	if (ret == TEST_SUCCESS && daemon_expect(&w.d, "ready:", 10000) < 0)
		ret = TEST_FAILED;
	if (ret == TEST_SUCCESS) {
		r = ctr_create(&w.c, "1", w.hcdir);
		if (r == -EOPNOTSUPP) {
			printf("SKIP: no cpuset cgroup on this machine\n");
			ret = TEST_SKIPPED;
		} else if (r < 0) {
			printf("container: %s\n", strerror(-r));
			ret = TEST_FAILED;
		}
	}
	snprintf(cmd, sizeof(cmd), "%s/vmpower.sock", w.hcdir);
	if (ret == TEST_SUCCESS && test_wait_file(cmd) < 0)
		ret = TEST_FAILED;
	if (ret == TEST_SUCCESS && peer_start(&w) < 0)
		ret = TEST_FAILED;
	if (ret == TEST_SUCCESS)
		ret = (*(psteps_fn *)arg)(&w);
	peer_end(&w);
	ctr_destroy(&w.c);
	if (w.up) {
		daemon_cmd(&w.d, "quit", "restoring cores");
		st = daemon_wait(&w.d);
		daemon_close(&w.d);
		rm_runtime(&w.d);
		if (st != 0 && ret == TEST_SUCCESS) {
			printf("daemon exit status %d\n", st);
			ret = TEST_FAILED;
		}
	}
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", w.hcdir);
	if (system(cmd) != 0)
		printf("cannot remove %s\n", w.hcdir);
	return ret;
}

static int
in_sandbox(psteps_fn steps)
{
	struct sandbox_shape shape = { .nb_cpus = 4 };

	return sandbox_run(&shape, run_pworld, &steps);
}

/*
 * WORKLOAD HIGH takes the container's CPU to max, LOW to min; its own
 * CPU_POWER overrides; CPU 0 (not its) and TRAFFIC are refused; the
 * killed container's policy and vote go.
 */
static int
workload_steps(struct pworld *w)
{
	char json[4096];

	TEST_ASSERT_EQUAL(policy(w, VMP_PROTO_POLICY, VMP_PROTO_POLICY_WORKLOAD,
		VMP_PROTO_WL_HIGH, 1), VMP_PROTO_ACK, "WORKLOAD HIGH on CPU 1");
	TEST_ASSERT_EQUAL(sandbox_setspeed(1), 2400000, "HIGH: max");
	CMD(&w->d, "list_host_channels", "policies 1:WORKLOAD:max");
	TEST_ASSERT_EQUAL(test_telemetry(w->d.prefix, "/vmpower/policies",
		json, sizeof(json)), 0, "");
	TEST_ASSERT(strstr(json, "\"count\":1") != NULL &&
		strstr(json, "\"vm\":\"host pid ") != NULL &&
		strstr(json, "\"vcpu\":1,\"type\":\"WORKLOAD\"") != NULL,
		"%s", json);
	TEST_ASSERT_EQUAL(test_telemetry(w->d.prefix,
		"/vmpower/host_channels", json, sizeof(json)), 0, "");
	TEST_ASSERT(strstr(json, "\"policies\":\"1:WORKLOAD:max\"") != NULL,
		"%s", json);

	/* Its own request overrides, until its next policy. */
	TEST_ASSERT_EQUAL(power(w, VMP_PROTO_SCALE_DOWN, 1), VMP_PROTO_ACK, "");
	TEST_ASSERT_EQUAL(sandbox_setspeed(1), 2000000, "CPU_POWER overrides");
	CMD(&w->d, "list_host_channels", "policies 1:WORKLOAD:overridden");
	TEST_ASSERT_EQUAL(policy(w, VMP_PROTO_POLICY, VMP_PROTO_POLICY_WORKLOAD,
		VMP_PROTO_WL_LOW, 1), VMP_PROTO_ACK, "WORKLOAD LOW replaces");
	TEST_ASSERT_EQUAL(sandbox_setspeed(1), 1200000, "LOW: min");
	CMD(&w->d, "show_cpu_freq 1", "votes 1");

	/* Not its CPU; not a policy a host process can have. */
	TEST_ASSERT_EQUAL(policy(w, VMP_PROTO_POLICY, VMP_PROTO_POLICY_WORKLOAD,
		VMP_PROTO_WL_HIGH, 0), VMP_PROTO_NACK, "CPU 0 refused");
	TEST_ASSERT_EQUAL(daemon_expect(&w->d, "CPU 0 is outside its cpuset 1",
		3000), 0, "");
	TEST_ASSERT_EQUAL(sandbox_setspeed(0), 1200000, "CPU 0 untouched");
	TEST_ASSERT_EQUAL(policy(w, VMP_PROTO_POLICY, VMP_PROTO_POLICY_TRAFFIC,
		0, 1), VMP_PROTO_NACK, "TRAFFIC refused");
	TEST_ASSERT_EQUAL(daemon_expect(&w->d, "TRAFFIC policies count a VM's "
		"NICs through libvirt", 3000), 0, "");

	/* Removed, set again, then the container is killed. */
	TEST_ASSERT_EQUAL(policy(w, VMP_PROTO_POLICY_REMOVE, 0, 0, 1),
		VMP_PROTO_ACK, "");
	CMD(&w->d, "list_host_channels", "policies none");
	CMD(&w->d, "show_cpu_freq 1", "votes 0");
	TEST_ASSERT_EQUAL(policy(w, VMP_PROTO_POLICY, VMP_PROTO_POLICY_WORKLOAD,
		VMP_PROTO_WL_HIGH, 1), VMP_PROTO_ACK, "");
	TEST_ASSERT_EQUAL(sandbox_setspeed(1), 2400000, "");
	CMD(&w->d, "show_cpu_freq 1", "votes 1");
	TEST_ASSERT(ctr_kill(&w->c) > 0, "nothing to kill");
	TEST_ASSERT_EQUAL(daemon_expect(&w->d, "1 CPU policies dropped", 3000),
		0, "");
	CMD(&w->d, "show_cpu_freq 1", "votes 0");
	TEST_ASSERT_EQUAL(test_telemetry(w->d.prefix, "/vmpower/policies",
		json, sizeof(json)), 0, "");
	TEST_ASSERT(strstr(json, "\"count\":0") != NULL, "%s", json);
	return TEST_SUCCESS;
}

static int
test_containers_policy(void)
{
	return in_sandbox(workload_steps);
}
REGISTER_TEST(containers_policy, test_containers_policy);

/* Upstream's JSON policies: create and destroy on the socket (from the
 * container) and on a FIFO (from a shell); TRAFFIC refused with why. */
static int
json_steps(struct pworld *w)
{
	char out[512], cmd[512];

	TEST_ASSERT_EQUAL(json(w, "{\"policy\": {\"command\": \"create\", "
		"\"policy_type\": \"WORKLOAD\", \"workload\": \"HIGH\", "
		"\"core_list\": [1]}}", out, sizeof(out)), 0, "");
	TEST_ASSERT_STR(out, "{\"result\":\"ACK\"}\n");
	TEST_ASSERT_EQUAL(sandbox_setspeed(1), 2400000, "JSON HIGH: max");
	TEST_ASSERT_EQUAL(json(w, "{\"policy\": {\"command\": \"destroy\"}}",
		out, sizeof(out)), 0, "");
	TEST_ASSERT_STR(out, "{\"result\":\"ACK\"}\n");
	CMD(&w->d, "show_cpu_freq 1", "votes 0");
	TEST_ASSERT_EQUAL(json(w, "{\"policy\": {\"command\": \"create\", "
		"\"policy_type\": \"TRAFFIC\", \"mac_list\": "
		"[\"52:54:00:12:34:56\"], \"avg_packet_thresh\": 100, "
		"\"max_packet_thresh\": 1000, \"core_list\": [1]}}", out,
		sizeof(out)), 0, "");
	TEST_ASSERT(strstr(out, "\"NACK\",\"reason\":\"TRAFFIC policies "
		"count a VM's NICs") != NULL, "%s", out);

	/* The FIFO, as upstream's guide does it; it lives until destroy. */
	snprintf(cmd, sizeof(cmd), "echo '{\"policy\": {\"name\": \"vm\", "
		"\"command\": \"create\", \"policy_type\": \"WORKLOAD\", "
		"\"workload\": \"HIGH\"}}' > %s/fifos/fifo3", w->hcdir);
	TEST_ASSERT_EQUAL(system(cmd), 0, "%s", cmd);
	TEST_ASSERT_EQUAL(sandbox_wait_setspeed(3, 2400000, 5000), 0, "fifo3's policy");
	snprintf(cmd, sizeof(cmd), "fifo %s/fifos/fifo3 cpuset 3",
		w->hcdir);
	CMD(&w->d, "list_host_channels", cmd);
	CMD(&w->d, "list_host_channels", "policies 3:WORKLOAD:max");
	snprintf(cmd, sizeof(cmd), "echo '{\"policy\": {\"command\": "
		"\"destroy\"}}' > %s/fifos/fifo3", w->hcdir);
	TEST_ASSERT_EQUAL(system(cmd), 0, "%s", cmd);
	TEST_ASSERT_EQUAL(daemon_expect(&w->d, "POLICY_REMOVE: 1 CPU policies "
		"removed", 3000), 0, "");
	CMD(&w->d, "show_cpu_freq 3", "votes 0");
	return TEST_SUCCESS;
}

static int
test_containers_policy_json(void)
{
	return in_sandbox(json_steps);
}
REGISTER_TEST(containers_policy_json, test_containers_policy_json);
