/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The vmpower authors
 */

/*
 * The monitor's job queue on its exit paths: a posted job owns its
 * argument, so it must run exactly once however the loop ends (or if it
 * never ran), and be refused once the loop is over.
 */

#include <errno.h>
#include <stdlib.h>

#include <channel_monitor.h>

#include "test.h"
#include "test_virt.h"

static const char node_xml[] = "<node></node>\n";

struct owned {
	int *runs;
};

/* Like the daemon's libvirt event jobs: frees what it was given. */
static void
owned_job(struct monitor *mon, void *arg)
{
	struct owned *o = arg;

	(void)mon;
	(*o->runs)++;
	free(o);
}

static int
post_owned(struct monitor *mon, int *runs)
{
	struct owned *o = malloc(sizeof(*o));
	int ret;

	if (o == NULL)
		return -ENOMEM;
	o->runs = runs;
	ret = monitor_post(mon, owned_job, o);
	if (ret < 0)
		free(o);
	return ret;
}

static int
test_monitor_jobs_exit(void)
{
	struct monitor_conf conf = { .hotplug_rcvbuf = -1 };
	struct test_virt v;
	struct monitor *mon;
	int runs = 0, i;

	TEST_ASSERT_EQUAL(test_virt_init(&v, node_xml), 0, "");
	conf.channel_dir = v.chdir;

	/* A loop that never runs: destroy runs what was queued. */
	TEST_ASSERT_EQUAL(monitor_create(&conf, &mon), 0, "");
	for (i = 0; i < 3; i++)
		TEST_ASSERT_EQUAL(post_owned(mon, &runs), 0, "");
	monitor_destroy(mon);
	TEST_ASSERT_EQUAL(runs, 3, "jobs (and what they own) left behind");

	/* A loop that ran and stopped: queued jobs ran, later ones are
	 * refused (the caller keeps its argument). */
	runs = 0;
	TEST_ASSERT_EQUAL(monitor_create(&conf, &mon), 0, "");
	TEST_ASSERT_EQUAL(post_owned(mon, &runs), 0, "");
	monitor_stop(mon);
	TEST_ASSERT_EQUAL(monitor_run(mon), 0, "");
	TEST_ASSERT_EQUAL(runs, 1, "");
	TEST_ASSERT_EQUAL(post_owned(mon, &runs), -ESHUTDOWN, "");
	monitor_destroy(mon);
	TEST_ASSERT_EQUAL(runs, 1, "");
	test_virt_fini(&v);
	return TEST_SUCCESS;
}
REGISTER_TEST(monitor_jobs_exit, test_monitor_jobs_exit);
