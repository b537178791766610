/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The vmpower authors
 */

/*
 * Kernel uevents as the daemon's hotplug socket receives them:
 * cpu_uevent_parse() on any bytes (a root sender may send anything to
 * the kernel's group).
 *
 * Input: the message, as received (not terminated).
 * Invariants: the answer is 0, -ENOENT or -EINVAL; on 0 the CPU is
 * within the CPU lists' range, and the message holds exactly the
 * header and the ACTION, DEVPATH and SUBSYSTEM=cpu that say so.
 */

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <cpu_hotplug.h>
#include <cpu_list.h>

#include "fuzz.h"

/* Whether "@key" followed by NUL or the end is one of @data's strings. */
static int
has(const uint8_t *data, size_t size, const char *key)
{
	size_t k = strlen(key), i = 0;

	while (i < size) {
		const uint8_t *e = memchr(data + i, '\0', size - i);
		size_t n = e != NULL ? (size_t)(e - data) - i : size - i;

		if (n == k && memcmp(data + i, key, k) == 0)
			return 1;
		i += n + 1;
	}
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct cpu_uevent ev = { .online = -1 };
	char hdr[64], key[64];
	int ret = cpu_uevent_parse(data, size, &ev);

	FUZZ_CHECK(ret == 0 || ret == -ENOENT || ret == -EINVAL);
	if (ret != 0)
		return 0;
	FUZZ_CHECK(ev.online == 0 || ev.online == 1);
	FUZZ_CHECK(ev.cpu <= CPU_LIST_MAX_CPU);
	snprintf(hdr, sizeof(hdr), "%s@/devices/system/cpu/cpu%u",
		ev.online ? "online" : "offline", ev.cpu);
	FUZZ_CHECK(size > strlen(hdr) &&
		memcmp(data, hdr, strlen(hdr) + 1) == 0);
	snprintf(key, sizeof(key), "ACTION=%s", ev.online ? "online" :
		"offline");
	FUZZ_CHECK(has(data, size, key));
	snprintf(key, sizeof(key), "DEVPATH=%s", strchr(hdr, '@') + 1);
	FUZZ_CHECK(has(data, size, key));
	FUZZ_CHECK(has(data, size, "SUBSYSTEM=cpu"));
	return 0;
}
