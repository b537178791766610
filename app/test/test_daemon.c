/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The vmpower authors
 */

/*
 * The vm_power_mgr binary driven as a user would: its CLI through a pipe,
 * a guest through a socat-bridged port (socat plays QEMU), telemetry
 * through its socket, signals. Over the cpufreq emulator.
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
#include <time.h>
#include <unistd.h>

#include <rte_common.h>

#include <vmp_guest_channel.h>

#include "cpufreq_emu.h"
#include "test.h"
#include "test_daemon_run.h"
#include "test_virt.h"

/* vm0: 2 vCPUs on pCPUs 1 and 2-3, one channel (daemon_vm_xml). */
static const char *const node_xml = daemon_vm_xml;

static int
session(void *arg)
{
	static const char *const opts[] = { "--libvirt-uri", NULL,
		"--channel-dir", NULL, NULL };
	const char *extra[5];
	struct vmp_guest_channel_conf conf = { .reply_timeout_ms = 3000 };
	struct test_virt v;
	struct daemon d;
	union vmp_guest_reply r;
	char prefix[128], json[4096];
	pid_t socat;
	int ret = TEST_FAILED, i;

	(void)arg;
	TEST_ASSERT_EQUAL(test_virt_init(&v, node_xml), 0, "");
	memcpy(extra, opts, sizeof(opts));
	extra[1] = v.uri;
	extra[3] = v.chdir;
	socat = test_socat_bridge(v.dir, "vm0.0", "port.0");
	TEST_ASSERT_EQUAL(daemon_start(&d, extra), 0, "");
	TEST_ASSERT_EQUAL(daemon_expect(&d, "ready: channel directory", 10000),
		0, "");
	CMD(&d, "add_vm vm0", "VM vm0 added: 2 vCPUs, 1 channels in its XML");
	CMD(&d, "add_vm vm0", "VM vm0 is already added");
	CMD(&d, "add_vm nosuch", "cannot add VM nosuch: no such domain in "
		"libvirt");
	snprintf(prefix, sizeof(prefix), "%s/qemu/vm0.0", v.dir);
	TEST_ASSERT_EQUAL(test_wait_file(prefix), 0, "socat's socket");
	CMD(&d, "add_channels vm0 all", "VM vm0: 1 channel connected");
	CMD(&d, "add_channels vm0 7", "error: VM vm0: 0 of 1 channels "
		"connected\n  channel 7: not connected: channel 7 of VM vm0:");
	CMD(&d, "show_vm vm0", "channel 0: ");
	CMD(&d, "list_vms", "VM vm0: running, 2 vCPUs, channels: 1 declared "
		"(XML), 1 connected, 1 enabled");

	/* The guest's side: our library on the port socat made. */
	snprintf(prefix, sizeof(prefix), "%s/port.0", v.dir);
	TEST_ASSERT_EQUAL(test_wait_file(prefix), 0, "socat's pty");
	snprintf(prefix, sizeof(prefix), "%s/port", v.dir);
	conf.path_prefix = prefix;
	TEST_ASSERT_EQUAL(vmp_guest_channel_configure(&conf), 0, "");
	TEST_ASSERT_EQUAL(vmp_guest_channel_open(0), 0, "");
	TEST_ASSERT_EQUAL(vmp_guest_channel_set_vcpu(0, 0), 0, "");
	TEST_ASSERT_EQUAL(vmp_guest_channel_request(0, VMP_PROTO_SCALE_MIN),
		VMP_PROTO_ACK, "");
	TEST_ASSERT_EQUAL(emu_freq_now(1), 1200000, "vCPU 0 is pCPU 1");
	TEST_ASSERT_EQUAL(vmp_guest_channel_request(0, VMP_PROTO_SCALE_UP),
		VMP_PROTO_ACK, "");
	TEST_ASSERT_EQUAL(emu_freq_now(1), 1600000, "");
	TEST_ASSERT_EQUAL(vmp_guest_channel_query(0, VMP_PROTO_QUERY_FREQ, 0,
		&r), VMP_PROTO_FREQ_LIST, "");
	TEST_ASSERT_EQUAL(r.freq.freq_list[0], 1600000, "");
	CMD(&d, "show_cpu_freq 1", "core 1: 1600000 kHz, index 3 of 5, "
		"votes 1");
	CMD(&d, "set_channel_status vm0 0 disabled",
		"VM vm0: 1 channel disabled");
	TEST_ASSERT_EQUAL(vmp_guest_channel_request(0, VMP_PROTO_SCALE_MAX),
		VMP_PROTO_NACK, "disabled");
	TEST_ASSERT_EQUAL(emu_freq_now(1), 1600000, "");
	CMD(&d, "show_vm vm0", "disabled, requests 5 ack 2 nack 1");
	CMD(&d, "set_channel_status vm0 all enabled",
		"VM vm0: 1 channel enabled");
	TEST_ASSERT_EQUAL(vmp_guest_channel_request(0, VMP_PROTO_SCALE_MAX),
		VMP_PROTO_ACK, "");
	TEST_ASSERT_EQUAL(emu_freq_now(1), 2400000, "");

	/* By hand: overrides the VM until auto. */
	CMD(&d, "set_cpu_freq 1 min", "core 1: 1200000 kHz");
	TEST_ASSERT_EQUAL(emu_freq_now(1), 1200000, "");
	CMD(&d, "set_cpu_freq 1 auto", "core 1: 2400000 kHz");
	/* From where the free cores run (1200000), one step up. */
	CMD(&d, "set_cpu_freq_mask 2-3 up", "core 3: 1600000 kHz");
	TEST_ASSERT_EQUAL(emu_freq_now(2), 1600000, "");
	CMD(&d, "show_cpu_freq_mask 0,2", "core 2: 1600000 kHz");
	CMD(&d, "set_pcpu vm0 1 0", "VM vm0: vCPU 1 pinned to 0");
	CMD(&d, "show_vm vm0", "vCPU 1 -> pCPU 0");
	CMD(&d, "set_pcpu vm0 2 0", "VM vm0 has 2 vCPUs: no vCPU 2");
	CMD(&d, "set_pcpu vm9 0 0", "VM vm9 is not added");
	CMD(&d, "set_pcpu vm0 0 1-99", "bad CPU list: '99' is above the "
		"highest CPU");
	CMD(&d, "show_cpu_freq 17", "bad core list: '17' is above the "
		"highest CPU 3");
	CMD(&d, "set_cpu_freq 0 sideways", "unknown unit 'sideways': want "
		"up|down|min|max|enable_turbo|disable_turbo|auto");
	CMD(&d, "add_channels vm7 all", "error: VM vm7 is not added");
	CMD(&d, "rm_vm vm7", "VM vm7 is not added");
	CMD(&d, "frobnicate", "unknown command 'frobnicate'");

	/* Telemetry, through its socket. */
	TEST_ASSERT_EQUAL(test_telemetry(d.prefix, "/vmpower/vms", json,
		sizeof(json)), 0, "");
	TEST_ASSERT(strstr(json, "\"/vmpower/vms\":[\"vm0\"]") != NULL,
		"%s", json);
	TEST_ASSERT_EQUAL(test_telemetry(d.prefix, "/vmpower/vm,vm0", json,
		sizeof(json)), 0, "");
	TEST_ASSERT(strstr(json, "\"pcpus\":[\"1\",\"0\"]") != NULL, "%s",
		json);
	TEST_ASSERT(strstr(json, "\"acks\":3") != NULL, "%s", json);
	TEST_ASSERT_EQUAL(test_telemetry(d.prefix, "/vmpower/core,1", json,
		sizeof(json)), 0, "");
	TEST_ASSERT(strstr(json, "\"khz\":2400000") != NULL, "%s", json);
	TEST_ASSERT(strstr(json, "\"voters\":[\"vm0/0\"],\"vote_khz\":"
		"[2400000]") != NULL, "%s", json);
	TEST_ASSERT(strstr(json, "\"control\":\"controlled\"") != NULL, "%s",
		json);
	TEST_ASSERT_EQUAL(test_telemetry(d.prefix, "/vmpower/stats", json,
		sizeof(json)), 0, "");
	TEST_ASSERT(strstr(json, "\"requests\":3,\"queries\":1,\"acks\":3,\"nacks\":1") != NULL, "%s", json);
	TEST_ASSERT_EQUAL(test_telemetry(d.prefix, "/vmpower/cores", json,
		sizeof(json)), 0, "");
	TEST_ASSERT(strstr(json, "\"next\":-1,\"cpus\":[0,1,2,3],\"khz\":"
		"[1200000,2400000,1600000,1600000],\"controlled\":[0,1,1,1]")
		!= NULL, "%s", json);

	/* SIGTERM: clean stop, every core handed back. */
	vmp_guest_channel_close(0);
	kill(d.pid, SIGTERM);
	/* Commands of its pipe failed (on purpose, above). */
	TEST_ASSERT_EQUAL(daemon_wait(&d), 3, "exit status");
	for (i = 0; i < 4; i++) {
		TEST_ASSERT_STR(emu_governor((unsigned int)i), "powersave");
		TEST_ASSERT_EQUAL(emu_freq_now((unsigned int)i), 1200000, "");
	}
	ret = TEST_SUCCESS;
	daemon_close(&d);
	kill(socat, SIGTERM);
	waitpid(socat, NULL, 0);
	test_virt_fini(&v);
	return ret;
}

static int
test_daemon_session(void)
{
	struct emu_shape shape = { .nb_cpus = 4,
		.governor = "powersave" };

	return emu_run(&shape, session, NULL);
}
REGISTER_TEST(daemon_session, test_daemon_session);

/* Bad options, an unsafe channel directory, end of input. */
static int
startup(void *arg)
{
	static const char *const bad[] = { "--bogus", NULL };
	static const char *const help[] = { "--help", NULL };
	static const char *const wrap[] = { "--rate-limit", "4294967297",
		NULL };
	const char *unsafe[] = { "--channel-dir", NULL, "--libvirt-uri",
		"test:///default", NULL };
	char dir[] = "/tmp/vmp_unsafe.XXXXXX";
	struct daemon d;

	(void)arg;
	TEST_ASSERT_EQUAL(daemon_start(&d, bad), 0, "");
	TEST_ASSERT_EQUAL(daemon_expect(&d, "--libvirt-uri URI", 5000), 0, "");
	TEST_ASSERT_EQUAL(daemon_wait(&d), 2, "bad options");
	daemon_close(&d);
	TEST_ASSERT_EQUAL(daemon_start(&d, wrap), 0, "");
	TEST_ASSERT_EQUAL(daemon_expect(&d, "--rate-limit: '4294967297' is not "
		"a number of packets a second", 5000), 0, "");
	TEST_ASSERT_EQUAL(daemon_wait(&d), 2, "no wraparound");
	daemon_close(&d);
	TEST_ASSERT_EQUAL(daemon_start(&d, help), 0, "");
	TEST_ASSERT_EQUAL(daemon_expect(&d, "--channel-dir DIR", 5000), 0, "");
	TEST_ASSERT_EQUAL(daemon_wait(&d), 0, "--help");
	daemon_close(&d);

	TEST_ASSERT(test_mkdtemp(dir) != NULL, "");
	TEST_ASSERT_EQUAL(chmod(dir, 0777), 0, "");
	unsafe[1] = dir;
	TEST_ASSERT_EQUAL(daemon_start(&d, unsafe), 0, "");
	TEST_ASSERT_EQUAL(daemon_expect(&d, "is writable by others", 10000),
		0, "");
	TEST_ASSERT_EQUAL(daemon_wait(&d), 1, "refused to start");
	daemon_close(&d);
	TEST_ASSERT_STR(emu_governor(1), "powersave");

	/* End of input stops it cleanly, as quit does. */
	TEST_ASSERT_EQUAL(chmod(dir, 0755), 0, "");
	TEST_ASSERT_EQUAL(daemon_start(&d, unsafe), 0, "");
	TEST_ASSERT_EQUAL(daemon_expect(&d, "ready:", 10000), 0, "");
	TEST_ASSERT_STR(emu_governor(1), "powersave");	/* no vote */
	CMD(&d, "set_cpu_freq 1 max", "core 1: 2400000 kHz");
	TEST_ASSERT_STR(emu_governor(1), "userspace");
	close(d.in);
	TEST_ASSERT_EQUAL(daemon_expect(&d, "restoring cores", 5000), 0, "");
	TEST_ASSERT_EQUAL(daemon_wait(&d), 0, "");
	close(d.out);
	TEST_ASSERT_STR(emu_governor(1), "powersave");
	rmdir(dir);
	return TEST_SUCCESS;
}

static int
test_daemon_startup(void)
{
	struct emu_shape shape = { .nb_cpus = 2,
		.governor = "powersave" };

	return emu_run(&shape, startup, NULL);
}
REGISTER_TEST(daemon_startup, test_daemon_startup);

/*
 * The session a user would type, with the guest CLI as the guest: add the
 * VM and its channels, raise and lower a vCPU, query it, disable the
 * channel (NACK), enable it again.
 */
static int
guest_session(void *arg)
{
	const char *gextra[] = { "--channel-path", NULL, "--channels", "0",
		"--timeout", "3000", NULL };
	struct daemon_vm w;
	struct daemon *const d = &w.d;
	struct daemon g;

	(void)arg;
	TEST_RUN(daemon_vm_start(&w, node_xml, "vm0", "vm0.0", NULL));
	CMD(d, "show_vm vm0", "channel 0: ");
	gextra[1] = w.port;
	TEST_ASSERT_EQUAL(guest_cli_start(&g, gextra), 0, "");
	/* lcore 0 runs on CPU 0 in the guest: vCPU 0, host pCPU 1. */
	CMD(&g, "set_cpu_freq 0 min", "ACK");
	TEST_ASSERT_EQUAL(emu_freq_now(1), 1200000, "");
	CMD(&g, "set_cpu_freq 0 up", "ACK");
	TEST_ASSERT_EQUAL(emu_freq_now(1), 1600000, "");
	CMD(&g, "query_cpu_freq 0", "vCPU 0: 1600000 kHz");
	CMD(&g, "set_cpu_freq 0 down", "ACK");
	/* vCPU 1's pCPUs are free: where they run now. */
	CMD(&g, "query_cpu_freq all", "vCPU 1: 1200000 kHz");
	TEST_ASSERT_EQUAL(emu_freq_now(1), 1200000, "");
	CMD(&g, "query_cpu_freq_avail 0", "2401000");
	CMD(d, "set_channel_status vm0 0 disabled", "1 channel disabled");
	CMD(&g, "set_cpu_freq 0 max", "NACK");
	TEST_ASSERT_EQUAL(emu_freq_now(1), 1200000, "");
	CMD(d, "show_vm vm0", "disabled");
	CMD(d, "set_channel_status vm0 0 enabled", "1 channel enabled");
	CMD(&g, "set_cpu_freq 0 max", "ACK");
	TEST_ASSERT_EQUAL(emu_freq_now(1), 2400000, "");
	CMD(&g, "quit", "");
	TEST_ASSERT_EQUAL(daemon_wait(&g), 3, "guest CLI exit (a NACK: exit 3)");
	daemon_close(&g);
	CMD(d, "quit", "restoring cores");
	TEST_ASSERT_EQUAL(daemon_wait(d), 0, "daemon exit");
	daemon_close(d);
	TEST_ASSERT_STR(emu_governor(1), "powersave");
	daemon_vm_fini(&w);
	return TEST_SUCCESS;
}

static int
test_daemon_guest_cli(void)
{
	struct emu_shape shape = { .nb_cpus = 4,
		.governor = "powersave" };

	return emu_run(&shape, guest_session, NULL);
}
REGISTER_TEST(daemon_guest_cli, test_daemon_guest_cli);

/*
 * The daemon controls every cpufreq CPU of the host whatever its own
 * lcores and however EAL was told them: --lcores resets every other
 * lcore's cpuset (librte_power 24.11+ maps lcores through it), and an
 * lcore may run on another CPU than its id.
 */
static int
lcores(void *arg)
{
	static const char *const forms[][2] = {
		/* Real CPUs 0 and 1 (EAL sets affinity); the tree has 4. */
		{ "-l", "0" }, { "-l", "1" }, { "--lcores", "0" },
		{ "--lcores", "0@1" }, { "--lcores", "(0-1)@0" },
	};
	static const char *const extra[] = { "--libvirt-uri",
		"test:///default", NULL };
	unsigned int i, cpu;
	struct daemon d;

	(void)arg;
	for (i = 0; i < RTE_DIM(forms); i++) {
		printf("--- %s %s\n", forms[i][0], forms[i][1]);
		TEST_ASSERT_EQUAL(daemon_start_lcores(&d, forms[i], extra), 0,
			"");
		TEST_ASSERT_EQUAL(daemon_expect(&d, "acpi-cpufreq: 4 of 4 CPUs "
			"controllable", 10000), 0, "%s %s", forms[i][0],
			forms[i][1]);
		TEST_ASSERT_EQUAL(daemon_expect(&d, "ready:", 10000), 0, "");
		CMD(&d, "set_cpu_freq_mask 0-3 max", "core 3: 2400000 kHz");
		for (cpu = 0; cpu < 4; cpu++) {
			TEST_ASSERT_STR(emu_governor(cpu), "userspace");
			EMU_ASSERT_SPEED(cpu, 2400000);
		}
		CMD(&d, "quit", "restoring cores");
		TEST_ASSERT_EQUAL(daemon_wait(&d), 0, "");
		daemon_close(&d);
		for (cpu = 0; cpu < 4; cpu++)
			TEST_ASSERT_STR(emu_governor(cpu), "powersave");
	}
	return TEST_SUCCESS;
}

static int
test_daemon_lcores(void)
{
	struct emu_shape shape = { .nb_cpus = 4,
		.governor = "powersave" };

	return emu_run(&shape, lcores, NULL);
}
REGISTER_TEST(daemon_lcores, test_daemon_lcores);

/* A VM named as operators name them: dots, hyphens, UTF-8. */
static const char names_xml[] =
"<node>\n"
" <cpu><nodes>1</nodes><sockets>1</sockets><cores>4</cores>"
"<threads>1</threads><mhz>2000</mhz><model>i686</model></cpu>\n"
" <domain type='test'><name>web-01.prod-\xc3\xa9t\xc3\xa9</name>"
"<memory>65536</memory><vcpu>1</vcpu>\n"
"  <cputune><vcpupin vcpu='0' cpuset='1'/></cputune>"
"<os><type>hvm</type></os>\n"
"  <devices>\n"
"   <channel type='unix'><source mode='bind' path='%1$s/qemu/w.0'/>"
"<target type='virtio' name='virtio.serial.port.poweragent.0'/></channel>\n"
"  </devices></domain>\n"
"</node>\n";

/*
 * Telemetry shows every vote whatever the VM's name (voters are values,
 * not keys, which DPDK restricts to [A-Za-z0-9_/]), and pages the cores
 * of a host with more of them than an array holds.
 */
static int
tel_names(void *arg)
{
	const char *gextra[] = { "--channel-path", NULL, "--channels", "0",
		"--timeout", "3000", NULL };
	struct daemon_vm w;
	struct daemon *const d = &w.d;
	struct daemon g;
	char json[8192];

	(void)arg;
	TEST_RUN(daemon_vm_start(&w, names_xml,
		"web-01.prod-\xc3\xa9t\xc3\xa9", "w.0", NULL));
	gextra[1] = w.port;
	TEST_ASSERT_EQUAL(guest_cli_start(&g, gextra), 0, "");
	CMD(&g, "set_cpu_freq 0 max", "ACK");
	CMD(d, "set_cpu_freq 1 min", "core 1: 1200000 kHz");
	TEST_ASSERT_EQUAL(test_telemetry(d->prefix, "/vmpower/core,1", json,
		sizeof(json)), 0, "");
	TEST_ASSERT(strstr(json, "\"nb_votes\":2,\"votes_truncated\":0,"
		"\"voters\":[\"cli\",\"web-01.prod-%C3%A9t%C3%A9/0\"],"
		"\"vote_khz\":[1200000,2400000]") != NULL, "%s", json);
	TEST_ASSERT_EQUAL(test_telemetry(d->prefix, "/vmpower/vms", json,
		sizeof(json)), 0, "");
	TEST_ASSERT(strstr(json, "[\"web-01.prod-%C3%A9t%C3%A9\"]") != NULL,
		"%s", json);
	/* Looked up in either form. */
	TEST_ASSERT_EQUAL(test_telemetry(d->prefix,
		"/vmpower/vm,web-01.prod-%C3%A9t%C3%A9", json, sizeof(json)),
		0, "");
	TEST_ASSERT(strstr(json, "\"vcpus\":1") != NULL, "%s", json);
	/* 600 CPUs: the first page, then the rest from where it said. */
	TEST_ASSERT_EQUAL(test_telemetry(d->prefix, "/vmpower/cores", json,
		sizeof(json)), 0, "");
	TEST_ASSERT(strstr(json, "\"first\":0,\"next\":512,") != NULL, "%s",
		json);
	TEST_ASSERT_EQUAL(test_telemetry(d->prefix, "/vmpower/cores,512", json,
		sizeof(json)), 0, "");
	TEST_ASSERT(strstr(json, "\"first\":512,\"next\":-1,\"cpus\":[512,"
		) != NULL, "%s", json);
	TEST_ASSERT(strstr(json, ",599],") != NULL, "%s", json);
	CMD(&g, "quit", "");
	TEST_ASSERT_EQUAL(daemon_wait(&g), 0, "");
	daemon_close(&g);
	CMD(d, "quit", "restoring cores");
	TEST_ASSERT_EQUAL(daemon_wait(d), 0, "");
	daemon_close(d);
	daemon_vm_fini(&w);
	return TEST_SUCCESS;
}

static int
test_daemon_telemetry_names(void)
{
	struct emu_shape shape = { .nb_cpus = 600,
		.governor = "powersave" };

	return emu_run(&shape, tel_names, NULL);
}
REGISTER_TEST(daemon_telemetry_names, test_daemon_telemetry_names);

/*
 * SIGHUP (a dropped SSH session) and SIGQUIT stop the daemon as SIGTERM
 * does: cores given back, exit 0. A fault gives them back too, then the
 * daemon dies of it (status and core dump as without the handler).
 */
static int
signals(void *arg)
{
	static const int stops[] = { SIGHUP, SIGQUIT, SIGTERM, SIGINT };
	static const char *const extra[] = { "--libvirt-uri",
		"test:///default", NULL };
	struct daemon d;
	unsigned int i;
	int st;

	(void)arg;
	for (i = 0; i <= RTE_DIM(stops); i++) {
		int sig = i < RTE_DIM(stops) ? stops[i] : SIGSEGV;

		printf("--- signal %d\n", sig);
		TEST_ASSERT_EQUAL(daemon_start(&d, extra), 0, "");
		TEST_ASSERT_EQUAL(daemon_expect(&d, "ready:", 10000), 0, "");
		CMD(&d, "set_cpu_freq_mask 1-2 max", "core 2: 2400000 kHz");
		TEST_ASSERT_STR(emu_governor(1), "userspace");
		TEST_ASSERT_EQUAL(kill(d.pid, sig), 0, "");
		TEST_ASSERT_EQUAL(waitpid(d.pid, &st, 0), d.pid, "");
		if (sig == SIGSEGV)
			TEST_ASSERT(WIFSIGNALED(st) && WTERMSIG(st) == SIGSEGV,
				"dies of the fault (status %#x)", st);
		else
			TEST_ASSERT(WIFEXITED(st) && WEXITSTATUS(st) == 0,
				"clean exit on signal %d (status %#x)", sig,
				st);
		daemon_close(&d);
		TEST_ASSERT_STR(emu_governor(1), "powersave");
		TEST_ASSERT_STR(emu_governor(2), "powersave");
		TEST_ASSERT_EQUAL(emu_freq_now(1), 1200000, "frequency back");
	}
	return TEST_SUCCESS;
}

static int
test_daemon_signals(void)
{
	struct emu_shape shape = { .nb_cpus = 4,
		.governor = "powersave" };

	return emu_run(&shape, signals, NULL);
}
REGISTER_TEST(daemon_signals, test_daemon_signals);

/*
 * Service mode, against a fake NOTIFY_SOCKET as systemd's: READY=1 once
 * ready, WATCHDOG=1 at half of WATCHDOG_USEC while the loop answers,
 * STOPPING=1 on the way out; log lines carry the journal's priorities
 * when stderr is the journal's stream.
 */
static int
notify(void *arg)
{
	static const char *const extra[] = { "--libvirt-uri",
		"test:///default", "--no-cli", NULL };
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	char env_sock[160], msg[512], dir[] = "/tmp/vmp_notify.XXXXXX";
	const char *env[] = { env_sock, "WATCHDOG_USEC=200000", NULL };
	struct timeval tv = { .tv_sec = 10 };
	static const char status[] = "READY=1\nSTATUS=channel directory";
	int fd, pings = 0, ready = 0, stopping = 0, msgs = 0;
	struct daemon d;
	ssize_t n;

	(void)arg;
	TEST_ASSERT(test_mkdtemp(dir) != NULL, "");
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s/notify", dir);
	snprintf(env_sock, sizeof(env_sock), "NOTIFY_SOCKET=%s", sa.sun_path);
	fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	TEST_ASSERT(fd >= 0 && bind(fd, (struct sockaddr *)&sa,
		sizeof(sa)) == 0, "");
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	TEST_ASSERT_EQUAL(daemon_start_env(&d, env, 1, extra), 0, "");
	/* The journal's priority: <6> is INFO. */
	TEST_ASSERT_EQUAL(daemon_expect(&d, "<6>VM_POWER_MGR: ready:", 10000),
		0, "");
	while (pings < 3 && msgs++ < 50 &&
			(n = recv(fd, msg, sizeof(msg) - 1, 0)) > 0) {
		msg[n] = '\0';
		ready += strncmp(msg, status, strlen(status)) == 0;
		pings += ready && strcmp(msg, "WATCHDOG=1") == 0;
	}
	TEST_ASSERT_EQUAL(ready, 1, "READY=1 with a status, once");
	TEST_ASSERT_EQUAL(pings, 3, "WATCHDOG=1 while the loop runs");
	kill(d.pid, SIGTERM);
	while (!stopping && msgs++ < 100 &&
			(n = recv(fd, msg, sizeof(msg) - 1, 0)) > 0) {
		msg[n] = '\0';
		stopping = strcmp(msg, "STOPPING=1") == 0;
	}
	TEST_ASSERT(stopping, "STOPPING=1");
	TEST_ASSERT_EQUAL(daemon_wait(&d), 0, "");
	daemon_close(&d);
	close(fd);
	unlink(sa.sun_path);
	rmdir(dir);
	return TEST_SUCCESS;
}

static int
test_daemon_notify(void)
{
	struct emu_shape shape = { .nb_cpus = 2,
		.governor = "powersave" };

	return emu_run(&shape, notify, NULL);
}
REGISTER_TEST(daemon_notify, test_daemon_notify);
