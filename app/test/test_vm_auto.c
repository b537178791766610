/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The vmpower authors
 */

/*
 * Auto-serving against libvirt's test driver: the channel manager and its
 * loop, followed by vm_sync as the daemon runs them, with no CLI command.
 * Domains defined, started, stopped and undefined through the adapter's
 * own connection (a test:/// node lives in its connection) raise the
 * events the daemon sees from a real libvirtd.
 */

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <libvirt/libvirt.h>
#include <libvirt/virterror.h>

#include <rte_common.h>

#include <channel_manager.h>
#include <channel_monitor.h>
#include <libvirt_adapter.h>
#include <vm_sync.h>
#include <vmp_protocol.h>

#include "test.h"
#include "test_virt.h"

static const char node_xml[] =
"<node>\n"
" <cpu><nodes>1</nodes><sockets>1</sockets><cores>4</cores>"
"<threads>1</threads><mhz>2000</mhz><model>i686</model></cpu>\n"
" <domain type='test'><name>vm0</name><memory>65536</memory>"
"<vcpu>1</vcpu><cputune><vcpupin vcpu='0' cpuset='1'/></cputune>"
"<os><type>hvm</type></os><devices>\n"
"   <channel type='unix'><source mode='bind' path='%1$s/qemu/vm0.0'/>"
"<target type='virtio' name='virtio.serial.port.poweragent.0'/></channel>\n"
" </devices></domain>\n"
" <domain type='test'><name>hp</name><memory>65536</memory>"
"<vcpu current='1'>2</vcpu><cputune><vcpupin vcpu='0' cpuset='1'/>"
"<vcpupin vcpu='1' cpuset='2'/></cputune>"
"<os><type>hvm</type></os><devices>\n"
"   <channel type='unix'><source mode='bind' path='%1$s/qemu/hp.0'/>"
"<target type='virtio' name='virtio.serial.port.poweragent.0'/></channel>\n"
" </devices></domain>\n"
" <domain type='test'><name>plain</name><memory>65536</memory>"
"<vcpu>1</vcpu><os><type>hvm</type></os></domain>\n"
"</node>\n";

/* A domain to define later: name, then the test's directory. */
static const char dom_fmt[] =
"<domain type='test'><name>%s</name><memory>65536</memory>"
"<vcpu>1</vcpu><cputune><vcpupin vcpu='0' cpuset='2'/></cputune>"
"<os><type>hvm</type></os><devices>"
"<channel type='unix'><source mode='bind' path='%s/qemu/%s.0'/>"
"<target type='virtio' name='virtio.serial.port.poweragent.0'/></channel>"
"</devices></domain>";

struct afx {
	struct test_virt v;
	struct monitor *mon;
	struct virt_adapter *va;
	pthread_t loop;
};

static void *
loop_main(void *arg)
{
	monitor_run(arg);
	return NULL;
}

static int
afx_start(struct afx *f, const struct chmgr_auto *serve)
{
	struct monitor_conf conf = { .auto_serve = serve,
		.hotplug_rcvbuf = -1 };

	memset(f, 0, sizeof(*f));
	TEST_ASSERT_EQUAL(test_virt_init(&f->v, node_xml), 0, "");
	conf.channel_dir = f->v.chdir;
	TEST_ASSERT_EQUAL(monitor_create(&conf, &f->mon), 0, "");
	TEST_ASSERT_EQUAL(pthread_create(&f->loop, NULL, loop_main, f->mon),
		0, "");
	return TEST_SUCCESS;
}

static void
afx_stop(struct afx *f)
{
	monitor_stop(f->mon);
	pthread_join(f->loop, NULL);
	vm_sync_stop(f->va);
	monitor_destroy(f->mon);
	test_virt_fini(&f->v);
}

struct vm_state {
	const char *name;
	int served;
	int running;
	unsigned int connected;
};

static void
read_state(struct monitor *mon, void *arg)
{
	struct vm_state *s = arg;
	struct vm *vm = chmgr_find_vm(monitor_chmgr(mon), s->name);
	uint32_t i;

	s->served = vm != NULL;
	s->running = vm != NULL && vm->running;
	s->connected = 0;
	for (i = 0; vm != NULL && i < vm->nb_channels; i++)
		s->connected += vm->channels[i]->fd >= 0;
}

/*
 * Wait (5 s at most) until VM @name is served as said: @served, and
 * with @connected channels up (-1: any). Events reach the loop through
 * libvirt's thread: the state is polled, not slept for.
 */
static int
wait_vm(struct afx *f, const char *name, int served, int connected)
{
	struct vm_state s = { .name = name };
	int i;

	for (i = 0; i < 500; i++) {
		if (monitor_call(f->mon, read_state, &s) < 0)
			return -ESHUTDOWN;
		if (s.served == served && (connected < 0 ||
				(int)s.connected == connected))
			return 0;
		usleep(10000);
	}
	printf("VM %s: served %d, %u channels up; wanted %d, %d\n", name,
		s.served, s.connected, served, connected);
	return -ETIMEDOUT;
}

static virDomainPtr
define(struct afx *f, const char *name)
{
	char xml[1024];

	snprintf(xml, sizeof(xml), dom_fmt, name, f->v.dir, name);
	return virDomainDefineXML(virt_adapter_conn(f->va), xml);
}

struct rm_job {
	const char *name;
	int ret;
	struct virt_vm *snap;
};

static void
job_rm(struct monitor *mon, void *arg)
{
	struct rm_job *j = arg;

	j->ret = chmgr_rm_vm(monitor_chmgr(mon), j->name);
}

static void
job_add(struct monitor *mon, void *arg)
{
	struct rm_job *j = arg;

	j->ret = chmgr_add_vm(monitor_chmgr(mon), j->snap);
}

/*
 * The daemon started after vm0: vm0 served and its channel connected, a
 * domain without power channels left alone. Then, with no command: a
 * domain defined is served, its channel connected when it starts, closed
 * when it stops, and it goes when undefined. rm_vm sticks through
 * vm0's events until add_vm; after a reconnection, domains are read
 * again (the test driver's node is fresh: the ones defined here are gone).
 */
static int
test_auto_serve_events(void)
{
	struct chmgr_auto serve = { .on = 1 };
	struct rm_job j = { .name = "vm0" };
	struct virt_vm snap;
	virDomainPtr d2, d3, d0;
	int l0, l2, c0, c2;
	struct afx f;

	TEST_RUN(afx_start(&f, &serve));
	l0 = test_virt_listen(&f.v, "qemu/vm0.0");
	l2 = test_virt_listen(&f.v, "qemu/vm2.0");
	TEST_ASSERT(l0 >= 0 && l2 >= 0, "");
	f.va = vm_sync_start(f.mon, f.v.uri);
	TEST_ASSERT(f.va != NULL, "");
	c0 = test_virt_accept(l0);
	TEST_ASSERT(c0 >= 0, "vm0's channel connected at start");
	TEST_ASSERT_EQUAL(wait_vm(&f, "vm0", 1, 1), 0, "");

	/* Defined: served, not running; started: connected. */
	d2 = define(&f, "vm2");
	TEST_ASSERT(d2 != NULL, "%s", virGetLastErrorMessage());
	TEST_ASSERT_EQUAL(wait_vm(&f, "vm2", 1, 0), 0, "defined");
	/* In order: the start's reading of "plain" came before. */
	TEST_ASSERT_EQUAL(wait_vm(&f, "plain", 0, -1), 0, "no channels");
	TEST_ASSERT_EQUAL(virDomainCreate(d2), 0, "");
	c2 = test_virt_accept(l2);
	TEST_ASSERT(c2 >= 0, "vm2's channel connected when it started");
	TEST_ASSERT_EQUAL(wait_vm(&f, "vm2", 1, 1), 0, "started");
	/* Stopped: channel closed; undefined: no longer served. */
	TEST_ASSERT_EQUAL(virDomainDestroy(d2), 0, "");
	TEST_ASSERT_EQUAL(wait_vm(&f, "vm2", 1, 0), 0, "stopped");
	TEST_ASSERT_EQUAL(virDomainUndefine(d2), 0, "");
	TEST_ASSERT_EQUAL(wait_vm(&f, "vm2", 0, -1), 0, "undefined");
	virDomainFree(d2);
	close(c2);

	/* rm_vm sticks through vm0's own events. */
	TEST_ASSERT_EQUAL(monitor_call(f.mon, job_rm, &j), 0, "");
	TEST_ASSERT_EQUAL(j.ret, 0, "");
	d0 = virDomainLookupByName(virt_adapter_conn(f.va), "vm0");
	TEST_ASSERT(d0 != NULL, "");
	TEST_ASSERT_EQUAL(virDomainSuspend(d0), 0, "");
	TEST_ASSERT_EQUAL(virDomainResume(d0), 0, "");
	virDomainFree(d0);
	/* Events come in order: once vm3 is served, vm0's were applied. */
	d3 = define(&f, "vm3");
	TEST_ASSERT(d3 != NULL, "");
	virDomainFree(d3);
	TEST_ASSERT_EQUAL(wait_vm(&f, "vm3", 1, 0), 0, "");
	TEST_ASSERT_EQUAL(wait_vm(&f, "vm0", 0, -1), 0, "rm_vm sticks");
	close(c0);

	/* add_vm brings it back, its channel with it. */
	TEST_ASSERT_EQUAL(virt_adapter_get_vm(f.va, "vm0", &snap), 0, "");
	j.snap = &snap;
	TEST_ASSERT_EQUAL(monitor_call(f.mon, job_add, &j), 0, "");
	TEST_ASSERT_EQUAL(j.ret, 0, "");
	virt_vm_free(&snap);
	c0 = test_virt_accept(l0);
	TEST_ASSERT(c0 >= 0, "vm0's channel connected by add_vm");
	TEST_ASSERT_EQUAL(wait_vm(&f, "vm0", 1, 1), 0, "");

	/* libvirt lost and back: read again; vm3 is not in the fresh node. */
	virt_adapter_lose_conn(f.va);
	TEST_ASSERT_EQUAL(wait_vm(&f, "vm3", 0, -1), 0, "gone on resync");
	TEST_ASSERT_EQUAL(wait_vm(&f, "vm0", 1, -1), 0, "");
	close(c0);
	afx_stop(&f);
	return TEST_SUCCESS;
}
REGISTER_TEST(auto_serve_events, test_auto_serve_events);

/*
 * --vm and --vm-pattern: only the domains named or matching are served;
 * started before the domains exist.
 */
static int
test_auto_serve_filter(void)
{
	static const char *const names[] = { "db9" };
	static const char *const patterns[] = { "web-*" };
	struct chmgr_auto serve = { .on = 1, .names = names, .nb_names = 1,
		.patterns = patterns, .nb_patterns = 1 };
	static const char *const order[] = { "vm0x", "web-1", "db9" };
	virDomainPtr d;
	struct afx f;
	unsigned int i;

	TEST_RUN(afx_start(&f, &serve));
	f.va = vm_sync_start(f.mon, f.v.uri);
	TEST_ASSERT(f.va != NULL, "");
	for (i = 0; i < RTE_DIM(order); i++) {
		d = define(&f, order[i]);
		TEST_ASSERT(d != NULL, "%s", virGetLastErrorMessage());
		virDomainFree(d);
	}
	/* In order: once db9 is served, the others were decided. */
	TEST_ASSERT_EQUAL(wait_vm(&f, "db9", 1, 0), 0, "named");
	TEST_ASSERT_EQUAL(wait_vm(&f, "web-1", 1, 0), 0, "matches");
	TEST_ASSERT_EQUAL(wait_vm(&f, "vm0x", 0, -1), 0, "neither");
	TEST_ASSERT_EQUAL(wait_vm(&f, "vm0", 0, -1), 0, "neither");
	afx_stop(&f);
	return TEST_SUCCESS;
}
REGISTER_TEST(auto_serve_filter, test_auto_serve_filter);

struct vcpus_job {
	const char *name;
	uint32_t nb;
};

static void
read_vcpus(struct monitor *mon, void *arg)
{
	struct vcpus_job *j = arg;
	struct vm *vm = chmgr_find_vm(monitor_chmgr(mon), j->name);

	j->nb = vm != NULL ? vm->nb_vcpus : 0;
}

/*
 * A vCPU plugged live (virsh setvcpus): libvirt sends no event. The
 * guest's request naming it is refused, and has the VM read again: the
 * daemon then knows the vCPU, with no event and no command.
 */
static int
test_vm_sync_vcpu_plug(void)
{
	struct chmgr_auto serve = { .on = 1 };
	struct vcpus_job j = { .name = "hp" };
	struct vmp_proto_packet p, r;
	virDomainPtr dom;
	int l, c, i;
	struct afx f;

	TEST_RUN(afx_start(&f, &serve));
	l = test_virt_listen(&f.v, "qemu/hp.0");
	TEST_ASSERT(l >= 0, "");
	f.va = vm_sync_start(f.mon, f.v.uri);
	TEST_ASSERT(f.va != NULL, "");
	c = test_virt_accept(l);
	TEST_ASSERT(c >= 0, "hp's channel connected");
	TEST_ASSERT_EQUAL(wait_vm(&f, "hp", 1, 1), 0, "");
	TEST_ASSERT_EQUAL(monitor_call(f.mon, read_vcpus, &j), 0, "");
	TEST_ASSERT_EQUAL(j.nb, 1, "one vCPU of two online");

	dom = virDomainLookupByName(virt_adapter_conn(f.va), "hp");
	TEST_ASSERT(dom != NULL, "");
	TEST_ASSERT_EQUAL(virDomainSetVcpusFlags(dom, 2,
		VIR_DOMAIN_AFFECT_LIVE), 0, "");
	virDomainFree(dom);

	vmp_proto_request(&p, VMP_PROTO_CPU_POWER, VMP_PROTO_SCALE_MAX, 1,
		NULL);
	TEST_ASSERT_EQUAL(write(c, &p, sizeof(p)), (ssize_t)sizeof(p), "");
	TEST_ASSERT_EQUAL(read(c, &r, sizeof(r)), (ssize_t)sizeof(r), "");
	TEST_ASSERT_EQUAL(r.command, VMP_PROTO_NACK, "vCPU 1 not known yet");
	for (i = 0; i < 500; i++) {
		TEST_ASSERT_EQUAL(monitor_call(f.mon, read_vcpus, &j), 0, "");
		if (j.nb == 2)
			break;
		usleep(10000);
	}
	TEST_ASSERT_EQUAL(j.nb, 2, "the VM was not read again");
	close(c);
	close(l);
	afx_stop(&f);
	return TEST_SUCCESS;
}
REGISTER_TEST(vm_sync_vcpu_plug, test_vm_sync_vcpu_plug);
