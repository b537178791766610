/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The vmpower authors
 */

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <sys/stat.h>
#include <unistd.h>

#include <rte_common.h>

#include "test.h"
#include "test_daemon_run.h"
#include "test_eal.h"

static const char *
binary(const char *env, const char *fallback)
{
	const char *p = getenv(env);

	return p != NULL ? p : fallback;
}

/*
 * Sanitizer builds run slower (under TSan, EAL's loading of DPDK's driver
 * plugins alone takes seconds): VMP_TEST_SLOW=N stretches every wait.
 */
static int
slow(int ms)
{
	return test_slow_ms(ms);
}

/*
 * Run @path with pipes on its standard streams, EAL prefix @tag, its
 * lcores as @lcores says ("-l 0" when NULL), @extra after "--".
 */
static int
proc_start(struct daemon *d, const char *path, const char *tag,
		const char *const lcores[2], const char *const *extra)
{
	const char *const *env = d->env;
	int journal = d->journal;

	const char *argv[32] = {
		path, lcores ? lcores[0] : "-l", lcores ? lcores[1] : "0",
		"--no-huge", "--no-pci", "-m", "64",
		"--log-level=lib.eal:warning", "--file-prefix", d->prefix,
		"--",
	};
	int in[2], out[2];
	unsigned int n = 11;

	static unsigned int nth;

	/* Two daemons of one test may run at once: EAL prefixes differ. */
	test_eal_prefix(d->prefix, sizeof(d->prefix), tag, (int)nth++);

	while (*extra != NULL && n < RTE_DIM(argv) - 1)
		argv[n++] = *extra++;
	argv[n] = NULL;
	if (pipe2(in, O_CLOEXEC) < 0 || pipe2(out, O_CLOEXEC) < 0)
		return -errno;
	d->pid = fork();
	if (d->pid == 0) {
		struct stat st;
		char js[64];

		dup2(in[0], 0);
		dup2(out[1], 1);
		dup2(out[1], 2);
		for (; env != NULL && *env != NULL; env++)
			putenv((char *)(uintptr_t)*env);
		/* As systemd says its journal stream is stderr. */
		if (journal && fstat(2, &st) == 0) {
			snprintf(js, sizeof(js), "%llu:%llu",
				(unsigned long long)st.st_dev,
				(unsigned long long)st.st_ino);
			setenv("JOURNAL_STREAM", js, 1);
		}
		/* sd_watchdog_enabled() wants the pid it is meant for. */
		snprintf(js, sizeof(js), "%d", (int)getpid());
		if (getenv("WATCHDOG_USEC") != NULL)
			setenv("WATCHDOG_PID", js, 1);
		if (d->pre_exec != NULL)
			d->pre_exec(d->pre_exec_arg);
		execv(path, (char *const *)argv);
		_exit(127);
	}
	close(in[0]);
	close(out[1]);
	d->in = in[1];
	d->out = out[0];
	d->len = 0;
	fcntl(d->out, F_SETFL, O_NONBLOCK);
	return d->pid > 0 ? 0 : -errno;
}

int
daemon_start(struct daemon *d, const char *const *extra)
{
	return daemon_start_lcores(d, NULL, extra);
}

static int start_daemon(struct daemon *d, const char *const lcores[2],
	const char *const *extra);

int
daemon_start_env(struct daemon *d, const char *const *env, int journal,
	const char *const *extra)
{
	d->env = env;
	d->journal = journal;
	d->pre_exec = NULL;
	return start_daemon(d, NULL, extra);
}

int
daemon_start_lcores(struct daemon *d, const char *const lcores[2],
	const char *const *extra)
{
	d->env = NULL;
	d->journal = 0;
	d->pre_exec = NULL;
	return start_daemon(d, lcores, extra);
}

int
daemon_own_channel_dir(struct daemon *d, const char *const *extra,
	const char **opts)
{
	const char *const *e;

	for (e = extra; *e != NULL; e++)
		if (strcmp(*e, "--channel-dir") == 0 ||
				strcmp(*e, "--config") == 0)
			return 0;
	snprintf(d->chdir, sizeof(d->chdir), "%s/channels", d->state_dir);
	opts[0] = "--channel-dir";
	opts[1] = d->chdir;
	return 2;
}

/* vm_power_mgr with its own state directory, d->env and d->journal. */
static int
start_daemon(struct daemon *d, const char *const lcores[2],
	const char *const *extra)
{
	const char *opts[24] = { "--state-dir", d->state_dir };
	unsigned int n = 2;

	/* Its own state directory: daemons of parallel tests coexist. */
	snprintf(d->state_dir, sizeof(d->state_dir), "/tmp/vmp_state.XXXXXX");
	if (test_mkdtemp(d->state_dir) == NULL)
		return -errno;
	n += daemon_own_channel_dir(d, extra, &opts[n]);
	while (*extra != NULL && n < RTE_DIM(opts) - 1)
		opts[n++] = *extra++;
	opts[n] = NULL;
	return proc_start(d, binary("VM_POWER_MGR",
		"build/examples/vm_power_manager/vm_power_mgr"), "vmp_test",
		lcores, opts);
}

int
guest_cli_start(struct daemon *d, const char *const *extra)
{
	return guest_cli_start_lcores(d, NULL, extra);
}

int
guest_cli_start_lcores(struct daemon *d, const char *const lcores[2],
		const char *const *extra)
{
	return guest_cli_start_in(d, lcores, extra, NULL, NULL);
}

int
guest_cli_start_in(struct daemon *d, const char *const lcores[2],
	const char *const *extra, void (*pre_exec)(void *arg), void *arg)
{
	d->state_dir[0] = '\0';
	d->env = NULL;
	d->journal = 0;
	d->pre_exec = pre_exec;
	d->pre_exec_arg = arg;
	return proc_start(d, binary("GUEST_CLI",
		"build/examples/vm_power_manager/guest_cli/guest_cli"),
		"vmp_guest", lcores, extra);
}

/* Wait until the daemon has said @text; consume up to it. */
int
daemon_expect(struct daemon *d, const char *text, int ms)
{
	struct pollfd p = { .fd = d->out, .events = POLLIN };
	char *hit;

	for (;;) {
		ssize_t n;

		d->buf[d->len] = '\0';
		hit = strstr(d->buf, text);
		if (hit != NULL) {
			size_t end = (size_t)(hit - d->buf) + strlen(text);

			memmove(d->buf, d->buf + end, d->len - end);
			d->len -= end;
			return 0;
		}
		if (poll(&p, 1, slow(ms)) <= 0) {
			printf("daemon did not say \"%s\"; it said:\n%s\n", text,
				d->buf);
			return -ETIMEDOUT;
		}
		n = read(d->out, d->buf + d->len, sizeof(d->buf) - 1 - d->len);
		if (n <= 0) {
			printf("daemon output ended before \"%s\":\n%s\n", text,
				d->buf);
			return -EPIPE;
		}
		d->len += (size_t)n;
	}
}

int
daemon_cmd(struct daemon *d, const char *cmd, const char *answer)
{
	char line[256];
	int n = snprintf(line, sizeof(line), "%s\n", cmd);

	if (write(d->in, line, (size_t)n) != n)
		return -EIO;
	return daemon_expect(d, answer, 5000);
}

/* Wait for the daemon's exit; @return its exit status or -1. */
int
daemon_wait(struct daemon *d)
{
	int st, i;

	for (i = 0; i < slow(500); i++) {
		if (waitpid(d->pid, &st, WNOHANG) == d->pid)
			return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
		usleep(10000);
	}
	kill(d->pid, SIGKILL);
	waitpid(d->pid, &st, 0);
	return -1;
}

void
daemon_close(struct daemon *d)
{
	char cmd[96];

	close(d->in);
	close(d->out);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", d->state_dir);
	if (strncmp(d->state_dir, "/tmp/vmp_state.", 15) == 0 &&
			system(cmd) != 0)
		printf("cannot remove %s\n", d->state_dir);
}

const char daemon_vm_xml[] =
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
"  </devices></domain>\n"
"</node>\n";

int
daemon_vm_start(struct daemon_vm *w, const char *node_xml, const char *vm,
	const char *chan, const char *const *more)
{
	const char *extra[24] = { "--libvirt-uri", w->v.uri, "--channel-dir",
		w->v.chdir };
	char path[200], cmd[200];
	unsigned int n = 4;

	memset(w, 0, sizeof(*w));
	w->socat = -1;
	while (more != NULL && *more != NULL && n < RTE_DIM(extra) - 1)
		extra[n++] = *more++;
	extra[n] = NULL;
	TEST_ASSERT_EQUAL(test_virt_init(&w->v, node_xml), 0, "");
	w->socat = test_socat_bridge(w->v.dir, chan, "port.0");
	snprintf(path, sizeof(path), "%s/qemu/%s", w->v.dir, chan);
	TEST_ASSERT_EQUAL(test_wait_file(path), 0, "socat's socket");
	TEST_ASSERT_EQUAL(daemon_start(&w->d, extra), 0, "");
	TEST_ASSERT_EQUAL(daemon_expect(&w->d, "ready: channel directory",
		10000), 0, "");
	snprintf(cmd, sizeof(cmd), "add_vm %s", vm);
	snprintf(path, sizeof(path), "VM %s added", vm);
	CMD(&w->d, cmd, path);
	snprintf(cmd, sizeof(cmd), "add_channels %s all", vm);
	snprintf(path, sizeof(path), "VM %s: 1 channel connected", vm);
	CMD(&w->d, cmd, path);
	snprintf(path, sizeof(path), "%s/port.0", w->v.dir);
	TEST_ASSERT_EQUAL(test_wait_file(path), 0, "the guest's port");
	snprintf(w->port, sizeof(w->port), "%s/port", w->v.dir);
	return TEST_SUCCESS;
}

void
daemon_vm_fini(struct daemon_vm *w)
{
	if (w->socat > 0) {
		kill(w->socat, SIGTERM);
		waitpid(w->socat, NULL, 0);
	}
	test_virt_fini(&w->v);
}

/* socat as QEMU: listen at @dir/qemu/<name>, guest port at @dir/<port>. */
pid_t
test_socat_bridge(const char *dir, const char *name, const char *port)
{
	char a[200], b[200];
	pid_t pid;

	snprintf(a, sizeof(a), "UNIX-LISTEN:%s/qemu/%s", dir, name);
	snprintf(b, sizeof(b), "PTY,link=%s/%s,rawer", dir, port);
	pid = fork();
	if (pid == 0) {
		execlp("socat", "socat", a, b, (char *)NULL);
		_exit(127);
	}
	return pid;
}

/* One telemetry command over the v2 socket; the JSON answer in @out. */
int
test_telemetry(const char *prefix, const char *cmd, char *out, size_t len)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	ssize_t n;
	int fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);

	snprintf(sa.sun_path, sizeof(sa.sun_path),
		"/var/run/dpdk/%s/dpdk_telemetry.v2", prefix);
	if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 ||
			read(fd, out, len - 1) <= 0 ||
			write(fd, cmd, strlen(cmd)) < 0 ||
			(n = read(fd, out, len - 1)) <= 0) {
		if (fd >= 0)
			close(fd);
		return -errno;
	}
	out[n] = '\0';
	close(fd);
	return 0;
}

int
test_wait_file(const char *path)
{
	int i;

	for (i = 0; i < slow(250); i++) {
		if (access(path, F_OK) == 0)
			return 0;
		usleep(20000);
	}
	return -ETIMEDOUT;
}


