/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The vmpower authors
 */

/* Clocks, process cost from /proc, steal time, statistics. */

#include <dirent.h>
#include <sched.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "bench.h"

int bench_verbose;

double
now_s(void)
{
	return (double)now_ns() / 1e9;
}

uint64_t
now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

void
bench_log(const char *fmt, ...)
{
	va_list ap;

	if (!bench_verbose)
		return;
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

/* Add the numbers a task's status shows for context switches. */
static void
task_status(const char *path, struct proc_sample *s, int whole)
{
	char line[256];
	unsigned long long v;
	FILE *f = fopen(path, "re");

	if (f == NULL)
		return;
	while (fgets(line, sizeof(line), f) != NULL) {
		if (sscanf(line, "voluntary_ctxt_switches: %llu", &v) == 1)
			s->vcsw += v;
		else if (sscanf(line, "nonvoluntary_ctxt_switches: %llu",
				&v) == 1)
			s->ivcsw += v;
		else if (whole && sscanf(line, "VmRSS: %llu", &v) == 1)
			s->rss_kb = v;
		else if (whole && sscanf(line, "VmHWM: %llu", &v) == 1)
			s->hwm_kb = v;
	}
	fclose(f);
}

/*
 * Sum over the process's threads: schedstat has run time in ns, finer
 * than the clock ticks of stat. Threads that ended are not counted.
 */
int
proc_sample(pid_t pid, struct proc_sample *s)
{
	char path[128];
	struct dirent *e;
	DIR *d;

	memset(s, 0, sizeof(*s));
	snprintf(path, sizeof(path), "/proc/%d/task", (int)pid);
	d = opendir(path);
	if (d == NULL)
		return -1;
	while ((e = readdir(d)) != NULL) {
		unsigned long long ns;
		FILE *f;

		if (e->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "/proc/%d/task/%s/schedstat",
			(int)pid, e->d_name);
		f = fopen(path, "re");
		if (f != NULL) {
			if (fscanf(f, "%llu", &ns) == 1)
				s->cpu_ns += ns;
			fclose(f);
		}
		snprintf(path, sizeof(path), "/proc/%d/task/%s/status",
			(int)pid, e->d_name);
		task_status(path, s, 0);
	}
	closedir(d);
	snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
	{
		struct proc_sample whole = { 0 };

		task_status(path, &whole, 1);
		s->rss_kb = whole.rss_kb;
		s->hwm_kb = whole.hwm_kb;
	}
	return 0;
}

void
steal_sample(struct steal_sample *s, pid_t target)
{
	unsigned long long v[8] = { 0 };
	struct proc_sample ps;
	struct timespec ts;
	FILE *f = fopen("/proc/stat", "re");
	int i;

	memset(s, 0, sizeof(*s));
	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	s->ours_ns = (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
	if (target > 0 && proc_sample(target, &ps) == 0)
		s->ours_ns += ps.cpu_ns;
	if (f == NULL)
		return;
	/* user nice system idle iowait irq softirq steal */
	if (fscanf(f, "cpu %llu %llu %llu %llu %llu %llu %llu %llu", &v[0],
			&v[1], &v[2], &v[3], &v[4], &v[5], &v[6], &v[7]) == 8) {
		for (i = 0; i < 8; i++)
			s->total += v[i];
		s->steal = v[7];
		s->busy = v[0] + v[1] + v[2] + v[5] + v[6];
	}
	fclose(f);
}

double
steal_pct(const struct steal_sample *a, const struct steal_sample *b)
{
	uint64_t t = b->total - a->total;

	return t == 0 ? 0 : 100.0 * (double)(b->steal - a->steal) / (double)t;
}

double
others_pct(const struct steal_sample *a, const struct steal_sample *b)
{
	double tick = 1e9 / (double)sysconf(_SC_CLK_TCK);
	double t = (double)(b->total - a->total) * tick;
	double o = (double)(b->busy - a->busy) * tick -
		(double)(b->ours_ns - a->ours_ns);

	return t <= 0 || o < 0 ? 0 : 100.0 * o / t;
}

static int
cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

void
sort_doubles(double *v, unsigned int n)
{
	qsort(v, n, sizeof(*v), cmp_double);
}

/* Nearest rank on sorted data. */
double
percentile(double *sorted, unsigned int n, double p)
{
	unsigned int i;

	if (n == 0)
		return 0;
	i = (unsigned int)(p / 100.0 * n + 0.5);
	if (i > 0)
		i--;
	return sorted[i < n ? i : n - 1];
}

double
median(double *v, unsigned int n)
{
	double tmp[64];

	if (n == 0)
		return 0;
	if (n > 64)
		n = 64;
	memcpy(tmp, v, n * sizeof(*v));
	sort_doubles(tmp, n);
	return n % 2 ? tmp[n / 2] : (tmp[n / 2 - 1] + tmp[n / 2]) / 2;
}

int
pin_self(int cpu)
{
	cpu_set_t set;

	if (cpu < 0)
		return 0;
	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	return sched_setaffinity(0, sizeof(set), &set);
}

void
threads_sample(pid_t pid, struct threads *t)
{
	char path[96], line[128];
	struct dirent *e;
	DIR *d;

	t->n = 0;
	snprintf(path, sizeof(path), "/proc/%d/task", (int)pid);
	d = opendir(path);
	while (d != NULL && t->n < 64 && (e = readdir(d)) != NULL) {
		unsigned long long v;
		FILE *g;

		if (e->d_name[0] == '.')
			continue;
		t->tid[t->n] = atoi(e->d_name);
		snprintf(path, sizeof(path), "/proc/%d/task/%d/status",
			(int)pid, t->tid[t->n]);
		g = fopen(path, "re");
		t->vcsw[t->n] = 0;
		t->name[t->n][0] = '\0';
		while (g != NULL && fgets(line, sizeof(line), g)) {
			if (sscanf(line, "Name: %19s", t->name[t->n]) == 1)
				continue;
			if (sscanf(line, "voluntary_ctxt_switches: %llu",
					&v) == 1)
				t->vcsw[t->n] = v;
		}
		if (g != NULL)
			fclose(g);
		t->n++;
	}
	if (d != NULL)
		closedir(d);
}

/* Other work on the machine shows here too, beside steal. */
void
loadavg(char *buf)
{
	FILE *f = fopen("/proc/loadavg", "re");

	buf[0] = '\0';
	if (f != NULL && fgets(buf, 64, f) != NULL)
		buf[strcspn(buf, "\n")] = '\0';
	if (f != NULL)
		fclose(f);
}
