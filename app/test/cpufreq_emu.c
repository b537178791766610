/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The vmpower authors
 */

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/wait.h>
#include <unistd.h>

#include <rte_common.h>
#include <rte_eal.h>
#include <rte_errno.h>

#include "cpufreq_emu.h"
#include "test_child.h"
#include "test_eal.h"
#include "test.h"

#ifndef VMP_EMU_SCRIPT
#define VMP_EMU_SCRIPT "app/test/cpufreq_emu/cpufreq_emu.py"
#endif
#define FUSE_MAGIC	0x65735546
#define CTL_DIR		EMU_CPU_DIR "/.vmp_emu"
#define READY_MS	20000
#define MAX_OPTS	64

void test_log_release(void) __attribute__((weak));

static pid_t emu_child;

static const char *
script(void)
{
	const char *s = getenv("VMP_CPUFREQ_EMU");

	return s != NULL && *s != '\0' ? s : VMP_EMU_SCRIPT;
}

static const char *
python(void)
{
	const char *s = getenv("VMP_EMU_PYTHON");

	/* Debian's: the first python3 on PATH may lack Debian's modules. */
	return s != NULL && *s != '\0' ? s : "/usr/bin/python3";
}

static void
exec_emulator(const char *const *opts, const char *mnt, int ready_fd)
{
	const char *argv[MAX_OPTS + 8];
	char fd_str[16];
	int n = 0;

	/* Only the ready pipe: a test's own pipes must see their EOF. */
	if (ready_fd >= 0 && ready_fd != 3) {
		dup2(ready_fd, 3);
		ready_fd = 3;
	}
	closefrom(ready_fd >= 0 ? 4 : 3);
	snprintf(fd_str, sizeof(fd_str), "%d", ready_fd);
	argv[n++] = python();
	argv[n++] = script();
	if (mnt == NULL) {
		argv[n++] = "--check";
	} else {
		argv[n++] = mnt;
		argv[n++] = "--ready-fd";
		argv[n++] = fd_str;
	}
	while (opts != NULL && *opts != NULL && n < MAX_OPTS + 6)
		argv[n++] = *opts++;
	argv[n] = NULL;
	execv(argv[0], (char *const *)(uintptr_t)argv);
	fprintf(stderr, "cpufreq_emu: %s: %s\n", argv[0], strerror(errno));
	_exit(errno == ENOENT ? 77 : 127);
}

int
emu_available(void)
{
	static int cached = 1;
	pid_t pid;
	int st;

	if (cached <= 0)
		return cached;
	if (access("/dev/fuse", R_OK | W_OK) < 0) {
		printf("cpufreq_emu: /dev/fuse: %s: skipped\n", strerror(errno));
		return cached = -ENOTSUP;
	}
	fflush(stdout);
	pid = fork();
	if (pid == 0)
		exec_emulator(NULL, NULL, -1);
	if (pid < 0 || waitpid(pid, &st, 0) < 0)
		return -errno;
	if (WIFEXITED(st) && WEXITSTATUS(st) == 0)
		return cached = 0;
	if (WIFEXITED(st) && WEXITSTATUS(st) == 77) {
		printf("cpufreq_emu: needs /dev/fuse, %s and python3-pyfuse3 "
			"(Debian: fuse3 python3-pyfuse3): skipped\n", python());
		return cached = -ENOTSUP;
	}
	/* Everything is there, yet the emulator is broken: a failure. */
	printf("cpufreq_emu: %s %s --check failed (status 0x%x)\n",
		python(), script(), st);
	return cached = -EIO;
}

/* Wait for the emulator's "ready" line; 0, or -errno once it is gone. */
static int
wait_ready(int fd, pid_t pid)
{
	struct pollfd pfd = { .fd = fd, .events = POLLIN };
	char buf[16];
	ssize_t n;
	int st;

	if (poll(&pfd, 1, READY_MS) == 1) {
		n = read(fd, buf, sizeof(buf) - 1);
		if (n > 0 && strncmp(buf, "ready", 5) == 0)
			return 0;
	} else {
		printf("cpufreq_emu: not mounted after %d ms\n", READY_MS);
	}
	kill(pid, SIGKILL);
	if (waitpid(pid, &st, 0) == pid && WIFEXITED(st) &&
			WEXITSTATUS(st) == 77)
		return -ENOTSUP;
	printf("cpufreq_emu: the emulator failed to start\n");
	return -EIO;
}

int
emu_enter_argv(const char *const *opts)
{
	char mnt[] = "/tmp/vmp_emu.XXXXXX";
	int pipefd[2], ret;
	pid_t pid;

	ret = emu_available();
	if (ret < 0)
		return ret;
	/* Namespace A: the emulator's own, mounted on a scratch directory. */
	if (unshare(CLONE_NEWNS) < 0) {
		ret = -errno;
		printf("cpufreq_emu: unshare(CLONE_NEWNS): %s\n",
			strerror(errno));
		return ret;
	}
	if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0 ||
			mkdtemp(mnt) == NULL || pipe(pipefd) < 0)
		return -errno;
	fflush(stdout);
	fflush(stderr);
	pid = fork();
	if (pid < 0)
		return -errno;
	if (pid == 0) {
		/* It goes when we go, even if we are killed. */
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		close(pipefd[0]);
		exec_emulator(opts, mnt, pipefd[1]);
	}
	close(pipefd[1]);
	ret = wait_ready(pipefd[0], pid);
	close(pipefd[0]);
	if (ret < 0) {
		rmdir(mnt);
		return ret;
	}
	/*
	 * Namespace B, ours: the tree goes over the CPU directory. The
	 * emulator never sees it there, so it cannot block on itself.
	 */
	if (unshare(CLONE_NEWNS) < 0 ||
			mount(mnt, EMU_CPU_DIR, NULL, MS_BIND, NULL) < 0) {
		ret = -errno;
		printf("cpufreq_emu: bind over %s: %s\n", EMU_CPU_DIR,
			strerror(errno));
		kill(pid, SIGKILL);
		waitpid(pid, NULL, 0);
		rmdir(mnt);
		return ret;
	}
	/* The bind keeps the file system: the scratch directory can go. */
	umount2(mnt, MNT_DETACH);
	rmdir(mnt);
	emu_child = pid;
	return emu_active() ? 0 : -EIO;
}

int
emu_enter(const struct emu_shape *s)
{
	static const char *const names[] = {
		"--cpus", "--driver", "--governor", "--policies", "--offline",
		"--hotplug",
	};
	const char *vals[RTE_DIM(names)] = {
		s->cpus, s->driver, s->governor, s->policies, s->offline,
		s->hotplug,
	};
	const char *opts[MAX_OPTS + 1];
	char cpus[16], psize[16], args[512];
	unsigned int i, n = 0;
	char *tok, *save;

	if (s->cpus == NULL) {
		snprintf(cpus, sizeof(cpus), "%u", s->nb_cpus ? s->nb_cpus : 4);
		vals[0] = cpus;
	}
	for (i = 0; i < RTE_DIM(names); i++)
		if (vals[i] != NULL) {
			opts[n++] = names[i];
			opts[n++] = vals[i];
		}
	if (s->policy_size != 0) {
		snprintf(psize, sizeof(psize), "%u", s->policy_size);
		opts[n++] = "--policy-size";
		opts[n++] = psize;
	}
	if (s->no_turbo)
		opts[n++] = "--no-turbo";
	snprintf(args, sizeof(args), "%s", s->args ? s->args : "");
	for (tok = strtok_r(args, " ", &save); tok != NULL && n < MAX_OPTS;
			tok = strtok_r(NULL, " ", &save))
		opts[n++] = tok;
	opts[n] = NULL;
	return emu_enter_argv(opts);
}

/* The host has no emulator mount, and @pid is gone: nothing was left. */
static int
left_behind(pid_t pid)
{
	char line[512];
	FILE *f = fopen("/proc/self/mountinfo", "r");
	int found = 0;

	while (f != NULL && fgets(line, sizeof(line), f) != NULL)
		found |= strstr(line, " cpufreq_emu ") != NULL;
	if (f != NULL)
		fclose(f);
	if (found)
		printf("cpufreq_emu: a mount is left on the host\n");
	if (pid > 0 && kill(pid, 0) == 0) {
		printf("cpufreq_emu: emulator %d is left running\n", (int)pid);
		kill(pid, SIGKILL);
		found = 1;
	}
	return found;
}

int
emu_run(const struct emu_shape *shape, int (*fn)(void *), void *arg)
{
	pid_t pid, emu = 0;
	int st, ret, pipefd[2];

	if (geteuid() != 0) {
		TEST_SKIP("cpufreq_emu: needs root (mount namespace, FUSE)");
	}
	ret = emu_available();
	if (ret < 0)
		return ret == -ENOTSUP ? TEST_SKIPPED : TEST_FAILED;
	if (pipe(pipefd) < 0)
		return TEST_FAILED;
	fflush(stdout);
	fflush(stderr);
	prctl(PR_SET_CHILD_SUBREAPER, 1);
	pid = fork();
	if (pid < 0)
		return TEST_FAILED;
	if (pid == 0) {
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		setpgid(0, 0);
		close(pipefd[0]);
		ret = emu_enter(shape);
		if (ret < 0) {
			printf("cpufreq_emu: cannot enter the emulator: %s\n",
				strerror(-ret));
			_exit(1);
		}
		emu = emu_pid();
		if (write(pipefd[1], &emu, sizeof(emu)) != sizeof(emu))
			_exit(1);
		close(pipefd[1]);
		ret = fn(arg);
		if (test_log_release != NULL)
			test_log_release();
		fflush(stdout);
		ret = ret == TEST_SUCCESS ? 0 : ret == TEST_SKIPPED ? 77 : 1;
		if (emu_stop() < 0 && ret == 0)
			ret = 1;
		exit(ret);
	}
	close(pipefd[1]);
	st = test_child_reap(pid);
	if (read(pipefd[0], &emu, sizeof(emu)) != sizeof(emu))
		emu = 0;
	close(pipefd[0]);
	if (left_behind(emu))
		return TEST_FAILED;
	return test_child_result(st, "cpufreq_emu");
}

int
emu_active(void)
{
	struct statfs fs;

	if (statfs(EMU_CPU_DIR, &fs) < 0 || fs.f_type != FUSE_MAGIC)
		return 0;
	return access(CTL_DIR "/log", R_OK) == 0;
}

pid_t
emu_pid(void)
{
	return emu_child;
}

int
emu_stop(void)
{
	int st, ret = 0;

	if (emu_child <= 0)
		return 0;
	/* Still serving? An emulator gone before its time is a failure. */
	if (waitpid(emu_child, &st, WNOHANG) == emu_child) {
		printf("cpufreq_emu: the emulator died early (status 0x%x)\n",
			st);
		ret = -EIO;
	} else {
		/*
		 * SIGKILL, not SIGTERM: libfuse would try to unmount the
		 * scratch directory, long gone. The mounts are ours only.
		 */
		kill(emu_child, SIGKILL);
		waitpid(emu_child, &st, 0);
	}
	emu_child = 0;
	if (umount2(EMU_CPU_DIR, MNT_DETACH) < 0 && ret == 0)
		ret = -errno;
	return ret;
}

int
emu_eal_init(void)
{
	if (!emu_active()) {
		printf("cpufreq_emu: refusing EAL on the real sysfs\n");
		return -EPERM;
	}
	return test_eal_start("vmp_emu", "0-1");
}

static int
open_path(const char *path, int flags)
{
	char full[PATH_MAX];

	if (!emu_active()) {
		errno = EPERM;	/* never the real sysfs */
		return -1;
	}
	snprintf(full, sizeof(full), "%s/%s", EMU_CPU_DIR, path);
	return open(full, flags | O_CLOEXEC);
}

static ssize_t
read_all(const char *path, char *buf, size_t size)
{
	int fd = open_path(path, O_RDONLY);
	ssize_t n, len = 0;

	if (fd < 0)
		return -errno;
	while ((size_t)len + 1 < size &&
			(n = read(fd, buf + len, size - 1 - len)) != 0) {
		if (n < 0) {
			n = -errno;
			close(fd);
			return n;
		}
		len += n;
	}
	close(fd);
	buf[len] = '\0';
	return len;
}

int
emu_read(const char *path, char *buf, size_t size)
{
	ssize_t n = read_all(path, buf, size);

	if (n < 0)
		return n;
	buf[strcspn(buf, "\n")] = '\0';
	return 0;
}

int
emu_read_u32(const char *path, unsigned int *val)
{
	char buf[64], *end;
	int ret = emu_read(path, buf, sizeof(buf));

	if (ret < 0)
		return ret;
	errno = 0;
	*val = strtoul(buf, &end, 10);
	return end == buf || errno != 0 ? -EINVAL : 0;
}

const char *
emu_str(const char *path)
{
	static char buf[4096];

	if (emu_read(path, buf, sizeof(buf)) < 0)
		buf[0] = '\0';
	return buf;
}

int
emu_cpu_read(unsigned int cpu, const char *file, char *buf, size_t size)
{
	char path[PATH_MAX];

	snprintf(path, sizeof(path), "cpu%u/%s", cpu, file);
	return emu_read(path, buf, size);
}

unsigned int
emu_khz(unsigned int cpu, const char *file)
{
	char path[PATH_MAX];
	unsigned int v;

	snprintf(path, sizeof(path), "cpu%u/%s", cpu, file);
	return emu_read_u32(path, &v) == 0 ? v : 0;
}

const char *
emu_governor(unsigned int cpu)
{
	static char buf[32];

	if (emu_cpu_read(cpu, "cpufreq/scaling_governor", buf,
			sizeof(buf)) < 0)
		buf[0] = '\0';
	return buf;
}

unsigned int
emu_freq_now(unsigned int cpu)
{
	return emu_khz(cpu, "cpufreq/scaling_cur_freq");
}

unsigned int
emu_setspeed(unsigned int cpu)
{
	return emu_khz(cpu, "cpufreq/scaling_setspeed");
}

int
emu_write(const char *path, const char *text)
{
	int fd = open_path(path, O_WRONLY);
	ssize_t n;
	int ret = 0;

	if (fd < 0)
		return -errno;
	n = write(fd, text, strlen(text));
	if (n < 0)
		ret = -errno;
	else if ((size_t)n != strlen(text))
		ret = -EIO;
	close(fd);
	return ret;
}

int
emu_log(char *buf, size_t size)
{
	static char raw[1 << 20];
	ssize_t n = read_all(".vmp_emu/log", raw, sizeof(raw));
	size_t len = 0;
	char *line, *save;

	if (n < 0)
		return n;
	buf[0] = '\0';
	/* "seq ns path value result": keep what a test asserts on. */
	for (line = strtok_r(raw, "\n", &save); line != NULL;
			line = strtok_r(NULL, "\n", &save)) {
		char *rest = strchr(line, ' ');

		rest = rest != NULL ? strchr(rest + 1, ' ') : NULL;
		if (rest == NULL)
			return -EIO;
		len += snprintf(buf + len, len < size ? size - len : 0, "%s\n",
			rest + 1);
	}
	return len < size ? (int)len : -ENOSPC;
}

int
emu_log_count(const char *text)
{
	static char buf[1 << 20];
	int len = emu_log(buf, sizeof(buf)), n = 0;
	char *p = buf;

	if (len < 0)
		return len;
	while ((p = strstr(p, text)) != NULL) {
		n++;
		p = strchr(p, '\n');	/* a line counts once */
		if (p == NULL)
			break;
	}
	return n;
}

int
emu_log_take(const char *text)
{
	int n = emu_log_count(text);

	if (n >= 0 && emu_log_clear() < 0)
		return -EIO;
	return n;
}

int
emu_ctl(const char *cmd)
{
	return emu_write(".vmp_emu/ctl", cmd);
}

int
emu_log_clear(void)
{
	return emu_ctl("clear");
}
