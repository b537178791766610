/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The vmpower authors
 */

/*
 * l3fwd-power in VM mode against the real vm_power_mgr, in a sandboxed
 * cpufreq tree: socat plays QEMU between the app's port and the daemon's
 * channel; the frequency the app asks for lands on the pinned pCPU.
 */

#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <vmp_guest_channel.h>

#include "cpufreq_sandbox.h"
#include "test.h"
#include "test_container.h"
#include "test_daemon_run.h"
#include "test_l3fwd_app.h"
#include "test_l3fwd_pcap.h"
#include "test_virt.h"

#define BURST	100000

/* vm0's vCPU 0 runs on host CPU 1; lcore 0's port is channel 0. */
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
"   <channel type='unix'><source mode='bind' path='%1$s/qemu/vm0.1'/>"
"<target type='virtio' name='virtio.serial.port.poweragent.1'/></channel>\n"
"  </devices></domain>\n"
"</node>\n";

/* A CPU's frequency over time, sampled from scaling_setspeed. */
struct sampler {
	unsigned int cpu;	/* the CPU sampled */
	pthread_t thread;
	atomic_int stop;
	uint32_t lowest, highest, last;
	unsigned int changes;
};

static void *
sample(void *arg)
{
	struct sampler *s = arg;
	uint32_t v;

	while (!s->stop) {
		if (sandbox_read_u32(s->cpu, "cpufreq/scaling_setspeed",
				&v) == 0) {
			if (v != s->last)
				s->changes++;
			s->last = v;
			if (v > s->highest)
				s->highest = v;
			if (s->lowest == 0 || v < s->lowest)
				s->lowest = v;
		}
		usleep(1000);
	}
	return NULL;
}

static int
run(void *arg)
{
	const char *extra[] = { "--libvirt-uri", NULL, "--channel-dir", NULL,
		NULL };
	static const char *const pm_debug[2] = {
		"--log-level=vmpower.power_manager:debug", "-l0" };
	struct vmp_guest_channel_conf conf = { .reply_timeout_ms = 3000 };
	struct sampler smp = { 0 };
	struct test_virt v;
	struct daemon d;
	struct l3fwd_app a;
	char path[PATH_MAX], in[PATH_MAX];
	uint8_t fr[L3FWD_FRAME_MAX];
	int64_t req = 0, ack = 0;
	pid_t socat[2];
	FILE *f;
	size_t len;
	int ret;

	(void)arg;
	TEST_ASSERT_EQUAL(test_virt_init(&v, node_xml), 0, "");
	extra[1] = v.uri;
	extra[3] = v.chdir;
	socat[0] = test_socat_bridge(v.dir, "vm0.0", "port.0");
	socat[1] = test_socat_bridge(v.dir, "vm0.1", "port.1");
	/* The power manager's debug lines are the record of every write:
	 * a sampler of sysfs can miss a level held for a few ms. */
	TEST_ASSERT_EQUAL(daemon_start_lcores(&d, pm_debug, extra), 0, "");
	TEST_ASSERT_EQUAL(daemon_expect(&d, "ready:", 10000), 0, "");
	snprintf(path, sizeof(path), "%s/qemu/vm0.1", v.dir);
	TEST_ASSERT_EQUAL(test_wait_file(path), 0, "");
	snprintf(path, sizeof(path), "%s/qemu/vm0.0", v.dir);
	TEST_ASSERT_EQUAL(test_wait_file(path), 0, "");
	CMD(&d, "add_vm vm0", "VM vm0 added");
	CMD(&d, "add_channels vm0 all", "VM vm0: 2 channels connected");

	/*
	 * Another lcore of the guest has put vCPU 0 at min (its vote is the
	 * vCPU's, whichever port it came through), so the burst has room up.
	 */
	snprintf(path, sizeof(path), "%s/port.1", v.dir);
	TEST_ASSERT_EQUAL(test_wait_file(path), 0, "");
	snprintf(path, sizeof(path), "%s/port", v.dir);
	conf.path_prefix = path;
	TEST_ASSERT_EQUAL(vmp_guest_channel_configure(&conf), 0, "");
	TEST_ASSERT_EQUAL(vmp_guest_channel_open(1), 0, "");
	TEST_ASSERT_EQUAL(vmp_guest_channel_set_vcpu(1, 0), 0, "");
	TEST_ASSERT_EQUAL(vmp_guest_channel_request(1, VMP_PROTO_SCALE_MIN),
		VMP_PROTO_ACK, "");
	smp.cpu = 1;
	TEST_ASSERT_EQUAL(pthread_create(&smp.thread, NULL, sample, &smp), 0,
		"");

	TEST_ASSERT_EQUAL(l3fwd_app_init(&a), 0, "");
	len = l3fwd_frame_build(fr, 0xc6120005, 64, 0, 0);
	f = l3fwd_pcap_create(l3fwd_app_file(&a, "burst.pcap", in,
		sizeof(in)));
	TEST_ASSERT(f != NULL && l3fwd_pcap_add_many(f, fr, len, BURST) == 0 &&
		l3fwd_pcap_close(f) == 0, "");
	ret = l3fwd_app_start(&a, "--vdev net_pcap0,rx_pcap=%s,"
		"tx_pcap=/dev/null -- -p 1 --env vm --channel-prefix %s "
		"--period-us 1000 --max-sleep-us 500 --stats-interval 50", in,
		path);
	TEST_ASSERT_EQUAL(ret, 0, "");
	TEST_ASSERT_EQUAL(l3fwd_app_wait_stat(&a, "lcore", 0, "min", 1, 20000),
		0, "idle after the burst ends at min");
	TEST_ASSERT_EQUAL(l3fwd_app_wait_stat(&a, "port", 0, "rx", BURST,
		5000), 0, "");
	/* The sampler's last look, after min was reached. */
	usleep((useconds_t)test_slow_ms(100) * 1000);
	smp.stop = 1;
	pthread_join(smp.thread, NULL);
	printf("pCPU 1: lowest %u kHz, highest %u kHz, last %u kHz, %u "
		"changes seen\n", smp.lowest, smp.highest, smp.last,
		smp.changes);
	TEST_ASSERT_EQUAL(smp.lowest, 1200000, "");
	/* Straight from min to max: the burst is seen within one poll. */
	TEST_ASSERT_EQUAL(daemon_expect(&d, "cpu 1: 1200000 -> 2400000 kHz",
		5000), 0, "the burst reached max (the daemon's writes)");
	TEST_ASSERT_EQUAL(smp.last, 1200000, "idle brought it to min");
	TEST_ASSERT_EQUAL(l3fwd_app_stat(&a, "lcore", 0, "requests", &req), 0,
		"");
	TEST_ASSERT_EQUAL(l3fwd_app_stat(&a, "lcore", 0, "ack", &ack), 0, "");
	TEST_ASSERT_EQUAL(ack, req, "every request ACKed by the daemon");
	/* Channel 0 is the app's: every request it made, ACKed. */
	snprintf(in, sizeof(in), "ack %" PRId64 " nack 0 errors 0", req);
	CMD(&d, "show_vm vm0", in);
	TEST_ASSERT_EQUAL(l3fwd_app_stop(&a, SIGTERM, 5000), 0, "exit code");
	l3fwd_app_cleanup(&a, 0);
	vmp_guest_channel_close(1);
	vmp_guest_channel_configure(NULL);
	kill(d.pid, SIGTERM);
	TEST_ASSERT_EQUAL(daemon_wait(&d), 0, "");
	daemon_close(&d);
	kill(socat[0], SIGTERM);
	kill(socat[1], SIGTERM);
	waitpid(socat[0], NULL, 0);
	waitpid(socat[1], NULL, 0);
	test_virt_fini(&v);
	return TEST_SUCCESS;
}

static int
test_l3fwd_daemon(void)
{
	struct sandbox_shape shape = { .nb_cpus = 4 };

	return sandbox_run(&shape, run, NULL);
}
REGISTER_TEST(l3fwd_daemon, test_l3fwd_daemon);

/*
 * l3fwd-power in a container on the host (cpuset CPU 0, socket mounted
 * in, VMPOWER_HOST_SOCKET set, --env auto): the frequency its load asks
 * for lands on host CPU 0 through the daemon's host channel.
 */
struct ctr_world {
	char hcdir[32];
	int peer;		/* the test's own host-channel connection */
	struct test_container c;
	struct l3fwd_app a;
	struct daemon d;
	int d_up, c_up, a_up;
};

/*
 * The test, a host process in the root cpuset, votes min on CPU 0 over the
 * host socket in upstream's JSON, so that the container's burst has room
 * up. Its connection stays open: a min vote never holds a CPU down.
 */
static int
host_vote_min(struct ctr_world *w)
{
	static const char req[] = "{\"instruction\": {\"command\": \"power\", "
		"\"unit\": \"SCALE_MIN\", \"resource_id\": 0}}";
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	char reply[128] = "";
	ssize_t n;

	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s/vmpower.sock",
		w->hcdir);
	w->peer = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	TEST_ASSERT(w->peer >= 0, "");
	TEST_ASSERT_EQUAL(connect(w->peer, (struct sockaddr *)&sa,
		sizeof(sa)), 0, "%s: %s", sa.sun_path, strerror(errno));
	TEST_ASSERT_EQUAL(write(w->peer, req, sizeof(req) - 1),
		(ssize_t)sizeof(req) - 1, "");
	n = read(w->peer, reply, sizeof(reply) - 1);
	TEST_ASSERT(n > 0 && strstr(reply, "\"ACK\"") != NULL, "reply: %s",
		reply);
	return TEST_SUCCESS;
}

/*
 * A daemon restart under l3fwd-power idling at min: the old daemon gives
 * CPU 0 back as it found it, the new one holds no vote of ours and sends
 * no RESYNC on a host socket. l3fwd-power's idle poll finds its
 * connection closed, connects again and sends min again: CPU 0 is back
 * at min, with no packet, and the reconnection is counted as a resync.
 */
static int
daemon_restart(struct ctr_world *w, const char *const *extra,
	const char *const *pm_debug)
{
	int64_t rx0 = 0, rx1 = 0;
	uint32_t back;

	TEST_ASSERT_EQUAL(l3fwd_app_stat(&w->a, "port", 0, "rx", &rx0), 0, "");
	CMD(&w->d, "quit", "restoring cores");
	TEST_ASSERT_EQUAL(daemon_wait(&w->d), 0, "first daemon's exit");
	daemon_close(&w->d);
	w->d_up = 0;
	/* Given back as the first daemon found it; then as a host where
	 * another agent left it at max, so that only our request can
	 * bring it down. */
	back = sandbox_setspeed(0);
	printf("CPU 0 given back at %u kHz\n", back);
	TEST_ASSERT_EQUAL(sandbox_write("cpu0/cpufreq/scaling_setspeed",
		"2400000"), 0, "");
	TEST_ASSERT_EQUAL(daemon_start_lcores(&w->d, pm_debug, extra), 0, "");
	w->d_up = 1;
	TEST_ASSERT_EQUAL(daemon_expect(&w->d, "ready:", 10000), 0, "");
	TEST_ASSERT_EQUAL(sandbox_wait_setspeed(0, 1200000, 5000), 0,
		"l3fwd-power's level sent again to the new daemon");
	TEST_ASSERT_EQUAL(l3fwd_app_wait_stat(&w->a, "lcore", 0, "resync", 1,
		5000), 0, "");
	TEST_ASSERT_EQUAL(l3fwd_app_stat(&w->a, "port", 0, "rx", &rx1), 0, "");
	TEST_ASSERT_EQUAL(rx1, rx0, "no packet moved it");
	CMD(&w->d, "list_host_channels", "cpuset 0");
	return TEST_SUCCESS;
}

static int
container_steps(struct ctr_world *w)
{
	static const char *const pm_debug[2] = {
		"--log-level=vmpower.power_manager:debug", "-l0" };
	const char *extra[] = { "--host-channels", w->hcdir, "--libvirt-uri",
		"test:///default", NULL };
	struct sampler smp = { 0 };
	uint8_t fr[L3FWD_FRAME_MAX];
	char in[PATH_MAX];
	int64_t req = 0, ack = 0;
	uint32_t khz = 0;
	FILE *f;
	size_t len;
	int ret;

	/* The power manager's debug lines are the record of every write:
	 * a sampler of sysfs can miss a level held for a few ms. */
	TEST_ASSERT_EQUAL(daemon_start_lcores(&w->d, pm_debug, extra), 0, "");
	w->d_up = 1;
	TEST_ASSERT_EQUAL(daemon_expect(&w->d, "ready:", 10000), 0, "");
	TEST_RUN(host_vote_min(w));
	/* ACKed: written (the first write after taking a core is not a
	 * logged change). */
	TEST_ASSERT(sandbox_read_u32(0, "cpufreq/scaling_setspeed", &khz) == 0 &&
		khz == 1200000, "CPU 0 at %u kHz after the min vote", khz);
	ret = ctr_create(&w->c, "0", w->hcdir);
	if (ret == -EOPNOTSUPP)
		TEST_SKIP("no cpuset cgroup on this machine");
	TEST_ASSERT_EQUAL(ret, 0, "container: %s", strerror(-ret));
	w->c_up = 1;
	TEST_ASSERT_EQUAL(l3fwd_app_init(&w->a), 0, "");
	w->a_up = 1;
	w->a.pre_exec = ctr_pre_exec;
	w->a.pre_exec_arg = &w->c;
	len = l3fwd_frame_build(fr, 0xc6120005, 64, 0, 0);
	f = l3fwd_pcap_create(l3fwd_app_file(&w->a, "burst.pcap", in,
		sizeof(in)));
	TEST_ASSERT(f != NULL && l3fwd_pcap_add_many(f, fr, len, BURST) == 0 &&
		l3fwd_pcap_close(f) == 0, "");
	smp.cpu = 0;
	TEST_ASSERT_EQUAL(pthread_create(&smp.thread, NULL, sample, &smp), 0,
		"");
	ret = l3fwd_app_start(&w->a, "--vdev net_pcap0,rx_pcap=%s,"
		"tx_pcap=/dev/null -- -p 1 --period-us 1000 --max-sleep-us 500 "
		"--stats-interval 50", in);
	if (ret == 0)
		ret = l3fwd_app_wait_stat(&w->a, "lcore", 0, "min", 1, 20000);
	if (ret == 0)
		ret = l3fwd_app_wait_stat(&w->a, "port", 0, "rx", BURST, 5000);
	usleep(100000);
	smp.stop = 1;
	pthread_join(smp.thread, NULL);
	TEST_ASSERT_EQUAL(ret, 0, "the burst forwarded, then idle at min");
	printf("CPU 0: lowest %u kHz, highest %u kHz, last %u kHz, %u "
		"changes seen\n", smp.lowest, smp.highest, smp.last,
		smp.changes);
	/* Straight from min to max: the burst is seen within one poll. */
	TEST_ASSERT_EQUAL(daemon_expect(&w->d, "cpu 0: 1200000 -> 2400000 kHz",
		5000), 0, "the burst reached max (the daemon's writes)");
	TEST_ASSERT_EQUAL(smp.last, 1200000, "idle brought it to min");
	TEST_ASSERT_EQUAL(l3fwd_app_stat(&w->a, "lcore", 0, "requests", &req),
		0, "");
	TEST_ASSERT_EQUAL(l3fwd_app_stat(&w->a, "lcore", 0, "ack", &ack), 0,
		"");
	TEST_ASSERT(req > 0 && ack == req, "%" PRId64 " of %" PRId64
		" requests ACKed", ack, req);
	CMD(&w->d, "list_host_channels", "cpuset 0 votes 0 requests");
	TEST_RUN(daemon_restart(w, extra, pm_debug));
	TEST_ASSERT_EQUAL(l3fwd_app_stop(&w->a, SIGTERM, 5000), 0,
		"exit code");
	return TEST_SUCCESS;
}

static int
in_container(void *arg)
{
	struct ctr_world w;
	char cmd[64];
	int ret;

	(void)arg;
	memset(&w, 0, sizeof(w));
	w.peer = -1;
	snprintf(w.hcdir, sizeof(w.hcdir), "/tmp/vmp_hc.XXXXXX");
	TEST_ASSERT(test_mkdtemp(w.hcdir) != NULL, "");
	ret = container_steps(&w);
	if (w.a_up) {
		if (w.a.pid > 0)
			l3fwd_app_stop(&w.a, SIGKILL, 5000);
		l3fwd_app_cleanup(&w.a, ret != TEST_SUCCESS);
	}
	if (w.c_up)
		ctr_destroy(&w.c);
	if (w.peer >= 0)
		close(w.peer);
	if (w.d_up) {
		kill(w.d.pid, SIGTERM);
		if (daemon_wait(&w.d) != 0 && ret == TEST_SUCCESS)
			ret = TEST_FAILED;
		daemon_close(&w.d);
	}
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", w.hcdir);
	if (system(cmd) != 0)
		printf("cannot remove %s\n", w.hcdir);
	return ret;
}

static int
test_l3fwd_container(void)
{
	struct sandbox_shape shape = { .nb_cpus = 4 };

	return sandbox_run(&shape, in_container, NULL);
}
REGISTER_TEST(l3fwd_container, test_l3fwd_container);
