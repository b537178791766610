/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The vmpower authors
 */

/*
 * The uevent parser of cpu_hotplug.c on messages as the kernel sends
 * them, cut anywhere, and on garbage.
 */

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cpu_hotplug.h>

#include "test.h"
#include "test_hotplug.h"

/* A real CPU's MODALIAS (this Debian 12 VM's cpu1/uevent, shortened):
 * the kernel's messages are this long and longer. */
#define MODALIAS "cpu:type:x86,ven0002fam0019mod0001:feature:,0000,0001," \
	"0002,0003,0004,0005,0006,0007,0008,0009,000B,000C,000D,000E,000F," \
	"0010,0011,0013,0017,0018,0019,001A,001C,0020,0021,0022,0023,0024"

/* The kernel's layout (lib/kobject_uevent.c): header, ACTION, DEVPATH,
 * SUBSYSTEM, the device's variables, SEQNUM. @return its length. */
size_t
test_uevent(char *buf, size_t size, const char *action, const char *devpath,
	const char *subsystem, unsigned int seq)
{
	int n = snprintf(buf, size, "%s@%s%cACTION=%s%cDEVPATH=%s%c"
		"SUBSYSTEM=%s%cMODALIAS=" MODALIAS "%cSEQNUM=%u%c", action,
		devpath, 0, action, 0, devpath, 0, subsystem, 0, 0, seq, 0);

	return n > 0 && (size_t)n < size ? (size_t)n : 0;
}

size_t
test_cpu_uevent(char *buf, size_t size, unsigned int cpu, int online)
{
	char dev[64];

	snprintf(dev, sizeof(dev), "/devices/system/cpu/cpu%u", cpu);
	return test_uevent(buf, size, online ? "online" : "offline", dev, "cpu",
		1000 + cpu);
}

static int
test_hotplug_uevent_parse(void)
{
	struct cpu_uevent ev = { 0 };
	char buf[2048], bad[2048];
	size_t len, i;

	len = test_cpu_uevent(buf, sizeof(buf), 3, 0);
	TEST_ASSERT_EQUAL(cpu_uevent_parse(buf, len, &ev), 0, "");
	TEST_ASSERT(ev.cpu == 3 && ev.online == 0, "offline 3");
	len = test_cpu_uevent(buf, sizeof(buf), 4095, 1);
	TEST_ASSERT_EQUAL(cpu_uevent_parse(buf, len, &ev), 0, "");
	TEST_ASSERT(ev.cpu == 4095 && ev.online == 1, "online 4095");
	/* Without the last NUL, as a sender may cut it. */
	TEST_ASSERT_EQUAL(cpu_uevent_parse(buf, len - 1, &ev), 0, "");
	/* Other devices and actions: well formed, not ours. */
	len = test_uevent(buf, sizeof(buf), "add", "/devices/virtual/net/tap0",
		"net", 1);
	TEST_ASSERT_EQUAL(cpu_uevent_parse(buf, len, &ev), -ENOENT, "");
	len = test_uevent(buf, sizeof(buf), "add", "/devices/system/cpu/cpu3",
		"cpu", 1);
	TEST_ASSERT_EQUAL(cpu_uevent_parse(buf, len, &ev), -ENOENT, "");
	len = test_uevent(buf, sizeof(buf), "offline",
		"/devices/system/cpu/cpu03", "cpu", 1);
	TEST_ASSERT_EQUAL(cpu_uevent_parse(buf, len, &ev), -ENOENT, "");
	len = test_uevent(buf, sizeof(buf), "offline",
		"/devices/system/cpu/cpu99999999", "cpu", 1);
	TEST_ASSERT_EQUAL(cpu_uevent_parse(buf, len, &ev), -ENOENT, "");
	len = test_uevent(buf, sizeof(buf), "offline",
		"/devices/system/cpu/cpu3x", "cpu", 1);
	TEST_ASSERT_EQUAL(cpu_uevent_parse(buf, len, &ev), -ENOENT, "");
	/* Not the kernel's: libudev's header, a header that disagrees,
	 * keys twice or missing, no NUL at all, nothing. */
	memcpy(buf, "libudev\0\xfe\xed\xca\xfe", 12);
	TEST_ASSERT_EQUAL(cpu_uevent_parse(buf, 12, &ev), -EINVAL, "");
	len = test_cpu_uevent(buf, sizeof(buf), 3, 0);
	buf[strlen(buf) - 1] = '4';		/* header says cpu4 */
	TEST_ASSERT_EQUAL(cpu_uevent_parse(buf, len, &ev), -EINVAL, "");
	len = test_cpu_uevent(buf, sizeof(buf), 3, 0);
	memcpy(bad, buf, len);
	memcpy(bad + len, "ACTION=online", 14);
	TEST_ASSERT_EQUAL(cpu_uevent_parse(bad, len + 14, &ev), -EINVAL, "");
	TEST_ASSERT_EQUAL(cpu_uevent_parse(buf, strlen(buf) + 1, &ev), -EINVAL,
		"header alone");
	TEST_ASSERT_EQUAL(cpu_uevent_parse(buf, strlen(buf), &ev), -EINVAL, "");
	TEST_ASSERT_EQUAL(cpu_uevent_parse(buf, 0, &ev), -EINVAL, "");
	TEST_ASSERT_EQUAL(cpu_uevent_parse("@\0", 2, &ev), -EINVAL, "");
	/* Every prefix of a real message (those with the three keys are
	 * whole), and random bytes: no crash, no other CPU. */
	for (i = 0; i < len; i++) {
		memset(&ev, 0, sizeof(ev));
		if (cpu_uevent_parse(buf, i, &ev) == 0)
			TEST_ASSERT(ev.cpu == 3 && !ev.online && i > 90,
				"prefix %zu", i);
	}
	srand(7);
	for (i = 0; i < 20000; i++) {
		size_t k, n = (size_t)rand() % sizeof(bad);

		memcpy(bad, buf, len);
		for (k = 0; k < 8; k++)
			bad[(size_t)rand() % sizeof(bad)] = (char)rand();
		(void)cpu_uevent_parse(bad, n, &ev);
	}
	return TEST_SUCCESS;
}
REGISTER_TEST(hotplug_uevent_parse, test_hotplug_uevent_parse);

