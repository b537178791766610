/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The vmpower authors
 */

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <rte_log.h>

#include "channel_manager.h"
#include "channel_monitor.h"
#include "libvirt_adapter.h"
#include "vm_sync.h"

RTE_LOG_REGISTER(vmp_sync_logtype, vmpower.sync, INFO);

#define SYNC_LOG(level, fmt, ...) \
	rte_log(RTE_LOG_ ## level, vmp_sync_logtype, \
		"VM_SYNC: " fmt "\n", ##__VA_ARGS__)

struct virt_event_job {
	char *name;
	enum virt_event ev;
	struct virt_vm snap;
	int have_snap;
};

static void
apply_virt_event(struct monitor *mon, void *arg)
{
	struct virt_event_job *j = arg;

	chmgr_vm_event(monitor_chmgr(mon), j->name, j->ev,
		j->have_snap ? &j->snap : NULL);
	if (j->have_snap)
		virt_vm_free(&j->snap);
	free(j->name);
	free(j);
}

/* On libvirt's thread: read the VM there, apply it on the loop. */
static void
post_virt_event(struct virt_adapter *va, struct monitor *mon,
		const char *name, enum virt_event ev)
{
	struct virt_event_job *j = calloc(1, sizeof(*j));
	int ret = 0;

	if (j == NULL || (j->name = strdup(name)) == NULL) {
		free(j);
		SYNC_LOG(ERR, "VM %s: event %d lost: out of memory", name, ev);
		return;
	}
	j->ev = ev;
	if (ev != VIRT_EVENT_UNDEFINED) {
		ret = virt_adapter_get_vm(va, name, &j->snap);
		j->have_snap = ret == 0;
	}
	/* Gone from libvirt while we were away from it. */
	if (ev == VIRT_EVENT_RECONNECTED && ret == -ENOENT)
		j->ev = VIRT_EVENT_UNDEFINED;
	if (monitor_post(mon, apply_virt_event, j) < 0) {
		if (j->have_snap)
			virt_vm_free(&j->snap);
		free(j->name);
		free(j);
	}
}

struct vm_names {
	char **v;
	uint32_t n;
	int auto_on;
};

/* On the loop: the names of the VMs served. */
static void
collect_names(struct monitor *mon, void *arg)
{
	struct chmgr *m = monitor_chmgr(mon);
	struct vm_names *names = arg;
	uint32_t i, n = chmgr_nb_vms(m);

	names->auto_on = chmgr_auto_on(m);
	names->v = calloc(n ? n : 1, sizeof(*names->v));
	if (names->v == NULL)
		return;
	for (i = 0; i < n; i++)
		if ((names->v[names->n] = strdup(chmgr_vm_at(m, i)->name)) !=
				NULL)
			names->n++;
}

static int
has_name(const struct vm_names *names, const char *name)
{
	uint32_t i;

	for (i = 0; i < names->n; i++)
		if (strcmp(names->v[i], name) == 0)
			return 1;
	return 0;
}

/*
 * On libvirt's thread, at start or libvirt back after a loss: read every
 * VM served and hand each to the loop (one gone from libvirt is removed,
 * its votes dropped); with auto-serving, every other domain too.
 */
static void
resync_all(struct virt_adapter *va, struct monitor *mon, int back)
{
	struct vm_names names = { 0 };
	char **all = NULL;
	int i, nb_all = 0;

	if (monitor_call(mon, collect_names, &names) < 0)
		return;
	if (names.auto_on && (nb_all = virt_adapter_list_names(va, &all)) < 0)
		SYNC_LOG(ERR, "cannot list libvirt's domains: those not served "
			"yet wait for their next event");
	for (i = 0; i < (int)names.n; i++)
		post_virt_event(va, mon, names.v[i], VIRT_EVENT_RECONNECTED);
	for (i = 0; i < nb_all; i++) {
		if (all[i] != NULL && !has_name(&names, all[i]))
			post_virt_event(va, mon, all[i],
				VIRT_EVENT_RECONNECTED);
		free(all[i]);
	}
	if (back)
		SYNC_LOG(INFO, "libvirt is back: resynchronising %u VMs%s",
			names.n, names.auto_on ? ", and libvirt's other "
			"domains for auto-serving" : "");
	else
		SYNC_LOG(INFO, "read: %u VMs served%s", names.n,
			names.auto_on ? ", and libvirt's other domains for "
			"auto-serving" : "");
	for (i = 0; i < (int)names.n; i++)
		free(names.v[i]);
	free(names.v);
	free(all);
}

/*
 * On libvirt's thread. Through @va, not a saved pointer: the first
 * events come before virt_adapter_create() has returned.
 */
static void
on_virt_event(struct virt_adapter *va, const char *name, enum virt_event ev,
		void *opaque)
{
	struct monitor *mon = opaque;

	if (ev == VIRT_EVENT_RECONNECTED || ev == VIRT_EVENT_RESYNC)
		resync_all(va, mon, ev == VIRT_EVENT_RECONNECTED);
	else
		post_virt_event(va, mon, name, ev);
}

static void
resync_soon(void *arg)
{
	virt_adapter_resync(arg);
}

/* On the loop: the hook and the adapter live until the loop ends. */
static void
set_stale_hook(struct monitor *mon, void *arg)
{
	monitor_set_stale_hook(mon, arg != NULL ? resync_soon : NULL, arg);
}

struct virt_adapter *
vm_sync_start(struct monitor *mon, const char *uri)
{
	struct virt_adapter *va = virt_adapter_create(uri, on_virt_event, mon);

	if (va == NULL) {
		SYNC_LOG(ERR, "libvirt adapter could not start: VMs cannot be "
			"added");
		return NULL;
	}
	/* libvirt says nothing of a vCPU plugged: a guest naming one
	 * has the VMs read again. Posted: the loop may not run yet. */
	if (monitor_post(mon, set_stale_hook, va) < 0)
		SYNC_LOG(WARNING, "vCPUs plugged later are seen only at the "
			"VM's next event");
	virt_adapter_resync(va);
	return va;
}

void
vm_sync_stop(struct virt_adapter *va)
{
	virt_adapter_destroy(va);
}
