/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The vmpower authors
 */

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <inttypes.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "test.h"
#include "test_eal.h"
#include "test_l3fwd_app.h"

#define RUNTIME_DIR	"/var/run/dpdk"

const char *
l3fwd_app_path(void)
{
	static char path[PATH_MAX];
	const char *env = getenv("L3FWD_POWER");
	char self[PATH_MAX];
	ssize_t n;
	char *slash;

	if (env != NULL && env[0] != '\0')
		return env;
	/* build/app/test/<binary> -> build/examples/l3fwd-power/ */
	n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	if (n <= 0)
		return "l3fwd-power";
	self[n] = '\0';
	slash = strrchr(self, '/');
	if (slash != NULL)
		*slash = '\0';
	snprintf(path, sizeof(path), "%s/../../examples/l3fwd-power/"
		"l3fwd-power", self);
	return path;
}

int
l3fwd_app_init(struct l3fwd_app *a)
{
	static unsigned int seq;

	memset(a, 0, sizeof(*a));
	strcpy(a->dir, "/tmp/vmp_l3fwd.XXXXXX");
	if (test_mkdtemp(a->dir) == NULL)
		return -errno;
	snprintf(a->out, sizeof(a->out), "%s/out.txt", a->dir);
	test_eal_prefix(a->prefix, sizeof(a->prefix), "vmp_l3fwd",
		(int)seq++);
	return 0;
}

const char *
l3fwd_app_file(const struct l3fwd_app *a, const char *name, char *buf,
		size_t size)
{
	snprintf(buf, size, "%s/%s", a->dir, name);
	return buf;
}

int
l3fwd_app_start(struct l3fwd_app *a, const char *fmt, ...)
{
	static const char *const common[] = { "--no-huge", "--no-pci", "-m",
		"128", "--no-shconf", "--file-prefix", NULL, "-l", "0" };
	char *args, *tok, *save = NULL, **argv;
	size_t nb = sizeof(common) / sizeof(common[0]), i;
	va_list ap;
	int fd;

	va_start(ap, fmt);
	if (vasprintf(&args, fmt, ap) < 0)
		args = NULL;
	va_end(ap);
	if (args == NULL)
		return -ENOMEM;
	/* Enough for every blank-separated word. */
	for (i = 0; args[i] != '\0'; i++)
		nb += args[i] == ' ';
	argv = calloc(nb + 3, sizeof(*argv));
	if (argv == NULL) {
		free(args);
		return -ENOMEM;
	}
	nb = 0;
	argv[nb++] = (char *)(uintptr_t)l3fwd_app_path();
	for (i = 0; i < sizeof(common) / sizeof(common[0]); i++)
		argv[nb++] = common[i] != NULL ? (char *)(uintptr_t)common[i] :
			a->prefix;
	for (tok = strtok_r(args, " ", &save); tok != NULL;
			tok = strtok_r(NULL, " ", &save))
		argv[nb++] = tok;
	argv[nb] = NULL;
	printf("run:");
	for (i = 0; i < nb; i++)
		printf(" %s", argv[i]);
	printf("\n");
	/* Empty before fork: a reader must not see the last run's output. */
	fd = open(a->out, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	if (fd >= 0)
		close(fd);
	a->pid = fork();
	if (a->pid == 0) {
		/* Never outlive the test. */
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		fd = open(a->out, O_WRONLY | O_CREAT | O_TRUNC | O_APPEND,
			0644);
		if (fd < 0 || dup2(fd, 1) < 0 || dup2(fd, 2) < 0)
			_exit(126);
		if (a->pre_exec != NULL)
			a->pre_exec(a->pre_exec_arg);
		execv(argv[0], argv);
		_exit(127);
	}
	free(argv);
	free(args);
	return a->pid > 0 ? 0 : -errno;
}

char *
l3fwd_app_output(const struct l3fwd_app *a)
{
	FILE *f = fopen(a->out, "r");
	char *buf = NULL;
	size_t len = 0;

	if (f == NULL)
		return NULL;
	if (getdelim(&buf, &len, '\0', f) < 0) {
		free(buf);
		buf = strdup("");
	}
	fclose(f);
	return buf;
}

int
l3fwd_app_count(const struct l3fwd_app *a, const char *text)
{
	char *out = l3fwd_app_output(a), *p;
	int n = 0;

	for (p = out; p != NULL && (p = strstr(p, text)) != NULL; p++)
		n++;
	free(out);
	return n;
}

static void
nap_ms(unsigned int ms)
{
	struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000 };

	nanosleep(&ts, NULL);
}

/* Whether it still runs; reaps it when it exited. */
static int
running(struct l3fwd_app *a)
{
	if (a->pid <= 0)
		return 0;
	if (waitpid(a->pid, &a->status, WNOHANG) == a->pid) {
		a->pid = 0;
		return 0;
	}
	return 1;
}

int
l3fwd_app_wait_text(struct l3fwd_app *a, const char *text, int ms)
{
	for (ms = test_slow_ms(ms); ms > 0; ms -= 10) {
		if (l3fwd_app_count(a, text) > 0)
			return 0;
		if (!running(a))
			return l3fwd_app_count(a, text) > 0 ? 0 : -ECHILD;
		nap_ms(10);
	}
	return -ETIMEDOUT;
}

int
l3fwd_app_stat(const struct l3fwd_app *a, const char *kind, unsigned int id,
		const char *key, int64_t *val)
{
	char *out = l3fwd_app_output(a), *line, *save = NULL, *last = NULL;
	char head[32], pat[64];
	const char *p;
	int ret = -ENOENT;

	if (out == NULL)
		return -ENOENT;
	snprintf(head, sizeof(head), "%s=%u ", kind, id);
	snprintf(pat, sizeof(pat), " %s=", key);
	for (line = strtok_r(out, "\n", &save); line != NULL;
			line = strtok_r(NULL, "\n", &save))
		if (strncmp(line, head, strlen(head)) == 0)
			last = line;
	if (last != NULL && (p = strstr(last, pat)) != NULL) {
		*val = strtoll(p + strlen(pat), NULL, 10);
		ret = 0;
	}
	free(out);
	return ret;
}

int
l3fwd_app_wait_stat(struct l3fwd_app *a, const char *kind, unsigned int id,
		const char *key, int64_t min, int ms)
{
	int64_t v;

	for (ms = test_slow_ms(ms); ms > 0; ms -= 10) {
		if (l3fwd_app_stat(a, kind, id, key, &v) == 0 && v >= min)
			return 0;
		if (!running(a))
			return -ECHILD;
		nap_ms(10);
	}
	return -ETIMEDOUT;
}

int
l3fwd_app_telemetry(const struct l3fwd_app *a, const char *cmd, char *buf,
		size_t size)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct pollfd pfd;
	ssize_t n;
	int fd, ret = 0;

	snprintf(sa.sun_path, sizeof(sa.sun_path),
		RUNTIME_DIR "/%s/dpdk_telemetry.v2", a->prefix);
	fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	pfd = (struct pollfd){ .fd = fd, .events = POLLIN };
	/* The server greets first, then answers one command a message. */
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 ||
			poll(&pfd, 1, test_slow_ms(2000)) <= 0 ||
			read(fd, buf, size - 1) <= 0 ||
			write(fd, cmd, strlen(cmd)) < 0 ||
			poll(&pfd, 1, test_slow_ms(2000)) <= 0) {
		ret = errno ? -errno : -ETIMEDOUT;
	} else {
		n = read(fd, buf, size - 1);
		if (n <= 0)
			ret = -EIO;
		else
			buf[n] = '\0';
	}
	close(fd);
	return ret;
}

int
l3fwd_app_stop(struct l3fwd_app *a, int sig, int ms)
{
	if (a->pid > 0)
		kill(a->pid, sig);
	for (ms = test_slow_ms(ms); ms > 0 && running(a); ms -= 10)
		nap_ms(10);
	if (running(a)) {
		printf("l3fwd-power did not exit: killed\n");
		kill(a->pid, SIGKILL);
		waitpid(a->pid, &a->status, 0);
		a->pid = 0;
		return -1;
	}
	return WIFEXITED(a->status) ? WEXITSTATUS(a->status) : -1;
}

static int
remove_one(const char *path, const struct stat *st, int flag,
		struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	if (remove(path) < 0)
		printf("cannot remove %s: %s\n", path, strerror(errno));
	return 0;
}

void
l3fwd_app_cleanup(struct l3fwd_app *a, int show_output)
{
	char path[PATH_MAX];
	char *out;

	if (a->pid > 0) {
		kill(a->pid, SIGKILL);
		waitpid(a->pid, &a->status, 0);
		a->pid = 0;
	}
	if (show_output && (out = l3fwd_app_output(a)) != NULL) {
		printf("--- l3fwd-power output ---\n%s--- end ---\n", out);
		free(out);
	}
	if (a->dir[0] != '\0') {
		nftw(a->dir, remove_one, 8, FTW_DEPTH | FTW_PHYS);
		a->dir[0] = '\0';
	}
	/* EAL makes its runtime directory even with --no-shconf. */
	snprintf(path, sizeof(path), RUNTIME_DIR "/%s", a->prefix);
	nftw(path, remove_one, 8, FTW_DEPTH | FTW_PHYS);
}
