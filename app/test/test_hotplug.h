/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The vmpower authors
 */

#ifndef VMP_TEST_HOTPLUG_H
#define VMP_TEST_HOTPLUG_H

#include <stddef.h>

/*
 * A uevent in the kernel's layout (lib/kobject_uevent.c): "ACTION@DEVPATH",
 * ACTION, DEVPATH, SUBSYSTEM, a CPU's MODALIAS, SEQNUM, each ending in
 * NUL. @return its length, 0 if @size is short.
 */
size_t test_uevent(char *buf, size_t size, const char *action,
	const char *devpath, const char *subsystem, unsigned int seq);
/* The kernel's "online"/"offline" uevent of CPU @cpu. */
size_t test_cpu_uevent(char *buf, size_t size, unsigned int cpu, int online);

#endif /* VMP_TEST_HOTPLUG_H */
