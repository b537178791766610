/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The vmpower authors
 */

#include <errno.h>

#include <cpu_list.h>

#include "test.h"

static int
parse_fmt(const char *in, unsigned int max, const char *out)
{
	struct cpu_list l = { 0 };
	char err[128], buf[256];

	TEST_ASSERT_EQUAL(cpu_list_parse(&l, in, max, err, sizeof(err)), 0,
		"%s: %s", in, err);
	TEST_ASSERT(cpu_list_format(&l, buf, sizeof(buf)) >= 0, "");
	TEST_ASSERT_STR(buf, out);
	cpu_list_free(&l);
	return TEST_SUCCESS;
}

static int
parse_err(const char *in, unsigned int max, const char *why)
{
	struct cpu_list l = { 0 };
	char err[128] = "";

	TEST_ASSERT_EQUAL(cpu_list_parse(&l, in, max, err, sizeof(err)),
		-EINVAL, "%s", in);
	TEST_ASSERT_STR(err, why);
	TEST_ASSERT(l.set == NULL, "freed on error");
	return TEST_SUCCESS;
}

/* CPU lists of any width, parsed and printed the way Linux prints them. */
static int
test_cpu_list(void)
{
	struct cpu_list a = { 0 }, b = { 0 };
	unsigned char map[3];
	char buf[8], wide[32];

	TEST_RUN(parse_fmt("0-3,8", 15, "0-3,8"));
	TEST_RUN(parse_fmt("8,0-3,2", 15, "0-3,8"));
	TEST_RUN(parse_fmt("5", 5, "5"));
	TEST_RUN(parse_fmt("1,3,5-6,7", 7, "1,3,5-7"));
	/* Wider than any fixed mask: 64 and 1024 are nothing special. */
	TEST_RUN(parse_fmt("63-64,1023,4000", 4095, "63-64,1023,4000"));
	TEST_RUN(parse_err("", 7, "empty CPU list"));
	TEST_RUN(parse_err("9", 7, "'9' is above the highest CPU 7"));
	TEST_RUN(parse_err("3-1", 7, "range 3-1 is reversed"));
	TEST_RUN(parse_err("1,,2", 7, "expected a CPU number at ',2'"));
	TEST_RUN(parse_err("1,", 7, "unexpected ',' in CPU list"));
	TEST_RUN(parse_err("x", 7, "expected a CPU number at 'x'"));
	TEST_RUN(parse_err("1-", 7, "expected a CPU number at ''"));
	TEST_RUN(parse_err("99999999999999999999", 7,
		"'99999999999999999999' is above the highest CPU 7"));

	/* Growth, copies, maps. */
	TEST_ASSERT_EQUAL(cpu_list_init(&a, 4), 0, "");
	TEST_ASSERT_EQUAL(cpu_list_add(&a, 2), 0, "");
	TEST_ASSERT_EQUAL(cpu_list_add(&a, 700), 0, "grows");
	TEST_ASSERT(cpu_list_has(&a, 700) && cpu_list_has(&a, 2), "");
	TEST_ASSERT(!cpu_list_has(&a, 701) && !cpu_list_has(&a, 100000), "");
	TEST_ASSERT_EQUAL(cpu_list_count(&a), 2, "");
	TEST_ASSERT_EQUAL(cpu_list_next(&a, 3), 700, "");
	TEST_ASSERT_EQUAL(cpu_list_next(&a, 701), -1, "");
	TEST_ASSERT_EQUAL(cpu_list_copy(&b, &a), 0, "");
	TEST_ASSERT(cpu_list_equal(&a, &b), "");
	TEST_ASSERT_EQUAL(cpu_list_add(&b, 3), 0, "");
	TEST_ASSERT(!cpu_list_equal(&a, &b), "");
	TEST_ASSERT_EQUAL(cpu_list_format(&a, buf, 4), -ENOSPC, "");
	TEST_ASSERT_EQUAL(cpu_list_to_map(&a, map, sizeof(map)), -ERANGE, "");
	cpu_list_free(&a);
	map[0] = 0x81;
	map[1] = 0x00;
	map[2] = 0x06;
	TEST_ASSERT_EQUAL(cpu_list_from_map(&a, map, sizeof(map)), 0, "");
	TEST_ASSERT_EQUAL(cpu_list_format(&a, wide, sizeof(wide)), 9, "");
	TEST_ASSERT_STR(wide, "0,7,17-18");
	map[0] = map[1] = map[2] = 0xff;
	TEST_ASSERT_EQUAL(cpu_list_to_map(&a, map, sizeof(map)), 0, "");
	TEST_ASSERT(map[0] == 0x81 && map[1] == 0 && map[2] == 6, "");
	cpu_list_free(&a);
	cpu_list_free(&b);
	return TEST_SUCCESS;
}
REGISTER_TEST(cpu_list, test_cpu_list);
