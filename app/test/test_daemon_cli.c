/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The vmpower authors
 */

/*
 * vm_power_mgr's CLI as an operator meets it: on a real pseudo-terminal
 * (keystrokes in, the screen out: completion, history, help, Ctrl-D,
 * Ctrl-C, a log line arriving while a line is half typed), from a pipe
 * (errors and the exit status), and through the control socket with
 * vmpowerctl. Inside a sandboxed cpufreq tree.
 */

#include <errno.h>
#include <fcntl.h>
#include <pty.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <rte_common.h>

#include "cpufreq_emu.h"
#include "test.h"
#include "test_daemon_run.h"
#include "test_eal.h"
#include "test_virt.h"

static const char *
env_or(const char *name, const char *fallback)
{
	const char *v = getenv(name);

	return v != NULL ? v : fallback;
}

/* vm_power_mgr on a new pseudo-terminal: d->in and d->out are its master. */
static int
pty_start(struct daemon *d, const char *const *extra)
{
	const char *argv[32] = {
		env_or("VM_POWER_MGR",
			"build/examples/vm_power_manager/vm_power_mgr"),
		"-l", "0", "--no-huge", "--no-pci", "-m", "64",
		"--log-level=lib.eal:warning", "--file-prefix", d->prefix,
		"--", "--state-dir", d->state_dir,
	};
	struct winsize ws = { .ws_row = 40, .ws_col = 200 };
	unsigned int n = 13;
	int master;

	test_eal_prefix(d->prefix, sizeof(d->prefix), "vmp_tty", -1);
	snprintf(d->state_dir, sizeof(d->state_dir), "/tmp/vmp_state.XXXXXX");
	if (test_mkdtemp(d->state_dir) == NULL)
		return -errno;
	n += daemon_own_channel_dir(d, extra, &argv[n]);
	while (*extra != NULL && n < RTE_DIM(argv) - 1)
		argv[n++] = *extra++;
	argv[n] = NULL;
	d->pid = forkpty(&master, NULL, NULL, &ws);
	if (d->pid == 0) {
		execv(argv[0], (char *const *)argv);
		_exit(127);
	}
	if (d->pid < 0)
		return -errno;
	d->out = master;
	d->in = dup(master);
	d->len = 0;
	fcntl(d->out, F_SETFL, O_NONBLOCK);
	return 0;
}

static int
keys(struct daemon *d, const char *k)
{
	size_t len = strlen(k);

	return write(d->in, k, len) == (ssize_t)len ? 0 : -EIO;
}

#define TYPE(d, k, screen) do { \
	TEST_ASSERT_EQUAL(keys(d, k), 0, "%s", k); \
	TEST_ASSERT_EQUAL(daemon_expect(d, screen, 5000), 0, "%s", k); \
} while (0)

/* vmpowerctl @args (a shell word list): @return its exit status. */
static int
ctl(const char *sock, const char *args, char *out, size_t len)
{
	char cmd[512];
	FILE *p;
	size_t n;
	int st;

	snprintf(cmd, sizeof(cmd), "%s -s %s %s 2>&1",
		env_or("VMPOWERCTL",
			"build/examples/vm_power_manager/vmpowerctl"),
		sock, args);
	p = popen(cmd, "r");
	if (p == NULL)
		return -1;
	n = fread(out, 1, len - 1, p);
	out[n] = '\0';
	st = pclose(p);
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

static int
terminal(void *arg)
{
	static const char *const extra[] = { "--libvirt-uri",
		"test:///default", NULL };
	char sock[96], out[4096];
	struct daemon d;

	(void)arg;
	TEST_ASSERT_EQUAL(pty_start(&d, extra), 0, "");
	TEST_ASSERT_EQUAL(daemon_expect(&d, "ready:", 10000), 0, "");
	TEST_ASSERT_EQUAL(daemon_expect(&d, "vmpower> ", 5000), 0, "");
	snprintf(sock, sizeof(sock), "%s/control", d.state_dir);

	/* help, then one command's syntax. */
	TYPE(&d, "help\r", "list_vms            the VMs served");
	TEST_ASSERT_EQUAL(daemon_expect(&d, "help <command> gives its "
		"syntax", 5000), 0, "");
	TYPE(&d, "help set_cpu_freq\r", "usage: set_cpu_freq <core> <unit>");
	TYPE(&d, "set_cpu_freq 1 fast\r", "unknown unit 'fast': want up|");
	TYPE(&d, "list_vm\r", "did you mean list_vms?");
	/* TAB completes the command, Enter runs it. */
	TYPE(&d, "list_v\t", "ms");
	TYPE(&d, "\r", "no VMs added");
	TEST_ASSERT_EQUAL(daemon_expect(&d, "vmpower> ", 5000), 0, "");
	/* The up arrow brings it back. */
	TYPE(&d, "\033[A", "list_vms");
	TYPE(&d, "\r", "no VMs added");
	TEST_ASSERT_EQUAL(daemon_expect(&d, "vmpower> ", 5000), 0, "");

	/*
	 * Half a line typed, then a log line (a core taken under control,
	 * from vmpowerctl): it goes above, the line is drawn again.
	 */
	TYPE(&d, "show_v", "show_v");
	TEST_ASSERT_EQUAL(ctl(sock, "set_cpu_freq 1 max", out, sizeof(out)),
		0, "%s", out);
	TEST_ASSERT(strstr(out, "core 1: 2400000 kHz") != NULL, "%s", out);
	TEST_ASSERT_EQUAL(daemon_expect(&d, "\r\033[K", 5000), 0, "");
	TEST_ASSERT_EQUAL(daemon_expect(&d, "taken under control", 5000), 0,
		"");
	TEST_ASSERT_EQUAL(daemon_expect(&d, "vmpower> show_v", 5000), 0,
		"the half-typed line is drawn again");
	TYPE(&d, "m vm0\r", "VM vm0 is not added");
	TEST_ASSERT_STR(emu_governor(1), "userspace");

	/* Ctrl-D deletes on a line with text; on an empty one, it stops. */
	TYPE(&d, "x\004", "x");
	TYPE(&d, "\177", "\033[0K");	/* erased, caret back */
	TEST_ASSERT_EQUAL(keys(&d, "\004"), 0, "");
	TEST_ASSERT_EQUAL(daemon_expect(&d, "restoring cores", 5000), 0, "");
	TEST_ASSERT_EQUAL(daemon_wait(&d), 0, "Ctrl-D: exit 0");
	daemon_close(&d);
	TEST_ASSERT_STR(emu_governor(1), "powersave");
	TEST_ASSERT(access(sock, F_OK) != 0, "control socket removed");

	/* Ctrl-C stops it too, every core given back. */
	TEST_ASSERT_EQUAL(pty_start(&d, extra), 0, "");
	TEST_ASSERT_EQUAL(daemon_expect(&d, "vmpower> ", 10000), 0, "");
	TYPE(&d, "set_cpu_freq_mask 0-1 max\r", "core 1: 2400000 kHz");
	TEST_ASSERT_STR(emu_governor(0), "userspace");
	TYPE(&d, "set_cpu\003", "restoring cores");
	TEST_ASSERT_EQUAL(daemon_wait(&d), 0, "Ctrl-C: exit 0");
	daemon_close(&d);
	TEST_ASSERT_STR(emu_governor(0), "powersave");
	TEST_ASSERT_STR(emu_governor(1), "powersave");
	return TEST_SUCCESS;
}

static int
test_daemon_cli_terminal(void)
{
	struct emu_shape shape = { .nb_cpus = 2,
		.governor = "powersave" };

	return emu_run(&shape, terminal, NULL);
}
REGISTER_TEST(daemon_cli_terminal, test_daemon_cli_terminal);

/* A VM that is not running, with two power channels in its XML. */
static const char stopped_xml[] =
"<node>\n"
" <cpu><nodes>1</nodes><sockets>1</sockets><cores>4</cores>"
"<threads>1</threads><mhz>2000</mhz><model>i686</model></cpu>\n"
" <domain type='test'><name>vm1</name><memory>65536</memory>"
"<vcpu>1</vcpu><os><type>hvm</type></os>\n"
"  <devices>\n"
"   <channel type='unix'><source mode='bind' path='%1$s/qemu/vm1.0'/>"
"<target type='virtio' name='virtio.serial.port.poweragent.0'/></channel>\n"
"   <channel type='unix'><source mode='bind' path='%1$s/qemu/vm1.1'/>"
"<target type='virtio' name='virtio.serial.port.poweragent.1'/></channel>\n"
"  </devices>\n"
"  <test:runstate xmlns:test='http://libvirt.org/schemas/domain/test/1.0'>"
"5</test:runstate></domain>\n"
"</node>\n";

/* Errors from a pipe: each says what and how; the exit status tells. */
static int
pipe_errors(void *arg)
{
	const char *extra[] = { "--libvirt-uri", NULL, "--channel-dir", NULL,
		"--cpus", "0-1", NULL };
	struct test_virt v;
	struct daemon d;

	(void)arg;
	TEST_ASSERT_EQUAL(test_virt_init(&v, stopped_xml), 0, "");
	extra[1] = v.uri;
	extra[3] = v.chdir;
	TEST_ASSERT_EQUAL(daemon_start(&d, extra), 0, "");
	TEST_ASSERT_EQUAL(daemon_expect(&d, "ready:", 10000), 0, "");
	CMD(&d, "show_vm", "show_vm: the VM name is missing\n"
		"usage: show_vm <name>");
	CMD(&d, "set_cpu_freq 1 fast", "set_cpu_freq: unknown unit 'fast': "
		"want up|down|min|max|enable_turbo|disable_turbo|auto\n"
		"usage: set_cpu_freq <core> <unit>");
	CMD(&d, "list_vm", "unknown command 'list_vm': did you mean "
		"list_vms?");
	CMD(&d, "set_pcpu vm1 x 1", "set_pcpu: 'x' is not a vCPU number");
	CMD(&d, "show_vm a b", "show_vm: unexpected 'b' after the VM name");
	CMD(&d, "add_vm vm", "cannot add VM vm: no such domain in libvirt\n"
		"did you mean vm1?");
	CMD(&d, "add_vm vm1", "VM vm1 added: 1 vCPUs, 2 channels in its XML");
	/* Not running: both channels fail, both are kept for its start. */
	CMD(&d, "add_channels vm1 all", "error: VM vm1: 0 of 2 channels "
		"connected");
	TEST_ASSERT_EQUAL(daemon_expect(&d, "channel 0: not connected:", 5000),
		0, "");
	TEST_ASSERT_EQUAL(daemon_expect(&d, "kept: it connects when the VM "
		"starts\n  channel 1: not connected:", 5000), 0, "");
	TEST_ASSERT_EQUAL(daemon_expect(&d, "kept: it connects when the VM "
		"starts", 5000), 0, "");
	CMD(&d, "show_vm vm1", "VM vm1: not running, 1 vCPUs, channels: 2 "
		"declared (XML), 0 connected, 2 enabled");
	/* Outside --cpus, or outside the host: refused, with why. */
	CMD(&d, "set_pcpu vm1 0 3", "CPU 3 is outside the CPUs this daemon "
		"may touch (--cpus)\ncannot pin vCPU 0 of VM vm1 to 3");
	CMD(&d, "set_pcpu vm1 0 9", "bad CPU list: '9' is above the highest "
		"CPU");
	CMD(&d, "quit", "restoring cores");
	TEST_ASSERT_EQUAL(daemon_wait(&d), 3, "a command failed: exit 3");
	daemon_close(&d);

	/* Only good commands: exit 0. */
	TEST_ASSERT_EQUAL(daemon_start(&d, extra), 0, "");
	TEST_ASSERT_EQUAL(daemon_expect(&d, "ready:", 10000), 0, "");
	CMD(&d, "help", "quit ");
	CMD(&d, "# a comment, then an empty line", "");
	CMD(&d, "", "");
	CMD(&d, "list_vms", "no VMs added");
	close(d.in);
	TEST_ASSERT_EQUAL(daemon_expect(&d, "restoring cores", 5000), 0, "");
	TEST_ASSERT_EQUAL(daemon_wait(&d), 0, "");
	close(d.out);
	d.in = d.out = -1;
	daemon_close(&d);
	test_virt_fini(&v);
	return TEST_SUCCESS;
}

static int
test_daemon_cli_errors(void)
{
	struct emu_shape shape = { .nb_cpus = 4,
		.governor = "powersave" };

	return emu_run(&shape, pipe_errors, NULL);
}
REGISTER_TEST(daemon_cli_errors, test_daemon_cli_errors);

/* vmpowerctl against a running daemon: answers, statuses, many at once. */
static int
control(void *arg)
{
	static const char *const extra[] = { "--libvirt-uri",
		"test:///default", "--no-cli", NULL };
	static const char *const none[] = { "--libvirt-uri",
		"test:///default", "--no-cli", "--control", "none", NULL };
	char sock[96], out[4096];
	struct daemon d;
	struct stat st;
	pid_t kids[8];
	unsigned int i;
	int status;

	(void)arg;
	TEST_ASSERT_EQUAL(daemon_start(&d, extra), 0, "");
	TEST_ASSERT_EQUAL(daemon_expect(&d, "ready:", 10000), 0, "");
	snprintf(sock, sizeof(sock), "%s/control", d.state_dir);
	TEST_ASSERT_EQUAL(stat(sock, &st), 0, "%s", sock);
	TEST_ASSERT(S_ISSOCK(st.st_mode), "");
	TEST_ASSERT_EQUAL(st.st_mode & 0777, 0600, "mode %04o", st.st_mode);

	TEST_ASSERT_EQUAL(ctl(sock, "list_vms", out, sizeof(out)), 0, "%s",
		out);
	TEST_ASSERT_STR(out, "no VMs added\n");
	TEST_ASSERT_EQUAL(ctl(sock, "add_vm test", out, sizeof(out)), 0, "%s",
		out);
	TEST_ASSERT_STR(out, "VM test added: 2 vCPUs, 0 channels in its "
		"XML\n");
	TEST_ASSERT_EQUAL(ctl(sock, "show_vm", out, sizeof(out)), 1, "%s",
		out);
	TEST_ASSERT_STR(out, "show_vm: the VM name is missing\n"
		"usage: show_vm <name>\n");
	TEST_ASSERT_EQUAL(ctl(sock, "set_cpu_freq 1 max", out, sizeof(out)),
		0, "%s", out);
	TEST_ASSERT_STR(emu_governor(1), "userspace");
	TEST_ASSERT_EQUAL(ctl("/nonexistent/control", "list_vms", out,
		sizeof(out)), 2, "%s", out);
	TEST_ASSERT(strstr(out, "cannot reach vm_power_mgr") != NULL, "%s",
		out);
	TEST_ASSERT_EQUAL(ctl(sock, "", out, sizeof(out)), 2, "%s", out);

	/* Eight clients at once, each with its own answer. */
	for (i = 0; i < RTE_DIM(kids); i++) {
		kids[i] = fork();
		if (kids[i] == 0) {
			char mine[4096];
			int ret = ctl(sock, "show_cpu_freq 1", mine,
				sizeof(mine));

			_exit(ret == 0 && strstr(mine, "core 1: 2400000 kHz")
				!= NULL ? 0 : 1);
		}
	}
	for (i = 0; i < RTE_DIM(kids); i++) {
		TEST_ASSERT_EQUAL(waitpid(kids[i], &status, 0), kids[i], "");
		TEST_ASSERT(WIFEXITED(status) && WEXITSTATUS(status) == 0,
			"client %u", i);
	}

	/* quit through the socket: a clean stop, the socket removed. */
	TEST_ASSERT_EQUAL(ctl(sock, "quit", out, sizeof(out)), 0, "%s", out);
	TEST_ASSERT_EQUAL(daemon_expect(&d, "restoring cores", 5000), 0, "");
	TEST_ASSERT_EQUAL(daemon_wait(&d), 0, "");
	TEST_ASSERT_STR(emu_governor(1), "powersave");
	TEST_ASSERT(access(sock, F_OK) != 0, "socket removed");
	daemon_close(&d);

	/* --control none: no socket. */
	TEST_ASSERT_EQUAL(daemon_start(&d, none), 0, "");
	TEST_ASSERT_EQUAL(daemon_expect(&d, "ready:", 10000), 0, "");
	snprintf(sock, sizeof(sock), "%s/control", d.state_dir);
	TEST_ASSERT(access(sock, F_OK) != 0, "no socket");
	kill(d.pid, SIGTERM);
	TEST_ASSERT_EQUAL(daemon_wait(&d), 0, "");
	daemon_close(&d);
	return TEST_SUCCESS;
}

static int
test_daemon_cli_control(void)
{
	struct emu_shape shape = { .nb_cpus = 2,
		.governor = "powersave" };

	return emu_run(&shape, control, NULL);
}
REGISTER_TEST(daemon_cli_control, test_daemon_cli_control);
