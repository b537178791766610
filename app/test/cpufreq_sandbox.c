/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The vmpower authors
 */

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/wait.h>
#include <unistd.h>
#include <linux/magic.h>

#include <rte_common.h>
#include <rte_eal.h>
#include <rte_errno.h>

#include "cpufreq_sandbox.h"
#include "test_child.h"
#include "test_eal.h"
#include "test.h"

#define MARKER		".vmp_sandbox"
/* tmpfs takes pages only as files are written; this bounds a runaway. */
#define TMPFS_OPTS	"size=64m,mode=0755"

/* test.c's, when linked (vmp_test): show what a child test captured. */
void test_log_release(void) __attribute__((weak));

/* The default acpi-cpufreq list: top 1000 kHz above the next is turbo. */
static const uint32_t default_freqs[] = {
	2401000, 2400000, 2000000, 1600000, 1200000,
};

static const char *const governors[] = {
	"performance", "powersave", "userspace", "ondemand",
	"conservative", "schedutil",
};

/* Create the directories above @path (relative to the sandbox root). */
static int
mkdirs(const char *path)
{
	char dir[PATH_MAX];
	char *p;

	snprintf(dir, sizeof(dir), "%s", path);
	for (p = dir + strlen(SANDBOX_CPU_DIR) + 1; (p = strchr(p, '/'));
			p++) {
		*p = '\0';
		if (mkdir(dir, 0755) < 0 && errno != EEXIST)
			return -errno;
		*p = '/';
	}
	return 0;
}

static int
vput(const char *rel, const char *fmt, va_list ap)
{
	char path[PATH_MAX];
	FILE *f;
	int ret;

	snprintf(path, sizeof(path), "%s/%s", SANDBOX_CPU_DIR, rel);
	ret = mkdirs(path);
	if (ret < 0)
		return ret;
	f = fopen(path, "w");
	if (f == NULL)
		return -errno;
	vfprintf(f, fmt, ap);
	if (fclose(f) != 0)
		return -errno;
	return 0;
}

static int
put(const char *rel, const char *fmt, ...)
{
	va_list ap;
	int ret;

	va_start(ap, fmt);
	ret = vput(rel, fmt, ap);
	va_end(ap);
	return ret;
}

static int
cpu_put(unsigned int cpu, const char *file, const char *fmt, ...)
{
	char rel[PATH_MAX];
	va_list ap;
	int ret;

	snprintf(rel, sizeof(rel), "cpu%u/%s", cpu, file);
	va_start(ap, fmt);
	ret = vput(rel, fmt, ap);
	va_end(ap);
	return ret;
}

/* Whether @cpu is in a list such as "1,4-5"; NULL is the empty list. */
static int
in_list(const char *list, unsigned int cpu)
{
	const char *p = list;

	while (p != NULL && *p != '\0') {
		char *end;
		unsigned long a = strtoul(p, &end, 10), b = a;

		if (end == p)
			return 0;
		if (*end == '-') {
			p = end + 1;
			b = strtoul(p, &end, 10);
		}
		if (cpu >= a && cpu <= b)
			return 1;
		p = *end == ',' ? end + 1 : NULL;
	}
	return 0;
}

static int
valid_list(const char *list)
{
	const char *p = list;

	while (*p != '\0') {
		if ((*p < '0' || *p > '9') && *p != ',' && *p != '-')
			return 0;
		p++;
	}
	return 1;
}

/* librte_power rewrites in place: equal widths keep the files readable. */
static int
check_khz(uint32_t khz)
{
	if (khz < 1000000 || khz > 9999999) {
		fprintf(stderr, "sandbox: %u kHz: use 7-digit frequencies\n",
			khz);
		return -EINVAL;
	}
	return 0;
}

static int
build_cpufreq(const struct sandbox_shape *s, unsigned int cpu,
	const char *drv, uint32_t lo, uint32_t hi, uint32_t start)
{
	int pstate = strcmp(drv, "intel_pstate") == 0;
	int ret = 0;
	unsigned int i;

	ret |= cpu_put(cpu, "cpufreq/scaling_driver", "%s\n", drv);
	ret |= cpu_put(cpu, "cpufreq/scaling_governor", "%s\n",
		s->governor != NULL ? s->governor : "powersave");
	ret |= cpu_put(cpu, "cpufreq/cpuinfo_min_freq", "%u\n", lo);
	ret |= cpu_put(cpu, "cpufreq/cpuinfo_max_freq", "%u\n", hi);
	ret |= cpu_put(cpu, "cpufreq/scaling_min_freq", "%u\n", lo);
	ret |= cpu_put(cpu, "cpufreq/scaling_max_freq", "%u\n", hi);
	ret |= cpu_put(cpu, "cpufreq/scaling_cur_freq", "%u\n", start);
	if (!pstate)	/* intel_pstate (active) has no setspeed */
		ret |= cpu_put(cpu, "cpufreq/scaling_setspeed", "%u\n", start);
	if (strcmp(drv, "acpi-cpufreq") == 0) {
		const uint32_t *f = s->freqs != NULL ? s->freqs : default_freqs;
		unsigned int n = s->freqs != NULL ? s->nb_freqs :
			RTE_DIM(default_freqs);
		char list[16 * 64] = "";
		size_t len = 0;

		for (i = 0; i < n && len + 9 < sizeof(list); i++)
			len += sprintf(list + len, "%u ", f[i]);
		ret |= cpu_put(cpu, "cpufreq/scaling_available_frequencies",
			"%s\n", list);
	}
	if (pstate) {
		uint32_t base = s->base_khz != 0 ? s->base_khz : 2000000;

		if (in_list(s->priority, cpu))
			base += 100000;
		ret |= cpu_put(cpu, "cpufreq/base_frequency", "%u\n", base);
	}
	if (strcmp(drv, "cppc_cpufreq") == 0) {
		/* librte_power 22.11 reads nominal_perf in 10 MHz units. */
		uint32_t nominal = (s->base_khz != 0 ? s->base_khz :
			2000000) / 10000;

		ret |= cpu_put(cpu, "acpi_cppc/highest_perf", "%u\n",
			s->no_turbo ? nominal : hi / 10000);
		ret |= cpu_put(cpu, "acpi_cppc/nominal_perf", "%u\n", nominal);
		ret |= cpu_put(cpu, "acpi_cppc/lowest_perf", "%u\n", lo / 10000);
	}
	return ret != 0 ? -EIO : 0;
}

static int
build_tree(const struct sandbox_shape *s)
{
	const char *drv = s->driver != NULL ? s->driver : "acpi-cpufreq";
	unsigned int n = s->nb_cpus != 0 ? s->nb_cpus : 4;
	uint32_t lo = s->min_khz != 0 ? s->min_khz : 1200000;
	uint32_t hi = s->max_khz != 0 ? s->max_khz : 2400000;
	uint32_t start;
	unsigned int cpu, i;
	int ret = 0;

	if (strcmp(drv, "acpi-cpufreq") == 0) {
		const uint32_t *f = s->freqs != NULL ? s->freqs : default_freqs;
		unsigned int nf = s->freqs != NULL ? s->nb_freqs :
			RTE_DIM(default_freqs);

		if (nf == 0)
			return -EINVAL;
		for (i = 0; i < nf; i++)
			if (check_khz(f[i]) < 0)
				return -EINVAL;
		hi = f[0];
		lo = f[nf - 1];
	}
	start = s->start_khz != 0 ? s->start_khz : lo;
	if (check_khz(lo) < 0 || check_khz(hi) < 0 || check_khz(start) < 0 ||
			(s->base_khz != 0 && check_khz(s->base_khz) < 0))
		return -EINVAL;

	ret |= put("possible", "0-%u\n", n - 1);
	ret |= put("present", "0-%u\n", n - 1);
	ret |= put("online", "0-%u\n", n - 1);
	ret |= put(MARKER, "fake cpufreq tree of app/test/cpufreq_sandbox\n");
	if (strcmp(drv, "intel_pstate") == 0) {
		ret |= put("intel_pstate/status", "active\n");
		ret |= put("intel_pstate/no_turbo", "%d\n", s->no_turbo != 0);
		ret |= put("intel_pstate/turbo_pct", "%d\n",
			s->no_turbo ? 0 : 30);
	}
	for (cpu = 0; cpu < n && ret == 0; cpu++) {
		ret |= cpu_put(cpu, "topology/core_id", "%u\n", cpu);
		ret |= cpu_put(cpu, "topology/physical_package_id", "0\n");
		if (!in_list(s->no_cpufreq, cpu))
			ret |= build_cpufreq(s, cpu, drv, lo, hi, start);
	}
	if (ret != 0) {
		fprintf(stderr, "sandbox: cannot build the tree\n");
		return -EIO;
	}
	return 0;
}

int
sandbox_active(void)
{
	struct statfs fs;

	if (statfs(SANDBOX_CPU_DIR, &fs) < 0 || fs.f_type != TMPFS_MAGIC)
		return 0;
	return access(SANDBOX_CPU_DIR "/" MARKER, F_OK) == 0;
}

int
sandbox_enter(const struct sandbox_shape *shape)
{
	int ret;

	if (unshare(CLONE_NEWNS) < 0) {
		ret = -errno;
		fprintf(stderr, "sandbox: unshare(CLONE_NEWNS): %s\n",
			strerror(errno));
		return ret;
	}
	/* Nothing mounted from here on may propagate back to the host. */
	if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0 ||
			mount("vmp_sandbox", SANDBOX_CPU_DIR, "tmpfs",
				MS_NOSUID | MS_NODEV | MS_NOEXEC,
				TMPFS_OPTS) < 0) {
		ret = -errno;
		fprintf(stderr, "sandbox: mount: %s\n", strerror(errno));
		return ret;
	}
	ret = build_tree(shape);
	if (ret == 0 && !sandbox_active())
		ret = -EIO;
	return ret;
}

int
sandbox_run(const struct sandbox_shape *shape, int (*fn)(void *), void *arg)
{
	int was_active = sandbox_active();
	pid_t pid;
	int st, ret;

	fflush(stdout);
	fflush(stderr);
	/* Orphans of the child come back to us, to be killed and reaped. */
	prctl(PR_SET_CHILD_SUBREAPER, 1);
	pid = fork();
	if (pid < 0) {
		printf("sandbox: fork: %s\n", strerror(errno));
		return TEST_FAILED;
	}
	if (pid == 0) {
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		setpgid(0, 0);
		ret = sandbox_enter(shape);
		if (ret == -EPERM) {
			printf("SKIP: sandbox: mount namespaces need root\n");
			_exit(TEST_SKIPPED);
		}
		if (ret < 0)
			_exit(1);
		ret = fn(arg);
		if (test_log_release != NULL)
			test_log_release();
		fflush(stdout);
		/* exit(), not _exit(): atexit handlers are part of the test. */
		exit(ret == TEST_SUCCESS ? 0 : ret == TEST_SKIPPED ? 77 : 1);
	}
	st = test_child_reap(pid);
	if (!was_active && sandbox_active()) {
		printf("sandbox: the fake tree is visible outside its namespace\n");
		return TEST_FAILED;
	}
	return test_child_result(st, "sandbox");
}

int
sandbox_eal_init(void)
{
	if (!sandbox_active()) {
		printf("sandbox: refusing EAL on the real sysfs\n");
		return -EPERM;
	}
	return test_eal_start("vmp_sandbox", "0");
}

static int
open_cpu_file(unsigned int cpu, const char *file, int flags)
{
	char path[PATH_MAX];

	if (!sandbox_active()) {
		printf("sandbox: refusing to touch the real sysfs\n");
		errno = EPERM;
		return -1;
	}
	snprintf(path, sizeof(path), "%s/cpu%u/%s", SANDBOX_CPU_DIR, cpu, file);
	return open(path, flags | O_CLOEXEC);
}

int
sandbox_read(unsigned int cpu, const char *file, char *buf, size_t size)
{
	int fd = open_cpu_file(cpu, file, O_RDONLY);
	ssize_t n;

	if (fd < 0)
		return -errno;
	n = read(fd, buf, size - 1);
	close(fd);
	if (n < 0)
		return -EIO;
	buf[n] = '\0';
	buf[strcspn(buf, "\n")] = '\0';
	return 0;
}

int
sandbox_read_u32(unsigned int cpu, const char *file, uint32_t *val)
{
	char buf[64], *end;
	int ret = sandbox_read(cpu, file, buf, sizeof(buf));

	if (ret < 0)
		return ret;
	*val = strtoul(buf, &end, 10);
	return end == buf ? -EINVAL : 0;
}

uint32_t
sandbox_khz(unsigned int cpu, const char *file)
{
	uint32_t v;

	return sandbox_read_u32(cpu, file, &v) == 0 ? v : 0;
}

const char *
sandbox_governor(unsigned int cpu)
{
	char buf[64];
	unsigned int i;

	if (sandbox_read(cpu, "cpufreq/scaling_governor", buf,
			sizeof(buf)) < 0)
		return NULL;
	/* No name is a prefix of another: a shorter write's tail is junk. */
	for (i = 0; i < RTE_DIM(governors); i++)
		if (strncmp(buf, governors[i], strlen(governors[i])) == 0)
			return governors[i];
	return NULL;
}

int
sandbox_write(const char *path, const char *text)
{
	char full[PATH_MAX];
	int fd, ret = 0;

	if (!sandbox_active())
		return -EPERM;
	snprintf(full, sizeof(full), "%s/%s", SANDBOX_CPU_DIR, path);
	fd = open(full, O_WRONLY | O_TRUNC | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (write(fd, text, strlen(text)) != (ssize_t)strlen(text))
		ret = -EIO;
	close(fd);
	return ret;
}

int
sandbox_watch_open(void)
{
	int fd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);

	return fd < 0 ? -errno : fd;
}

int
sandbox_watch_add(int wfd, unsigned int cpu, const char *file)
{
	char path[PATH_MAX];

	if (!sandbox_active())
		return -EPERM;
	snprintf(path, sizeof(path), "%s/cpu%u/%s", SANDBOX_CPU_DIR, cpu, file);
	return inotify_add_watch(wfd, path, IN_MODIFY) < 0 ? -errno : 0;
}

int
sandbox_watch_count(int wfd)
{
	char buf[4096] __attribute__((aligned(__alignof__(struct inotify_event))));
	int count = 0;
	ssize_t n;

	while ((n = read(wfd, buf, sizeof(buf))) > 0) {
		char *p = buf;

		while (p < buf + n) {
			struct inotify_event *ev = (struct inotify_event *)p;

			if (ev->mask & IN_MODIFY)
				count++;
			p += sizeof(*ev) + ev->len;
		}
	}
	return count;
}

static int
parse_u32(const char *s, uint32_t *v)
{
	char *end;
	unsigned long x;

	if (s == NULL || *s == '\0')
		return -EINVAL;
	errno = 0;
	x = strtoul(s, &end, 10);
	if (errno != 0 || *end != '\0' || x > UINT32_MAX)
		return -EINVAL;
	*v = x;
	return 0;
}

static int
parse_freqs(struct sandbox_shape *s, const char *value)
{
	unsigned int n = 1, i;
	const char *p;
	uint32_t *f;

	for (p = value; *p != '\0'; p++)
		n += *p == ',';
	f = calloc(n, sizeof(*f));
	if (f == NULL)
		return -ENOMEM;
	for (i = 0, p = value; i < n; i++) {
		char *end;

		f[i] = strtoul(p, &end, 10);
		if (end == p || (*end != ',' && *end != '\0')) {
			free(f);
			return -EINVAL;
		}
		p = end + 1;
	}
	s->freqs = f;	/* kept for the life of the process */
	s->nb_freqs = n;
	return 0;
}

int
sandbox_shape_option(struct sandbox_shape *s, const char *opt,
	const char *value)
{
	static const struct {
		const char *name;
		size_t off;
	} nums[] = {
		{ "--cpus", offsetof(struct sandbox_shape, nb_cpus) },
		{ "--start", offsetof(struct sandbox_shape, start_khz) },
		{ "--min", offsetof(struct sandbox_shape, min_khz) },
		{ "--max", offsetof(struct sandbox_shape, max_khz) },
		{ "--base", offsetof(struct sandbox_shape, base_khz) },
	};
	unsigned int i;

	if (strcmp(opt, "--no-turbo") == 0) {
		s->no_turbo = 1;
		return 1;
	}
	for (i = 0; i < RTE_DIM(nums); i++)
		if (strcmp(opt, nums[i].name) == 0)
			return parse_u32(value, (uint32_t *)((char *)s +
				nums[i].off)) < 0 ? -EINVAL : 2;
	if (value == NULL)
		return 0;
	if (strcmp(opt, "--driver") == 0)
		s->driver = value;
	else if (strcmp(opt, "--governor") == 0)
		s->governor = value;
	else if (strcmp(opt, "--freqs") == 0)
		return parse_freqs(s, value) < 0 ? -EINVAL : 2;
	else if (strcmp(opt, "--no-cpufreq") == 0)
		s->no_cpufreq = value;
	else if (strcmp(opt, "--priority") == 0)
		s->priority = value;
	else
		return 0;
	if (!valid_list(value) && (value == s->no_cpufreq ||
			value == s->priority))
		return -EINVAL;
	return 2;
}

uint32_t
sandbox_setspeed(unsigned int cpu)
{
	uint32_t v = 0;

	sandbox_read_u32(cpu, "cpufreq/scaling_setspeed", &v);
	return v;
}

int
sandbox_wait_setspeed(unsigned int cpu, uint32_t khz, int ms)
{
	int i;

	for (i = 0; i < test_slow_ms(ms) / 10; i++) {
		if (sandbox_setspeed(cpu) == khz)
			return 0;
		usleep(10000);
	}
	printf("CPU %u: %u kHz, not %u\n", cpu, sandbox_setspeed(cpu), khz);
	return -1;
}
