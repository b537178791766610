/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The vmpower authors
 */

/*
 * Small readers and writers of /sys/devices/system/cpu, shared by the
 * power manager's discovery and its backends.
 */

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "power_manager_private.h"

char *
pm_attr_read(unsigned int cpu, const char *file, char *buf, size_t size)
{
	char path[PATH_MAX];

	snprintf(path, sizeof(path), PM_CPU_DIR "/cpu%u/%s", cpu, file);
	return pm_path_read(path, buf, size);
}

char *
pm_path_read(const char *path, char *buf, size_t size)
{
	FILE *f = fopen(path, "re");

	if (f == NULL || fgets(buf, size, f) == NULL)
		buf[0] = '\0';
	if (f != NULL)
		fclose(f);
	buf[strcspn(buf, "\n")] = '\0';
	return buf;
}

int
pm_attr_write(unsigned int cpu, const char *file, const char *text)
{
	char path[PATH_MAX];
	FILE *f;
	int ok;

	snprintf(path, sizeof(path), PM_CPU_DIR "/cpu%u/%s", cpu, file);
	/* "w" truncates: a no-op on sysfs, and keeps a plain file exact. */
	f = fopen(path, "we");
	if (f == NULL)
		return -errno;
	errno = 0;
	ok = fputs(text, f) >= 0;
	/* sysfs refuses a value at the flush: fclose reports it. */
	if (fclose(f) != 0 || !ok)
		return errno != 0 ? -errno : -EIO;
	return 0;
}

uint32_t
pm_read_khz(unsigned int cpu, const char *file)
{
	char buf[32];

	return strtoul(pm_attr_read(cpu, file, buf, sizeof(buf)), NULL, 10);
}

int
pm_write_khz(unsigned int cpu, const char *file, uint32_t khz)
{
	char buf[16];

	snprintf(buf, sizeof(buf), "%u\n", khz);
	return pm_attr_write(cpu, file, buf);
}

/* The governor: the first word only (a plain file may keep a tail). */
char *
pm_governor_read(unsigned int cpu, char *buf, size_t size)
{
	pm_attr_read(cpu, "cpufreq/scaling_governor", buf, size);
	buf[strcspn(buf, " ")] = '\0';
	return buf;
}
