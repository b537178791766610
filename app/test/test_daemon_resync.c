/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The vmpower authors
 */

/*
 * A guest's levels survive the host side: the real vm_power_mgr is
 * restarted, and a channel reconnected, while a guest idles at MIN; the
 * guest only polls its port (as l3fwd-power's idle path does) and its
 * core comes back to MIN. A guest that connected as a stock DPDK guest
 * (no VMP_PROTO_CONNECT_VMPOWER) never gets an unasked packet.
 *
 * QEMU is played by a relay thread: it listens at the channel's socket,
 * keeps the guest's port (a pty) across host connections as QEMU does,
 * and copies bytes both ways.
 */

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <vmp_guest_channel.h>

#include "cpufreq_emu.h"
#include "test.h"
#include "test_daemon_run.h"
#include "test_port.h"
#include "test_virt.h"

static const char node_xml[] =
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

struct relay {
	int lfd;		/* QEMU's listening chardev socket */
	int pty;		/* the guest port's host end */
	pthread_t thread;
	atomic_int stop;
	atomic_int drop;	/* close the host's connection (a reconnect) */
	atomic_int conns;	/* host connections accepted */
};

static void *
relay_main(void *arg)
{
	struct relay *r = arg;
	int conn = -1;
	char buf[4096];

	while (!r->stop) {
		struct pollfd p[2] = {
			{ .fd = conn >= 0 ? conn : r->lfd, .events = POLLIN },
			{ .fd = conn >= 0 ? r->pty : -1, .events = POLLIN },
		};
		ssize_t n;

		if (r->drop && conn >= 0) {
			close(conn);
			conn = -1;
			r->drop = 0;
			continue;
		}
		if (poll(p, 2, 20) <= 0)
			continue;
		if (conn < 0) {
			conn = accept4(r->lfd, NULL, NULL, SOCK_CLOEXEC);
			if (conn >= 0)
				r->conns++;
			continue;
		}
		if (p[0].revents) {
			n = read(conn, buf, sizeof(buf));
			if (n <= 0) {
				close(conn);
				conn = -1;
				continue;
			}
			if (write(r->pty, buf, (size_t)n) != n)
				break;
		}
		if (p[1].revents & POLLIN) {
			n = read(r->pty, buf, sizeof(buf));
			if (n > 0 && write(conn, buf, (size_t)n) != n)
				break;
		}
	}
	if (conn >= 0)
		close(conn);
	return NULL;
}

/* Poll the idle guest until the daemon says @answer to show_cpu_freq 1. */
static int
idle_until(struct daemon *d, const char *answer)
{
	int i;

	for (i = 0; i < 300; i++) {
		TEST_ASSERT(vmp_guest_channel_poll(0) >= 0, "");
		if (daemon_cmd(d, "show_cpu_freq 1", "core 1: ") == 0 &&
				daemon_expect(d, answer, 10) == 0)
			return TEST_SUCCESS;
		usleep(10000);
	}
	TEST_ASSERT(0, "core 1 never became '%s'", answer);
	return TEST_FAILED;
}

static int
start_daemon(struct daemon *d, struct test_virt *v, const char *state_dir)
{
	const char *extra[] = { "--libvirt-uri", v->uri, "--channel-dir",
		v->chdir, state_dir ? "--state-dir" : NULL, state_dir, NULL };

	TEST_ASSERT_EQUAL(daemon_start(d, extra), 0, "");
	TEST_ASSERT_EQUAL(daemon_expect(d, "ready: channel directory", 10000),
		0, "");
	CMD(d, "add_vm vm0", "VM vm0 added");
	CMD(d, "add_channels vm0 all", "VM vm0: 1 channel connected");
	return TEST_SUCCESS;
}

static int
resync(void *arg)
{
	struct vmp_guest_channel_conf conf = { .reply_timeout_ms = 3000 };
	struct vmp_guest_channel_stats st;
	struct vmp_proto_packet stock;
	struct relay r = { .lfd = -1 };
	struct test_virt v;
	struct test_port p;
	struct daemon d1, d2;
	char path[256];
	int fd, i, ret = TEST_FAILED;

	(void)arg;
	TEST_ASSERT_EQUAL(test_virt_init(&v, node_xml), 0, "");
	r.lfd = test_virt_listen(&v, "qemu/vm0.0");
	TEST_ASSERT(r.lfd >= 0, "");
	TEST_ASSERT_EQUAL(test_port_create(&p, 0, 1000, 3000), 0, "");
	r.pty = p.master;
	TEST_ASSERT_EQUAL(pthread_create(&r.thread, NULL, relay_main, &r), 0,
		"");
	TEST_RUN(start_daemon(&d1, &v, NULL));
	conf.path_prefix = p.prefix;
	TEST_ASSERT_EQUAL(vmp_guest_channel_configure(&conf), 0, "");
	TEST_ASSERT_EQUAL(vmp_guest_channel_open(0), 0, "");
	TEST_ASSERT_EQUAL(vmp_guest_channel_set_vcpu(0, 0), 0, "");
	TEST_ASSERT_EQUAL(vmp_guest_channel_request(0, VMP_PROTO_SCALE_MIN),
		VMP_PROTO_ACK, "");
	TEST_ASSERT_EQUAL(emu_freq_now(1), 1200000, "");
	snprintf(path, sizeof(path), "%s/guest.vm0.0", d1.state_dir);
	TEST_ASSERT_EQUAL(access(path, F_OK), 0, "mark %s", path);

	/* Restart: the same state directory, the guest idles. */
	kill(d1.pid, SIGTERM);
	TEST_ASSERT_EQUAL(daemon_wait(&d1), 0, "");
	TEST_RUN(start_daemon(&d2, &v, d1.state_dir));
	/* No vote yet: the guest has not read its port. */
	CMD(&d2, "show_cpu_freq 1", "votes 0");
	TEST_RUN(idle_until(&d2, "1200000 kHz, index 4 of 5, votes 1"));
	TEST_ASSERT_EQUAL(vmp_guest_channel_stats(0, &st), 0, "");
	TEST_ASSERT_EQUAL(st.resyncs, 1, "");
	TEST_ASSERT_EQUAL(st.sent, 3, "CONNECT, MIN, MIN again: no more");

	/* A reconnect: the votes go with the connection, and come back. */
	r.drop = 1;
	while (r.drop)
		usleep(1000);
	TEST_RUN(idle_until(&d2, "votes 0"));
	CMD(&d2, "add_channels vm0 all", "VM vm0: 1 channel connected");
	TEST_RUN(idle_until(&d2, "1200000 kHz, index 4 of 5, votes 1"));
	TEST_ASSERT_EQUAL(vmp_guest_channel_stats(0, &st), 0, "");
	TEST_ASSERT_EQUAL(st.resyncs, 2, "");
	TEST_ASSERT_EQUAL(st.sent, 4, "");
	/* Every answer in before the port changes hands. */
	for (i = 0; i < test_slow_ms(300) && st.acks < 3; i++) {
		usleep(10000);
		TEST_ASSERT(vmp_guest_channel_poll(0) >= 0, "");
		TEST_ASSERT_EQUAL(vmp_guest_channel_stats(0, &st), 0, "");
	}
	TEST_ASSERT_EQUAL(st.acks, 3, "MIN, and MIN again twice");
	TEST_ASSERT_EQUAL(st.unexpected + st.lost, 0, "");

	/* A stock guest on the same port: no RESYNC on the next connect. */
	vmp_guest_channel_close(0);
	snprintf(path, sizeof(path), "%s.0", p.prefix);
	fd = open(path, O_RDWR | O_NOCTTY | O_NONBLOCK | O_CLOEXEC);
	TEST_ASSERT(fd >= 0, "");
	memset(&stock, 0xa5, sizeof(stock));	/* its stack garbage */
	stock.command = VMP_PROTO_CONNECT;
	TEST_ASSERT_EQUAL(write(fd, &stock, sizeof(stock)), sizeof(stock), "");
	snprintf(path, sizeof(path), "%s/guest.vm0.0", d1.state_dir);
	for (i = 0; i < test_slow_ms(300) && access(path, F_OK) == 0;
			i++)
		usleep(10000);
	TEST_ASSERT(access(path, F_OK) < 0, "mark %s kept", path);
	r.drop = 1;
	while (r.drop)
		usleep(1000);
	CMD(&d2, "add_channels vm0 all", "VM vm0: 1 channel connected");
	CMD(&d2, "show_vm vm0", "channel 0");
	{
		struct pollfd pfd = { .fd = fd, .events = POLLIN };

		TEST_ASSERT_EQUAL(poll(&pfd, 1, 500), 0, "a packet came");
	}
	close(fd);
	kill(d2.pid, SIGTERM);
	TEST_ASSERT_EQUAL(daemon_wait(&d2), 0, "");
	ret = TEST_SUCCESS;
	daemon_close(&d2);
	daemon_close(&d1);
	r.stop = 1;
	pthread_join(r.thread, NULL);
	close(r.lfd);
	test_port_destroy(&p);
	vmp_guest_channel_configure(NULL);
	test_virt_fini(&v);
	return ret;
}

static int
test_daemon_resync(void)
{
	struct emu_shape shape = { .nb_cpus = 4, .governor = "powersave" };

	return emu_run(&shape, resync, NULL);
}
REGISTER_TEST(daemon_resync, test_daemon_resync);
