/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The vmpower authors
 */

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include "vmp_dpdk_compat.h"

#include <vmp_guest_channel.h>
#include <vmp_guest_power.h>

#include "test.h"
#include "test_port.h"

static const uint32_t host_freqs[] = {
	2601000, 2600000, 2400000, 2200000, 2000000,
	1800000, 1600000, 1400000, 1200000, 1000000,
};

static int
check_unit_sent(struct test_peer *peer, rte_power_freq_change_t fn,
		uint32_t unit, int expect)
{
	unsigned int before = peer->units[unit];

	TEST_ASSERT_EQUAL(fn(1), expect, "unit %u", unit);
	/* Fire-and-forget returns on send: wait for the peer to see it. */
	for (int i = 0; i < test_slow_ms(100) && peer->units[unit] == before;
			i++)
		usleep(10000);
	TEST_ASSERT_EQUAL(peer->units[unit], before + 1, "unit %u", unit);
	TEST_ASSERT_EQUAL(peer->last.resource_id, 6, "vCPU of lcore 1");
	return TEST_SUCCESS;
}

/* The ordinary rte_power API reaches the host through the channel. */
static int
test_guest_power_routes(void)
{
	struct vmp_guest_channel_conf conf = { .reply_timeout_ms = 1000 };
	struct rte_power_core_capabilities caps;
	struct test_peer peer = { 0 };
	struct test_port p;
	uint32_t freqs[16] = { 0 };
	unsigned int i;

	TEST_ASSERT_EQUAL(test_port_create(&p, 1, 300, 1000), 0, "");
	peer.nb_freqs = RTE_DIM(host_freqs);
	memcpy(peer.freqs, host_freqs, sizeof(host_freqs));
	peer.cur_khz = 1800000;
	peer.turbo = 1;
	TEST_ASSERT_EQUAL(test_peer_start(&peer, &p), 0, "");
	TEST_ASSERT_EQUAL(vmp_guest_power_init(1), 0, "");
	TEST_ASSERT_EQUAL(rte_power_get_env(), PM_ENV_KVM_VM, "");
	TEST_ASSERT_EQUAL(vmp_guest_channel_set_vcpu(1, 6), 0, "");

	TEST_RUN(check_unit_sent(&peer, rte_power_freq_up,
		VMP_PROTO_SCALE_UP, 1));
	TEST_RUN(check_unit_sent(&peer, rte_power_freq_down,
		VMP_PROTO_SCALE_DOWN, 1));
	TEST_RUN(check_unit_sent(&peer, rte_power_freq_max,
		VMP_PROTO_SCALE_MAX, 1));
	TEST_RUN(check_unit_sent(&peer, rte_power_freq_min,
		VMP_PROTO_SCALE_MIN, 1));
	TEST_RUN(check_unit_sent(&peer, rte_power_freq_enable_turbo,
		VMP_PROTO_ENABLE_TURBO, 1));
	TEST_RUN(check_unit_sent(&peer, rte_power_freq_disable_turbo,
		VMP_PROTO_DISABLE_TURBO, 1));

	/* Queries DPDK's VM backend cannot answer: real answers here. */
	TEST_ASSERT_EQUAL(rte_power_freqs(1, freqs, RTE_DIM(freqs)),
		RTE_DIM(host_freqs), "ten frequencies, two replies");
	for (i = 0; i < RTE_DIM(host_freqs); i++)
		TEST_ASSERT_EQUAL(freqs[i], host_freqs[i], "entry %u", i);
	TEST_ASSERT_EQUAL(rte_power_freqs(1, freqs, 3), RTE_DIM(host_freqs),
		"count even when the buffer is short");
	TEST_ASSERT_EQUAL(rte_power_get_freq(1), 5, "1.8 GHz is index 5");
	peer.cur_khz = 2601000;
	TEST_ASSERT_EQUAL(rte_power_get_freq(1), 0, "");
	TEST_ASSERT_EQUAL(peer.last.command, VMP_PROTO_QUERY_FREQ, "");
	TEST_ASSERT_EQUAL(peer.last.resource_id, 6, "");
	TEST_ASSERT_EQUAL(rte_power_get_capabilities(1, &caps), 0, "");
	TEST_ASSERT_EQUAL(caps.turbo, 1, "");
	TEST_ASSERT_EQUAL(caps.priority, 0, "");
	TEST_ASSERT_EQUAL(peer.last.command, VMP_PROTO_QUERY_CAPS, "");
	TEST_ASSERT_EQUAL((int)rte_power_set_freq(1, 2), -ENOTSUP, "");
	TEST_ASSERT_EQUAL(rte_power_turbo_status(1), -ENOTSUP, "");

	/* A host that refuses: NACK surfaces as an error or 0. */
	peer.nack = 1;
	TEST_ASSERT_EQUAL(rte_power_get_capabilities(1, &caps), -EPERM, "");
	TEST_ASSERT_EQUAL(rte_power_get_freq(1), ~0u, "");
	TEST_ASSERT_EQUAL(rte_power_freqs(1, freqs, RTE_DIM(freqs)), 0, "");

	/* Waiting for the answer: 1 on ACK, 0 on NACK as rte_power says. */
	conf.path_prefix = p.prefix;
	conf.power_wait_ack = 1;
	TEST_ASSERT_EQUAL(vmp_guest_channel_configure(&conf), 0, "");
	TEST_ASSERT_EQUAL(rte_power_freq_up(1), 0, "NACK: not changed");
	peer.nack = 0;
	TEST_ASSERT_EQUAL(rte_power_freq_up(1), 1, "ACK: changed");

	TEST_ASSERT_EQUAL(vmp_guest_power_exit(1), 0, "");
	TEST_ASSERT_EQUAL(rte_power_freq_up(1), -1, "channel closed");
	TEST_ASSERT_EQUAL(vmp_guest_power_exit(1), -ENOTCONN, "");
	test_peer_stop(&peer);
	test_port_destroy(&p);
	vmp_guest_channel_configure(NULL);
	return TEST_SUCCESS;
}
REGISTER_TEST(guest_power_routes, test_guest_power_routes);

/* A process that chose another power environment is refused. */
static int
test_guest_power_env(void)
{
	struct test_port p;

	TEST_ASSERT_EQUAL(test_port_create(&p, 0, 100, 100), 0, "");
	TEST_ASSERT_EQUAL(rte_power_set_env(PM_ENV_ACPI_CPUFREQ), 0, "");
	test_log_capture();
	TEST_ASSERT_EQUAL(vmp_guest_power_init(0), -EBUSY, "");
	TEST_ASSERT_LOG("power environment 1 is already set");
	TEST_ASSERT(!vmp_guest_channel_is_open(0), "");
	rte_power_unset_env();
	test_port_destroy(&p);
	return TEST_SUCCESS;
}
REGISTER_TEST(guest_power_env, test_guest_power_env);

static int
wait_path(const char *path, int ms)
{
	struct stat st;

	for (; ms > 0; ms -= 10) {
		if (stat(path, &st) == 0)
			return 0;
		usleep(10000);
	}
	return -ETIMEDOUT;
}

static int
read_full(int fd, void *buf, size_t len)
{
	size_t got = 0;

	while (got < len) {
		struct pollfd pfd = { .fd = fd, .events = POLLIN };
		ssize_t n;

		if (poll(&pfd, 1, test_slow_ms(2000)) <= 0)
			return -ETIMEDOUT;
		n = read(fd, (uint8_t *)buf + got, len - got);
		if (n <= 0)
			return -EIO;
		got += (size_t)n;
	}
	return 0;
}

/* socat binds before it listens: a connect in between is refused. */
static int
connect_retry(int fd, const struct sockaddr_un *sa)
{
	int i;

	for (i = 0; i < test_slow_ms(300); i++) {
		if (connect(fd, (const struct sockaddr *)sa, sizeof(*sa)) == 0)
			return 0;
		if (errno != ECONNREFUSED && errno != ENOENT)
			return -errno;
		usleep(10000);
	}
	return -ETIMEDOUT;
}

/* Host side of the bridge: answer the next request with NACK. */
static void *
nack_one(void *arg)
{
	struct vmp_proto_packet pkt;
	int fd = *(int *)arg;

	if (read_full(fd, &pkt, sizeof(pkt)) == 0) {
		pkt.command = VMP_PROTO_NACK;
		if (write(fd, &pkt, sizeof(pkt)) != sizeof(pkt))
			printf("cannot write NACK\n");
	}
	return NULL;
}

/*
 * The path a request takes in a VM, with socat as QEMU: the guest writes
 * to a port (a pty socat made), the host reads an AF_UNIX socket.
 */
static int
test_guest_socat_bridge(void)
{
	struct vmp_guest_channel_conf conf = {
		.reply_timeout_ms = (unsigned int)test_slow_ms(2000) };
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct vmp_proto_packet pkt;
	char dir[] = "/tmp/vmp_socat.XXXXXX", listen_arg[PATH_MAX];
	char pty_arg[PATH_MAX + 32], prefix[PATH_MAX], port[PATH_MAX + 8];
	pthread_t th;
	pid_t pid;
	int fd, ret = TEST_FAILED;

	if (system("command -v socat >/dev/null") != 0) {
		TEST_SKIP("socat is not installed");
	}
	TEST_ASSERT(test_mkdtemp(dir) != NULL, "");
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s/vm0.0", dir);
	snprintf(listen_arg, sizeof(listen_arg), "UNIX-LISTEN:%s",
		sa.sun_path);
	snprintf(prefix, sizeof(prefix), "%s/port", dir);
	snprintf(port, sizeof(port), "%s.0", prefix);
	snprintf(pty_arg, sizeof(pty_arg), "PTY,link=%s,rawer", port);
	pid = fork();
	if (pid == 0) {
		execlp("socat", "socat", listen_arg, pty_arg, (char *)NULL);
		_exit(127);
	}
	TEST_ASSERT(pid > 0, "");
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (wait_path(sa.sun_path, test_slow_ms(3000)) < 0 ||
			connect_retry(fd, &sa) < 0 ||
			wait_path(port, test_slow_ms(3000)) < 0) {
		printf("socat did not come up\n");
		goto out;
	}
	conf.path_prefix = prefix;
	if (vmp_guest_channel_configure(&conf) < 0 ||
			vmp_guest_channel_open(0) < 0)
		goto out;
	/* The host reads CONNECT, then a request, whole and in order. */
	if (read_full(fd, &pkt, sizeof(pkt)) < 0 ||
			pkt.command != VMP_PROTO_CONNECT) {
		printf("no CONNECT on the socket\n");
		goto out;
	}
	if (vmp_guest_channel_send(0, VMP_PROTO_SCALE_MAX) < 0 ||
			read_full(fd, &pkt, sizeof(pkt)) < 0 ||
			pkt.command != VMP_PROTO_CPU_POWER ||
			pkt.unit != VMP_PROTO_SCALE_MAX) {
		printf("request did not cross the bridge\n");
		goto out;
	}
	pkt.command = VMP_PROTO_ACK;
	if (write(fd, &pkt, sizeof(pkt)) != sizeof(pkt))
		goto out;
	/* That ACK answers the request sent above; the next one waits. */
	if (vmp_guest_channel_poll(0) < 0)
		goto out;
	if (pthread_create(&th, NULL, nack_one, &fd) != 0)
		goto out;
	ret = vmp_guest_channel_request(0, VMP_PROTO_SCALE_MIN);
	pthread_join(th, NULL);
	printf("host answer through socat: %d (NACK is %d)\n", ret,
		VMP_PROTO_NACK);
	ret = ret == VMP_PROTO_NACK ? TEST_SUCCESS : TEST_FAILED;
out:
	if (vmp_guest_channel_is_open(0))
		vmp_guest_channel_close(0);
	vmp_guest_channel_configure(NULL);
	close(fd);
	kill(pid, SIGTERM);
	waitpid(pid, NULL, 0);
	snprintf(listen_arg, sizeof(listen_arg), "rm -rf '%s'", dir);
	if (system(listen_arg) != 0)
		printf("cannot remove %s\n", dir);
	return ret;
}
REGISTER_TEST(guest_socat_bridge, test_guest_socat_bridge);
