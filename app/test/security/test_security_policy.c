/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The vmpower authors
 */

/*
 * Hostile policies (PKT_POLICY) against the real daemon: a guest naming
 * another VM's vCPUs or name, fields out of range and random, and a flood.
 * The test plays QEMU (it listens; the daemon connects). What must hold:
 * every packet is answered, the daemon stays responsive, and no pCPU
 * outside the sender's own vCPU is ever taken.
 */

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <rte_common.h>

#include <vmp_protocol.h>

#include "cpufreq_sandbox.h"
#include "test.h"
#include "test_daemon_run.h"
#include "test_virt.h"

/* vm0: 2 vCPUs on CPUs 2 and 3. vm1, the hostile guest: 1 vCPU on 1. */
static const char node_xml[] =
"<node>\n"
" <cpu><nodes>1</nodes><sockets>1</sockets><cores>4</cores>"
"<threads>1</threads><mhz>2000</mhz><model>i686</model></cpu>\n"
" <domain type='test'><name>vm0</name><memory>65536</memory>"
"<vcpu>2</vcpu>\n"
"  <cputune><vcpupin vcpu='0' cpuset='2'/>"
"<vcpupin vcpu='1' cpuset='3'/></cputune><os><type>hvm</type></os>\n"
"  <devices><interface type='network'>"
"<mac address='52:54:00:00:00:01'/><source network='default'/>"
"</interface>\n"
"   <channel type='unix'><source mode='bind' path='%1$s/qemu/vm0.0'/>"
"<target type='virtio' name='virtio.serial.port.poweragent.0'/></channel>\n"
"  </devices></domain>\n"
" <domain type='test'><name>vm1</name><memory>65536</memory>"
"<vcpu>1</vcpu>\n"
"  <cputune><vcpupin vcpu='0' cpuset='1'/></cputune>"
"<os><type>hvm</type></os>\n"
"  <devices>\n"
"   <channel type='unix'><source mode='bind' path='%1$s/qemu/vm1.0'/>"
"<target type='virtio' name='virtio.serial.port.poweragent.0'/></channel>\n"
"  </devices></domain>\n"
"</node>\n";

static int
read_reply(int fd, struct vmp_proto_packet *r)
{
	size_t got = 0;

	while (got < sizeof(*r)) {
		struct pollfd p = { .fd = fd, .events = POLLIN };
		ssize_t n;

		if (poll(&p, 1, 5000) <= 0)
			return -ETIMEDOUT;
		n = read(fd, (uint8_t *)r + got, sizeof(*r) - got);
		if (n <= 0)
			return -EPIPE;
		got += (size_t)n;
	}
	return (int)r->command;
}

static int
ask(int fd, const struct vmp_proto_packet *p)
{
	struct vmp_proto_packet r;

	if (write(fd, p, sizeof(*p)) != sizeof(*p))
		return -EIO;
	return read_reply(fd, &r);
}

static void
policy(struct vmp_proto_packet *p, uint32_t type, uint8_t vcpu)
{
	unsigned int i;

	vmp_proto_request(p, VMP_PROTO_POLICY, 0, 0, NULL);
	p->policy_to_use = type;
	p->vcpu_to_control[0] = vcpu;
	p->num_vcpu = 1;
	for (i = 0; i < 3 * VMP_PROTO_HOURS; i++)
		p->timer_policy[i] = VMP_PROTO_HOUR_UNUSED;
}

/* CPUs 0, 2 and 3 are no vCPU's of vm1: never taken. */
static int
others_untouched(void)
{
	TEST_ASSERT_STR(sandbox_governor(0), "powersave");
	TEST_ASSERT_STR(sandbox_governor(2), "powersave");
	TEST_ASSERT_STR(sandbox_governor(3), "powersave");
	return TEST_SUCCESS;
}

static int
hostile(void *arg)
{
	const char *opts[] = { "--libvirt-uri", NULL, "--channel-dir", NULL,
		"--rate-limit", "1000", NULL };
	struct vmp_proto_packet p, *flood;
	struct test_virt v;
	struct daemon d;
	unsigned int i, seed = 7, acks = 0, nacks = 0;
	int fd, peer0, ret;

	(void)arg;
	TEST_ASSERT_EQUAL(test_virt_init(&v, node_xml), 0, "");
	opts[1] = v.uri;
	opts[3] = v.chdir;
	TEST_ASSERT(test_virt_listen(&v, "qemu/vm0.0") >= 0, "");
	TEST_ASSERT(test_virt_listen(&v, "qemu/vm1.0") >= 0, "");
	TEST_ASSERT_EQUAL(daemon_start(&d, opts), 0, "");
	TEST_ASSERT_EQUAL(daemon_expect(&d, "ready:", 10000), 0, "");
	CMD(&d, "add_vm vm0", "VM vm0 added");
	CMD(&d, "add_vm vm1", "VM vm1 added");
	CMD(&d, "add_channels vm0 all", "1 channel connected");
	CMD(&d, "add_channels vm1 all", "1 channel connected");
	peer0 = test_virt_accept(v.listeners[0]);
	fd = test_virt_accept(v.listeners[1]);
	TEST_ASSERT(peer0 >= 0 && fd >= 0, "");

	/* Another VM's vCPU, by number and by name. */
	policy(&p, VMP_PROTO_POLICY_WORKLOAD, 1);
	TEST_ASSERT_EQUAL(ask(fd, &p), VMP_PROTO_NACK, "vm1 has no vCPU 1");
	TEST_ASSERT_EQUAL(daemon_expect(&d, "VM vm1 channel 0: POLICY vCPU 0 "
		"refused: vCPU 1: the VM has 1", 3000), 0, "");
	policy(&p, VMP_PROTO_POLICY_WORKLOAD, 0);
	strcpy(p.vm_name, "vm0");
	TEST_ASSERT_EQUAL(ask(fd, &p), VMP_PROTO_NACK, "vm0's name");
	/* Another VM's NIC. */
	policy(&p, VMP_PROTO_POLICY_TRAFFIC, 0);
	memcpy(&p.vfid[0], "\x52\x54\x00\x00\x00\x01", 6);
	p.nb_mac_to_monitor = 1;
	TEST_ASSERT_EQUAL(ask(fd, &p), VMP_PROTO_NACK, "vm0's MAC");
	TEST_RUN(others_untouched());
	TEST_ASSERT_STR(sandbox_governor(1), "powersave");

	/* 2,000 policies with random fields: each answered, only vm1's
	 * own pCPU ever taken. */
	for (i = 0; i < 2000; i++) {
		uint8_t *b = (uint8_t *)&p;
		unsigned int j;

		for (j = 0; j < sizeof(p); j++)
			b[j] = (uint8_t)rand_r(&seed);
		p.command = VMP_PROTO_POLICY;
		memset(p.vm_name, 0, sizeof(p.vm_name));
		if (i & 1) {
			p.core_type = 0;
			p.num_vcpu = (uint8_t)(rand_r(&seed) % 3);
			p.vcpu_to_control[0] = (uint8_t)(rand_r(&seed) % 3);
			p.policy_to_use = (uint32_t)rand_r(&seed) % 5;
			p.workload = (uint32_t)rand_r(&seed) % 4;
			p.nb_mac_to_monitor = 0;
			memset(p.traffic_policy, 0, sizeof(p.traffic_policy));
			for (j = 0; j < 3 * VMP_PROTO_HOURS; j++)
				p.timer_policy[j] = (i & 2) ? -1 :
					rand_r(&seed) % 26 - 1;
		}
		ret = ask(fd, &p);
		TEST_ASSERT(ret == VMP_PROTO_ACK || ret == VMP_PROTO_NACK,
			"policy %u: answer %d", i, ret);
		acks += ret == VMP_PROTO_ACK;
		nacks += ret == VMP_PROTO_NACK;
		/* A rate-limited burst: pace it under --rate-limit. */
		if (i % 500 == 499)
			usleep(600000);
	}
	TEST_ASSERT(acks > 0 && nacks > 0, "%u ACK, %u NACK", acks, nacks);
	TEST_RUN(others_untouched());
	/* 64 invalid packets in a row may have disabled the channel. */
	CMD(&d, "set_channel_status vm1 0 enabled", "1 channel enabled");

	/* A flood of valid policies, written without reading: the rate
	 * limit and the reply backlog bound it; the daemon stays served. */
	flood = calloc(20000, sizeof(*flood));
	TEST_ASSERT(flood != NULL, "");
	policy(&p, VMP_PROTO_POLICY_WORKLOAD, 0);
	for (i = 0; i < 20000; i++)
		flood[i] = p;
	{
		size_t off = 0, len = 20000 * sizeof(*flood);

		while (off < len) {
			struct pollfd pw = { .fd = fd, .events = POLLOUT };
			ssize_t n;

			if (poll(&pw, 1, 2000) <= 0)
				break;	/* the daemon stopped reading: fine */
			n = write(fd, (uint8_t *)flood + off, len - off);
			if (n <= 0)
				break;
			off += (size_t)n;
		}
	}
	free(flood);
	CMD(&d, "show_vm vm1", "vCPU 0 policy: WORKLOAD HIGH: max");
	TEST_RUN(others_untouched());
	/* vm0 is still served meanwhile. */
	policy(&p, VMP_PROTO_POLICY_WORKLOAD, 1);
	p.workload = VMP_PROTO_WL_LOW;
	TEST_ASSERT_EQUAL(ask(peer0, &p), VMP_PROTO_ACK, "");
	TEST_ASSERT_STR(sandbox_governor(3), "userspace");

	close(fd);
	close(peer0);
	TEST_ASSERT_EQUAL(kill(d.pid, SIGTERM), 0, "");
	TEST_ASSERT_EQUAL(daemon_expect(&d, "restoring cores", 10000), 0, "");
	TEST_ASSERT_EQUAL(daemon_wait(&d), 0, "");
	daemon_close(&d);
	TEST_ASSERT_STR(sandbox_governor(1), "powersave");
	TEST_ASSERT_STR(sandbox_governor(3), "powersave");
	test_virt_fini(&v);
	return TEST_SUCCESS;
}

static int
test_security_policy(void)
{
	struct sandbox_shape shape = { .nb_cpus = 4 };

	return sandbox_run(&shape, hostile, NULL);
}
REGISTER_TEST(security_policy, test_security_policy);
