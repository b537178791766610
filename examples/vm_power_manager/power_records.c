/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The vmpower authors
 */

/*
 * Crash records: before the manager first writes a cpufreq policy, what
 * that policy ran (governor, frequency, limits, EPP) is written to
 * <state_dir>/policy<cpu>; the record goes when the policy is given back.
 * A daemon killed by SIGKILL, or dead any way that skips its exit path,
 * leaves its records; the next one, holding the directory's lock, gives
 * those policies back before anything else. So a host returns to what it
 * had before the first start, whatever happened in between. A policy
 * with no CPU online then cannot be written: its record waits in
 * pm->left until a CPU of it comes back (pm_records_retry()).
 */

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "power_manager_private.h"

#define LOCK_FILE	"lock"
#define EPP_FILE	"cpufreq/energy_performance_preference"

static void
record_path(const struct power_mgr *pm, unsigned int cpu, char *buf,
	size_t len)
{
	snprintf(buf, len, "%s/policy%u", pm->state_dir, cpu);
}

int
pm_orig_restore_speed(unsigned int cpu, const struct pm_orig *o)
{
	char now[32];
	int ret;

	/* Readable, and writable, only under userspace on a real kernel. */
	if (o->setspeed == 0 ||
			strcmp(pm_governor_read(cpu, now, sizeof(now)),
				"userspace") != 0 ||
			pm_read_khz(cpu, "cpufreq/scaling_setspeed") ==
				o->setspeed)
		return 0;
	ret = pm_write_khz(cpu, "cpufreq/scaling_setspeed", o->setspeed);
	if (ret < 0)
		PM_LOG(ERR, "cpu %u: cannot give %u kHz back: %s", cpu,
			o->setspeed, strerror(-ret));
	return ret;
}

int
pm_orig_restore(unsigned int cpu, const struct pm_orig *o, int pinned)
{
	char now[32];
	int ret, r;

	/* The frequency first, while the governor we set still takes it. */
	ret = pm_orig_restore_speed(cpu, o);
	if (strcmp(pm_governor_read(cpu, now, sizeof(now)), o->gov) != 0 &&
			o->gov[0] != '\0') {
		r = pm_attr_write(cpu, "cpufreq/scaling_governor", o->gov);
		if (r < 0) {
			PM_LOG(ERR, "cpu %u: cannot give governor %s back: %s",
				cpu, o->gov, strerror(-r));
			ret = r;
		}
	}
	/* min = max pinned it: widen first, then the lower bound. */
	if (pinned && o->max != 0 && o->min != 0) {
		r = pm_write_khz(cpu, "cpufreq/scaling_max_freq", o->max);
		if (r == 0)
			r = pm_write_khz(cpu, "cpufreq/scaling_min_freq",
				o->min);
		if (r < 0) {
			PM_LOG(ERR, "cpu %u: cannot restore its limits %u-%u kHz: %s",
				cpu, o->min, o->max, strerror(-r));
			ret = r;
		}
	}
	/* EPP last: the governor decides whether it may change (EBUSY
	 * under performance) and the kernel may have given it back. */
	if (o->epp[0] != '\0' && strcmp(pm_attr_read(cpu, EPP_FILE, now,
			sizeof(now)), o->epp) != 0) {
		r = pm_attr_write(cpu, EPP_FILE, o->epp);
		if (r < 0) {
			PM_LOG(ERR, "cpu %u: cannot give EPP %s back: %s", cpu,
				o->epp, strerror(-r));
			ret = r;
		}
	}
	return ret;
}

int
pm_record_save(struct power_mgr *pm, const struct pm_policy *p)
{
	char path[PATH_MAX], tmp[PATH_MAX];
	FILE *f;
	int ok;

	if (pm->state_dir == NULL)
		return 0;
	record_path(pm, p->cpu, path, sizeof(path));
	if (snprintf(tmp, sizeof(tmp), "%s.new", path) >= (int)sizeof(tmp))
		return -ENAMETOOLONG;
	f = fopen(tmp, "we");
	if (f == NULL) {
		PM_LOG(ERR, "cpu %u: cannot record its state in %s: %s: not taking it",
			p->cpu, tmp, strerror(errno));
		return -errno;
	}
	ok = fprintf(f, "cpu=%u\npinned=%d\ngovernor=%s\nsetspeed=%u\n"
		"min=%u\nmax=%u\nepp=%s\n", p->cpu, p->pinned, p->orig.gov,
		p->orig.setspeed, p->orig.min, p->orig.max, p->orig.epp) > 0;
	/* The record must be whole before the first write it guards. */
	ok &= fflush(f) == 0 && fsync(fileno(f)) == 0;
	ok &= fclose(f) == 0;
	if (!ok || rename(tmp, path) < 0) {
		PM_LOG(ERR, "cpu %u: cannot record its state in %s: %s: not taking it",
			p->cpu, path, strerror(errno));
		unlink(tmp);
		return -EIO;
	}
	return 0;
}

void
pm_record_drop(struct power_mgr *pm, const struct pm_policy *p)
{
	char path[PATH_MAX];

	if (pm->state_dir == NULL)
		return;
	record_path(pm, p->cpu, path, sizeof(path));
	if (unlink(path) < 0 && errno != ENOENT)
		PM_LOG(ERR, "%s: %s", path, strerror(errno));
}

/* One record: "key=value" lines. @return 0, or -EINVAL if broken. */
static int
record_read(const char *path, unsigned int *cpu, int *pinned,
	struct pm_orig *o)
{
	char line[128], gov[32] = "";
	unsigned int v;
	int fields = 0;
	FILE *f;

	memset(o, 0, sizeof(*o));
	f = fopen(path, "re");
	if (f == NULL)
		return -EIO;
	while (fgets(line, sizeof(line), f) != NULL) {
		if (sscanf(line, "cpu=%u", cpu) == 1)
			fields |= 1;
		else if (sscanf(line, "pinned=%u", &v) == 1)
			*pinned = v != 0;
		else if (sscanf(line, "governor=%31s", gov) == 1)
			fields |= 2;
		else if (sscanf(line, "setspeed=%u", &v) == 1)
			o->setspeed = v;
		else if (sscanf(line, "min=%u", &v) == 1)
			o->min = v;
		else if (sscanf(line, "max=%u", &v) == 1)
			o->max = v;
		else if (strncmp(line, "epp=", 4) == 0)	/* may be empty */
			sscanf(line + 4, "%31s", o->epp);
	}
	fclose(f);
	snprintf(o->gov, sizeof(o->gov), "%s", gov);
	return fields == 3 ? 0 : -EINVAL;
}

/* @cpu's record went back: forget it. */
static void
forget(struct power_mgr *pm, unsigned int cpu, const char *path)
{
	unsigned int i;

	unlink(path);
	for (i = 0; i < pm->nb_left; i++)
		if (pm->left[i] == cpu) {
			pm->left[i] = pm->left[--pm->nb_left];
			break;
		}
}

/* @cpu is offline and its policy inactive (EBUSY, or no cpufreq link
 * once the kernel freed it): keep its record for its return. */
static int
wait_return(struct power_mgr *pm, unsigned int cpu)
{
	unsigned int *left;
	char gov[32];

	if (cpu >= pm->nb_cpus || !pm->cores[cpu].offline ||
			pm_governor_read(cpu, gov, sizeof(gov))[0] != '\0')
		return 0;
	left = realloc(pm->left, (pm->nb_left + 1) * sizeof(*left));
	if (left == NULL)
		return 0;	/* then tried now, and logged failing */
	pm->left = left;
	pm->left[pm->nb_left++] = cpu;
	PM_LOG(WARNING, "cpu %u: a previous vm_power_mgr left it under control; its cpufreq policy is offline: given back when it comes online",
		cpu);
	return 1;
}

/* Give back what a dead instance left: every record, then forget it. */
static void
recover(struct power_mgr *pm)
{
	char path[PATH_MAX];
	struct pm_orig o;
	struct dirent *e;
	unsigned int cpu = UINT_MAX, id;
	int pinned = 0;
	char extra;
	DIR *d = opendir(pm->state_dir);

	while (d != NULL && (e = readdir(d)) != NULL) {
		if (sscanf(e->d_name, "policy%u%c", &id, &extra) != 1)
			continue;
		snprintf(path, sizeof(path), "%s/%s", pm->state_dir,
			e->d_name);
		if (record_read(path, &cpu, &pinned, &o) < 0 || cpu != id) {
			PM_LOG(ERR, "%s: not a record of ours: left alone",
				path);
			continue;
		}
		if (wait_return(pm, cpu))
			continue;
		if (pm_orig_restore(cpu, &o, pinned) == 0) {
			PM_LOG(WARNING, "cpu %u: a previous vm_power_mgr left it under control: given back (governor %s)",
				cpu, o.gov);
			unlink(path);
		}
	}
	if (d != NULL)
		closedir(d);
}

void
pm_records_retry(struct power_mgr *pm, unsigned int cpu,
	const struct cpu_list *rel)
{
	char path[PATH_MAX];
	struct pm_orig o;
	unsigned int i = 0, id, rec;
	int pinned = 0;

	while (i < pm->nb_left) {
		id = pm->left[i];
		if (id != cpu && (rel == NULL || !cpu_list_has(rel, id))) {
			i++;
			continue;
		}
		record_path(pm, id, path, sizeof(path));
		if (record_read(path, &rec, &pinned, &o) < 0 || rec != id) {
			PM_LOG(ERR, "%s: gone or broken since the start: left alone",
				path);
			pm->left[i] = pm->left[--pm->nb_left];
			continue;
		}
		/* Through @cpu: the record's own may still be offline. */
		if (pm_orig_restore(cpu, &o, pinned) < 0) {
			i++;
			continue;
		}
		PM_LOG(WARNING, "cpu %u: online: what a previous vm_power_mgr left on its cpufreq policy (record of cpu %u) is given back (governor %s)",
			cpu, id, o.gov);
		forget(pm, id, path);
	}
}

int
power_mgr_lock_state(const char *dir)
{
	char path[PATH_MAX], pid[32];
	int fd, n;

	if (mkdir(dir, 0700) < 0 && errno != EEXIST) {
		PM_LOG(ERR, "state directory %s: %s", dir, strerror(errno));
		return -errno;
	}
	if (snprintf(path, sizeof(path), "%s/" LOCK_FILE, dir) >=
			(int)sizeof(path))
		return -ENAMETOOLONG;
	fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (fd < 0) {
		PM_LOG(ERR, "%s: %s", path, strerror(errno));
		return -errno;
	}
	if (flock(fd, LOCK_EX | LOCK_NB) < 0) {
		n = read(fd, pid, sizeof(pid) - 1);
		pid[n > 0 ? n : 0] = '\0';
		pid[strcspn(pid, "\n")] = '\0';
		PM_LOG(ERR, "another vm_power_mgr (pid %s) is running and holds %s: one daemon a host; this one stops",
			pid[0] != '\0' ? pid : "?", path);
		close(fd);
		return -EBUSY;
	}
	n = snprintf(pid, sizeof(pid), "%d\n", (int)getpid());
	if (ftruncate(fd, 0) < 0 || pwrite(fd, pid, n, 0) != n)
		PM_LOG(WARNING, "%s: cannot write our pid", path);
	return fd;
}

int
pm_records_open(struct power_mgr *pm, const char *dir, int locked)
{
	int fd = -1;

	if (!locked) {
		fd = power_mgr_lock_state(dir);
		if (fd < 0)
			return fd;
	}
	pm->lock_fd = fd;
	pm->state_dir = strdup(dir);
	if (pm->state_dir == NULL)
		return -ENOMEM;
	recover(pm);
	return 0;
}

void
pm_records_close(struct power_mgr *pm)
{
	if (pm->lock_fd >= 0)
		close(pm->lock_fd);	/* the lock goes with it */
	pm->lock_fd = -1;
	free(pm->state_dir);
	pm->state_dir = NULL;
	free(pm->left);
	pm->left = NULL;
	pm->nb_left = 0;
}
