/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The vmpower authors
 */

/*
 * Channel manager and libvirt adapter against libvirt's own test driver
 * (test:///<abs path>/node.xml, a real driver inside the client library)
 * and real AF_UNIX sockets where QEMU would listen.
 */

#include <dirent.h>
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include <libvirt/libvirt.h>

#include <rte_common.h>

#include <channel_manager.h>
#include <libvirt_adapter.h>

#include "test.h"
#include "test_virt.h"

struct fixture {
	struct test_virt v;
	unsigned int ups, downs, vm_downs;
	int refuse_up;		/* channel_up fails */
	unsigned int moved[8];	/* vcpu_moved calls, by vCPU */
	/* libvirt events, from the adapter's thread */
	pthread_mutex_t lock;
	pthread_cond_t cond;
	char ev_vm[64];
	int ev;
	unsigned int nb_events;
	int evq[32];		/* every event, in order */
};

static const char node_fmt[] =
"<node>\n"
" <cpu><nodes>1</nodes><sockets>1</sockets><cores>8</cores>"
"<threads>1</threads><mhz>2000</mhz><model>i686</model></cpu>\n"
" <domain type='test'>\n"
"  <name>vm0</name><memory>65536</memory><vcpu>3</vcpu>\n"
"  <cputune><vcpupin vcpu='0' cpuset='1'/>"
"<vcpupin vcpu='1' cpuset='2-3'/></cputune>\n"
"  <os><type>hvm</type></os>\n"
"  <devices>\n"
"   <channel type='unix'><source mode='bind' path='%1$s/qemu/vm0-a'/>"
"<target type='virtio' name='virtio.serial.port.poweragent.0'/></channel>\n"
"   <channel type='unix'><source mode='bind' path='%1$s/qemu/vm0-b'/>"
"<target type='virtio' name='virtio.serial.port.poweragent.1'/></channel>\n"
"   <channel type='unix'><source mode='bind' path='%1$s/qemu/agent'/>"
"<target type='virtio' name='org.qemu.guest_agent.0'/></channel>\n"
"  </devices>\n"
" </domain>\n"
" <domain type='test'>\n"
"  <name>vm1</name><memory>65536</memory><vcpu>2</vcpu>\n"
"  <cputune><vcpupin vcpu='0' cpuset='0'/>"
"<vcpupin vcpu='1' cpuset='4-7'/></cputune>\n"
"  <os><type>hvm</type></os>\n"
" </domain>\n"
"</node>\n";

static void
on_event(struct virt_adapter *va, const char *vm, enum virt_event ev,
		void *opaque)
{
	struct fixture *f = opaque;

	(void)va;
	pthread_mutex_lock(&f->lock);
	snprintf(f->ev_vm, sizeof(f->ev_vm), "%s", vm != NULL ? vm : "");
	f->ev = ev;
	if (f->nb_events < RTE_DIM(f->evq))
		f->evq[f->nb_events] = ev;
	f->nb_events++;
	pthread_cond_broadcast(&f->cond);
	pthread_mutex_unlock(&f->lock);
}

/* Wait for event @ev of @vm; @return 0 or -ETIMEDOUT. */
static int
wait_event(struct fixture *f, const char *vm, int ev)
{
	struct timespec ts;
	int ret = 0;

	clock_gettime(CLOCK_REALTIME, &ts);
	ts.tv_sec += 5;
	pthread_mutex_lock(&f->lock);
	while (!(f->ev == ev && strcmp(f->ev_vm, vm) == 0) && ret == 0)
		ret = pthread_cond_timedwait(&f->cond, &f->lock, &ts);
	f->ev = -1;
	pthread_mutex_unlock(&f->lock);
	return ret == 0 ? 0 : -ETIMEDOUT;
}

/* Wait until @n events came in all; @return 0 or -ETIMEDOUT. */
static int
wait_nb_events(struct fixture *f, unsigned int n)
{
	struct timespec ts;
	int ret = 0;

	clock_gettime(CLOCK_REALTIME, &ts);
	ts.tv_sec += 5;
	pthread_mutex_lock(&f->lock);
	while (f->nb_events < n && ret == 0)
		ret = pthread_cond_timedwait(&f->cond, &f->lock, &ts);
	pthread_mutex_unlock(&f->lock);
	return ret == 0 ? 0 : -ETIMEDOUT;
}

static int
hook_up(struct vm_channel *ch, void *opaque)
{
	struct fixture *f = opaque;

	if (f->refuse_up)
		return -ENOMEM;
	f->ups += ch->fd >= 0;
	return 0;
}

/* Open file descriptors of this process. */
static int
nb_fds(void)
{
	struct dirent *e;
	int n = 0;
	DIR *d = opendir("/proc/self/fd");

	while (d != NULL && (e = readdir(d)) != NULL)
		n += e->d_name[0] != '.';
	if (d != NULL)
		closedir(d);
	return n;
}

static void
hook_down(struct vm_channel *ch, void *opaque)
{
	struct fixture *f = opaque;

	f->downs += ch->fd >= 0;
}

static void
hook_vm_down(struct vm *vm, void *opaque)
{
	struct fixture *f = opaque;

	(void)vm;
	f->vm_downs++;
}

static void
hook_vcpu_moved(struct vm *vm, uint32_t vcpu, void *opaque)
{
	struct fixture *f = opaque;

	(void)vm;
	if (vcpu < RTE_DIM(f->moved))
		f->moved[vcpu]++;
}

static int
fixture_init(struct fixture *f)
{
	memset(f, 0, sizeof(*f));
	pthread_mutex_init(&f->lock, NULL);
	pthread_cond_init(&f->cond, NULL);
	f->ev = -1;
	TEST_ASSERT_EQUAL(test_virt_init(&f->v, node_fmt), 0, "");
	return TEST_SUCCESS;
}

static void
fixture_fini(struct fixture *f)
{
	test_virt_fini(&f->v);
}

static int
make_mgr(struct fixture *f, struct chmgr **m)
{
	struct chmgr_conf conf = {
		.channel_dir = f->v.chdir,
		.channel_up = hook_up,
		.channel_down = hook_down,
		.vm_down = hook_vm_down,
		.vcpu_moved = hook_vcpu_moved,
		.opaque = f,
	};

	return chmgr_create(&conf, m);
}

static int
pin_str(const struct vm *vm, uint32_t vcpu, const char *want)
{
	char buf[64];

	TEST_ASSERT(vcpu < vm->nb_vcpus, "");
	TEST_ASSERT(cpu_list_format(&vm->pcpus[vcpu], buf, sizeof(buf)) >= 0,
		"");
	TEST_ASSERT_STR(buf, want);
	return TEST_SUCCESS;
}

/* VMs are read whole from libvirt: every vCPU's full pin set. */
static int
test_chmgr_vms(void)
{
	struct fixture f;
	struct virt_adapter *va;
	struct virt_vm snap;
	struct chmgr *m;
	struct vm *vm;

	TEST_RUN(fixture_init(&f));
	va = virt_adapter_create(f.v.uri, NULL, NULL);
	TEST_ASSERT(va != NULL && virt_adapter_connected(va), "");
	TEST_ASSERT_EQUAL(virt_adapter_host_cpus(va), 8, "");
	TEST_ASSERT_EQUAL(make_mgr(&f, &m), 0, "");

	TEST_ASSERT_EQUAL(virt_adapter_get_vm(va, "vm0", &snap), 0, "");
	TEST_ASSERT(snap.running, "");
	TEST_ASSERT_EQUAL(snap.nb_vcpus, 3, "");
	TEST_ASSERT_EQUAL(snap.nb_channels, 2, "the guest agent is not ours");
	TEST_ASSERT_EQUAL(chmgr_add_vm(m, &snap), 0, "");
	test_log_capture();
	TEST_ASSERT_EQUAL(chmgr_add_vm(m, &snap), -EEXIST, "");
	TEST_ASSERT_LOG("VM vm0 is already added");
	virt_vm_free(&snap);

	vm = chmgr_find_vm(m, "vm0");
	TEST_ASSERT(vm != NULL && vm->id != 0, "");
	TEST_RUN(pin_str(vm, 0, "1"));
	TEST_RUN(pin_str(vm, 1, "2-3"));
	TEST_RUN(pin_str(vm, 2, "0-7"));
	TEST_ASSERT_EQUAL(vm->nb_xml, 2, "");
	TEST_ASSERT_EQUAL(vm->xml[1].index, 1, "");

	TEST_ASSERT_EQUAL(virt_adapter_get_vm(va, "vm1", &snap), 0, "");
	TEST_ASSERT_EQUAL(chmgr_add_vm(m, &snap), 0, "");
	virt_vm_free(&snap);
	TEST_ASSERT_EQUAL(chmgr_nb_vms(m), 2, "");
	TEST_RUN(pin_str(chmgr_find_vm(m, "vm1"), 1, "4-7"));
	TEST_ASSERT(chmgr_find_vm(m, "vm1")->id != vm->id, "");

	TEST_ASSERT_EQUAL(virt_adapter_get_vm(va, "nosuch", &snap), -ENOENT,
		"");
	TEST_ASSERT_LOG("VM nosuch: no such domain in libvirt");
	TEST_ASSERT_EQUAL(chmgr_rm_vm(m, "vm0"), 0, "");
	TEST_ASSERT_EQUAL(f.vm_downs, 1, "votes dropped");
	TEST_ASSERT_EQUAL(chmgr_rm_vm(m, "vm0"), -ENOENT, "");
	TEST_ASSERT_LOG("VM vm0 is not added");
	TEST_ASSERT_EQUAL(chmgr_nb_vms(m), 1, "");
	TEST_ASSERT_STR(chmgr_vm_at(m, 0)->name, "vm1");
	chmgr_destroy(m);
	virt_adapter_destroy(va);
	fixture_fini(&f);
	return TEST_SUCCESS;
}
REGISTER_TEST(chmgr_vms, test_chmgr_vms);

/* set_pcpu: libvirt and the model change together; refusals are clear. */
static int
test_chmgr_pinning(void)
{
	struct fixture f;
	struct virt_adapter *va;
	struct virt_vm snap;
	struct cpu_list l = { 0 };
	struct chmgr *m;
	char err[128];

	TEST_RUN(fixture_init(&f));
	va = virt_adapter_create(f.v.uri, NULL, NULL);
	TEST_ASSERT(va != NULL, "");
	TEST_ASSERT_EQUAL(make_mgr(&f, &m), 0, "");
	TEST_ASSERT_EQUAL(virt_adapter_get_vm(va, "vm0", &snap), 0, "");
	TEST_ASSERT_EQUAL(chmgr_add_vm(m, &snap), 0, "");
	virt_vm_free(&snap);

	TEST_ASSERT_EQUAL(cpu_list_parse(&l, "5-6", 7, err, sizeof(err)), 0,
		"");
	TEST_ASSERT_EQUAL(virt_adapter_pin(va, "vm0", 2, &l), 0, "");
	TEST_ASSERT_EQUAL(virt_adapter_get_vm(va, "vm0", &snap), 0, "");
	TEST_ASSERT_EQUAL(chmgr_update_vm(m, &snap), 0, "");
	virt_vm_free(&snap);
	TEST_RUN(pin_str(chmgr_find_vm(m, "vm0"), 2, "5-6"));
	TEST_RUN(pin_str(chmgr_find_vm(m, "vm0"), 0, "1"));
	/* Its votes leave the old pCPUs; the others' stay. */
	TEST_ASSERT_EQUAL(f.moved[2], 1, "");
	TEST_ASSERT_EQUAL(f.moved[0] + f.moved[1], 0, "");

	test_log_capture();
	TEST_ASSERT_EQUAL(virt_adapter_pin(va, "vm0", 7, &l), -EPERM, "");
	TEST_ASSERT_LOG("VM vm0: libvirt refused to pin vCPU 7");
	TEST_ASSERT_EQUAL(virt_adapter_pin(va, "nosuch", 0, &l), -ENOENT, "");
	TEST_ASSERT_LOG("VM nosuch: no such domain in libvirt");
	cpu_list_free(&l);
	TEST_ASSERT_EQUAL(cpu_list_init(&l, 8), 0, "");
	TEST_ASSERT_EQUAL(cpu_list_add(&l, 100), 0, "");
	TEST_ASSERT_EQUAL(virt_adapter_pin(va, "vm0", 0, &l), -ERANGE, "");
	TEST_ASSERT_LOG("VM vm0: CPU set does not fit the host's 8 CPUs");
	TEST_RUN(pin_str(chmgr_find_vm(m, "vm0"), 0, "1"));
	cpu_list_free(&l);
	chmgr_destroy(m);
	virt_adapter_destroy(va);
	fixture_fini(&f);
	return TEST_SUCCESS;
}
REGISTER_TEST(chmgr_pinning, test_chmgr_pinning);

static int
add_vm(struct virt_adapter *va, struct chmgr *m, const char *name)
{
	struct virt_vm snap;

	TEST_ASSERT_EQUAL(virt_adapter_get_vm(va, name, &snap), 0, "");
	TEST_ASSERT_EQUAL(chmgr_add_vm(m, &snap), 0, "");
	virt_vm_free(&snap);
	return TEST_SUCCESS;
}

/*
 * The usual start: the fixture, an adapter with its events, a manager,
 * vm0 added with its channel 0 connected; @la: QEMU's listening socket,
 * @c: its end of the connection.
 */
static int
serve_vm0(struct fixture *f, struct virt_adapter **va, struct chmgr **m,
	int *la, int *c)
{
	char err[256];

	TEST_RUN(fixture_init(f));
	*va = virt_adapter_create(f->v.uri, on_event, f);
	TEST_ASSERT(*va != NULL, "");
	TEST_ASSERT_EQUAL(make_mgr(f, m), 0, "");
	TEST_RUN(add_vm(*va, *m, "vm0"));
	*la = test_virt_listen(&f->v, "qemu/vm0-a");
	TEST_ASSERT_EQUAL(chmgr_add_channels(*m, "vm0", "0", err, sizeof(err)),
		1, "%s", err);
	*c = test_virt_accept(*la);
	TEST_ASSERT(*c >= 0, "");
	return TEST_SUCCESS;
}

/* Channels where the domain XML puts them, wherever that is. */
static int
test_chmgr_channels_xml(void)
{
	struct fixture f;
	struct virt_adapter *va;
	struct chmgr *m;
	struct vm *vm;
	char path[160], err[256];
	int la, lb, c;

	TEST_RUN(fixture_init(&f));
	va = virt_adapter_create(f.v.uri, NULL, NULL);
	TEST_ASSERT_EQUAL(make_mgr(&f, &m), 0, "");
	TEST_RUN(add_vm(va, m, "vm0"));
	la = test_virt_listen(&f.v, "qemu/vm0-a");
	lb = test_virt_listen(&f.v, "qemu/vm0-b");
	snprintf(path, sizeof(path), "%s/qemu/vm0-b", f.v.dir);
	TEST_ASSERT(la >= 0 && lb >= 0, "");

	TEST_ASSERT_EQUAL(chmgr_add_channels(m, "vm0", "all", err,
		sizeof(err)), 2, "%s", err);
	TEST_ASSERT_EQUAL(f.ups, 2, "both handed to the monitor");
	c = test_virt_accept(la);
	TEST_ASSERT(c >= 0, "QEMU's side sees the daemon connect");
	close(c);
	c = test_virt_accept(lb);
	TEST_ASSERT(c >= 0, "");
	close(c);
	vm = chmgr_find_vm(m, "vm0");
	TEST_ASSERT_EQUAL(vm->nb_channels, 2, "");
	TEST_ASSERT(vm->channels[0]->from_xml && vm->channels[0]->fd >= 0, "");
	TEST_ASSERT_STR(vm->channels[1]->path, path);
	TEST_ASSERT_EQUAL(chmgr_add_channels(m, "vm0", "0-1", err,
		sizeof(err)), 2, "already connected is fine");
	TEST_ASSERT_EQUAL(f.ups, 2, "no second connection");

	TEST_ASSERT_EQUAL(chmgr_set_channel_status(m, "vm0", "1", 0, err,
		sizeof(err)), 1, "");
	TEST_ASSERT(vm->channels[0]->enabled && !vm->channels[1]->enabled, "");
	TEST_ASSERT_EQUAL(chmgr_set_channel_status(m, "vm0", "all", 1, err,
		sizeof(err)), 2, "");
	TEST_ASSERT(vm->channels[1]->enabled, "");
	TEST_ASSERT_EQUAL(chmgr_set_channel_status(m, "vm0", "5", 0, err,
		sizeof(err)), -ENOENT, "");
	TEST_ASSERT_STR(err, "VM vm0 has no channel 5 (add it with "
		"add_channels)");
	TEST_ASSERT_EQUAL(chmgr_set_channel_status(m, "vm9", "all", 0, err,
		sizeof(err)), -ENOENT, "");
	TEST_ASSERT_STR(err, "VM vm9 is not added (add_vm vm9 first)");
	TEST_ASSERT_EQUAL(chmgr_add_channels(m, "vm0", "1-x", err,
		sizeof(err)), -EINVAL, "");
	TEST_ASSERT_STR(err, "expected a CPU number at 'x'");

	/* Not in the XML: the directory convention, and no socket there. */
	TEST_ASSERT_EQUAL(chmgr_add_channels(m, "vm0", "3", err, sizeof(err)),
		-ENOENT, "");
	snprintf(path, sizeof(path), "channel 3 of VM vm0: %s/vm0.3: No such "
		"file or directory", f.v.chdir);
	TEST_ASSERT_STR(err, path);
	TEST_ASSERT_EQUAL(f.ups, 2, "");
	chmgr_destroy(m);
	TEST_ASSERT_EQUAL(f.downs, 2, "both released at exit");
	virt_adapter_destroy(va);
	fixture_fini(&f);
	return TEST_SUCCESS;
}
REGISTER_TEST(chmgr_channels_xml, test_chmgr_channels_xml);

/* VMs without power channels in their XML: <dir>/<vm>.<n>. */
static int
test_chmgr_channels_dir(void)
{
	struct fixture f;
	struct virt_adapter *va;
	struct chmgr *m;
	struct vm *vm;
	char path[160], target[160], err[256];
	FILE *fp;
	int i;

	TEST_RUN(fixture_init(&f));
	va = virt_adapter_create(f.v.uri, NULL, NULL);
	TEST_ASSERT_EQUAL(make_mgr(&f, &m), 0, "creates the directory");
	TEST_RUN(add_vm(va, m, "vm1"));

	TEST_ASSERT_EQUAL(chmgr_add_channels(m, "vm1", "all", err,
		sizeof(err)), -ENOENT, "");
	snprintf(path, sizeof(path), "VM vm1 has no power channels: none in "
		"its domain XML and no %s/vm1.<n> sockets", f.v.chdir);
	TEST_ASSERT_STR(err, path);

	TEST_ASSERT(test_virt_listen(&f.v, "channels/vm1.0") >= 0, "");
	TEST_ASSERT(test_virt_listen(&f.v, "channels/vm1.12") >= 0, "");
	/* Another VM's channel and stray names are not vm1's. */
	TEST_ASSERT(test_virt_listen(&f.v, "channels/vm10.1") >= 0, "");
	TEST_ASSERT(test_virt_listen(&f.v, "channels/vm1.x") >= 0, "");
	TEST_ASSERT_EQUAL(chmgr_add_channels(m, "vm1", "all", err,
		sizeof(err)), 2, "%s", err);
	vm = chmgr_find_vm(m, "vm1");
	TEST_ASSERT_EQUAL(vm->nb_channels, 2, "");
	TEST_ASSERT_EQUAL(vm->channels[1]->index, 12, "");
	TEST_ASSERT(!vm->channels[1]->from_xml, "");

	/* A symlink or a plain file at a channel path is refused. */
	snprintf(target, sizeof(target), "%s/vm1.0", f.v.chdir);
	snprintf(path, sizeof(path), "%s/vm1.3", f.v.chdir);
	TEST_ASSERT_EQUAL(symlink(target, path), 0, "");
	TEST_ASSERT_EQUAL(chmgr_add_channels(m, "vm1", "3", err, sizeof(err)),
		-ELOOP, "");
	snprintf(target, sizeof(target), "channel 3 of VM vm1: %s is a "
		"symlink: refused", path);
	TEST_ASSERT_STR(err, target);
	snprintf(path, sizeof(path), "%s/vm1.4", f.v.chdir);
	fp = fopen(path, "w");
	TEST_ASSERT(fp != NULL, "");
	fclose(fp);
	TEST_ASSERT_EQUAL(chmgr_add_channels(m, "vm1", "4", err, sizeof(err)),
		-ENOTSOCK, "");
	TEST_ASSERT(strstr(err, "is not a socket: refused") != NULL, "%s",
		err);
	TEST_ASSERT_EQUAL(f.ups, 2, "");
	/* The owner cannot watch it: closed again, said, no fd left. */
	TEST_ASSERT(test_virt_listen(&f.v, "channels/vm1.5") >= 0, "");
	f.refuse_up = 1;
	i = nb_fds();
	TEST_ASSERT_EQUAL(chmgr_add_channels(m, "vm1", "5", err, sizeof(err)),
		-ENOMEM, "");
	TEST_ASSERT(strstr(err, "channel 5 of VM vm1: cannot watch") != NULL,
		"%s", err);
	TEST_ASSERT_EQUAL(nb_fds(), i, "no descriptor left open");
	for (i = 0; i < (int)vm->nb_channels; i++)
		if (vm->channels[i]->index == 5)
			TEST_ASSERT(vm->channels[i]->fd < 0, "not connected");
	f.refuse_up = 0;
	chmgr_destroy(m);
	virt_adapter_destroy(va);
	fixture_fini(&f);
	return TEST_SUCCESS;
}
REGISTER_TEST(chmgr_channels_dir, test_chmgr_channels_dir);

/* A channel directory others could plant sockets in is refused. */
static int
test_chmgr_unsafe_dir(void)
{
	struct fixture f;
	struct chmgr *m = NULL;
	struct stat st;
	char path[160];
	FILE *fp;

	TEST_RUN(fixture_init(&f));
	test_log_capture();
	TEST_ASSERT_EQUAL(make_mgr(&f, &m), 0, "");
	chmgr_destroy(m);
	TEST_ASSERT_EQUAL(stat(f.v.chdir, &st), 0, "");
	TEST_ASSERT_EQUAL(st.st_mode & 07777, 0755, "created 0755");
	TEST_ASSERT_EQUAL(chmod(f.v.chdir, 01777), 0, "");
	TEST_ASSERT_EQUAL(make_mgr(&f, &m), -EPERM, "");
	TEST_ASSERT_LOG("is writable by others (mode 1777)");
	TEST_ASSERT_EQUAL(chmod(f.v.chdir, 0770), 0, "");
	TEST_ASSERT_EQUAL(make_mgr(&f, &m), 0, "group may write");
	chmgr_destroy(m);
	/* Its owner could plant sockets whatever the mode. */
	TEST_ASSERT_EQUAL(chown(f.v.chdir, 65534, 0), 0, "");
	TEST_ASSERT_EQUAL(make_mgr(&f, &m), -EPERM, "");
	TEST_ASSERT_LOG("is owned by uid 65534");
	TEST_ASSERT_EQUAL(chown(f.v.chdir, 0, 0), 0, "");
	TEST_ASSERT_EQUAL(rmdir(f.v.chdir), 0, "");
	snprintf(path, sizeof(path), "%s/qemu", f.v.dir);
	TEST_ASSERT_EQUAL(symlink(path, f.v.chdir), 0, "");
	TEST_ASSERT_EQUAL(make_mgr(&f, &m), -ELOOP, "");
	TEST_ASSERT_LOG("is a symlink: refused");
	TEST_ASSERT_EQUAL(unlink(f.v.chdir), 0, "");
	fp = fopen(f.v.chdir, "w");
	TEST_ASSERT(fp != NULL, "");
	fclose(fp);
	TEST_ASSERT_EQUAL(make_mgr(&f, &m), -ENOTDIR, "");
	TEST_ASSERT_LOG("is not a directory");
	fixture_fini(&f);
	return TEST_SUCCESS;
}
REGISTER_TEST(chmgr_unsafe_dir, test_chmgr_unsafe_dir);

/* Names that are no path component are refused; a VM's channels are
 * bounded, whatever list the CLI is given (fuzz_channels found both). */
static int
test_chmgr_limits(void)
{
	static const char *const bad[] = { "", "a/b", "../x", "a\nb",
		"a\x7f" };
	struct cpu_list pcpus[1] = { { 0 } };
	struct virt_vm snap = { .nb_vcpus = 1, .pcpus = pcpus };
	struct fixture f;
	struct chmgr *m;
	char err[256];
	unsigned int i;

	TEST_RUN(fixture_init(&f));
	TEST_ASSERT_EQUAL(make_mgr(&f, &m), 0, "");
	TEST_ASSERT_EQUAL(cpu_list_init(&pcpus[0], 4), 0, "");
	for (i = 0; i < RTE_DIM(bad); i++) {
		snap.name = (char *)(uintptr_t)bad[i];
		TEST_ASSERT_EQUAL(chmgr_add_vm(m, &snap), -EINVAL, "'%s'",
			bad[i]);
	}
	TEST_ASSERT_EQUAL(chmgr_nb_vms(m), 0, "");
	/* Stopped: channels that do not connect yet are kept. */
	snap.name = (char *)(uintptr_t)"vm.stopped 1";
	TEST_ASSERT_EQUAL(chmgr_add_vm(m, &snap), 0, "");
	TEST_ASSERT_EQUAL(chmgr_add_channels(m, snap.name, "0-65535", err,
		sizeof(err)), -E2BIG, "");
	TEST_ASSERT(strstr(err, "has 1024 channels: no more") != NULL, "%s",
		err);
	TEST_ASSERT_EQUAL(chmgr_find_vm(m, snap.name)->nb_channels,
		CHMGR_MAX_CHANNELS, "");
	cpu_list_free(&pcpus[0]);
	chmgr_destroy(m);
	fixture_fini(&f);
	return TEST_SUCCESS;
}
REGISTER_TEST(chmgr_limits, test_chmgr_limits);

/* Apply the last event of @vm as the daemon's loop would. */
static int
apply_event(struct fixture *f, struct virt_adapter *va, struct chmgr *m,
		const char *vm, int ev)
{
	struct virt_vm snap;
	int got;

	TEST_ASSERT_EQUAL(wait_event(f, vm, ev), 0, "event %d of %s", ev, vm);
	got = virt_adapter_get_vm(va, vm, &snap);
	TEST_ASSERT_EQUAL(chmgr_vm_event(m, vm, (enum virt_event)ev,
		got == 0 ? &snap : NULL), 0, "");
	if (got == 0)
		virt_vm_free(&snap);
	return TEST_SUCCESS;
}

/* Destroy and start through the same connection: channels follow. */
static int
test_chmgr_lifecycle(void)
{
	struct fixture f;
	struct virt_adapter *va;
	struct chmgr *m;
	struct vm *vm;
	virDomainPtr dom;
	char byte;
	int la, c;

	TEST_RUN(serve_vm0(&f, &va, &m, &la, &c));

	dom = virDomainLookupByName(virt_adapter_conn(va), "vm0");
	TEST_ASSERT(dom != NULL, "");
	TEST_ASSERT_EQUAL(virDomainDestroy(dom), 0, "");
	TEST_RUN(apply_event(&f, va, m, "vm0", VIRT_EVENT_STOPPED));
	vm = chmgr_find_vm(m, "vm0");
	TEST_ASSERT(!vm->running, "");
	TEST_ASSERT_EQUAL(vm->channels[0]->fd, -1, "closed");
	TEST_ASSERT_EQUAL(f.downs, 1, "");
	TEST_ASSERT_EQUAL(f.vm_downs, 1, "votes dropped");
	TEST_ASSERT_EQUAL(read(c, &byte, 1), 0, "QEMU's side sees EOF");
	close(c);

	TEST_ASSERT_EQUAL(virDomainCreate(dom), 0, "");
	TEST_RUN(apply_event(&f, va, m, "vm0", VIRT_EVENT_STARTED));
	TEST_ASSERT(vm->running, "");
	TEST_ASSERT(vm->channels[0]->fd >= 0, "reconnected by itself");
	TEST_ASSERT_EQUAL(f.ups, 2, "");
	c = test_virt_accept(la);
	TEST_ASSERT(c >= 0, "");
	close(c);

	/* Undefined in libvirt: removed, with a message. */
	test_log_capture();
	TEST_ASSERT_EQUAL(virDomainDestroy(dom), 0, "");
	TEST_RUN(apply_event(&f, va, m, "vm0", VIRT_EVENT_STOPPED));
	TEST_ASSERT_EQUAL(virDomainUndefine(dom), 0, "");
	TEST_RUN(apply_event(&f, va, m, "vm0", VIRT_EVENT_UNDEFINED));
	TEST_ASSERT_LOG("VM vm0 was undefined in libvirt: removed");
	TEST_ASSERT(chmgr_find_vm(m, "vm0") == NULL, "");
	/* Events of VMs we do not serve are ignored. */
	TEST_ASSERT_EQUAL(chmgr_vm_event(m, "vm1", VIRT_EVENT_STOPPED, NULL),
		-ENOENT, "");
	virDomainFree(dom);
	chmgr_destroy(m);
	virt_adapter_destroy(va);
	fixture_fini(&f);
	return TEST_SUCCESS;
}
REGISTER_TEST(chmgr_lifecycle, test_chmgr_lifecycle);

/*
 * Pinned outside the daemon (virsh vcpupin): the CHANGED event refreshes
 * the model. libvirt's test driver emits no tunable event for pinning
 * (QEMU's does: the real-VM tests cover that), so the event is applied
 * here as the adapter delivers it.
 */
static int
test_chmgr_pin_outside(void)
{
	unsigned char map = 0x40;	/* CPU 6 */
	struct fixture f;
	struct virt_adapter *va;
	struct chmgr *m;
	virDomainPtr dom;

	TEST_RUN(fixture_init(&f));
	va = virt_adapter_create(f.v.uri, on_event, &f);
	TEST_ASSERT(va != NULL, "");
	TEST_ASSERT_EQUAL(make_mgr(&f, &m), 0, "");
	TEST_RUN(add_vm(va, m, "vm0"));
	dom = virDomainLookupByName(virt_adapter_conn(va), "vm0");
	TEST_ASSERT(dom != NULL, "");
	TEST_ASSERT_EQUAL(virDomainPinVcpu(dom, 1, &map, 1), 0, "");
	TEST_RUN(pin_str(chmgr_find_vm(m, "vm0"), 1, "2-3"));
	on_event(va, "vm0", VIRT_EVENT_CHANGED, &f);
	test_log_capture();
	TEST_RUN(apply_event(&f, va, m, "vm0", VIRT_EVENT_CHANGED));
	TEST_RUN(pin_str(chmgr_find_vm(m, "vm0"), 1, "6"));
	TEST_ASSERT_LOG("VM vm0: vCPU 1 re-pinned: its votes dropped");
	TEST_ASSERT_EQUAL(f.moved[1], 1, "the vote leaves CPUs 2-3");
	TEST_ASSERT_EQUAL(f.moved[0] + f.moved[2], 0, "");
	/* Nothing of the vCPUs changed (virsh emulatorpin): votes stay. */
	on_event(va, "vm0", VIRT_EVENT_CHANGED, &f);
	TEST_RUN(apply_event(&f, va, m, "vm0", VIRT_EVENT_CHANGED));
	TEST_ASSERT_EQUAL(f.moved[0] + f.moved[1] + f.moved[2], 1, "");
	/* vCPU unplug (virsh setvcpus 2): vCPU 2's votes go. */
	TEST_ASSERT_EQUAL(virDomainSetVcpusFlags(dom, 2,
		VIR_DOMAIN_AFFECT_LIVE), 0, "");
	on_event(va, "vm0", VIRT_EVENT_CHANGED, &f);
	TEST_RUN(apply_event(&f, va, m, "vm0", VIRT_EVENT_CHANGED));
	TEST_ASSERT_EQUAL(chmgr_find_vm(m, "vm0")->nb_vcpus, 2, "");
	TEST_ASSERT_LOG("VM vm0: vCPU 2 unplugged: its votes dropped");
	TEST_ASSERT_EQUAL(f.moved[2], 1, "");
	TEST_ASSERT_EQUAL(f.moved[0] + f.moved[1], 1, "");
	virDomainFree(dom);
	chmgr_destroy(m);
	virt_adapter_destroy(va);
	fixture_fini(&f);
	return TEST_SUCCESS;
}
REGISTER_TEST(chmgr_pin_outside, test_chmgr_pin_outside);

/*
 * Fast destroy+start (nova hard reboot, crash and autostart): by the time
 * the loop reads the VM for the STOPPED event it runs again. The events
 * decide: the old process's votes go, the channels come back.
 */
static int
test_chmgr_fast_restart(void)
{
	struct fixture f;
	struct virt_adapter *va;
	struct virt_vm snap;
	struct chmgr *m;
	struct vm *vm;
	virDomainPtr dom;
	char byte;
	int la, c, c2, old_id;
	unsigned int i;

	TEST_RUN(serve_vm0(&f, &va, &m, &la, &c));
	vm = chmgr_find_vm(m, "vm0");
	old_id = vm->dom_id;
	TEST_ASSERT(old_id > 0, "the process is known: %d", old_id);

	dom = virDomainLookupByName(virt_adapter_conn(va), "vm0");
	TEST_ASSERT(dom != NULL, "");
	TEST_ASSERT_EQUAL(virDomainDestroy(dom), 0, "");
	TEST_ASSERT_EQUAL(virDomainCreate(dom), 0, "");
	TEST_ASSERT_EQUAL(wait_nb_events(&f, 2), 0, "");
	TEST_ASSERT_EQUAL(f.evq[0], VIRT_EVENT_STOPPED, "");
	TEST_ASSERT_EQUAL(f.evq[1], VIRT_EVENT_STARTED, "");
	/* Read late, as the loop does: running, as a new process. */
	TEST_ASSERT_EQUAL(virt_adapter_get_vm(va, "vm0", &snap), 0, "");
	TEST_ASSERT(snap.running && snap.id != old_id, "id %d", snap.id);
	test_log_capture();
	for (i = 0; i < 2; i++)
		TEST_ASSERT_EQUAL(chmgr_vm_event(m, "vm0",
			(enum virt_event)f.evq[i], &snap), 0, "");
	virt_vm_free(&snap);
	TEST_ASSERT_LOG("VM vm0 stopped: channels closed, votes dropped");
	TEST_ASSERT_LOG("VM vm0 started: reconnecting 1 channels");
	TEST_ASSERT_EQUAL(f.vm_downs, 1, "the old process's votes dropped");
	TEST_ASSERT_EQUAL(f.downs, 1, "the old channel closed");
	TEST_ASSERT_EQUAL(read(c, &byte, 1), 0, "the old peer sees EOF");
	close(c);
	c2 = test_virt_accept(la);
	TEST_ASSERT(c2 >= 0, "reconnected with no CLI command");
	TEST_ASSERT_EQUAL(f.ups, 2, "");
	TEST_ASSERT(vm->running && vm->channels[0]->fd >= 0, "");
	close(c2);

	/* Events lost or unreadable, a re-read alone still converges. */
	TEST_ASSERT_EQUAL(virDomainDestroy(dom), 0, "");
	TEST_ASSERT_EQUAL(virDomainCreate(dom), 0, "");
	TEST_ASSERT_EQUAL(virt_adapter_get_vm(va, "vm0", &snap), 0, "");
	TEST_ASSERT_EQUAL(chmgr_update_vm(m, &snap), 0, "");
	virt_vm_free(&snap);
	TEST_ASSERT_EQUAL(f.vm_downs, 2, "new process: votes dropped");
	c2 = test_virt_accept(la);
	TEST_ASSERT(c2 >= 0, "reconnected");
	close(c2);

	/* No snapshot at all: the events alone. */
	TEST_ASSERT_EQUAL(chmgr_vm_event(m, "vm0", VIRT_EVENT_STARTED, NULL),
		0, "");
	TEST_ASSERT_EQUAL(f.vm_downs, 3, "a start means a new process");
	c2 = test_virt_accept(la);
	TEST_ASSERT(c2 >= 0, "reconnected");
	close(c2);
	virDomainFree(dom);
	chmgr_destroy(m);
	virt_adapter_destroy(va);
	fixture_fini(&f);
	return TEST_SUCCESS;
}
REGISTER_TEST(chmgr_fast_restart, test_chmgr_fast_restart);

/*
 * Same process: a guest reset (virsh reset/reboot) drops the votes and
 * keeps the channels; pause/resume keep both; QEMU's RESUMED then STARTED
 * at boot connects once. The test driver emits no reboot event: it is
 * delivered here as the adapter does.
 */
static int
test_chmgr_reset_resume(void)
{
	struct fixture f;
	struct virt_adapter *va;
	struct virt_vm snap;
	struct chmgr *m;
	struct vm *vm;
	virDomainPtr dom;
	int la, c, fd;

	TEST_ASSERT_EQUAL(virt_event_from_lifecycle(VIR_DOMAIN_EVENT_RESUMED,
		0), VIRT_EVENT_RESUMED, "");
	TEST_ASSERT_EQUAL(virt_event_from_lifecycle(VIR_DOMAIN_EVENT_STARTED,
		VIR_DOMAIN_EVENT_STARTED_WAKEUP), VIRT_EVENT_RESUMED, "");
	TEST_ASSERT_EQUAL(virt_event_from_lifecycle(VIR_DOMAIN_EVENT_STARTED,
		VIR_DOMAIN_EVENT_STARTED_MIGRATED), VIRT_EVENT_STARTED, "");
	TEST_ASSERT_EQUAL(virt_event_from_lifecycle(VIR_DOMAIN_EVENT_STOPPED,
		VIR_DOMAIN_EVENT_STOPPED_MIGRATED), VIRT_EVENT_STOPPED, "");
	TEST_ASSERT_EQUAL(virt_event_from_lifecycle(VIR_DOMAIN_EVENT_CRASHED,
		VIR_DOMAIN_EVENT_CRASHED_PANICKED), VIRT_EVENT_SUSPENDED, "");
	TEST_ASSERT_EQUAL(virt_event_from_lifecycle(VIR_DOMAIN_EVENT_SHUTDOWN,
		0), VIRT_EVENT_CHANGED, "");

	TEST_RUN(serve_vm0(&f, &va, &m, &la, &c));
	vm = chmgr_find_vm(m, "vm0");
	fd = vm->channels[0]->fd;

	TEST_ASSERT_EQUAL(virt_adapter_get_vm(va, "vm0", &snap), 0, "");
	test_log_capture();
	TEST_ASSERT_EQUAL(chmgr_vm_event(m, "vm0", VIRT_EVENT_REBOOTED,
		&snap), 0, "");
	TEST_ASSERT_LOG("VM vm0 was reset: votes dropped, channels kept");
	TEST_ASSERT_EQUAL(f.vm_downs, 1, "");
	TEST_ASSERT_EQUAL(f.downs, 0, "");
	TEST_ASSERT_EQUAL(vm->channels[0]->fd, fd, "");
	TEST_ASSERT_EQUAL(chmgr_vm_event(m, "vm0", VIRT_EVENT_SUSPENDED,
		&snap), 0, "");
	TEST_ASSERT_EQUAL(chmgr_vm_event(m, "vm0", VIRT_EVENT_RESUMED,
		&snap), 0, "");
	TEST_ASSERT_EQUAL(chmgr_vm_event(m, "vm0", VIRT_EVENT_STARTED,
		&snap), 0, "");
	TEST_ASSERT_EQUAL(f.vm_downs, 1, "same process: nothing dropped");
	TEST_ASSERT_EQUAL(f.downs, 0, "");
	TEST_ASSERT_EQUAL(vm->channels[0]->fd, fd, "");
	virt_vm_free(&snap);

	/* Boot as QEMU reports it: RESUMED, then STARTED; one connect. */
	dom = virDomainLookupByName(virt_adapter_conn(va), "vm0");
	TEST_ASSERT(dom != NULL, "");
	TEST_ASSERT_EQUAL(virDomainDestroy(dom), 0, "");
	TEST_ASSERT_EQUAL(chmgr_vm_event(m, "vm0", VIRT_EVENT_STOPPED, NULL),
		0, "");
	close(c);
	TEST_ASSERT_EQUAL(virDomainCreate(dom), 0, "");
	TEST_ASSERT_EQUAL(virt_adapter_get_vm(va, "vm0", &snap), 0, "");
	TEST_ASSERT_EQUAL(chmgr_vm_event(m, "vm0", VIRT_EVENT_RESUMED,
		&snap), 0, "");
	TEST_ASSERT_EQUAL(chmgr_vm_event(m, "vm0", VIRT_EVENT_STARTED,
		&snap), 0, "");
	virt_vm_free(&snap);
	TEST_ASSERT_EQUAL(f.ups, 2, "connected once per boot");
	c = test_virt_accept(la);
	TEST_ASSERT(c >= 0, "");
	close(c);
	virDomainFree(dom);
	chmgr_destroy(m);
	virt_adapter_destroy(va);
	fixture_fini(&f);
	return TEST_SUCCESS;
}
REGISTER_TEST(chmgr_reset_resume, test_chmgr_reset_resume);

/*
 * libvirt lost, then back (the test driver never closes a connection: the
 * adapter is told, as by its close callback). Attempts back off, each
 * failed one is logged; once back, RECONNECTED, and every VM served is
 * read again as the daemon does: a VM gone from libvirt is removed (votes
 * dropped), pinning follows libvirt's, a channel that hung up meanwhile
 * is reconnected. A test:/// connection starts from the node file again,
 * as a libvirtd that restarted with other state.
 */
static int
test_chmgr_reconnect(void)
{
	struct virt_vm ghost = { .name = (char *)(uintptr_t)"ghost",
		.running = 1, .id = 7 };
	unsigned char map = 0x40;	/* CPU 6 */
	struct fixture f;
	struct virt_adapter *va;
	struct virt_vm snap;
	struct chmgr *m;
	struct vm *vm;
	virDomainPtr dom;
	char err[256], node[128], away[128], *names[4];
	unsigned int i, n;
	int la, c, got;

	TEST_RUN(fixture_init(&f));
	va = virt_adapter_create(f.v.uri, on_event, &f);
	TEST_ASSERT(va != NULL, "");
	TEST_ASSERT_EQUAL(make_mgr(&f, &m), 0, "");
	TEST_RUN(add_vm(va, m, "vm0"));
	TEST_ASSERT_EQUAL(chmgr_add_vm(m, &ghost), 0, "");
	la = test_virt_listen(&f.v, "qemu/vm0-a");
	TEST_ASSERT_EQUAL(chmgr_add_channels(m, "vm0", "0", err, sizeof(err)),
		1, "%s", err);
	c = test_virt_accept(la);
	TEST_ASSERT(c >= 0, "");
	vm = chmgr_find_vm(m, "vm0");
	dom = virDomainLookupByName(virt_adapter_conn(va), "vm0");
	TEST_ASSERT(dom != NULL, "");
	TEST_ASSERT_EQUAL(virDomainPinVcpu(dom, 1, &map, 1), 0, "");
	virDomainFree(dom);
	TEST_ASSERT_EQUAL(virt_adapter_get_vm(va, "vm0", &snap), 0, "");
	TEST_ASSERT_EQUAL(chmgr_update_vm(m, &snap), 0, "");
	virt_vm_free(&snap);
	TEST_RUN(pin_str(vm, 1, "6"));

	/* libvirt goes away; meanwhile the VM's channel hangs up. */
	snprintf(node, sizeof(node), "%s/node.xml", f.v.dir);
	snprintf(away, sizeof(away), "%s/node.away", f.v.dir);
	TEST_ASSERT_EQUAL(rename(node, away), 0, "");
	test_log_capture();
	virt_adapter_lose_conn(va);
	close(c);
	chmgr_channel_closed(m, vm->channels[0]);
	/* Attempts at 250 and 750 ms: until the second one said it failed. */
	for (i = 0; i < (unsigned int)test_slow_ms(500) &&
			!test_log_contains("; next in 1000 ms"); i++)
		usleep(10000);
	TEST_ASSERT_LOG("reconnection attempt 1 to");
	TEST_ASSERT_LOG("; next in 1000 ms");
	TEST_ASSERT_EQUAL(rename(away, node), 0, "");
	TEST_ASSERT_EQUAL(wait_event(&f, "", VIRT_EVENT_RECONNECTED), 0, "");
	TEST_ASSERT_LOG("(attempt 3): resynchronising the VMs");
	/* The lost connection is freed (its event callbacks held it: one
	 * socket fd a libvirtd restart). */
	TEST_ASSERT(!test_log_contains("references after it was closed"),
		"the lost connection was kept");

	/* As the daemon: every VM served, read again. */
	n = chmgr_nb_vms(m);
	TEST_ASSERT_EQUAL(n, 2, "");
	for (i = 0; i < n; i++)
		names[i] = strdup(chmgr_vm_at(m, i)->name);
	for (i = 0; i < n; i++) {
		got = virt_adapter_get_vm(va, names[i], &snap);
		TEST_ASSERT_EQUAL(chmgr_vm_event(m, names[i], got == -ENOENT ?
			VIRT_EVENT_UNDEFINED : VIRT_EVENT_RECONNECTED,
			got == 0 ? &snap : NULL), 0, "%s", names[i]);
		if (got == 0)
			virt_vm_free(&snap);
		free(names[i]);
	}
	TEST_ASSERT(chmgr_find_vm(m, "ghost") == NULL, "gone from libvirt");
	TEST_ASSERT_EQUAL(f.vm_downs, 1, "its votes dropped");
	TEST_RUN(pin_str(vm, 1, "2-3"));
	TEST_ASSERT_EQUAL(f.moved[1], 2, "vCPU 1's votes left CPU 6");
	c = test_virt_accept(la);
	TEST_ASSERT(c >= 0, "the channel came back");
	TEST_ASSERT(vm->channels[0]->fd >= 0, "");
	close(c);
	chmgr_destroy(m);
	virt_adapter_destroy(va);
	fixture_fini(&f);
	return TEST_SUCCESS;
}
REGISTER_TEST(chmgr_reconnect, test_chmgr_reconnect);

/* No libvirt: the adapter exists, says why, and every call fails fast. */
static int
test_chmgr_libvirt_down(void)
{
	struct virt_adapter *va;
	struct virt_vm snap;
	struct cpu_list l = { 0 };

	test_log_capture();
	va = virt_adapter_create(
		"qemu+unix:///system?socket=/nonexistent/vmp-libvirt-sock",
		NULL, NULL);
	TEST_ASSERT(va != NULL, "the daemon still runs");
	TEST_ASSERT(!virt_adapter_connected(va), "");
	TEST_ASSERT_LOG("libvirt is not reachable at qemu+unix:///system");
	TEST_ASSERT_EQUAL(virt_adapter_get_vm(va, "vm0", &snap), -ENOTCONN,
		"");
	TEST_ASSERT_LOG("VM vm0: libvirt is not reachable at");
	TEST_ASSERT_EQUAL(cpu_list_init(&l, 4), 0, "");
	TEST_ASSERT_EQUAL(virt_adapter_pin(va, "vm0", 0, &l), -ENOTCONN, "");
	TEST_ASSERT_EQUAL(virt_adapter_host_cpus(va), -ENOTCONN, "");
	cpu_list_free(&l);
	virt_adapter_destroy(va);
	return TEST_SUCCESS;
}
REGISTER_TEST(chmgr_libvirt_down, test_chmgr_libvirt_down);

/* Channel discovery from domain XML: only our ports, any order. */
static int
test_chmgr_parse_xml(void)
{
	struct virt_channel *ch;
	uint32_t n;

	TEST_ASSERT_EQUAL(virt_parse_channels(
		"<domain><devices>"
		"<channel type='unix'><source path='/b'/>"
		"<target name='virtio.serial.port.poweragent.7'/></channel>"
		"<channel type='pty'><source path='/c'/>"
		"<target name='virtio.serial.port.poweragent.1'/></channel>"
		"<channel type='unix'><source path='/a'/>"
		"<target name='virtio.serial.port.poweragent.2'/></channel>"
		"<channel type='unix'><source path='/d'/>"
		"<target name='virtio.serial.port.poweragent.x'/></channel>"
		"<channel type='unix'>"
		"<target name='virtio.serial.port.poweragent.3'/></channel>"
		"</devices></domain>", &ch, &n), 0, "");
	TEST_ASSERT_EQUAL(n, 2, "");
	TEST_ASSERT_EQUAL(ch[0].index, 2, "");
	TEST_ASSERT_STR(ch[0].path, "/a");
	TEST_ASSERT_EQUAL(ch[1].index, 7, "");
	free(ch[0].path);
	free(ch[1].path);
	free(ch);
	TEST_ASSERT_EQUAL(virt_parse_channels("<domain><devices>", &ch, &n),
		-EINVAL, "");
	TEST_ASSERT_EQUAL(virt_parse_channels("<domain/>", &ch, &n), 0, "");
	TEST_ASSERT_EQUAL(n, 0, "");
	free(ch);
	return TEST_SUCCESS;
}
REGISTER_TEST(chmgr_parse_xml, test_chmgr_parse_xml);
