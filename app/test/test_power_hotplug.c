/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The vmpower authors
 */

/*
 * CPU hotplug on the cpufreq emulator, through the daemon's own loop and
 * uevent socket. The kernel cannot be made to send uevents for the
 * emulator, so the test plays it: in a private network namespace (the
 * host's udev never hears), it writes cpuN/online of the emulator, then
 * sends the kernel's message to the kernel's group (1) from a netlink
 * socket of its own, as root may. The monitor's socket, filter, parser
 * and loop are the daemon's; the exact write log is the emulator's.
 */

#include <errno.h>
#include <linux/netlink.h>
#include <pthread.h>
#include <sched.h>
#include <semaphore.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <unistd.h>

#include <rte_common.h>

#include <channel_monitor.h>
#include <cpu_hotplug.h>

#include "cpufreq_emu.h"
#include "test_hotplug.h"
#include "test_power.h"

struct hfx {
	struct power_mgr *pm;
	struct monitor *mon;
	pthread_t loop;
	int tx;			/* the fake kernel's socket */
	unsigned int sent;	/* uevents sent */
	sem_t held, hold;	/* hfx_hold() */
	char dir[32];		/* channels; crash records in state/ */
	char state[48];
};

static void *
loop_main(void *arg)
{
	monitor_run(arg);
	return NULL;
}

/* The monitor (its uevent queue @rcvbuf bytes, 0: the daemon's), not
 * running yet: hfx_run() starts the loop. */
static int
hfx_init(struct hfx *f, int rcvbuf)
{
	struct sockaddr_nl sa = { .nl_family = AF_NETLINK };
	struct monitor_conf conf = { .hotplug_rcvbuf = rcvbuf };
	struct power_mgr_conf pconf = { .state_dir = f->state };

	memset(f, 0, sizeof(*f));
	TEST_ASSERT_EQUAL(unshare(CLONE_NEWNET), 0, "unshare: %s",
		strerror(errno));
	TEST_ASSERT_EQUAL(emu_eal_init(), 0, "EAL");
	snprintf(f->dir, sizeof(f->dir), "/tmp/vmp_hp.XXXXXX");
	TEST_ASSERT(mkdtemp(f->dir) != NULL, "");
	snprintf(f->state, sizeof(f->state), "%s/state", f->dir);
	TEST_ASSERT_EQUAL(power_mgr_create(&pconf, &f->pm), 0, "create");
	conf.pm = f->pm;
	conf.channel_dir = f->dir;
	TEST_ASSERT_EQUAL(monitor_create(&conf, &f->mon), 0, "monitor");
	f->tx = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC,
		NETLINK_KOBJECT_UEVENT);
	TEST_ASSERT(f->tx >= 0, "");
	TEST_ASSERT_EQUAL(bind(f->tx, (struct sockaddr *)&sa, sizeof(sa)), 0,
		"");
	sem_init(&f->held, 0, 0);
	sem_init(&f->hold, 0, 0);
	return emu_log_clear() == 0 ? TEST_SUCCESS : TEST_FAILED;
}

static int
hfx_run(struct hfx *f)
{
	TEST_ASSERT_EQUAL(pthread_create(&f->loop, NULL, loop_main, f->mon),
		0, "");
	return TEST_SUCCESS;
}

static int
hfx_start(struct hfx *f)
{
	TEST_RUN(hfx_init(f, 0));
	return hfx_run(f);
}

static void
hfx_stop(struct hfx *f)
{
	char cmd[64];

	monitor_stop(f->mon);
	pthread_join(f->loop, NULL);
	monitor_destroy(f->mon);
	power_mgr_destroy(f->pm);
	close(f->tx);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", f->dir);
	if (system(cmd) != 0)
		printf("cannot remove %s\n", f->dir);
}

static int
send_raw(struct hfx *f, const char *buf, size_t len)
{
	struct sockaddr_nl dst = { .nl_family = AF_NETLINK, .nl_groups = 1 };

	return sendto(f->tx, buf, len, 0, (struct sockaddr *)&dst,
		sizeof(dst)) == (ssize_t)len ? 0 : -errno;
}

/* What the kernel does: cpuN/online changes, then its uevent goes out. */
static int
hotplug(struct hfx *f, unsigned int cpu, int online)
{
	char path[32], buf[2048];

	snprintf(path, sizeof(path), "cpu%u/online", cpu);
	TEST_ASSERT_EQUAL(emu_write(path, online ? "1" : "0"), 0, "%s", path);
	TEST_ASSERT_EQUAL(send_raw(f, buf, test_cpu_uevent(buf, sizeof(buf),
		cpu, online)), 0, "send");
	f->sent++;
	return TEST_SUCCESS;
}

static void
get_stats(struct monitor *mon, void *arg)
{
	monitor_get_stats(mon, arg);
}

/* Until the loop took (or dropped) every uevent sent: their writes are
 * done by then (a pass writes before it runs the next job). */
static int
settle(struct hfx *f)
{
	struct monitor_stats st;
	int i;

	for (i = 0; i < 300; i++) {
		monitor_call(f->mon, get_stats, &st);
		if (st.hotplug + st.hotplug_ignored >= f->sent)
			return TEST_SUCCESS;
		usleep(10000);
	}
	TEST_ASSERT(0, "%u uevents sent, %u taken, %u ignored", f->sent,
		(unsigned int)st.hotplug, (unsigned int)st.hotplug_ignored);
}

/* Keep the loop busy in a job until hfx_release(): uevents queue up. */
static void
held_job(struct monitor *mon, void *arg)
{
	struct hfx *f = arg;

	RTE_SET_USED(mon);
	sem_post(&f->held);
	while (sem_wait(&f->hold) < 0 && errno == EINTR)
		;
}

static int
hfx_hold(struct hfx *f)
{
	TEST_ASSERT_EQUAL(monitor_post(f->mon, held_job, f), 0, "");
	while (sem_wait(&f->held) < 0 && errno == EINTR)
		;
	return TEST_SUCCESS;
}

static void
hfx_release(struct hfx *f)
{
	sem_post(&f->hold);
}

struct vote {
	uint64_t who;
	unsigned int cpu;
	enum power_mgr_op op;
	int release;
	int ret;
};

static void
vote_job(struct monitor *mon, void *arg)
{
	struct vote *v = arg;
	struct power_mgr *pm = monitor_power(mon);

	v->ret = v->release ? power_mgr_release(pm, v->who, v->cpu) :
		power_mgr_request(pm, v->who, v->cpu, v->op, 0);
}

/* A vote, as a guest's request or the CLI's, on the loop. */
static int
vote(struct hfx *f, uint64_t who, unsigned int cpu, enum power_mgr_op op)
{
	struct vote v = { .who = who, .cpu = cpu, .op = op };

	TEST_ASSERT_EQUAL(monitor_call(f->mon, vote_job, &v), 0, "");
	return v.ret;
}

static int
unvote(struct hfx *f, uint64_t who, unsigned int cpu)
{
	struct vote v = { .who = who, .cpu = cpu, .release = 1 };

	TEST_ASSERT_EQUAL(monitor_call(f->mon, vote_job, &v), 0, "");
	return v.ret;
}

struct info_job {
	unsigned int cpu;
	struct power_mgr_core_info info;
};

static void
info_job(struct monitor *mon, void *arg)
{
	struct info_job *j = arg;

	power_mgr_core_info(monitor_power(mon), j->cpu, &j->info);
}

static struct power_mgr_core_info *
info(struct hfx *f, unsigned int cpu)
{
	static struct info_job j;

	memset(&j, 0, sizeof(j));
	j.cpu = cpu;
	monitor_call(f->mon, info_job, &j);
	return &j.info;
}

#define VOTE(f, who, cpu, op) \
	TEST_ASSERT_EQUAL(vote(f, who, cpu, op), 0, "vote %s on %u", #op, cpu)
#define HOTPLUG(f, cpu, on) do {					\
	TEST_RUN(hotplug(f, cpu, on));					\
	TEST_RUN(settle(f));						\
} while (0)

/* Run @fn on the kernel's hotplug model, then on the one that frees a
 * policy whose CPUs all went (arg non-NULL). */
static int
both_models(struct emu_shape *shape, int (*fn)(void *))
{
	TEST_RUN(emu_run(shape, fn, NULL));
	shape->hotplug = "reset";
	return emu_run(shape, fn, (void *)1);
}

/* Hotplug during a vote: nothing written while offline, votes kept and
 * updated; back online, the decision of the votes is written. */
static int
vote_body(void *arg)
{
	int reset = arg != NULL;
	struct hfx f;

	TEST_RUN(hfx_start(&f));
	VOTE(&f, VM_A, 3, POWER_MGR_MIN);
	EMU_ASSERT_LOG("cpufreq/policy3/scaling_governor userspace OK\n"
		"cpufreq/policy3/scaling_setspeed 1200000\\n OK\n");
	HOTPLUG(&f, 3, 0);
	TEST_ASSERT(info(&f, 3)->offline, "offline");
	VOTE(&f, VM_A, 3, POWER_MGR_MAX);
	VOTE(&f, VM_B, 3, POWER_MGR_MIN);
	TEST_ASSERT_EQUAL(info(&f, 3)->nb_votes, 2, "votes kept");
	EMU_ASSERT_LOG("cpu3/online 0 OK\n");
	HOTPLUG(&f, 3, 1);
	/* The kernel kept our governor; or restarted the policy at its
	 * defaults, which are then what it gets back. */
	EMU_ASSERT_LOG(reset ? "cpu3/online 1 OK\n"
		"cpufreq/policy3/scaling_governor userspace OK\n"
		"cpufreq/policy3/scaling_setspeed 2400000\\n OK\n" :
		"cpu3/online 1 OK\n"
		"cpufreq/policy3/scaling_setspeed 2400000\\n OK\n");
	TEST_ASSERT_EQUAL(unvote(&f, VM_A, 3), 0, "");
	EMU_ASSERT_LOG("cpufreq/policy3/scaling_setspeed 1200000\\n OK\n");
	TEST_ASSERT_EQUAL(unvote(&f, VM_B, 3), 0, "");
	EMU_ASSERT_LOG("cpufreq/policy3/scaling_governor schedutil OK\n");
	hfx_stop(&f);
	EMU_ASSERT_LOG("");
	return TEST_SUCCESS;
}

static int
test_hotplug_vote(void)
{
	struct emu_shape shape = { .nb_cpus = 4 };

	return both_models(&shape, vote_body);
}
REGISTER_TEST(hotplug_vote, test_hotplug_vote);

/* Policy 2-3: its CPU written through goes, the other carries it; both
 * go, it is left alone; the first back takes it up again. */
static int
shared_body(void *arg)
{
	const char *pol = arg != NULL ? "policy3" : "policy2";
	char log[512];
	struct hfx f;

	TEST_RUN(hfx_start(&f));
	VOTE(&f, VM_A, 3, POWER_MGR_MIN);
	VOTE(&f, VM_B, 2, POWER_MGR_MAX);
	EMU_ASSERT_LOG("cpufreq/policy2/scaling_governor userspace OK\n"
		"cpufreq/policy2/scaling_setspeed 1200000\\n OK\n"
		"cpufreq/policy2/scaling_setspeed 2400000\\n OK\n");
	HOTPLUG(&f, 2, 0);	/* B's vote waits; A's decides */
	EMU_ASSERT_LOG("cpu2/online 0 OK\n"
		"cpufreq/policy2/scaling_setspeed 1200000\\n OK\n");
	TEST_ASSERT(info(&f, 3)->controlled && !info(&f, 3)->offline, "");
	HOTPLUG(&f, 3, 0);	/* the policy is inactive: nothing */
	VOTE(&f, VM_A, 3, POWER_MGR_UP);
	EMU_ASSERT_LOG("cpu3/online 0 OK\n");
	HOTPLUG(&f, 3, 1);
	snprintf(log, sizeof(log), "cpu3/online 1 OK\n%s"
		"cpufreq/%s/scaling_setspeed 1600000\\n OK\n", arg != NULL ?
		"cpufreq/policy3/scaling_governor userspace OK\n" : "", pol);
	EMU_ASSERT_LOG(log);
	HOTPLUG(&f, 2, 1);
	snprintf(log, sizeof(log), "cpu2/online 1 OK\n"
		"cpufreq/%s/scaling_setspeed 2400000\\n OK\n", pol);
	EMU_ASSERT_LOG(log);
	TEST_ASSERT_EQUAL(info(&f, 2)->nb_siblings, 2, "");
	hfx_stop(&f);
	snprintf(log, sizeof(log), "cpufreq/%s/scaling_governor schedutil OK\n",
		pol);
	EMU_ASSERT_LOG(log);
	return TEST_SUCCESS;
}

static int
test_hotplug_shared(void)
{
	struct emu_shape shape = { .nb_cpus = 4, .policies = "0-1;2-3" };

	return both_models(&shape, shared_body);
}
REGISTER_TEST(hotplug_shared, test_hotplug_shared);

/* Policy 1-2 through CPU 1, the daemon's lcore (librte_power): CPU 1
 * goes, vmpower's backend carries the policy through CPU 2. */
static int
lcore_body(void *arg)
{
	struct hfx f;

	RTE_SET_USED(arg);
	TEST_RUN(hfx_start(&f));
	VOTE(&f, VM_A, 2, POWER_MGR_MIN);
	TEST_ASSERT_STR(info(&f, 2)->backend, "librte_power");
	emu_log_clear();	/* librte_power's own sequence */
	/* librte_power's exit puts the governor back (or we do, when the
	 * CPU's link is gone), then ours takes the policy again. */
	HOTPLUG(&f, 1, 0);
	TEST_ASSERT_STR(info(&f, 2)->backend, "vmpower sysfs");
	EMU_ASSERT_LOG("cpu1/online 0 OK\n"
		"cpufreq/policy1/scaling_governor schedutil OK\n"
		"cpufreq/policy1/scaling_governor userspace OK\n"
		"cpufreq/policy1/scaling_setspeed 1200000\\n OK\n");
	VOTE(&f, VM_A, 2, POWER_MGR_MAX);
	EMU_ASSERT_LOG("cpufreq/policy1/scaling_setspeed 2400000\\n OK\n");
	hfx_stop(&f);
	EMU_ASSERT_LOG("cpufreq/policy1/scaling_governor schedutil OK\n");
	return TEST_SUCCESS;
}

static int
test_hotplug_lcore(void)
{
	struct emu_shape shape = { .nb_cpus = 4, .policies = "1-2" };

	return both_models(&shape, lcore_body);
}
REGISTER_TEST(hotplug_lcore, test_hotplug_lcore);

/*
 * A burst: CPU 3 goes and comes back 20 times while the loop is busy;
 * the uevents are taken in order against what sysfs says at the end
 * ("online" of a CPU offline again is stale). Kernel model: the policy
 * was kept, nothing to write; reset model: taken again, once.
 */
static int
burst_body(void *arg)
{
	char want[4096];
	size_t n = 0;
	struct hfx f;
	int i;

	TEST_RUN(hfx_start(&f));
	VOTE(&f, VM_A, 3, POWER_MGR_MIN);
	emu_log_clear();
	TEST_RUN(hfx_hold(&f));
	for (i = 0; i < 41; i++) {
		TEST_RUN(hotplug(&f, 3, i & 1));
		n += (size_t)snprintf(want + n, sizeof(want) - n,
			"cpu3/online %d OK\n", i & 1);
	}
	hfx_release(&f);
	TEST_RUN(settle(&f));
	TEST_ASSERT(info(&f, 3)->offline, "ends offline");
	EMU_ASSERT_LOG(want);
	n = 0;
	TEST_RUN(hfx_hold(&f));
	for (i = 1; i < 42; i++) {
		TEST_RUN(hotplug(&f, 3, i & 1));
		n += (size_t)snprintf(want + n, sizeof(want) - n,
			"cpu3/online %d OK\n", i & 1);
	}
	hfx_release(&f);
	TEST_RUN(settle(&f));
	TEST_ASSERT(!info(&f, 3)->offline, "ends online");
	if (arg != NULL)
		snprintf(want + n, sizeof(want) - n,
			"cpufreq/policy3/scaling_governor userspace OK\n"
			"cpufreq/policy3/scaling_setspeed 1200000\\n OK\n");
	EMU_ASSERT_LOG(want);
	hfx_stop(&f);
	EMU_ASSERT_LOG("cpufreq/policy3/scaling_governor schedutil OK\n");
	return TEST_SUCCESS;
}

static int
test_hotplug_burst(void)
{
	struct emu_shape shape = { .nb_cpus = 4 };

	return both_models(&shape, burst_body);
}
REGISTER_TEST(hotplug_burst, test_hotplug_burst);

static int
wait_resync(struct hfx *f, uint64_t n)
{
	struct monitor_stats st;
	int i;

	for (i = 0; i < 300; i++) {
		monitor_call(f->mon, get_stats, &st);
		if (st.resyncs >= n) {
			f->sent = (unsigned int)(st.hotplug +
				st.hotplug_ignored);
			return TEST_SUCCESS;
		}
		usleep(10000);
	}
	TEST_ASSERT(0, "no resync");
}

/*
 * Overrun: a small queue fills while the loop is busy, and CPU 3's
 * "offline" is lost. The loop sees ENOBUFS, drops what is queued (older
 * than sysfs) and reads the online CPUs: CPU 3 is offline for it too.
 */
static int
overrun_body(void *arg)
{
	char buf[2048];
	size_t len;
	struct hfx f;
	int i;

	RTE_SET_USED(arg);
	TEST_RUN(hfx_init(&f, 1));	/* the kernel's minimum */
	TEST_RUN(hfx_run(&f));
	VOTE(&f, VM_A, 3, POWER_MGR_MIN);
	emu_log_clear();
	TEST_RUN(hfx_hold(&f));
	len = test_cpu_uevent(buf, sizeof(buf), 2, 1);
	for (i = 0; i < 20; i++)	/* more than fit */
		TEST_ASSERT_EQUAL(send_raw(&f, buf, len), 0, "");
	TEST_RUN(hotplug(&f, 3, 0));
	hfx_release(&f);
	TEST_RUN(wait_resync(&f, 1));
	TEST_ASSERT(info(&f, 3)->offline, "found offline");
	VOTE(&f, VM_A, 3, POWER_MGR_MAX);
	EMU_ASSERT_LOG("cpu3/online 0 OK\n");
	HOTPLUG(&f, 3, 1);
	EMU_ASSERT_LOG("cpu3/online 1 OK\n"
		"cpufreq/policy3/scaling_setspeed 2400000\\n OK\n");
	hfx_stop(&f);
	EMU_ASSERT_LOG("cpufreq/policy3/scaling_governor schedutil OK\n");
	return TEST_SUCCESS;
}

static int
test_hotplug_overrun(void)
{
	struct emu_shape shape = { .nb_cpus = 4 };

	return emu_run(&shape, overrun_body, NULL);
}
REGISTER_TEST(hotplug_overrun, test_hotplug_overrun);

static long
ctx_switches(int tid)
{
	char path[64], line[128];
	long v = -1;
	FILE *fp;

	snprintf(path, sizeof(path), "/proc/self/task/%d/status", tid);
	fp = fopen(path, "r");
	while (fp != NULL && fgets(line, sizeof(line), fp) != NULL)
		if (sscanf(line, "voluntary_ctxt_switches: %ld", &v) == 1)
			break;
	if (fp != NULL)
		fclose(fp);
	return v;
}

/* Watching costs no wake-up: none while nothing comes, none for other
 * devices' uevents (the socket filter drops them in the kernel). */
static int
idle_body(void *arg)
{
	struct monitor_stats a, b;
	char buf[2048];
	long before, after;
	struct hfx f;
	int tid;

	RTE_SET_USED(arg);
	TEST_RUN(hfx_start(&f));
	VOTE(&f, VM_A, 3, POWER_MGR_MIN);
	tid = monitor_tid(f.mon);
	/* Settled first: a call right after another may be run in its
	 * wake-up, leaving the eventfd for one more. */
	usleep(100000);
	monitor_call(f.mon, get_stats, &a);
	usleep(100000);
	before = ctx_switches(tid);
	sleep(2);
	TEST_ASSERT_EQUAL(send_raw(&f, buf, test_uevent(buf, sizeof(buf), "add",
		"/devices/virtual/net/tap0", "net", 1)), 0, "");
	TEST_ASSERT_EQUAL(send_raw(&f, buf, test_uevent(buf, sizeof(buf), "add",
		"/devices/system/cpu/cpu3", "cpu", 2)), 0, "");
	TEST_ASSERT_EQUAL(send_raw(&f, "libudev\0\xfe\xed\xca\xfe", 12), 0,
		"");
	sleep(1);
	after = ctx_switches(tid);
	monitor_call(f.mon, get_stats, &b);
	printf("idle: loop woke %ld times in 3 s (%u epoll returns)\n",
		after - before, (unsigned int)(b.wakeups - a.wakeups - 1));
	TEST_ASSERT(before >= 0, "");
	TEST_ASSERT_EQUAL(after - before, 0, "voluntary context switches");
	TEST_ASSERT_EQUAL(b.wakeups, a.wakeups + 1, "only our own call");
	TEST_ASSERT_EQUAL(b.hotplug + b.hotplug_ignored, 0, "");
	HOTPLUG(&f, 3, 0);			/* a CPU's does wake it */
	TEST_ASSERT(info(&f, 3)->offline, "");
	hfx_stop(&f);
	return TEST_SUCCESS;
}

static int
test_hotplug_idle(void)
{
	struct emu_shape shape = { .nb_cpus = 4 };

	return emu_run(&shape, idle_body, NULL);
}
REGISTER_TEST(hotplug_idle, test_hotplug_idle);

/*
 * CPUs offline at start. Kernel model, CPU 3 alone in its policy: its
 * files are EBUSY, so it is unknown until it comes online. Reset model,
 * policy 2-3 with CPU 3 offline: it has no cpufreq link; online, it
 * joins its policy.
 */
static int
late_body(void *arg)
{
	int reset = arg != NULL;
	struct hfx f;

	TEST_RUN(hfx_start(&f));
	TEST_ASSERT(info(&f, 3)->offline, "");
	if (reset) {
		TEST_ASSERT_EQUAL(info(&f, 2)->nb_siblings, 1, "");
		TEST_ASSERT_EQUAL(vote(&f, VM_A, 3, POWER_MGR_MIN), -ENODEV,
			"");
	} else {
		TEST_ASSERT_EQUAL(vote(&f, VM_A, 3, POWER_MGR_MIN), -ENODEV,
			"");
	}
	EMU_ASSERT_LOG("");
	HOTPLUG(&f, 3, 1);
	TEST_ASSERT_EQUAL(info(&f, 3)->state, POWER_MGR_CORE_READY, "");
	TEST_ASSERT_EQUAL(info(&f, 3)->nb_siblings, reset ? 2 : 1, "");
	VOTE(&f, VM_A, 3, POWER_MGR_MIN);
	EMU_ASSERT_LOG(reset ? "cpu3/online 1 OK\n"
		"cpufreq/policy2/scaling_governor userspace OK\n"
		"cpufreq/policy2/scaling_setspeed 1200000\\n OK\n" :
		"cpu3/online 1 OK\n"
		"cpufreq/policy3/scaling_governor userspace OK\n"
		"cpufreq/policy3/scaling_setspeed 1200000\\n OK\n");
	hfx_stop(&f);
	return TEST_SUCCESS;
}

static int
test_hotplug_late(void)
{
	struct emu_shape kernel = { .nb_cpus = 4, .offline = "3" };
	struct emu_shape reset = { .nb_cpus = 4, .offline = "3",
		.policies = "0;1;2-3", .hotplug = "reset" };

	TEST_RUN(emu_run(&kernel, late_body, NULL));
	return emu_run(&reset, late_body, (void *)1);
}
REGISTER_TEST(hotplug_late, test_hotplug_late);

static int
has_record(struct hfx *f, unsigned int cpu)
{
	char path[96];

	snprintf(path, sizeof(path), "%s/policy%u", f->state, cpu);
	return access(path, F_OK) == 0;
}

static void
fault_job(struct monitor *mon, void *arg)
{
	RTE_SET_USED(mon);
	RTE_SET_USED(arg);
	power_mgr_fault_restore();
}

/*
 * Policy 2-3 written through CPU 2, which goes: its crash record and the
 * fault handler's prepared writes move to CPU 3 (in the reset model
 * CPU 2's cpufreq link is gone: through it, they would fail).
 */
static int
records_body(void *arg)
{
	struct hfx f;

	RTE_SET_USED(arg);
	TEST_RUN(hfx_start(&f));
	VOTE(&f, VM_A, 2, POWER_MGR_MIN);
	VOTE(&f, VM_B, 3, POWER_MGR_MIN);
	TEST_ASSERT(has_record(&f, 2) && !has_record(&f, 3), "");
	HOTPLUG(&f, 2, 0);
	TEST_ASSERT(has_record(&f, 3) && !has_record(&f, 2), "moved");
	emu_log_clear();
	TEST_ASSERT_EQUAL(monitor_call(f.mon, fault_job, NULL), 0, "");
	EMU_ASSERT_LOG("cpufreq/policy2/scaling_governor schedutil OK\n");
	hfx_stop(&f);
	EMU_ASSERT_LOG("");	/* already as it was */
	return TEST_SUCCESS;
}

static int
test_hotplug_records(void)
{
	struct emu_shape shape = { .nb_cpus = 4, .policies = "0-1;2-3" };

	return both_models(&shape, records_body);
}
REGISTER_TEST(hotplug_records, test_hotplug_records);

/*
 * Active-mode drivers (min = max, no setspeed): a kept policy is told
 * from a reset one by its limits (amd-pstate-epp's governor is the
 * kernel's default either way). The operator's max of 2 GHz is what the
 * kept policy gets back; the reset one came back at 2.4 GHz, which is
 * then its own.
 */
static int
pinned_body(void *arg)
{
	struct hfx f;

	TEST_RUN(hfx_start(&f));
	EMU_ASSERT_WRITE("cpu3/cpufreq/scaling_max_freq", "2000000", 0);
	emu_log_clear();
	VOTE(&f, VM_A, 3, POWER_MGR_MIN);
	EMU_ASSERT_LOG("cpufreq/policy3/scaling_max_freq 1200000\\n OK\n"
		"cpufreq/policy3/scaling_min_freq 1200000\\n OK\n");
	HOTPLUG(&f, 3, 0);
	VOTE(&f, VM_A, 3, POWER_MGR_UP);
	HOTPLUG(&f, 3, 1);
	EMU_ASSERT_LOG("cpu3/online 0 OK\ncpu3/online 1 OK\n"
		"cpufreq/policy3/scaling_max_freq 1219000\\n OK\n"
		"cpufreq/policy3/scaling_min_freq 1219000\\n OK\n");
	hfx_stop(&f);
	EMU_ASSERT_LOG(arg != NULL ?
		"cpufreq/policy3/scaling_max_freq 2400000\\n OK\n"
		"cpufreq/policy3/scaling_min_freq 1200000\\n OK\n" :
		"cpufreq/policy3/scaling_max_freq 2000000\\n OK\n"
		"cpufreq/policy3/scaling_min_freq 1200000\\n OK\n");
	return TEST_SUCCESS;
}

static int
test_hotplug_pinned(void)
{
	struct emu_shape shape = { .nb_cpus = 4, .driver = "amd-pstate-epp" };

	return both_models(&shape, pinned_body);
}
REGISTER_TEST(hotplug_pinned, test_hotplug_pinned);
