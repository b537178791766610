/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The vmpower authors
 */

/*
 * The policy tests' rig (test_policy_rig.h): a monitor with the real
 * librte_power on a sandboxed cpufreq tree, libvirt's test driver, and
 * real sockets where the test plays QEMU.
 */

#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <rte_common.h>

#include <channel_monitor.h>
#include <libvirt_adapter.h>
#include <policy.h>
#include <power_manager.h>
#include <vmp_protocol.h>

#include "cpufreq_sandbox.h"
#include "test.h"
#include "test_policy_rig.h"
#include "test_virt.h"

/* Host CPUs 0-3. vm0: vCPU 0 on CPU 1, vCPU 1 on CPUs 2-3, a virtio NIC
 * and a VF. vm1: vCPU 0 on CPU 1, shared with vm0. */
static const char node_xml[] =
"<node>\n"
" <cpu><nodes>1</nodes><sockets>1</sockets><cores>4</cores>"
"<threads>1</threads><mhz>2000</mhz><model>i686</model></cpu>\n"
" <domain type='test'><name>vm0</name><memory>65536</memory>"
"<vcpu>2</vcpu>\n"
"  <cputune><vcpupin vcpu='0' cpuset='1'/>"
"<vcpupin vcpu='1' cpuset='2-3'/></cputune><os><type>hvm</type></os>\n"
"  <devices>\n"
"   <interface type='network'><mac address='52:54:00:aa:bb:01'/>"
"<source network='default'/><target dev='vnet7'/>"
"<model type='virtio'/></interface>\n"
"   <interface type='hostdev'><mac address='52:54:00:aa:bb:02'/>"
"<source><address type='pci' domain='0' bus='3' slot='0' function='1'/>"
"</source></interface>\n"
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

static const char * const peer_paths[NB_PEERS] = { "qemu/vm0.0",
	"qemu/vm1.0" };

static void *
loop_main(void *arg)
{
	monitor_run(arg);
	return NULL;
}

/* TRAFFIC tests read libvirt's counters this often (ms). */
unsigned int pfx_traffic_ms;
/* BRANCH_RATIO tests count software events (this VM has no PMU). */
int pfx_branch_sw;

/* The loop thread of the rig that is up, for pfx_run(). */
static struct monitor *live_mon;
static pthread_t live_loop;

int
pfx_start(struct pfx *f, int64_t time_offset)
{
	struct power_mgr_conf pconf = { 0 };
	struct monitor_conf conf = { 0 };
	struct virt_vm snap;
	char err[256];
	unsigned int i;

	memset(f, 0, sizeof(*f));
	TEST_ASSERT_EQUAL(test_virt_init(&f->v, node_xml), 0, "");
	TEST_ASSERT_EQUAL(sandbox_eal_init(), 0, "");
	TEST_ASSERT_EQUAL(power_mgr_create(&pconf, &f->pm), 0, "");
	conf.pm = f->pm;
	conf.channel_dir = f->v.chdir;
	conf.rate_limit = -1;
	conf.policy_time_offset_s = time_offset;
	conf.libvirt_uri = f->v.uri;
	conf.traffic_period_ms = pfx_traffic_ms;
	if (pfx_branch_sw) {
		conf.branch_events = POLICY_BRANCH_SOFTWARE;
		conf.branch_period_us = BRANCH_TEST_PERIOD_US;
		conf.branch_threshold = BRANCH_TEST_THRESHOLD;
	}
	TEST_ASSERT_EQUAL(monitor_create(&conf, &f->mon), 0, "");
	f->va = virt_adapter_create(f->v.uri, NULL, NULL);
	TEST_ASSERT(f->va != NULL, "");
	for (i = 0; i < NB_PEERS; i++)
		TEST_ASSERT(test_virt_listen(&f->v, peer_paths[i]) >= 0, "");
	for (i = 0; i < NB_PEERS; i++) {
		const char *vm = i == 0 ? "vm0" : "vm1";

		TEST_ASSERT_EQUAL(virt_adapter_get_vm(f->va, vm, &snap), 0, "");
		TEST_ASSERT_EQUAL(chmgr_add_vm(monitor_chmgr(f->mon), &snap),
			0, "");
		virt_vm_free(&snap);
		TEST_ASSERT(chmgr_add_channels(monitor_chmgr(f->mon), vm,
			"all", err, sizeof(err)) > 0, "%s", err);
	}
	for (i = 0; i < NB_PEERS; i++) {
		f->peer[i] = test_virt_accept(f->v.listeners[i]);
		TEST_ASSERT(f->peer[i] >= 0, "channel %s", peer_paths[i]);
	}
	TEST_ASSERT_EQUAL(pthread_create(&f->loop, NULL, loop_main, f->mon),
		0, "");
	live_mon = f->mon;
	live_loop = f->loop;
	return TEST_SUCCESS;
}

int
pfx_run(int (*fn)(void *), void *arg)
{
	int ret = fn(arg);

	/* A failed assertion returned past pfx_stop(): stop the loop
	 * thread before exit() frees what it reads. */
	if (live_mon != NULL) {
		monitor_stop(live_mon);
		pthread_join(live_loop, NULL);
		live_mon = NULL;
	}
	return ret;
}

void
pfx_stop(struct pfx *f)
{
	unsigned int i;

	monitor_stop(f->mon);
	pthread_join(f->loop, NULL);
	live_mon = NULL;
	for (i = 0; i < NB_PEERS; i++)
		if (f->peer[i] >= 0)
			close(f->peer[i]);
	monitor_destroy(f->mon);
	virt_adapter_destroy(f->va);
	power_mgr_destroy(f->pm);
	test_virt_fini(&f->v);
}

/* Wait for @cpu to reach @khz: the hour timer's effect. */
uint32_t
wait_speed(unsigned int cpu, uint32_t khz, int ms)
{
	int i;

	for (i = 0; i < test_slow_ms(ms) / 10 && sandbox_setspeed(cpu) != khz; i++)
		usleep(10000);
	return sandbox_setspeed(cpu);
}

int
wait_governor_back(unsigned int cpu)
{
	const char *g;
	int i;

	for (i = 0; i < test_slow_ms(200); i++) {
		g = sandbox_governor(cpu);
		if (g != NULL && strcmp(g, "powersave") == 0)
			return 1;
		usleep(10000);
	}
	return 0;
}

int
read_exact(int fd, void *buf, size_t len)
{
	size_t got = 0;

	while (got < len) {
		struct pollfd p = { .fd = fd, .events = POLLIN };
		ssize_t n;

		if (poll(&p, 1, test_slow_ms(3000)) <= 0)
			return -ETIMEDOUT;
		n = read(fd, (uint8_t *)buf + got, len - got);
		if (n <= 0)
			return n == 0 ? -EPIPE : -errno;
		got += (size_t)n;
	}
	return 0;
}

/* Send @p, return its answer's command (ACK or NACK). */
int
send_policy(int fd, const struct vmp_proto_packet *p)
{
	struct vmp_proto_packet r;

	if (write(fd, p, sizeof(*p)) != sizeof(*p))
		return -EIO;
	if (read_exact(fd, &r, sizeof(r)) < 0)
		return -ETIMEDOUT;
	return (int)r.command;
}

/* A policy for vCPUs @vcpus (up to 8, -1 ends), nothing else set. */
void
policy_pkt(struct vmp_proto_packet *p, uint32_t type, const int *vcpus)
{
	unsigned int i;

	vmp_proto_request(p, VMP_PROTO_POLICY, 0, 0, NULL);
	p->policy_to_use = type;
	for (i = 0; i < VMP_PROTO_POLICY_VCPUS && vcpus[i] >= 0; i++)
		p->vcpu_to_control[i] = (uint8_t)vcpus[i];
	p->num_vcpu = (uint8_t)i;
	for (i = 0; i < 3 * VMP_PROTO_HOURS; i++)
		p->timer_policy[i] = VMP_PROTO_HOUR_UNUSED;
}

void
set_mac(struct vmp_proto_packet *p, unsigned int i, uint8_t last)
{
	uint8_t m[8] = { 0x52, 0x54, 0x00, 0xaa, 0xbb, last, 0xde, 0xad };

	memcpy(&p->vfid[i], m, sizeof(m));
	p->nb_mac_to_monitor = (int32_t)i + 1;
}

void
read_stats(struct monitor *mon, void *arg)
{
	monitor_get_stats(mon, arg);
}

static void
read_policies(struct monitor *mon, void *arg)
{
	struct count_arg *c = arg;

	c->n = policy_count(monitor_policies(mon));
	c->armed = policy_timer_armed(monitor_policies(mon));
}

struct count_arg
policies(struct pfx *f)
{
	struct count_arg c = { 0, 0 };

	monitor_call(f->mon, read_policies, &c);
	return c;
}

void
rm_vm0(struct monitor *mon, void *arg)
{
	(void)arg;
	chmgr_rm_vm(monitor_chmgr(mon), "vm0");
}

const struct sandbox_shape policy_shape = { .nb_cpus = 4 };
