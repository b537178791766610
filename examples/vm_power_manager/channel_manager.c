/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The vmpower authors
 */

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <rte_log.h>

#include "channel_manager_private.h"

/*
 * The VM registry (add, remove, find) and each VM's lifecycle, from
 * libvirt's snapshots and events. The channels themselves are in
 * channel_manager_channels.c.
 */

RTE_LOG_REGISTER(vmp_chmgr_logtype, vmpower.channel_manager, INFO);

int
chmgr_check_dir(const char *dir)
{
	struct stat st;

	if (lstat(dir, &st) < 0) {
		if (errno != ENOENT) {
			CHMGR_LOG(ERR, "channel directory %s: %s", dir,
				strerror(errno));
			return -errno;
		}
		if (mkdir(dir, 0755) < 0 && errno != EEXIST) {
			CHMGR_LOG(ERR, "cannot create channel directory %s: %s",
				dir, strerror(errno));
			return -errno;
		}
		if (lstat(dir, &st) < 0)
			return -errno;
	}
	if (S_ISLNK(st.st_mode)) {
		CHMGR_LOG(ERR, "channel directory %s is a symlink: refused",
			dir);
		return -ELOOP;
	}
	if (!S_ISDIR(st.st_mode)) {
		CHMGR_LOG(ERR, "channel directory %s is not a directory", dir);
		return -ENOTDIR;
	}
	if (st.st_uid != 0 && st.st_uid != geteuid()) {
		CHMGR_LOG(ERR, "channel directory %s is owned by uid %u: its "
			"owner could plant a channel there; chown it to root",
			dir, (unsigned int)st.st_uid);
		return -EPERM;
	}
	if (st.st_mode & S_IWOTH) {
		CHMGR_LOG(ERR, "channel directory %s is writable by others "
			"(mode %04o): anyone could plant a channel there; "
			"chmod o-w it", dir, st.st_mode & 07777);
		return -EPERM;
	}
	return 0;
}

int
chmgr_create(const struct chmgr_conf *conf, struct chmgr **out)
{
	struct chmgr *m = calloc(1, sizeof(*m));
	const char *dir = conf->channel_dir ? conf->channel_dir :
		CHMGR_DEFAULT_DIR;
	int ret;

	if (m == NULL)
		return -ENOMEM;
	ret = chmgr_check_dir(dir);
	if (ret < 0) {
		free(m);
		return ret;
	}
	m->conf = *conf;
	m->dir = strdup(dir);
	if (m->dir == NULL) {
		free(m);
		return -ENOMEM;
	}
	m->next_id = 1;
	ret = chmgr_auto_init(m, conf->auto_serve);
	if (ret < 0) {
		chmgr_destroy(m);
		return ret;
	}
	*out = m;
	return 0;
}

static void
free_vm(struct chmgr *m, struct vm *vm)
{
	uint32_t i;

	for (i = 0; i < vm->nb_channels; i++) {
		chmgr_close_channel(m, vm->channels[i]);
		free(vm->channels[i]->path);
		free(vm->channels[i]);
	}
	for (i = 0; i < vm->nb_vcpus; i++)
		cpu_list_free(&vm->pcpus[i]);
	for (i = 0; i < vm->nb_xml; i++)
		free(vm->xml[i].path);
	free(vm->xml);
	free(vm->nics);
	free(vm->pcpus);
	free(vm->channels);
	free(vm->name);
	free(vm);
}

void
chmgr_destroy(struct chmgr *m)
{
	uint32_t i;

	if (m == NULL)
		return;
	for (i = 0; i < m->nb_vms; i++)
		free_vm(m, m->vms[i]);
	free(m->vms);
	free(m->dir);
	chmgr_auto_free(m);
	free(m);
}

struct vm *
chmgr_find_vm(const struct chmgr *m, const char *name)
{
	uint32_t i;

	for (i = 0; i < m->nb_vms; i++)
		if (strcmp(m->vms[i]->name, name) == 0)
			return m->vms[i];
	return NULL;
}

uint32_t
chmgr_nb_vms(const struct chmgr *m)
{
	return m->nb_vms;
}

struct vm *
chmgr_vm_at(const struct chmgr *m, uint32_t i)
{
	return i < m->nb_vms ? m->vms[i] : NULL;
}

const char *
chmgr_channel_dir(const struct chmgr *m)
{
	return m->dir;
}

/*
 * Copy pinning and XML channels of @snap into @vm (replacing them). With
 * @m, a vCPU whose pin set changes or that is gone loses its votes.
 */
static int
take_snapshot(struct chmgr *m, struct vm *vm, const struct virt_vm *snap)
{
	struct cpu_list *pcpus = calloc(snap->nb_vcpus ? snap->nb_vcpus : 1,
		sizeof(*pcpus));
	struct virt_channel *xml = calloc(snap->nb_channels ?
		snap->nb_channels : 1, sizeof(*xml));
	struct virt_nic *nics = calloc(snap->nb_nics ? snap->nb_nics : 1,
		sizeof(*nics));
	uint32_t i;

	if (pcpus == NULL || xml == NULL || nics == NULL)
		goto nomem;
	if (snap->nb_nics > 0)
		memcpy(nics, snap->nics, snap->nb_nics * sizeof(*nics));
	for (i = 0; i < snap->nb_vcpus; i++)
		if (cpu_list_copy(&pcpus[i], &snap->pcpus[i]) < 0)
			goto nomem;
	for (i = 0; i < snap->nb_channels; i++) {
		xml[i].index = snap->channels[i].index;
		xml[i].path = strdup(snap->channels[i].path);
		if (xml[i].path == NULL)
			goto nomem;
	}
	for (i = 0; m != NULL && i < vm->nb_vcpus; i++) {
		if (i < snap->nb_vcpus && cpu_list_equal(&vm->pcpus[i],
				&pcpus[i]))
			continue;
		CHMGR_LOG(INFO, "VM %s: vCPU %u %s: its votes dropped",
			vm->name, i, i < snap->nb_vcpus ? "re-pinned" :
			"unplugged");
		if (m->conf.vcpu_moved != NULL)
			m->conf.vcpu_moved(vm, i, m->conf.opaque);
	}
	for (i = 0; i < vm->nb_vcpus; i++)
		cpu_list_free(&vm->pcpus[i]);
	for (i = 0; i < vm->nb_xml; i++)
		free(vm->xml[i].path);
	free(vm->pcpus);
	free(vm->xml);
	free(vm->nics);
	vm->nics = nics;
	vm->nb_nics = snap->nb_nics;
	vm->pcpus = pcpus;
	vm->nb_vcpus = snap->nb_vcpus;
	vm->xml = xml;
	vm->nb_xml = snap->nb_channels;
	vm->running = snap->running;
	vm->dom_id = snap->running ? snap->id : -1;
	return 0;
nomem:
	if (pcpus != NULL)
		for (i = 0; i < snap->nb_vcpus; i++)
			cpu_list_free(&pcpus[i]);
	if (xml != NULL)
		for (i = 0; i < snap->nb_channels; i++)
			free(xml[i].path);
	free(pcpus);
	free(xml);
	free(nics);
	return -ENOMEM;
}

int
chmgr_vm_name_ok(const char *name)
{
	const unsigned char *p = (const unsigned char *)name;

	if (*p == '\0')
		return 0;
	/* A path component (<dir>/<name>.<n>) and one log line, no more. */
	for (; *p != '\0'; p++)
		if (*p == '/' || *p < 0x20 || *p == 0x7f)
			return 0;
	return 1;
}

int
chmgr_add_vm(struct chmgr *m, const struct virt_vm *snap)
{
	int ret;

	chmgr_auto_removed(m, snap->name, 0);
	ret = chmgr_register_vm(m, snap);
	if (ret == 0 && m->auto_on)
		chmgr_connect_xml(m, chmgr_find_vm(m, snap->name));
	return ret;
}

int
chmgr_register_vm(struct chmgr *m, const struct virt_vm *snap)
{
	struct vm *vm;

	if (!chmgr_vm_name_ok(snap->name)) {
		CHMGR_LOG(ERR, "VM name refused: empty, or holds '/' or a "
			"control character");
		return -EINVAL;
	}
	if (chmgr_find_vm(m, snap->name) != NULL) {
		CHMGR_LOG(ERR, "VM %s is already added", snap->name);
		return -EEXIST;
	}
	if (m->nb_vms == m->cap_vms) {
		uint32_t cap = m->cap_vms ? m->cap_vms * 2 : 8;
		struct vm **vms = realloc(m->vms, cap * sizeof(*vms));

		if (vms == NULL)
			return -ENOMEM;
		m->vms = vms;
		m->cap_vms = cap;
	}
	vm = calloc(1, sizeof(*vm));
	if (vm == NULL || (vm->name = strdup(snap->name)) == NULL ||
			take_snapshot(NULL, vm, snap) < 0) {
		if (vm != NULL)
			free(vm->name);
		free(vm);
		return -ENOMEM;
	}
	vm->id = m->next_id++;
	m->vms[m->nb_vms++] = vm;
	/* The command that added it says so: no log line. */
	CHMGR_LOG(DEBUG, "VM %s added: %u vCPUs, %u channels in its XML, %s",
		vm->name, vm->nb_vcpus, vm->nb_xml,
		vm->running ? "running" : "not running");
	return 0;
}

static void
vm_down(struct chmgr *m, struct vm *vm)
{
	uint32_t i;

	for (i = 0; i < vm->nb_channels; i++)
		chmgr_close_channel(m, vm->channels[i]);
	if (m->conf.vm_down != NULL)
		m->conf.vm_down(vm, m->conf.opaque);
}

int
chmgr_rm_vm(struct chmgr *m, const char *name)
{
	int ret = chmgr_remove_vm(m, name);

	if (ret == 0)
		chmgr_auto_removed(m, name, 1);
	return ret;
}

int
chmgr_remove_vm(struct chmgr *m, const char *name)
{
	uint32_t i;

	for (i = 0; i < m->nb_vms; i++) {
		struct vm *vm = m->vms[i];

		if (strcmp(vm->name, name) != 0)
			continue;
		vm_down(m, vm);
		memmove(&m->vms[i], &m->vms[i + 1],
			(m->nb_vms - i - 1) * sizeof(*m->vms));
		m->nb_vms--;
		free_vm(m, vm);
		CHMGR_LOG(DEBUG, "VM %s removed", name);
		return 0;
	}
	CHMGR_LOG(DEBUG, "VM %s is not added", name);
	return -ENOENT;
}


static void
vm_started(struct chmgr *m, struct vm *vm)
{
	CHMGR_LOG(INFO, "VM %s started: reconnecting %u channels", vm->name,
		vm->nb_channels);
	vm->running = 1;
	chmgr_reconnect_all(m, vm);
}

static void
vm_stopped(struct chmgr *m, struct vm *vm)
{
	CHMGR_LOG(INFO, "VM %s stopped: channels closed, votes dropped",
		vm->name);
	vm->running = 0;
	vm->dom_id = -1;
	vm_down(m, vm);
}

int
chmgr_update_vm(struct chmgr *m, const struct virt_vm *snap)
{
	struct vm *vm = chmgr_find_vm(m, snap->name);
	int was_running, old_id, ret;

	if (vm == NULL)
		return -ENOENT;
	was_running = vm->running;
	old_id = vm->dom_id;
	ret = take_snapshot(m, vm, snap);
	if (ret < 0)
		return ret;
	chmgr_refresh_paths(m, vm);
	if (was_running && !vm->running) {
		vm->running = 1;
		vm_stopped(m, vm);
	} else if (!was_running && vm->running) {
		vm_started(m, vm);
	} else if (vm->running && old_id > 0 && vm->dom_id > 0 &&
			old_id != vm->dom_id) {
		/* Stopped and started again since we last looked. */
		CHMGR_LOG(INFO, "VM %s runs as a new process (id %d, was %d)",
			vm->name, vm->dom_id, old_id);
		vm_stopped(m, vm);
		vm->dom_id = snap->id;
		vm_started(m, vm);
	}
	return 0;
}

static int
vm_event(struct chmgr *m, const char *name, enum virt_event ev,
		const struct virt_vm *snap)
{
	struct vm *vm = chmgr_find_vm(m, name);
	int was_running, old_id;

	if (vm == NULL)
		return -ENOENT;
	if (ev == VIRT_EVENT_UNDEFINED && (snap == NULL || !snap->running)) {
		CHMGR_LOG(WARNING, "VM %s was undefined in libvirt: removed",
			name);
		return chmgr_remove_vm(m, name);
	}
	was_running = vm->running;
	old_id = vm->dom_id;
	switch (ev) {
	case VIRT_EVENT_STOPPED:
		/* The pinning and XML of the snapshot, not its state. */
		if (snap != NULL && take_snapshot(m, vm, snap) == 0)
			chmgr_refresh_paths(m, vm);
		vm->running = was_running;
		if (was_running)
			vm_stopped(m, vm);
		vm->dom_id = -1;
		return 0;
	case VIRT_EVENT_STARTED:
		if (snap != NULL && take_snapshot(m, vm, snap) == 0)
			chmgr_refresh_paths(m, vm);
		vm->running = was_running;
		if (was_running && (snap == NULL || snap->id <= 0 ||
				snap->id != old_id)) {
			/* The stop went unseen (or came too late to read). */
			CHMGR_LOG(INFO, "VM %s restarted: the old process's "
				"votes are dropped", name);
			vm_stopped(m, vm);
		}
		vm->dom_id = snap != NULL && snap->running ? snap->id : -1;
		if (!vm->running)
			vm_started(m, vm);
		else
			chmgr_reconnect_all(m, vm);	/* already this process */
		return 0;
	case VIRT_EVENT_RECONNECTED:
		/* Read again after libvirt came back: converge to it. */
		if (snap == NULL)
			return 0;
		if (chmgr_update_vm(m, snap) == 0 && vm->running)
			chmgr_reconnect_all(m, vm);
		return 0;
	case VIRT_EVENT_REBOOTED:
		if (snap != NULL)
			chmgr_update_vm(m, snap);
		if (vm->running) {
			CHMGR_LOG(INFO, "VM %s was reset: votes dropped, "
				"channels kept", name);
			if (m->conf.vm_down != NULL)
				m->conf.vm_down(vm, m->conf.opaque);
		}
		return 0;
	default:
		/* Same process (or only its config): follow the snapshot. */
		return snap != NULL ? chmgr_update_vm(m, snap) : 0;
	}
}

int
chmgr_vm_event(struct chmgr *m, const char *name, enum virt_event ev,
		const struct virt_vm *snap)
{
	int ret = vm_event(m, name, ev, snap);

	if (m->auto_on && ev != VIRT_EVENT_UNDEFINED)
		chmgr_auto_event(m, name, snap);
	return ret;
}
