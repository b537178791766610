/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The vmpower authors
 */

/*
 * The libvirt adapter at exit, against libvirt's test driver: an event
 * still being delivered when virt_adapter_destroy() begins must neither
 * open a new connection (it would leak) nor deadlock the destroy.
 */

#include <errno.h>
#include <pthread.h>
#include <semaphore.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <libvirt/libvirt.h>

#include <libvirt_adapter.h>

#include "test.h"
#include "test_virt.h"

static const char node_xml[] =
"<node>\n"
" <cpu><nodes>1</nodes><sockets>1</sockets><cores>2</cores>"
"<threads>1</threads><mhz>2000</mhz><model>i686</model></cpu>\n"
" <domain type='test'><name>vm0</name><memory>65536</memory>"
"<vcpu>1</vcpu><os><type>hvm</type></os></domain>\n"
"</node>\n";

struct race {
	sem_t entered;		/* the event's callback is running */
	sem_t release;		/* ... and may go on */
	int calls;
	int get_ret;		/* what the late lookup got */
	pid_t destroy_tid;
	struct virt_adapter *va;
	int destroyed;
};

/* On libvirt's thread, as the daemon's callback: read the VM. */
static void
on_event(struct virt_adapter *va, const char *name, enum virt_event ev,
		void *opaque)
{
	struct race *r = opaque;
	struct virt_vm snap;

	(void)ev;
	if (name == NULL || r->calls++ > 0)
		return;
	sem_post(&r->entered);
	while (sem_wait(&r->release) < 0 && errno == EINTR)
		;
	r->get_ret = virt_adapter_get_vm(va, name, &snap);
	if (r->get_ret == 0)
		virt_vm_free(&snap);
}

static void *
destroy_thread(void *arg)
{
	struct race *r = arg;

	__atomic_store_n(&r->destroy_tid, gettid(), __ATOMIC_RELEASE);
	virt_adapter_destroy(r->va);
	__atomic_store_n(&r->destroyed, 1, __ATOMIC_RELEASE);
	return NULL;
}

/* 'S' once @tid sleeps: the only wait left in destroy is for libvirt's
 * event thread, held in our callback. */
static int
thread_sleeps(pid_t tid)
{
	char path[64], buf[256], *p;
	FILE *f;
	int ok = 0;

	snprintf(path, sizeof(path), "/proc/self/task/%d/stat", tid);
	f = fopen(path, "r");
	if (f == NULL)
		return 0;
	if (fgets(buf, sizeof(buf), f) != NULL &&
			(p = strrchr(buf, ')')) != NULL)
		ok = p[1] == ' ' && p[2] == 'S';
	fclose(f);
	return ok;
}

static int
test_virt_destroy_race(void)
{
	struct timespec deadline;
	struct test_virt v;
	struct race r = { .get_ret = 1 };
	virDomainPtr dom;
	pthread_t t;
	int i;

	TEST_ASSERT_EQUAL(test_virt_init(&v, node_xml), 0, "");
	sem_init(&r.entered, 0, 0);
	sem_init(&r.release, 0, 0);
	r.va = virt_adapter_create(v.uri, on_event, &r);
	TEST_ASSERT(r.va != NULL, "");
	dom = virDomainLookupByName(virt_adapter_conn(r.va), "vm0");
	TEST_ASSERT(dom != NULL, "");
	TEST_ASSERT_EQUAL(virDomainSuspend(dom), 0, "");
	virDomainFree(dom);
	clock_gettime(CLOCK_REALTIME, &deadline);
	deadline.tv_sec += 10;
	TEST_ASSERT_EQUAL(sem_timedwait(&r.entered, &deadline), 0,
		"no lifecycle event from the test driver");

	/* The callback is held; the daemon stops meanwhile. */
	TEST_ASSERT_EQUAL(pthread_create(&t, NULL, destroy_thread, &r), 0, "");
	for (i = 0; i < 1000; i++) {
		pid_t tid = __atomic_load_n(&r.destroy_tid, __ATOMIC_ACQUIRE);

		if (tid != 0 && thread_sleeps(tid))
			break;
		usleep(10000);
	}
	TEST_ASSERT(i < 1000, "destroy never waited for the event thread");
	sem_post(&r.release);
	for (i = 0; i < 1000 &&
			!__atomic_load_n(&r.destroyed, __ATOMIC_ACQUIRE); i++)
		usleep(10000);
	TEST_ASSERT(i < 1000, "virt_adapter_destroy() deadlocked with an "
		"event in flight");
	pthread_join(t, NULL);
	/* Nothing was opened once destroy began: the lookup was refused. */
	TEST_ASSERT_EQUAL(r.get_ret, -ENOTCONN,
		"an event in flight at exit reached libvirt (%d)", r.get_ret);
	sem_destroy(&r.entered);
	sem_destroy(&r.release);
	test_virt_fini(&v);
	return TEST_SUCCESS;
}
REGISTER_TEST(virt_destroy_race, test_virt_destroy_race);
