/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The vmpower authors
 */

/*
 * The channel monitor end to end: the real librte_power on the cpufreq
 * emulator (kernel-like sysfs that refuses bad writes), libvirt's test driver for pinning, and real sockets where
 * the test plays QEMU (it listens; the daemon connects).
 */

#include <errno.h>
#include <inttypes.h>
#include <poll.h>
#include <pthread.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <sys/stat.h>
#include <unistd.h>

#include <rte_common.h>

#include <channel_monitor.h>
#include <libvirt_adapter.h>
#include <power_manager.h>
#include <vmp_protocol.h>

#include "cpufreq_emu.h"
#include "test.h"
#include "test_eal.h"
#include "test_virt.h"

/* Host CPUs 0-3. vm0: vCPU 0 on CPU 1, vCPU 1 on CPUs 2-3. vm1: vCPU 0 on
 * CPU 1, shared with vm0. vm2: 9 vCPUs, channels by directory. */
static const char node_xml[] =
"<node>\n"
" <cpu><nodes>1</nodes><sockets>1</sockets><cores>4</cores>"
"<threads>1</threads><mhz>2000</mhz><model>i686</model></cpu>\n"
" <domain type='test'><name>vm0</name><memory>65536</memory>"
"<vcpu>2</vcpu>\n"
"  <cputune><vcpupin vcpu='0' cpuset='1'/>"
"<vcpupin vcpu='1' cpuset='2-3'/></cputune><os><type>hvm</type></os>\n"
"  <devices>\n"
"   <channel type='unix'><source mode='bind' path='%1$s/qemu/vm0.0'/>"
"<target type='virtio' name='virtio.serial.port.poweragent.0'/></channel>\n"
"   <channel type='unix'><source mode='bind' path='%1$s/qemu/vm0.1'/>"
"<target type='virtio' name='virtio.serial.port.poweragent.1'/></channel>\n"
"  </devices></domain>\n"
" <domain type='test'><name>vm1</name><memory>65536</memory>"
"<vcpu>1</vcpu>\n"
"  <cputune><vcpupin vcpu='0' cpuset='1'/></cputune>"
"<os><type>hvm</type></os>\n"
"  <devices>\n"
"   <channel type='unix'><source mode='bind' path='%1$s/qemu/vm1.0'/>"
"<target type='virtio' name='virtio.serial.port.poweragent.0'/></channel>\n"
"  </devices></domain>\n"
" <domain type='test'><name>vm2</name><memory>65536</memory>"
"<vcpu>9</vcpu><os><type>hvm</type></os></domain>\n"
"</node>\n";

enum { VM0_0, VM0_1, VM1_0, VM2_0, NB_PEERS };
static const char * const peer_paths[NB_PEERS] = {
	"qemu/vm0.0", "qemu/vm0.1", "qemu/vm1.0", "channels/vm2.0",
};

struct mfx {
	struct test_virt v;
	struct power_mgr *pm;
	struct monitor *mon;
	struct virt_adapter *va;
	pthread_t loop;
	int peer[NB_PEERS];	/* QEMU's side of each channel */
};

static void *
loop_main(void *arg)
{
	monitor_run(arg);
	return NULL;
}

static int
mfx_run_loop(struct mfx *f)
{
	TEST_ASSERT_EQUAL(pthread_create(&f->loop, NULL, loop_main, f->mon),
		0, "");
	return TEST_SUCCESS;
}

/* Set, mfx_start() leaves the loop to the test's mfx_run_loop(). */
static int mfx_hold_loop;

/* What refusals_host sets for the next mfx_start(): 0 and NULL, defaults. */
static unsigned int mfx_pin_set;
static const struct cpu_list *mfx_cpus;

/* Set, the rate limiter runs on this logical clock (ms), moved by the
 * test alone. */
static int mfx_logical_clock;
static uint64_t mfx_clock = 1000;

static uint64_t
mfx_clock_ms(void *arg)
{
	(void)arg;
	return __atomic_load_n(&mfx_clock, __ATOMIC_ACQUIRE);
}

static int
mfx_start(struct mfx *f, int rate_limit)
{
	struct power_mgr_conf pconf = { .cpus = mfx_cpus };
	struct monitor_conf conf = { 0 };
	struct virt_vm snap;
	char err[256];
	unsigned int i;

	memset(f, 0, sizeof(*f));
	TEST_ASSERT_EQUAL(test_virt_init(&f->v, node_xml), 0, "");
	/* Lcore 0 only, as the daemon runs: CPUs 1-3 are vmpower's. */
	TEST_ASSERT(emu_active(), "not on the emulator");
	TEST_ASSERT_EQUAL(test_eal_start("vmp_monitor", "0"), 0, "");
	TEST_ASSERT_EQUAL(power_mgr_create(&pconf, &f->pm), 0, "");
	conf.pm = f->pm;
	conf.channel_dir = f->v.chdir;
	conf.rate_limit = rate_limit;
	conf.max_pin_set = mfx_pin_set;
	if (mfx_logical_clock)
		conf.clock_ms = mfx_clock_ms;
	TEST_ASSERT_EQUAL(monitor_create(&conf, &f->mon), 0, "");
	f->va = virt_adapter_create(f->v.uri, NULL, NULL);
	TEST_ASSERT(f->va != NULL, "");
	for (i = 0; i < NB_PEERS; i++)
		TEST_ASSERT(test_virt_listen(&f->v, peer_paths[i]) >= 0, "");
	/* Before the loop runs this thread may use the state directly. */
	for (i = 0; i < 3; i++) {
		const char *vm = i == 0 ? "vm0" : i == 1 ? "vm1" : "vm2";

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
	if (mfx_hold_loop)
		return TEST_SUCCESS;
	return mfx_run_loop(f);
}

static void
mfx_stop(struct mfx *f)
{
	unsigned int i;

	monitor_stop(f->mon);
	pthread_join(f->loop, NULL);
	for (i = 0; i < NB_PEERS; i++)
		if (f->peer[i] >= 0)
			close(f->peer[i]);
	monitor_destroy(f->mon);
	virt_adapter_destroy(f->va);
	power_mgr_destroy(f->pm);
	test_virt_fini(&f->v);
}

static void
read_stats(struct monitor *mon, void *arg)
{
	monitor_get_stats(mon, arg);
}

/* Counters, read on the loop that writes them (not racing it). */
static void
mfx_stats(struct mfx *f, struct monitor_stats *st)
{
	monitor_call(f->mon, read_stats, st);
}

static int
send_pkt(int fd, uint32_t cmd, uint32_t unit, uint64_t vcpu,
		const char *name)
{
	struct vmp_proto_packet p;

	vmp_proto_request(&p, cmd, unit, vcpu, name);
	return write(fd, &p, sizeof(p)) == sizeof(p) ? 0 : -EIO;
}

static int
read_exact(int fd, void *buf, size_t len, int ms)
{
	size_t got = 0;

	while (got < len) {
		struct pollfd p = { .fd = fd, .events = POLLIN };
		ssize_t n;

		if (poll(&p, 1, ms) <= 0)
			return -ETIMEDOUT;
		n = read(fd, (uint8_t *)buf + got, len - got);
		if (n <= 0)
			return n == 0 ? -EPIPE : -errno;
		got += (size_t)n;
	}
	return 0;
}

typedef union {
	struct vmp_proto_packet a;
	struct vmp_proto_freq_list f;
	struct vmp_proto_caps_list c;
} reply_t;

/* Read one reply of any kind. @return its command, or <0. */
static int
read_reply(int fd, reply_t *r)
{
	size_t size;
	int ret = read_exact(fd, r, VMP_PROTO_HEAD_SZ, 3000);

	if (ret < 0)
		return ret;
	size = vmp_proto_reply_size(r->a.command);
	if (size == 0)
		return -EPROTO;
	ret = read_exact(fd, (uint8_t *)r + VMP_PROTO_HEAD_SZ,
		size - VMP_PROTO_HEAD_SZ, 3000);
	return ret < 0 ? ret : (int)r->a.command;
}

/* Send a request and return the command of its answer. */
static int
ask(int fd, uint32_t cmd, uint32_t unit, uint64_t vcpu, reply_t *r)
{
	reply_t tmp;

	if (send_pkt(fd, cmd, unit, vcpu, NULL) < 0)
		return -EIO;
	return read_reply(fd, r != NULL ? r : &tmp);
}

/* Wait up to 2 s for @cpu to reach @khz (for effects of a hang-up). */
static uint32_t
wait_speed(unsigned int cpu, uint32_t khz)
{
	int i;

	for (i = 0; i < test_slow_ms(200) && emu_setspeed(cpu) != khz;
			i++)
		usleep(10000);
	return emu_setspeed(cpu);
}

/* Wait up to 2 s for @cpu's governor to be @gov: given back, or taken. */
static int
wait_governor(unsigned int cpu, const char *gov)
{
	const char *g = NULL;
	int i;

	for (i = 0; i < test_slow_ms(200); i++) {
		g = emu_governor(cpu);
		if (g != NULL && strcmp(g, gov) == 0)
			return 0;
		usleep(10000);
	}
	return -ETIMEDOUT;
}

/* acpi-cpufreq, CPUs at powersave (1.2 GHz) until taken. */
static const struct emu_shape shape = { .nb_cpus = 4,
	.governor = "powersave" };

/* Each test runs in a child of its own, over a fresh cpufreq emulator. */
#define MONITOR_TEST(name, fn)						\
	static int							\
	test_##name(void)						\
	{								\
		return emu_run(&shape, fn, NULL);			\
	}								\
	REGISTER_TEST(name, test_##name)

#define ACK	VMP_PROTO_ACK
#define NACK	VMP_PROTO_NACK

static int
requests(void *arg)
{
	struct mfx f;
	int fd;

	(void)arg;
	TEST_RUN(mfx_start(&f, 0));
	fd = f.peer[VM0_0];
	TEST_ASSERT_EQUAL(send_pkt(fd, VMP_PROTO_CONNECT, 0, 0, NULL), 0, "");
	TEST_ASSERT_EQUAL(ask(fd, VMP_PROTO_CPU_POWER, VMP_PROTO_SCALE_MIN, 0,
		NULL), ACK, "CONNECT has no answer; MIN's comes first");
	TEST_ASSERT_EQUAL(emu_setspeed(1), 1200000, "");
	TEST_ASSERT_EQUAL(ask(fd, VMP_PROTO_CPU_POWER, VMP_PROTO_SCALE_UP, 0,
		NULL), ACK, "");
	TEST_ASSERT_EQUAL(emu_setspeed(1), 1600000, "");
	TEST_ASSERT_EQUAL(ask(fd, VMP_PROTO_CPU_POWER, VMP_PROTO_SCALE_UP, 0,
		NULL), ACK, "");
	TEST_ASSERT_EQUAL(emu_setspeed(1), 2000000, "");
	TEST_ASSERT_EQUAL(ask(fd, VMP_PROTO_CPU_POWER, VMP_PROTO_SCALE_MAX, 0,
		NULL), ACK, "");
	TEST_ASSERT_EQUAL(emu_setspeed(1), 2400000, "");
	TEST_ASSERT_EQUAL(ask(fd, VMP_PROTO_CPU_POWER, VMP_PROTO_SCALE_DOWN, 0,
		NULL), ACK, "");
	TEST_ASSERT_EQUAL(emu_setspeed(1), 2000000, "");
	TEST_ASSERT_EQUAL(ask(fd, VMP_PROTO_CPU_POWER, VMP_PROTO_ENABLE_TURBO,
		0, NULL), ACK, "");
	TEST_ASSERT_EQUAL(emu_setspeed(1), 2401000, "");
	TEST_ASSERT_EQUAL(ask(fd, VMP_PROTO_CPU_POWER, VMP_PROTO_DISABLE_TURBO,
		0, NULL), ACK, "");
	TEST_ASSERT_EQUAL(emu_setspeed(1), 2400000, "");
	/* vCPU 1 is pinned to two pCPUs: both follow; others do not. */
	TEST_ASSERT_EQUAL(ask(f.peer[VM0_1], VMP_PROTO_CPU_POWER,
		VMP_PROTO_SCALE_MIN, 1, NULL), ACK, "");
	TEST_ASSERT_EQUAL(emu_setspeed(2), 1200000, "");
	TEST_ASSERT_EQUAL(emu_setspeed(3), 1200000, "");
	TEST_ASSERT_EQUAL(emu_setspeed(1), 2400000, "");
	mfx_stop(&f);
	return TEST_SUCCESS;
}

MONITOR_TEST(monitor_requests, requests);

/* A byte stream: packets in pieces, and many in one write. */
static int
stream(void *arg)
{
	struct vmp_proto_packet p[10];
	struct monitor_stats st;
	struct mfx f;
	reply_t r;
	int fd, i;

	(void)arg;
	TEST_RUN(mfx_start(&f, 0));
	fd = f.peer[VM0_0];
	vmp_proto_request(&p[0], VMP_PROTO_CPU_POWER, VMP_PROTO_SCALE_MIN, 0,
		NULL);
	/*
	 * One packet in three pieces, each read by the loop before the next
	 * is sent: a job through monitor_call() runs after the epoll batch
	 * that saw the piece (the bytes were there before the job), and the
	 * loop's stats must then show a read that ended inside the packet,
	 * and no packet yet.
	 */
	TEST_ASSERT_EQUAL(write(fd, &p[0], 100), 100, "");
	mfx_stats(&f, &st);
	TEST_ASSERT_EQUAL(st.partial, 1, "first piece read alone");
	TEST_ASSERT_EQUAL(st.packets, 0, "");
	/* Half a packet on one channel holds nobody else up. */
	TEST_ASSERT_EQUAL(ask(f.peer[VM0_1], VMP_PROTO_CPU_POWER,
		VMP_PROTO_SCALE_MIN, 1, NULL), ACK, "");
	TEST_ASSERT_EQUAL(write(fd, (uint8_t *)&p[0] + 100, 300), 300, "");
	mfx_stats(&f, &st);
	TEST_ASSERT_EQUAL(st.partial, 2, "second piece read alone");
	TEST_ASSERT_EQUAL(st.packets, 1, "only the other channel's");
	TEST_ASSERT_EQUAL(write(fd, (uint8_t *)&p[0] + 400, 64), 64, "");
	TEST_ASSERT_EQUAL(read_reply(fd, &r), ACK, "");
	TEST_ASSERT_EQUAL(emu_setspeed(1), 1200000, "");
	mfx_stats(&f, &st);
	TEST_ASSERT_EQUAL(st.partial, 2, "the last piece completed it");
	TEST_ASSERT_EQUAL(st.packets, 2, "");

	for (i = 0; i < 10; i++)
		vmp_proto_request(&p[i], VMP_PROTO_CPU_POWER,
			VMP_PROTO_SCALE_UP, 0, NULL);
	TEST_ASSERT_EQUAL(write(fd, p, sizeof(p)), sizeof(p), "");
	for (i = 0; i < 10; i++)
		TEST_ASSERT_EQUAL(read_reply(fd, &r), ACK, "reply %d", i);
	TEST_ASSERT_EQUAL(emu_setspeed(1), 2400000, "UP stops below turbo");
	mfx_stop(&f);
	return TEST_SUCCESS;
}

MONITOR_TEST(monitor_stream, stream);

static int
refused(int fd, struct vmp_proto_packet *p, const char *log)
{
	reply_t r;

	TEST_ASSERT_EQUAL(write(fd, p, sizeof(*p)), sizeof(*p), "");
	TEST_ASSERT_EQUAL(read_reply(fd, &r), NACK, "%s", log);
	TEST_ASSERT_EQUAL(emu_setspeed(1), 1200000, "%s: nothing changed", log);
	/* CPU 0 is no vCPU's of this VM: never touched, its setspeed
	 * "<unsupported>" as the kernel shows it off userspace. */
	TEST_ASSERT_EQUAL(emu_setspeed(0), 0, "%s: nothing changed", log);
	TEST_ASSERT_STR(emu_governor(0), "powersave");
	TEST_ASSERT_LOG(log);
	return TEST_SUCCESS;
}

/* A guest reaches only the pCPUs of its own vCPUs. */
static int
refusals(void *arg)
{
	struct vmp_proto_packet p;
	struct monitor_stats st;
	struct mfx f;
	int fd;

	(void)arg;
	TEST_RUN(mfx_start(&f, 0));
	fd = f.peer[VM0_0];
	TEST_ASSERT_EQUAL(ask(fd, VMP_PROTO_CPU_POWER, VMP_PROTO_SCALE_MIN, 0,
		NULL), ACK, "");
	test_log_capture();
	vmp_proto_request(&p, VMP_PROTO_CPU_POWER, VMP_PROTO_SCALE_MAX, 2,
		NULL);
	TEST_RUN(refused(fd, &p, "VM vm0 channel 0: CPU_POWER vCPU 2 "
		"refused: vCPU out of range"));
	p.resource_id = 0;
	p.core_type = VMP_PROTO_CORE_PHYSICAL;
	TEST_RUN(refused(fd, &p, "refused: physical core type refused"));
	vmp_proto_request(&p, VMP_PROTO_CPU_POWER, VMP_PROTO_SCALE_MAX, 0,
		"vm1");
	TEST_RUN(refused(fd, &p, "refused: vm_name names another VM"));
	vmp_proto_request(&p, VMP_PROTO_CPU_POWER, 42, 0, NULL);
	TEST_RUN(refused(fd, &p, "refused: unknown unit"));
	vmp_proto_request(&p, 99, 1, 0, NULL);
	TEST_RUN(refused(fd, &p, "command 99 refused: unknown command"));
	vmp_proto_request(&p, VMP_PROTO_POLICY, 0, 0, NULL);
	TEST_RUN(refused(fd, &p, "POLICY vCPU 0 refused: num_vcpu 0: 1 "
		"to 8"));
	mfx_stats(&f, &st);
	TEST_ASSERT_EQUAL(st.rejected, 6, "");
	TEST_ASSERT_EQUAL(st.nacks, 6, "");
	TEST_ASSERT_EQUAL(st.acks, 1, "");
	mfx_stop(&f);
	return TEST_SUCCESS;
}

MONITOR_TEST(monitor_refusals, refusals);

/*
 * The host's limits: vm2's vCPUs are unpinned (every host CPU), refused
 * once the set is wider than --max-pin-set; with --cpus 1, vm0's vCPU 1
 * (CPUs 2-3) is refused, its vCPU 0 (CPU 1) served. Each refusal says
 * why in one line naming the VM, the vCPU and the cores.
 */
static int
refusals_host(void *arg)
{
	struct cpu_list only1;
	struct mfx f;

	(void)arg;
	TEST_ASSERT_EQUAL(cpu_list_init(&only1, 4), 0, "");
	cpu_list_add(&only1, 1);
	mfx_pin_set = 2;
	mfx_cpus = &only1;
	TEST_RUN(mfx_start(&f, 0));
	test_log_capture();
	TEST_ASSERT_EQUAL(ask(f.peer[VM2_0], VMP_PROTO_CPU_POWER,
		VMP_PROTO_SCALE_MAX, 0, NULL), NACK, "unpinned");
	TEST_ASSERT_LOG("VM vm2 channel 0: CPU_POWER vCPU 0 refused: the vCPU "
		"must be pinned: its pCPU set 0-3 has 4 CPUs, more than "
		"--max-pin-set 2");
	TEST_ASSERT_EQUAL(ask(f.peer[VM0_1], VMP_PROTO_CPU_POWER,
		VMP_PROTO_SCALE_MIN, 1, NULL), NACK, "outside --cpus");
	TEST_ASSERT_LOG("VM vm0 channel 1: CPU_POWER vCPU 1 refused: pCPU 2-3: "
		"outside --cpus");
	TEST_ASSERT_EQUAL(ask(f.peer[VM0_0], VMP_PROTO_CPU_POWER,
		VMP_PROTO_SCALE_MAX, 0, NULL), ACK, "inside --cpus");
	TEST_ASSERT_EQUAL(emu_setspeed(1), 2400000, "");
	/* Nothing else was touched. */
	TEST_ASSERT_STR(emu_governor(0), "powersave");
	TEST_ASSERT_STR(emu_governor(2), "powersave");
	TEST_ASSERT_STR(emu_governor(3), "powersave");
	mfx_stop(&f);
	cpu_list_free(&only1);
	return TEST_SUCCESS;
}

MONITOR_TEST(monitor_refusals_host, refusals_host);

/* Two VMs on one pCPU: the highest vote wins; a leaver's vote goes. */
static int
shared(void *arg)
{
	struct mfx f;

	(void)arg;
	TEST_RUN(mfx_start(&f, 0));
	TEST_ASSERT_EQUAL(ask(f.peer[VM1_0], VMP_PROTO_CPU_POWER,
		VMP_PROTO_SCALE_MIN, 0, NULL), ACK, "");
	TEST_ASSERT_EQUAL(emu_setspeed(1), 1200000, "");
	TEST_ASSERT_EQUAL(ask(f.peer[VM0_0], VMP_PROTO_CPU_POWER,
		VMP_PROTO_SCALE_MAX, 0, NULL), ACK, "");
	TEST_ASSERT_EQUAL(emu_setspeed(1), 2400000, "vm0 wants more: it gets it");
	TEST_ASSERT_EQUAL(ask(f.peer[VM1_0], VMP_PROTO_CPU_POWER,
		VMP_PROTO_SCALE_DOWN, 0, NULL), ACK, "");
	TEST_ASSERT_EQUAL(emu_setspeed(1), 2400000, "vm1 cannot slow vm0 down");
	/* vm0's guest goes away: its vote with it. */
	close(f.peer[VM0_0]);
	f.peer[VM0_0] = -1;
	TEST_ASSERT_EQUAL(wait_speed(1, 1200000), 1200000, "vm1's MIN rules");
	mfx_stop(&f);
	return TEST_SUCCESS;
}

MONITOR_TEST(monitor_shared, shared);

/* Queries answer about the sender's own vCPUs, with the host's values. */
static int
queries(void *arg)
{
	struct mfx f;
	reply_t r;
	int fd;

	(void)arg;
	TEST_RUN(mfx_start(&f, 0));
	fd = f.peer[VM0_1];
	TEST_ASSERT_EQUAL(ask(f.peer[VM0_0], VMP_PROTO_CPU_POWER,
		VMP_PROTO_SCALE_MAX, 0, NULL), ACK, "");
	TEST_ASSERT_EQUAL(ask(fd, VMP_PROTO_CPU_POWER, VMP_PROTO_SCALE_MIN, 1,
		NULL), ACK, "");
	TEST_ASSERT_EQUAL(ask(fd, VMP_PROTO_CPU_POWER, VMP_PROTO_SCALE_UP, 1,
		NULL), ACK, "");
	TEST_ASSERT_EQUAL(ask(fd, VMP_PROTO_QUERY_FREQ, 0, 1, &r),
		VMP_PROTO_FREQ_LIST, "");
	TEST_ASSERT_EQUAL(r.f.resource_id, 1, "");
	TEST_ASSERT_EQUAL(r.f.freq_list[1], 1600000, "");
	TEST_ASSERT_EQUAL(ask(fd, VMP_PROTO_QUERY_FREQ_LIST, 0, 0, &r),
		VMP_PROTO_FREQ_LIST, "");
	TEST_ASSERT_EQUAL(r.f.num_vcpu, 2, "");
	TEST_ASSERT_EQUAL(r.f.freq_list[0], 2400000, "");
	TEST_ASSERT_EQUAL(r.f.freq_list[1], 1600000, "");
	TEST_ASSERT_EQUAL(ask(fd, VMP_PROTO_QUERY_CAPS, 0, 0, &r),
		VMP_PROTO_CAPS_LIST, "");
	TEST_ASSERT_EQUAL(r.c.turbo[0], 1, "");
	TEST_ASSERT_EQUAL(ask(fd, VMP_PROTO_QUERY_CAPS_LIST, 0, 0, &r),
		VMP_PROTO_CAPS_LIST, "");
	TEST_ASSERT_EQUAL(r.c.num_vcpu, 2, "");
	TEST_ASSERT_EQUAL(r.c.turbo[1], 1, "");
	TEST_ASSERT_EQUAL(ask(fd, VMP_PROTO_QUERY_FREQ_AVAIL, 0, 1, &r),
		VMP_PROTO_FREQ_AVAIL, "");
	TEST_ASSERT_EQUAL(r.f.unit, 5, "");
	TEST_ASSERT_EQUAL(r.f.num_vcpu, 5, "");
	TEST_ASSERT_EQUAL(r.f.freq_list[0], 2401000, "");
	TEST_ASSERT_EQUAL(r.f.freq_list[4], 1200000, "");
	TEST_ASSERT_EQUAL(ask(fd, VMP_PROTO_QUERY_FREQ_AVAIL, 3, 1, &r),
		VMP_PROTO_FREQ_AVAIL, "");
	TEST_ASSERT_EQUAL(r.f.num_vcpu, 2, "");
	TEST_ASSERT_EQUAL(r.f.freq_list[0], 1600000, "");
	TEST_ASSERT_EQUAL(ask(fd, VMP_PROTO_QUERY_FREQ_AVAIL, 5, 1, &r), NACK,
		"past the list");
	TEST_ASSERT_EQUAL(ask(fd, VMP_PROTO_QUERY_FREQ, 0, 2, &r), NACK,
		"vm0 has no vCPU 2");
	/* A name in the packet changes nothing: still the sender's vCPUs. */
	TEST_ASSERT_EQUAL(send_pkt(fd, VMP_PROTO_QUERY_FREQ, 0, 0, "vm1"), 0,
		"");
	TEST_ASSERT_EQUAL(read_reply(fd, &r), VMP_PROTO_FREQ_LIST, "");
	TEST_ASSERT_EQUAL(r.f.freq_list[0], 2400000, "vm0's vCPU 0");
	/* Nine vCPUs: vCPU 8 answers in slot 0 with its own resource_id. */
	TEST_ASSERT_EQUAL(ask(f.peer[VM2_0], VMP_PROTO_QUERY_FREQ, 0, 8, &r),
		VMP_PROTO_FREQ_LIST, "");
	TEST_ASSERT_EQUAL(r.f.resource_id, 8, "");
	TEST_ASSERT(r.f.freq_list[0] >= 1200000, "");
	TEST_ASSERT_EQUAL(ask(f.peer[VM2_0], VMP_PROTO_QUERY_FREQ_LIST, 0, 0,
		&r), VMP_PROTO_FREQ_LIST, "");
	TEST_ASSERT_EQUAL(r.f.num_vcpu, 8, "the first eight of nine");
	mfx_stop(&f);
	return TEST_SUCCESS;
}

MONITOR_TEST(monitor_queries, queries);

struct flood {
	int fd;
	unsigned int count;
};

static void *
flood_writer(void *arg)
{
	struct flood *fl = arg;
	struct vmp_proto_packet p[100];
	unsigned int i, sent;

	for (sent = 0; sent < fl->count; sent += RTE_DIM(p)) {
		for (i = 0; i < RTE_DIM(p); i++)
			vmp_proto_request(&p[i], VMP_PROTO_CPU_POWER,
				(sent + i) & 1 ? VMP_PROTO_SCALE_MAX :
				VMP_PROTO_SCALE_MIN, 0, NULL);
		if (write(fl->fd, p, sizeof(p)) != sizeof(p))
			break;
	}
	return NULL;
}

/* 100,000 requests: every one answered, far fewer sysfs writes. */
static int
flood(void *arg)
{
	struct flood fl = { .count = 100000 };
	struct monitor_stats st;
	struct timespec t0, t1;
	pthread_t th;
	struct mfx f;
	reply_t r;
	unsigned int acks = 0, i;
	double s;

	(void)arg;
	TEST_RUN(mfx_start(&f, -1));
	fl.fd = f.peer[VM0_0];
	TEST_ASSERT_EQUAL(ask(fl.fd, VMP_PROTO_CPU_POWER, VMP_PROTO_SCALE_MIN,
		0, NULL), ACK, "");
	clock_gettime(CLOCK_MONOTONIC, &t0);
	TEST_ASSERT_EQUAL(pthread_create(&th, NULL, flood_writer, &fl), 0, "");
	for (i = 0; i < fl.count; i++) {
		if (read_reply(fl.fd, &r) != ACK)
			break;
		acks++;
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	pthread_join(th, NULL);
	s = (double)(t1.tv_sec - t0.tv_sec) +
		(double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
	mfx_stats(&f, &st);
	printf("flood: %u requests answered in %.3f s: %.0f requests/s; "
		"%" PRIu64 " frequency writes, %" PRIu64 " coalesced\n",
		acks, s, acks / s, st.writes, st.coalesced);
	TEST_ASSERT_EQUAL(acks, fl.count, "every request answered");
	TEST_ASSERT_EQUAL(st.requests, fl.count + 1, "");
	TEST_ASSERT(st.writes >= 2 && st.writes < fl.count / 4,
		"%" PRIu64 " writes", st.writes);
	TEST_ASSERT_EQUAL(st.writes + st.coalesced, fl.count + 1, "");
	/* The last request was MAX: that is what stays written. */
	TEST_ASSERT_EQUAL(emu_setspeed(1), 2400000, "");
	mfx_stop(&f);
	return TEST_SUCCESS;
}

MONITOR_TEST(monitor_flood, flood);

struct status_arg {
	const char *list;
	int enabled;
	int ret;
};

static void
set_status(struct monitor *mon, void *arg)
{
	struct status_arg *a = arg;
	char err[128];

	a->ret = chmgr_set_channel_status(monitor_chmgr(mon), "vm0", a->list,
		a->enabled, err, sizeof(err));
}

/* A disabled channel stays connected; its requests get NACK. */
static int
disabled(void *arg)
{
	struct status_arg a = { .list = "0", .enabled = 0 };
	struct mfx f;
	int fd;

	(void)arg;
	TEST_RUN(mfx_start(&f, 0));
	fd = f.peer[VM0_0];
	TEST_ASSERT_EQUAL(ask(fd, VMP_PROTO_CPU_POWER, VMP_PROTO_SCALE_MIN, 0,
		NULL), ACK, "");
	TEST_ASSERT_EQUAL(monitor_call(f.mon, set_status, &a), 0, "");
	TEST_ASSERT_EQUAL(a.ret, 1, "");
	test_log_capture();
	TEST_ASSERT_EQUAL(ask(fd, VMP_PROTO_CPU_POWER, VMP_PROTO_SCALE_MAX, 0,
		NULL), NACK, "");
	TEST_ASSERT_LOG("VM vm0 channel 0: CPU_POWER vCPU 0 refused: channel "
		"disabled");
	TEST_ASSERT_EQUAL(emu_setspeed(1), 1200000, "");
	TEST_ASSERT_EQUAL(ask(f.peer[VM0_1], VMP_PROTO_CPU_POWER,
		VMP_PROTO_SCALE_MAX, 1, NULL), ACK, "channel 1 still enabled");
	a.enabled = 1;
	TEST_ASSERT_EQUAL(monitor_call(f.mon, set_status, &a), 0, "");
	TEST_ASSERT_EQUAL(ask(fd, VMP_PROTO_CPU_POWER, VMP_PROTO_SCALE_MAX, 0,
		NULL), ACK, "");
	TEST_ASSERT_EQUAL(emu_setspeed(1), 2400000, "");
	mfx_stop(&f);
	return TEST_SUCCESS;
}

MONITOR_TEST(monitor_disabled, disabled);

/* Garbage only: NACKs, then the channel is disabled; others unaffected. */
static int
garbage(void *arg)
{
	uint8_t junk[464];
	struct timespec t0, t1;
	struct mfx f;
	reply_t r;
	int fd, i, lines;

	(void)arg;
	TEST_RUN(mfx_start(&f, 0));
	fd = f.peer[VM0_0];
	test_log_capture();
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (i = 0; i < MONITOR_GARBAGE_LIMIT; i++) {
		memset(junk, 0x41 + i % 20, sizeof(junk));
		TEST_ASSERT_EQUAL(write(fd, junk, sizeof(junk)), sizeof(junk),
			"");
		TEST_ASSERT_EQUAL(read_reply(fd, &r), NACK, "packet %d", i);
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	/* Logged in a burst of 8, then one a second: a flood is not. */
	lines = test_log_count("refused: unknown command");
	TEST_ASSERT(lines >= 1 && lines <= 8 + (t1.tv_sec - t0.tv_sec) + 1,
		"%d refusals logged in %ld s", lines,
		(long)(t1.tv_sec - t0.tv_sec));
	TEST_ASSERT_LOG("VM vm0 channel 0: 64 invalid packets in a row: "
		"channel disabled");
	TEST_ASSERT_EQUAL(ask(fd, VMP_PROTO_CPU_POWER, VMP_PROTO_SCALE_MAX, 0,
		NULL), NACK, "disabled now");
	TEST_ASSERT_EQUAL(ask(f.peer[VM1_0], VMP_PROTO_CPU_POWER,
		VMP_PROTO_SCALE_MAX, 0, NULL), ACK, "");
	TEST_ASSERT_EQUAL(emu_setspeed(1), 2400000, "");
	mfx_stop(&f);
	return TEST_SUCCESS;
}

MONITOR_TEST(monitor_garbage, garbage);

struct chan_probe {
	const char *vm;
	uint32_t index;
	int fd;
	uint64_t requests;
};

static void
probe_channel(struct monitor *mon, void *arg)
{
	struct chan_probe *p = arg;
	struct vm *vm = chmgr_find_vm(monitor_chmgr(mon), p->vm);
	uint32_t i;

	p->fd = -2;
	for (i = 0; vm != NULL && i < vm->nb_channels; i++)
		if (vm->channels[i]->index == p->index) {
			p->fd = vm->channels[i]->fd;
			p->requests = vm->channels[i]->stats.requests;
		}
}

struct votes_probe {
	unsigned int cpu;
	int n;
};

static void
count_votes(struct monitor *mon, void *arg)
{
	struct votes_probe *p = arg;

	p->n = power_mgr_votes(monitor_power(mon), p->cpu, NULL, 0);
}

/* Votes on @cpu, read on the loop that owns them. */
static int
votes_on(struct mfx *f, unsigned int cpu)
{
	struct votes_probe p = { .cpu = cpu, .n = -1 };

	monitor_call(f->mon, count_votes, &p);
	return p.n;
}

/* Peers that close: with replies pending, and half-closed. */
static int
hangup(void *arg)
{
	struct chan_probe p = { .vm = "vm0", .index = 0 };
	struct mfx f;
	reply_t r;
	char byte;
	int fd, i;

	(void)arg;
	TEST_RUN(mfx_start(&f, 0));
	fd = f.peer[VM0_0];
	/* Send and vanish before reading: the requests still apply. */
	TEST_ASSERT_EQUAL(send_pkt(fd, VMP_PROTO_CPU_POWER,
		VMP_PROTO_SCALE_UP, 0, NULL), 0, "");
	TEST_ASSERT_EQUAL(send_pkt(fd, VMP_PROTO_CPU_POWER,
		VMP_PROTO_SCALE_MAX, 0, NULL), 0, "");
	close(fd);
	f.peer[VM0_0] = -1;
	for (i = 0; i < test_slow_ms(200); i++) {
		TEST_ASSERT_EQUAL(monitor_call(f.mon, probe_channel, &p), 0, "");
		if (p.fd == -1)
			break;
		usleep(10000);
	}
	TEST_ASSERT_EQUAL(p.fd, -1, "closed and marked disconnected");
	TEST_ASSERT_EQUAL(p.requests, 2, "both read before closing");
	/* Its votes went with it: no voter left on CPU 1. */
	TEST_ASSERT_EQUAL(votes_on(&f, 1), 0, "");

	/* Half-close: the answer still comes, then the daemon closes. */
	fd = f.peer[VM0_1];
	TEST_ASSERT_EQUAL(send_pkt(fd, VMP_PROTO_CPU_POWER,
		VMP_PROTO_SCALE_MIN, 1, NULL), 0, "");
	TEST_ASSERT_EQUAL(shutdown(fd, SHUT_WR), 0, "");
	TEST_ASSERT_EQUAL(read_reply(fd, &r), ACK, "");
	TEST_ASSERT_EQUAL(read_exact(fd, &byte, 1, 3000), -EPIPE, "EOF");
	/* The MIN was applied, then dropped with its channel: the core
	 * is given back. */
	TEST_ASSERT_EQUAL(wait_governor(2, "powersave"), 0, "given back");
	TEST_ASSERT_EQUAL(emu_setspeed(2), 0, "<unsupported> off userspace");
	TEST_ASSERT_EQUAL(emu_freq_now(2), 1200000,
		"");
	TEST_ASSERT_EQUAL(votes_on(&f, 2), 0, "");
	/* The others carry on. */
	TEST_ASSERT_EQUAL(ask(f.peer[VM1_0], VMP_PROTO_CPU_POWER,
		VMP_PROTO_SCALE_MAX, 0, NULL), ACK, "");
	TEST_ASSERT_EQUAL(emu_setspeed(1), 2400000, "");
	mfx_stop(&f);
	return TEST_SUCCESS;
}

MONITOR_TEST(monitor_hangup, hangup);

/* Read and drop until EOF (3 s). @return 0 at EOF. */
static int
wait_eof(int fd)
{
	char buf[512];
	ssize_t n;
	int i;

	for (i = 0; i < test_slow_ms(300); i++) {
		n = recv(fd, buf, sizeof(buf), MSG_DONTWAIT);
		if (n == 0)
			return 0;
		if (n < 0 && errno != EAGAIN)
			return 0;	/* reset: closed too */
		if (n < 0)
			usleep(10000);
	}
	return -ETIMEDOUT;
}

static void
remove_vm0(struct monitor *mon, void *arg)
{
	RTE_SET_USED(arg);
	chmgr_rm_vm(monitor_chmgr(mon), "vm0");
}

/*
 * A job that closes channels (rm_vm, a libvirt STOPPED) in the same
 * epoll batch as those channels' own events: the job waits for the end
 * of the batch, so no event reads a freed channel (ASan: this was a
 * heap-use-after-free in read_channel). The job is queued before the
 * packet so that epoll lists it first.
 */
static int
job_in_batch(void *arg)
{
	struct mfx f;

	(void)arg;
	mfx_hold_loop = 1;
	TEST_RUN(mfx_start(&f, 0));
	mfx_hold_loop = 0;
	TEST_ASSERT_EQUAL(monitor_post(f.mon, remove_vm0, NULL), 0, "");
	TEST_ASSERT_EQUAL(send_pkt(f.peer[VM0_0], VMP_PROTO_CPU_POWER,
		VMP_PROTO_SCALE_MAX, 0, NULL), 0, "");
	TEST_ASSERT_EQUAL(send_pkt(f.peer[VM0_1], VMP_PROTO_CPU_POWER,
		VMP_PROTO_SCALE_MAX, 1, NULL), 0, "");
	TEST_RUN(mfx_run_loop(&f));
	/* vm0 is gone, its channels closed: the peers see EOF. */
	TEST_ASSERT_EQUAL(wait_eof(f.peer[VM0_0]), 0, "channel 0 closed");
	TEST_ASSERT_EQUAL(wait_eof(f.peer[VM0_1]), 0, "channel 1 closed");
	/* The others carry on. */
	TEST_ASSERT_EQUAL(ask(f.peer[VM1_0], VMP_PROTO_CPU_POWER,
		VMP_PROTO_SCALE_MAX, 0, NULL), ACK, "");
	mfx_stop(&f);
	return TEST_SUCCESS;
}

MONITOR_TEST(monitor_job_in_batch, job_in_batch);

/*
 * A CONNECT over the rate limit is dropped, not answered: a NACK would
 * be taken by the guest for the answer to its next request. On the
 * logical clock: both CONNECTs are read while time stands, then a
 * second passes (the test's), and the request has its token.
 */
static int
connect_limited(void *arg)
{
	struct monitor_stats st;
	struct mfx f;
	reply_t r;
	int fd, i;

	(void)arg;
	mfx_logical_clock = 1;
	TEST_RUN(mfx_start(&f, 1));		/* 1 a second, burst 1 */
	fd = f.peer[VM0_0];
	TEST_ASSERT_EQUAL(send_pkt(fd, VMP_PROTO_CONNECT, 0, 0, NULL), 0, "");
	TEST_ASSERT_EQUAL(send_pkt(fd, VMP_PROTO_CONNECT, 0, 0, NULL), 0, "");
	for (i = 0; i < test_slow_ms(500); i++) {
		mfx_stats(&f, &st);
		if (st.packets >= 2)
			break;
		usleep(10000);
	}
	TEST_ASSERT_EQUAL(st.limited, 1, "the second CONNECT");
	__atomic_add_fetch(&mfx_clock, 1000, __ATOMIC_RELEASE);
	TEST_ASSERT_EQUAL(send_pkt(fd, VMP_PROTO_CPU_POWER,
		VMP_PROTO_SCALE_MAX, 0, NULL), 0, "");
	TEST_ASSERT_EQUAL(read_reply(fd, &r), ACK, "the first answer is "
		"the request's");
	mfx_stats(&f, &st);
	TEST_ASSERT_EQUAL(st.limited, 1, "the second CONNECT only");
	TEST_ASSERT_EQUAL(st.nacks, 0, "");
	mfx_stop(&f);
	mfx_logical_clock = 0;
	return TEST_SUCCESS;
}

MONITOR_TEST(monitor_connect_limited, connect_limited);

/*
 * An ACK means the frequency was written: a write the kernel refuses
 * (here CPU 1's setspeed, once the operator put it on another governor
 * behind the daemon's back: EINVAL) is answered with NACK, and the log
 * says why.
 */
static int
write_refused(void *arg)
{
	struct mfx f;

	(void)arg;
	TEST_RUN(mfx_start(&f, 0));
	TEST_ASSERT_EQUAL(ask(f.peer[VM0_0], VMP_PROTO_CPU_POWER,
		VMP_PROTO_SCALE_MIN, 0, NULL), ACK, "taken");
	EMU_ASSERT_WRITE("cpu1/cpufreq/scaling_governor", "performance", 0);
	test_log_capture();
	TEST_ASSERT_EQUAL(ask(f.peer[VM0_0], VMP_PROTO_CPU_POWER,
		VMP_PROTO_SCALE_MAX, 0, NULL), NACK, "not written, not ACKed");
	TEST_ASSERT_LOG("cpu 1: cannot set 2400000 kHz");
	TEST_ASSERT_LOG("CPU_POWER vCPU 0 refused: the frequency could not "
		"be written");
	TEST_ASSERT_EQUAL(emu_log_count("policy1/scaling_setspeed 2400000\\n EINVAL"),
		1, "refused by the kernel");
	/* Another core is written and ACKed as before. */
	TEST_ASSERT_EQUAL(ask(f.peer[VM0_1], VMP_PROTO_CPU_POWER,
		VMP_PROTO_SCALE_MAX, 1, NULL), ACK, "");
	TEST_ASSERT_EQUAL(emu_setspeed(2), 2400000, "");
	mfx_stop(&f);
	return TEST_SUCCESS;
}

MONITOR_TEST(monitor_write_refused, write_refused);

/*
 * A vCPU pinned to several CPUs gets ACK only if every one was written:
 * vm0's vCPU 1 (CPUs 2-3) with the write to CPU 3, the last of its set,
 * refused by the kernel (CPU 3 put on another governor behind the
 * daemon's back) gets NACK, though CPU 2 was written.
 */
static int
write_refused_set(void *arg)
{
	struct mfx f;

	(void)arg;
	TEST_RUN(mfx_start(&f, 0));
	TEST_ASSERT_EQUAL(ask(f.peer[VM0_1], VMP_PROTO_CPU_POWER,
		VMP_PROTO_SCALE_MIN, 1, NULL), ACK, "taken");
	EMU_ASSERT_WRITE("cpu3/cpufreq/scaling_governor", "performance", 0);
	TEST_ASSERT_EQUAL(emu_log_clear(), 0, "");
	test_log_capture();
	TEST_ASSERT_EQUAL(ask(f.peer[VM0_1], VMP_PROTO_CPU_POWER,
		VMP_PROTO_SCALE_MAX, 1, NULL), NACK, "CPU 3 not written");
	TEST_ASSERT_LOG("cpu 3: cannot set 2400000 kHz");
	TEST_ASSERT_EQUAL(emu_log_count("policy2/scaling_setspeed 2400000\\n OK"),
		1, "CPU 2 written");
	TEST_ASSERT_EQUAL(emu_log_count("policy3/scaling_setspeed 2400000\\n EINVAL"),
		1, "CPU 3 refused by the kernel");
	TEST_ASSERT_EQUAL(emu_setspeed(2), 2400000, "");
	mfx_stop(&f);
	return TEST_SUCCESS;
}

MONITOR_TEST(monitor_write_refused_set, write_refused_set);

struct repin_job {
	struct virt_vm *snap;
	int ret;
};

static void
apply_snap(struct monitor *mon, void *arg)
{
	struct repin_job *j = arg;

	j->ret = chmgr_update_vm(monitor_chmgr(mon), j->snap);
}

/*
 * Votes follow pinning: vm0's vCPU 0 votes min on CPU 1, is pinned to
 * CPU 3 (set_pcpu, or virsh vcpupin and its event: both re-read the VM):
 * CPU 1 loses the vote and goes back to its governor, and the next
 * request lands on CPU 3 alone.
 */
static int
repin(void *arg)
{
	struct virt_vm snap;
	struct repin_job j = { .snap = &snap };
	struct cpu_list l = { 0 };
	struct mfx f;

	(void)arg;
	TEST_RUN(mfx_start(&f, 0));
	TEST_ASSERT_EQUAL(ask(f.peer[VM0_0], VMP_PROTO_CPU_POWER,
		VMP_PROTO_SCALE_MIN, 0, NULL), ACK, "");
	TEST_ASSERT_EQUAL(emu_setspeed(1), 1200000, "");
	TEST_ASSERT_EQUAL(votes_on(&f, 1), 1, "");

	TEST_ASSERT_EQUAL(cpu_list_init(&l, 4), 0, "");
	TEST_ASSERT_EQUAL(cpu_list_add(&l, 3), 0, "");
	TEST_ASSERT_EQUAL(virt_adapter_pin(f.va, "vm0", 0, &l), 0, "");
	cpu_list_free(&l);
	TEST_ASSERT_EQUAL(virt_adapter_get_vm(f.va, "vm0", &snap), 0, "");
	TEST_ASSERT_EQUAL(monitor_call(f.mon, apply_snap, &j), 0, "");
	virt_vm_free(&snap);
	TEST_ASSERT_EQUAL(j.ret, 0, "");
	TEST_ASSERT_EQUAL(votes_on(&f, 1), 0, "the vote left CPU 1");
	TEST_ASSERT_EQUAL(wait_governor(1, "powersave"), 0, "given back");

	TEST_ASSERT_EQUAL(ask(f.peer[VM0_0], VMP_PROTO_CPU_POWER,
		VMP_PROTO_SCALE_MIN, 0, NULL), ACK, "");
	TEST_ASSERT_EQUAL(votes_on(&f, 3), 1, "the next request: CPU 3");
	TEST_ASSERT_EQUAL(emu_setspeed(3), 1200000, "");
	TEST_ASSERT_EQUAL(votes_on(&f, 1), 0, "");
	mfx_stop(&f);
	return TEST_SUCCESS;
}

MONITOR_TEST(monitor_repin, repin);

/* The loop's counters and its own context switches, read on the loop. */
struct loop_sample {
	struct monitor_stats st;
	struct rusage ru;
};

static void
read_sample(struct monitor *mon, void *arg)
{
	struct loop_sample *x = arg;

	monitor_get_stats(mon, &x->st);
	getrusage(RUSAGE_THREAD, &x->ru);
}

/*
 * Idle with channels connected: the loop does not wake at all. Two jobs
 * on the loop bound a 3 s window and read, on the loop thread itself,
 * its epoll returns and its context switches (no clock involved): from
 * our side, the only wake-up is the second job's (0 in the window), and
 * the loop blocked exactly once per wake-up (each voluntary switch is a
 * return to epoll_wait). Involuntary switches are the kernel's
 * preemptions (a loaded machine): tolerated, only printed.
 */
static int
idle(void *arg)
{
	struct loop_sample a, b;
	struct mfx f;
	long vol, invol;

	(void)arg;
	TEST_RUN(mfx_start(&f, 0));
	TEST_ASSERT_EQUAL(ask(f.peer[VM0_0], VMP_PROTO_CPU_POWER,
		VMP_PROTO_SCALE_MAX, 0, NULL), ACK, "");
	monitor_call(f.mon, read_sample, &a);
	sleep(3);
	monitor_call(f.mon, read_sample, &b);
	vol = b.ru.ru_nvcsw - a.ru.ru_nvcsw;
	invol = b.ru.ru_nivcsw - a.ru.ru_nivcsw;
	printf("idle: %d channels connected, in 3 s the loop woke %" PRIu64
		" times besides the closing job (%ld voluntary, %ld "
		"involuntary switches)\n", NB_PEERS,
		b.st.wakeups - a.st.wakeups - 1, vol, invol);
	TEST_ASSERT_EQUAL(b.st.wakeups - a.st.wakeups, 1,
		"epoll returns: the closing job's only");
	TEST_ASSERT_EQUAL((uint64_t)vol, b.st.wakeups - a.st.wakeups,
		"voluntary switches: one block per wake-up");
	mfx_stop(&f);
	return TEST_SUCCESS;
}

MONITOR_TEST(monitor_idle, idle);

/* A guest that never reads: replies are dropped, nothing blocks. */
static int
backlog(void *arg)
{
	struct flood fl = { .count = 20000 };
	struct monitor_stats st;
	struct mfx f;
	pthread_t th;
	int i;

	(void)arg;
	TEST_RUN(mfx_start(&f, -1));
	fl.fd = f.peer[VM0_0];
	TEST_ASSERT_EQUAL(pthread_create(&th, NULL, flood_writer, &fl), 0, "");
	pthread_join(th, NULL);
	/* Another guest is served while the first one's replies pile up. */
	TEST_ASSERT_EQUAL(ask(f.peer[VM1_0], VMP_PROTO_CPU_POWER,
		VMP_PROTO_SCALE_MIN, 0, NULL), ACK, "");
	for (i = 0; i < test_slow_ms(500); i++) {
		mfx_stats(&f, &st);
		if (st.requests == fl.count + 1)
			break;
		usleep(10000);
	}
	printf("backlog: %" PRIu64 " requests, %" PRIu64 " replies dropped\n",
		st.requests, st.dropped);
	TEST_ASSERT_EQUAL(st.requests, fl.count + 1, "all read");
	TEST_ASSERT(st.dropped > 0, "");
	mfx_stop(&f);
	return TEST_SUCCESS;
}

MONITOR_TEST(monitor_backlog, backlog);

/* Send @n requests on @fd, in chunks the reply backlog holds; count
 * their answers. */
static int
burst(int fd, unsigned int n, unsigned int *acks, unsigned int *nacks)
{
	struct vmp_proto_packet p[32];
	unsigned int i, k, sent;
	reply_t r;

	*acks = *nacks = 0;
	for (sent = 0; sent < n; sent += k) {
		k = RTE_MIN(n - sent, (unsigned int)RTE_DIM(p));
		for (i = 0; i < k; i++)
			vmp_proto_request(&p[i], VMP_PROTO_CPU_POWER,
				(sent + i) & 1 ? VMP_PROTO_SCALE_MAX :
				VMP_PROTO_SCALE_MIN, 0, NULL);
		if (write(fd, p, k * sizeof(p[0])) != (ssize_t)(k * sizeof(p[0])))
			return -EIO;
		for (i = 0; i < k; i++) {
			int c = read_reply(fd, &r);

			if (c == ACK)
				(*acks)++;
			else if (c == NACK)
				(*nacks)++;
			else
				return -EIO;
		}
	}
	return 0;
}

/*
 * The token bucket on a logical clock: 200 a second with a burst of 200.
 * A flood gets exactly its budget, then refills as time (the test's)
 * passes, never beyond the burst; a quiet guest on the same loop is
 * answered as if alone. Counts, not a wall-clock window.
 */
static int
rate_limit(void *arg)
{
	struct monitor_stats st;
	unsigned int acks, nacks, i;
	int fd;
	struct mfx f;

	(void)arg;
	mfx_logical_clock = 1;
	TEST_RUN(mfx_start(&f, 200));
	fd = f.peer[VM0_0];
	TEST_ASSERT_EQUAL(burst(fd, 1000, &acks, &nacks), 0, "");
	TEST_ASSERT_EQUAL(acks, 200, "the burst, no more while time stands");
	TEST_ASSERT_EQUAL(nacks, 800, "");
	for (i = 0; i < 20; i++)
		TEST_ASSERT_EQUAL(ask(f.peer[VM1_0], VMP_PROTO_CPU_POWER,
			i & 1 ? VMP_PROTO_SCALE_MAX : VMP_PROTO_SCALE_MIN, 0,
			NULL), ACK, "the quiet guest, request %u", i);

	__atomic_add_fetch(&mfx_clock, 100, __ATOMIC_RELEASE);
	TEST_ASSERT_EQUAL(burst(fd, 50, &acks, &nacks), 0, "");
	TEST_ASSERT_EQUAL(acks, 20, "100 ms at 200/s");
	TEST_ASSERT_EQUAL(nacks, 30, "");

	__atomic_add_fetch(&mfx_clock, 10000, __ATOMIC_RELEASE);
	TEST_ASSERT_EQUAL(burst(fd, 300, &acks, &nacks), 0, "");
	TEST_ASSERT_EQUAL(acks, 200, "10 s refill only up to the burst");
	TEST_ASSERT_EQUAL(nacks, 100, "");
	mfx_stats(&f, &st);
	TEST_ASSERT_EQUAL(st.limited, 930, "");
	mfx_stop(&f);

	/* No limit (rate_limit < 0): every request served, time standing. */
	TEST_RUN(mfx_start(&f, -1));
	TEST_ASSERT_EQUAL(burst(f.peer[VM0_0], 1000, &acks, &nacks), 0, "");
	TEST_ASSERT_EQUAL(acks, 1000, "");
	mfx_stop(&f);
	mfx_logical_clock = 0;
	return TEST_SUCCESS;
}

MONITOR_TEST(monitor_rate_limit, rate_limit);
