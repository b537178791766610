/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The vmpower authors
 */

#ifndef VMP_TEST_H
#define VMP_TEST_H

/*
 * The test application: each test registers a name and a function; the
 * binary runs the one named on its command line (meson registers each
 * name as a test of its own). A test returns TEST_SUCCESS, TEST_SKIPPED
 * or TEST_FAILED, having printed why.
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define TEST_SUCCESS	0
#define TEST_FAILED	-1
#define TEST_SKIPPED	77	/* meson's skip code */

/* Skip, saying why: ./run.sh prints the reason, and as root fails any
 * skip app/test/allowed-skips does not name. */
#define TEST_SKIP(fmt, ...) do {					\
	printf("SKIP: " fmt "\n", ##__VA_ARGS__);			\
	return TEST_SKIPPED;						\
} while (0)

#define TEST_ASSERT(cond, fmt, ...) do {				\
	if (!(cond)) {							\
		printf("FAIL %s:%d: %s: " fmt "\n", __FILE__, __LINE__,	\
			#cond, ##__VA_ARGS__);				\
		return TEST_FAILED;					\
	}								\
} while (0)

#define TEST_ASSERT_EQUAL(a, b, fmt, ...) do {				\
	long long a_ = (long long)(a), b_ = (long long)(b);		\
	if (a_ != b_) {							\
		printf("FAIL %s:%d: %s == %lld, expected %s == %lld: "	\
			fmt "\n", __FILE__, __LINE__, #a, a_, #b, b_,	\
			##__VA_ARGS__);					\
		return TEST_FAILED;					\
	}								\
} while (0)

#define TEST_ASSERT_STR(a, b) do {					\
	const char *a_ = (a), *b_ = (b);				\
	if (a_ == NULL || strcmp(a_, b_) != 0) {			\
		printf("FAIL %s:%d: %s is \"%s\", expected \"%s\"\n",	\
			__FILE__, __LINE__, #a, a_ ? a_ : "(null)", b_);\
		return TEST_FAILED;					\
	}								\
} while (0)

/* Run a sub-step that returns TEST_*, failing the test when it fails. */
#define TEST_RUN(step) do {						\
	int r_ = (step);						\
	if (r_ != TEST_SUCCESS)						\
		return r_;						\
} while (0)

struct test_case {
	const char *name;
	int (*fn)(void);
	struct test_case *next;
};

void test_register(struct test_case *t);

/* Send rte_log output to memory until test_log_release(), which prints it. */
void test_log_capture(void);
/* Whether the captured log holds @text. */
int test_log_contains(const char *text);
/* How many times the captured log holds @text. */
int test_log_count(const char *text);
void test_log_release(void);

/*
 * mkdtemp(@tmpl), and the directory removed with all it holds when the
 * process that made it leaves main() or calls exit(), on every path a
 * test ends (a failed assertion included). A forked child's are its own.
 * @return @tmpl, or NULL with errno set.
 */
char *test_mkdtemp(char *tmpl);

/*
 * A wall-clock bound of @ms, stretched by VMP_TEST_SLOW (an integer
 * factor: ./run.sh sets it from the machine's measured speed,
 * devtools/calibrate.sh, unless the user set it). Only for waits that
 * bound something the test then checks, never for ordering: use logical
 * events for that. Inline: rigs linked without test.c use it too.
 */
static inline int
test_slow_ms(int ms)
{
	const char *s = getenv("VMP_TEST_SLOW");
	int n = s != NULL ? atoi(s) : 1;

	return n > 1 && n < 100 ? ms * n : ms;
}

#define TEST_ASSERT_LOG(text) \
	TEST_ASSERT(test_log_contains(text), "log lacks \"%s\"", text)

#define REGISTER_TEST(name_, fn_)					\
	static struct test_case test_case_##name_ = {			\
		.name = #name_, .fn = fn_,				\
	};								\
	__attribute__((constructor)) static void			\
	test_register_##name_(void)					\
	{								\
		test_register(&test_case_##name_);			\
	}

#endif /* VMP_TEST_H */
