/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The vmpower authors
 */

/*
 * The vm_power_mgr binary as a host service: its own EAL defaults beside
 * another DPDK primary process, the one-daemon lock taken before EAL,
 * and the configuration file.
 */

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include <rte_common.h>

#include "cpufreq_sandbox.h"
#include "test.h"
#include "test_daemon_run.h"
#include "test_virt.h"

/*
 * Run @argv (argv[0] a path) with pipes on its standard streams into
 * @d, with no option added: the daemon as an operator starts it.
 */
static int
spawn(struct daemon *d, const char *const *argv)
{
	int in[2], out[2];

	memset(d, 0, sizeof(*d));
	if (pipe2(in, O_CLOEXEC) < 0 || pipe2(out, O_CLOEXEC) < 0)
		return -errno;
	d->pid = fork();
	if (d->pid == 0) {
		dup2(in[0], 0);
		dup2(out[1], 1);
		dup2(out[1], 2);
		execvp(argv[0], (char *const *)(uintptr_t)argv);
		_exit(127);
	}
	close(in[0]);
	close(out[1]);
	d->in = in[1];
	d->out = out[0];
	fcntl(d->out, F_SETFL, O_NONBLOCK);
	return d->pid > 0 ? 0 : -errno;
}

/* Wait until @d has said @text, keeping all it said in d->buf. */
static int
wait_said(struct daemon *d, const char *text, int ms)
{
	struct pollfd p = { .fd = d->out, .events = POLLIN };
	ssize_t n;

	for (;;) {
		d->buf[d->len] = '\0';
		if (strstr(d->buf, text) != NULL)
			return 0;
		if (poll(&p, 1, ms) <= 0 || (n = read(d->out, d->buf + d->len,
				sizeof(d->buf) - 1 - d->len)) <= 0) {
			printf("did not say \"%s\"; said:\n%s\n", text, d->buf);
			return -ETIMEDOUT;
		}
		d->len += (size_t)n;
	}
}

static const char *
daemon_path(void)
{
	const char *p = getenv("VM_POWER_MGR");

	return p != NULL ? p : "build/examples/vm_power_manager/vm_power_mgr";
}

/* Whether /proc/@pid/@file has a line holding any of @words. */
static int
proc_has(pid_t pid, const char *file, const char *const *words)
{
	char path[64], line[512];
	const char *const *w;
	FILE *f;
	int hit = 0;

	snprintf(path, sizeof(path), "/proc/%d/%s", (int)pid, file);
	f = fopen(path, "re");
	if (f == NULL)
		return -errno;
	while (!hit && fgets(line, sizeof(line), f) != NULL)
		for (w = words; *w != NULL; w++)
			if (strstr(line, *w) != NULL) {
				printf("%s: %s", path, line);
				hit = 1;
			}
	fclose(f);
	return hit;
}

/* Whether a file descriptor of @pid points at a device of a DPDK driver. */
static int
fds_have_device(pid_t pid)
{
	char dir[64], path[320], target[256];
	struct dirent *e;
	ssize_t n;
	int hit = 0;
	DIR *d;

	snprintf(dir, sizeof(dir), "/proc/%d/fd", (int)pid);
	d = opendir(dir);
	while (d != NULL && (e = readdir(d)) != NULL) {
		snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
		n = readlink(path, target, sizeof(target) - 1);
		if (n <= 0)
			continue;
		target[n] = '\0';
		if (strncmp(target, "/dev/vfio", 9) == 0 ||
				strncmp(target, "/dev/uio", 8) == 0 ||
				strncmp(target, "/sys/bus/pci", 12) == 0 ||
				strncmp(target, "/sys/devices/pci", 16) == 0 ||
				strstr(target, "hugepages") != NULL) {
			printf("%s -> %s\n", path, target);
			hit = 1;
		}
	}
	if (d != NULL)
		closedir(d);
	return hit;
}

/*
 * With no EAL option at all, beside a DPDK primary process of the default
 * prefix (testpmd, net_null, no hugepages): both run. The daemon has its
 * own prefix (its telemetry answers at /var/run/dpdk/vmpower), no shared
 * config, no hugepage and no device mapped or open, and one lcore that
 * may run on every CPU it was given. Inside a private /run/dpdk.
 */
static int
coexist_body(void *arg)
{
	static const char *const maps_bad[] = { "hugepage", "rtemap",
		"/dev/vfio", "/dev/uio", "/sys/devices/pci", NULL };
	const char *testpmd[] = { "dpdk-testpmd", "-l", "0-1", "--no-huge",
		"-m", "256", "--no-pci", "--vdev", "net_null0",
		"--log-level=lib.eal:info", "--", "-i",
		"--total-num-mbufs=2048", NULL };
	/* No EAL option; its own channel directory (not the host's
	 * /tmp/powermonitor), in the private /run/dpdk. */
	const char *vmpm[] = { daemon_path(), "--log-level=lib.eal:debug",
		"--", "--libvirt-uri", "test:///default", "--state-dir",
		"/run/dpdk/vmp_state", "--channel-dir", "/run/dpdk/vmp_channels",
		NULL };
	char json[2048], ours[64];
	struct daemon tp, d;
	struct stat st;
	FILE *f;

	RTE_SET_USED(arg);
	if (access("/usr/bin/dpdk-testpmd", X_OK) < 0) {
		printf("no dpdk-testpmd (Debian's dpdk package): skipped\n");
		return TEST_SKIPPED;
	}
	/* Private: the fixed prefixes rte and vmpower clash with nothing
	 * (a chroot's fresh /run may not have the directory yet). */
	TEST_ASSERT(mkdir("/run/dpdk", 0755) == 0 || errno == EEXIST, "");
	TEST_ASSERT_EQUAL(mount("tmpfs", "/run/dpdk", "tmpfs", 0, "mode=0755"),
		0, "tmpfs on /run/dpdk: %s", strerror(errno));
	TEST_ASSERT_EQUAL(spawn(&tp, testpmd), 0, "");
	TEST_ASSERT_EQUAL(daemon_expect(&tp, "testpmd> ", 20000), 0, "");
	TEST_ASSERT_EQUAL(stat("/run/dpdk/rte/config", &st), 0,
		"testpmd is the default prefix's primary");

	TEST_ASSERT_EQUAL(spawn(&d, vmpm), 0, "");
	TEST_ASSERT_EQUAL(wait_said(&d, "VM_POWER_MGR: ready:", 20000), 0, "");
	/* EAL's debug log names each PCI device it scans or probes. */
	TEST_ASSERT(strstr(d.buf, "PCI device") == NULL &&
		strstr(d.buf, "Probe PCI") == NULL, "PCI probed:\n%s", d.buf);
	TEST_ASSERT(strstr(d.buf, "Main lcore 0 is ready") != NULL, "%s",
		d.buf);
	TEST_ASSERT_EQUAL(test_telemetry("vmpower", "/vmpower/stats", json,
		sizeof(json)), 0, "telemetry under prefix vmpower");
	TEST_ASSERT(strstr(json, "\"requests\"") != NULL, "%s", json);
	TEST_ASSERT(access("/run/dpdk/vmpower/config", F_OK) < 0,
		"no shared config");
	TEST_ASSERT(access("/run/dpdk/vmpower/mp_socket", F_OK) < 0,
		"no multi-process socket");
	TEST_ASSERT_EQUAL(proc_has(d.pid, "maps", maps_bad), 0,
		"no hugepage, no device mapped");
	TEST_ASSERT_EQUAL(fds_have_device(d.pid), 0, "no device open");
	/* One lcore, not pinned: the CPUs it was started with. */
	f = fopen("/proc/self/status", "re");
	TEST_ASSERT(f != NULL, "");
	while (fgets(json, sizeof(json), f) != NULL &&
			strncmp(json, "Cpus_allowed_list:", 18) != 0)
		;
	fclose(f);
	snprintf(ours, sizeof(ours), "%s", json);
	{
		const char *const mine[] = { ours, NULL };

		TEST_ASSERT_EQUAL(proc_has(d.pid, "status", mine), 1,
			"the daemon runs on every CPU we do: %s", ours);
	}

	d.len = 0;
	TEST_ASSERT_EQUAL(daemon_cmd(&d, "quit", "restoring cores"), 0, "");
	TEST_ASSERT_EQUAL(daemon_wait(&d), 0, "daemon exit");
	/* testpmd still has its port and answers (its stdout, a pipe, is
	 * flushed when it exits). */
	TEST_ASSERT_EQUAL(daemon_cmd(&tp, "show port summary all\nquit",
		"net_null0"), 0, "");
	TEST_ASSERT_EQUAL(daemon_expect(&tp, "Bye", 10000), 0, "");
	TEST_ASSERT_EQUAL(daemon_wait(&tp), 0, "testpmd exit");
	close(d.in);
	close(d.out);
	close(tp.in);
	close(tp.out);
	return TEST_SUCCESS;
}

static int
test_daemon_coexist(void)
{
	struct sandbox_shape shape = { .nb_cpus = 2 };

	return sandbox_run(&shape, coexist_body, NULL);
}
REGISTER_TEST(daemon_coexist, test_daemon_coexist);

/*
 * A second daemon on the same state directory stops at the lock, with
 * the first one's pid, before EAL: it says nothing of EAL's and leaves
 * no runtime directory.
 */
static int
test_daemon_second_refused(void)
{
	char dir[] = "/tmp/vmp_svc_lock.XXXXXX", msg[160], run[96];
	const char *opts[] = { "--libvirt-uri", "test:///default",
		"--state-dir", dir, NULL };
	struct daemon a, b;
	struct stat st;

	TEST_ASSERT(test_mkdtemp(dir) != NULL, "");
	TEST_ASSERT_EQUAL(daemon_start(&a, opts), 0, "");
	TEST_ASSERT_EQUAL(daemon_expect(&a, "ready:", 10000), 0, "");
	TEST_ASSERT_EQUAL(daemon_start(&b, opts), 0, "");
	snprintf(msg, sizeof(msg), "another vm_power_mgr (pid %d) is running "
		"and holds %s/lock: one daemon a host", (int)a.pid, dir);
	TEST_ASSERT_EQUAL(daemon_expect(&b, msg, 10000), 0, "");
	TEST_ASSERT_EQUAL(daemon_wait(&b), 1, "refused");
	daemon_expect(&b, "\n", 100);
	TEST_ASSERT(strstr(b.buf, "EAL") == NULL, "EAL ran: %s", b.buf);
	snprintf(run, sizeof(run), "/var/run/dpdk/%s", b.prefix);
	TEST_ASSERT(stat(run, &st) < 0 && errno == ENOENT,
		"%s was created", run);
	daemon_close(&b);
	CMD(&a, "quit", "restoring cores");
	TEST_ASSERT_EQUAL(daemon_wait(&a), 0, "");
	daemon_close(&a);
	rmdir(dir);
	return TEST_SUCCESS;
}
REGISTER_TEST(daemon_second_refused, test_daemon_second_refused);

/* Write @text to @path. */
static int
write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "we");

	if (f == NULL)
		return -errno;
	fputs(text, f);
	return fclose(f) == 0 ? 0 : -errno;
}

/* Start with --config @conf and @more; wait for @text. @return exit code
 * (refused) or 0 (ready, then quit). */
static int
with_config(const char *conf, const char *more, const char *text)
{
	const char *opts[] = { "--libvirt-uri", "test:///default",
		"--config", conf, more, "/tmp/vmp_svc_cmdline", NULL };
	struct daemon d;
	int ret;

	if (daemon_start(&d, opts) < 0 || daemon_expect(&d, text, 10000) < 0)
		ret = -1;
	else if (strstr(text, "ready") != NULL || strstr(text, "auto-") != NULL)
		ret = daemon_cmd(&d, "quit", "restoring cores");
	else
		ret = 0;
	ret = ret == 0 ? daemon_wait(&d) : -1;
	daemon_close(&d);
	return ret;
}

/*
 * The configuration file: settings apply, the command line wins, EAL's
 * section reaches EAL, and a bad key, value, section or line is refused
 * at start with file:line and why.
 */
static int
test_daemon_config_file(void)
{
	char dir[] = "/tmp/vmp_svc_conf.XXXXXX", conf[64], want[160];

	TEST_ASSERT(test_mkdtemp(dir) != NULL, "");
	snprintf(conf, sizeof(conf), "%s/vm_power_mgr.conf", dir);

	TEST_ASSERT_EQUAL(write_file(conf, "# vmpower\n[daemon]\n"
		"channel-dir = /tmp/vmp_svc_chdir   # from the file\n"
		"no-cli = no\n\n[eal]\nlog-level = lib.eal:info\n"), 0, "");
	TEST_ASSERT_EQUAL(with_config(conf, NULL,
		"ready: channel directory /tmp/vmp_svc_chdir,"), 0, "file");
	TEST_ASSERT_EQUAL(with_config(conf, "--channel-dir",
		"ready: channel directory /tmp/vmp_svc_cmdline,"), 0,
		"command line wins");
	rmdir("/tmp/vmp_svc_chdir");
	rmdir("/tmp/vmp_svc_cmdline");

	TEST_ASSERT_EQUAL(write_file(conf, "[daemon]\nbacklog = 8\n"
		"\n# a comment\nbakclog = 8\n"), 0, "");
	snprintf(want, sizeof(want), "%s:5: [daemon] bakclog: unknown key "
		"'bakclog'", conf);
	TEST_ASSERT_EQUAL(with_config(conf, NULL, want), 2, "bad key");

	TEST_ASSERT_EQUAL(write_file(conf, "[daemon]\ncpus = 0-1\n"
		"rate-limit = fast\n"), 0, "");
	snprintf(want, sizeof(want), "%s:3: [daemon] rate-limit: 'fast' is "
		"not a number", conf);
	TEST_ASSERT_EQUAL(with_config(conf, NULL, want), 2, "bad value");

	TEST_ASSERT_EQUAL(write_file(conf, "[daemon]\nno-cli = yes\n"
		"[deamon]\nx = 1\n"), 0, "");
	snprintf(want, sizeof(want), "%s:3: unknown section [deamon]", conf);
	TEST_ASSERT_EQUAL(with_config(conf, NULL, want), 2, "bad section");

	TEST_ASSERT_EQUAL(write_file(conf, "[daemon]\nbacklog = 8\n"
		"no-cli\n"), 0, "");
	snprintf(want, sizeof(want), "%s:3: not INI", conf);
	TEST_ASSERT_EQUAL(with_config(conf, NULL, want), 2, "no '='");

	TEST_ASSERT_EQUAL(write_file(conf, "[eal]\nfile-prefix =\n"), 0, "");
	snprintf(want, sizeof(want), "%s:2: not INI", conf);
	TEST_ASSERT_EQUAL(with_config(conf, NULL, want), 2, "empty value");

	/* The example shipped: valid (its libvirt-uri overridden). */
	if (getenv("VMP_SOURCE") != NULL) {
		snprintf(want, sizeof(want), "%s/examples/vm_power_manager/"
			"vm_power_mgr.conf", getenv("VMP_SOURCE"));
		/* Not in the host's default /tmp/powermonitor. */
		TEST_ASSERT_EQUAL(with_config(want, "--channel-dir",
			"auto-serving: every libvirt domain"), 0,
			"the example");
		rmdir("/tmp/vmp_svc_cmdline");
	}

	snprintf(want, sizeof(want), "%s/nosuch.conf: No such file", dir);
	snprintf(conf, sizeof(conf), "%s/nosuch.conf", dir);
	TEST_ASSERT_EQUAL(with_config(conf, NULL, want), 2, "missing file");

	snprintf(conf, sizeof(conf), "%s/vm_power_mgr.conf", dir);
	unlink(conf);
	rmdir(dir);
	return TEST_SUCCESS;
}
REGISTER_TEST(daemon_config_file, test_daemon_config_file);

static const char auto_node[] =
"<node>\n"
" <cpu><nodes>1</nodes><sockets>1</sockets><cores>2</cores>"
"<threads>1</threads><mhz>2000</mhz><model>i686</model></cpu>\n"
" <domain type='test'><name>vm0</name><memory>65536</memory>"
"<vcpu>1</vcpu><cputune><vcpupin vcpu='0' cpuset='1'/></cputune>"
"<os><type>hvm</type></os><devices>\n"
"   <channel type='unix'><source mode='bind' path='%1$s/qemu/vm0.0'/>"
"<target type='virtio' name='virtio.serial.port.poweragent.0'/></channel>\n"
" </devices></domain>\n"
"</node>\n";

/*
 * The daemon started after the VM, with no command typed: as a service
 * (--no-cli) it serves vm0 and connects its channel by itself; with
 * --no-auto, or interactive, it does not.
 */
static int
test_daemon_auto_serve(void)
{
	const char *service[] = { "--libvirt-uri", NULL, "--channel-dir",
		NULL, "--no-cli", NULL, NULL };
	struct test_virt v;
	struct daemon d;
	int l, c;

	TEST_ASSERT_EQUAL(test_virt_init(&v, auto_node), 0, "");
	service[1] = v.uri;
	service[3] = v.chdir;
	l = test_virt_listen(&v, "qemu/vm0.0");
	TEST_ASSERT(l >= 0, "");

	TEST_ASSERT_EQUAL(daemon_start(&d, service), 0, "");
	TEST_ASSERT_EQUAL(daemon_expect(&d, "auto-serving: every libvirt "
		"domain with power channels", 10000), 0, "");
	TEST_ASSERT_EQUAL(daemon_expect(&d, "VM vm0 served automatically",
		10000), 0, "");
	c = test_virt_accept(l);
	TEST_ASSERT(c >= 0, "the daemon connected vm0's channel");
	TEST_ASSERT_EQUAL(daemon_expect(&d, "channel 0 of VM vm0 connected",
		5000), 0, "");
	kill(d.pid, SIGTERM);
	TEST_ASSERT_EQUAL(daemon_wait(&d), 0, "");
	daemon_close(&d);
	close(c);

	/* Not a service (a CLI on a pipe), or --no-auto: nothing served. */
	service[4] = "--no-auto";
	service[5] = "--no-cli";
	TEST_ASSERT_EQUAL(daemon_start(&d, service), 0, "");
	/* Said once every domain's reading is posted to the loop. */
	TEST_ASSERT_EQUAL(daemon_expect(&d, "VM_SYNC: read: 0 VMs "
		"served\n", 10000), 0, "");
	kill(d.pid, SIGTERM);
	TEST_ASSERT_EQUAL(daemon_wait(&d), 0, "");
	daemon_expect(&d, "\n", 200);
	TEST_ASSERT(strstr(d.buf, "served automatically") == NULL, "%s",
		d.buf);
	daemon_close(&d);
	service[4] = NULL;
	TEST_ASSERT_EQUAL(daemon_start(&d, service), 0, "");
	TEST_ASSERT_EQUAL(daemon_expect(&d, "VM_SYNC: read: 0 VMs "
		"served\n", 10000), 0, "");
	CMD(&d, "list_vms", "no VMs added");
	CMD(&d, "quit", "restoring cores");
	TEST_ASSERT_EQUAL(daemon_wait(&d), 0, "");
	daemon_close(&d);
	close(l);
	test_virt_fini(&v);
	return TEST_SUCCESS;
}
REGISTER_TEST(daemon_auto_serve, test_daemon_auto_serve);
