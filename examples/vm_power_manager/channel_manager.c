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

#include "channel_manager.h"

RTE_LOG_REGISTER(vmp_chmgr_logtype, vmpower.channel_manager, INFO);

#define CHMGR_LOG(level, fmt, ...) \
	rte_log(RTE_LOG_ ## level, vmp_chmgr_logtype, \
		"CHANNEL_MANAGER: " fmt "\n", ##__VA_ARGS__)

/* Highest channel index a list may name (guests name ports by lcore). */
#define CHANNEL_INDEX_MAX	65535

struct chmgr {
	struct chmgr_conf conf;
	char *dir;
	uint32_t nb_vms;
	uint32_t cap_vms;
	struct vm **vms;
	uint32_t next_id;
};

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
	*out = m;
	return 0;
}

static void
close_channel(struct chmgr *m, struct vm_channel *ch)
{
	if (ch->fd < 0)
		return;
	if (m->conf.channel_down != NULL)
		m->conf.channel_down(ch, m->conf.opaque);
	close(ch->fd);
	ch->fd = -1;
}

static void
free_vm(struct chmgr *m, struct vm *vm)
{
	uint32_t i;

	for (i = 0; i < vm->nb_channels; i++) {
		close_channel(m, vm->channels[i]);
		free(vm->channels[i]->path);
		free(vm->channels[i]);
	}
	for (i = 0; i < vm->nb_vcpus; i++)
		cpu_list_free(&vm->pcpus[i]);
	for (i = 0; i < vm->nb_xml; i++)
		free(vm->xml[i].path);
	free(vm->xml);
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
	uint32_t i;

	if (pcpus == NULL || xml == NULL)
		goto nomem;
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
	CHMGR_LOG(INFO, "VM %s added: %u vCPUs, %u channels in its XML, %s",
		vm->name, vm->nb_vcpus, vm->nb_xml,
		vm->running ? "running" : "not running");
	return 0;
}

static void
vm_down(struct chmgr *m, struct vm *vm)
{
	uint32_t i;

	for (i = 0; i < vm->nb_channels; i++)
		close_channel(m, vm->channels[i]);
	if (m->conf.vm_down != NULL)
		m->conf.vm_down(vm, m->conf.opaque);
}

int
chmgr_rm_vm(struct chmgr *m, const char *name)
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
		CHMGR_LOG(INFO, "VM %s removed", name);
		return 0;
	}
	CHMGR_LOG(ERR, "VM %s is not added", name);
	return -ENOENT;
}

/* Where channel @idx of @vm lives: its XML, else the directory convention. */
static int
channel_path(const struct chmgr *m, const struct vm *vm, uint32_t idx,
		char **path, int *from_xml)
{
	uint32_t i;

	for (i = 0; i < vm->nb_xml; i++)
		if (vm->xml[i].index == idx) {
			*from_xml = 1;
			*path = strdup(vm->xml[i].path);
			return *path ? 0 : -ENOMEM;
		}
	*from_xml = 0;
	return asprintf(path, "%s/%s.%u", m->dir, vm->name, idx) < 0 ?
		-ENOMEM : 0;
}

/* Connect @ch to its socket. @return 0 or a negative errno (logged). */
static int
connect_channel(struct chmgr *m, struct vm_channel *ch, char *err,
		size_t err_len)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	const char *vm = ch->vm->name;
	struct stat st;
	int fd, ret;

	if (lstat(ch->path, &st) < 0) {
		ret = -errno;
		snprintf(err, err_len, "channel %u of VM %s: %s: %s",
			ch->index, vm, ch->path, strerror(errno));
		goto fail;
	}
	if (S_ISLNK(st.st_mode) || !S_ISSOCK(st.st_mode)) {
		ret = S_ISLNK(st.st_mode) ? -ELOOP : -ENOTSOCK;
		snprintf(err, err_len, "channel %u of VM %s: %s is %s: refused",
			ch->index, vm, ch->path, S_ISLNK(st.st_mode) ?
			"a symlink" : "not a socket");
		goto fail;
	}
	if (strlen(ch->path) >= sizeof(sa.sun_path)) {
		ret = -ENAMETOOLONG;
		snprintf(err, err_len, "channel %u of VM %s: path %s is too "
			"long for a unix socket", ch->index, vm, ch->path);
		goto fail;
	}
	memcpy(sa.sun_path, ch->path, strlen(ch->path) + 1);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		ret = -errno;
		snprintf(err, err_len, "channel %u of VM %s: cannot connect "
			"to %s: %s", ch->index, vm, ch->path, strerror(errno));
		if (fd >= 0)
			close(fd);
		goto fail;
	}
	ch->fd = fd;
	/* Connected but not watched would be a channel nobody reads. */
	if (m->conf.channel_up != NULL) {
		ret = m->conf.channel_up(ch, m->conf.opaque);
		if (ret < 0) {
			ch->fd = -1;
			close(fd);
			snprintf(err, err_len, "channel %u of VM %s: cannot "
				"watch %s: %s", ch->index, vm, ch->path,
				strerror(-ret));
			goto fail;
		}
	}
	CHMGR_LOG(INFO, "channel %u of VM %s connected: %s", ch->index, vm,
		ch->path);
	return 0;
fail:
	CHMGR_LOG(ERR, "%s", err);
	return ret;
}

static struct vm_channel *
find_channel(const struct vm *vm, uint32_t idx)
{
	uint32_t i;

	for (i = 0; i < vm->nb_channels; i++)
		if (vm->channels[i]->index == idx)
			return vm->channels[i];
	return NULL;
}

/* The channel @idx of @vm, created (disconnected) if new. */
static struct vm_channel *
get_channel(struct chmgr *m, struct vm *vm, uint32_t idx, int *created)
{
	struct vm_channel *ch = find_channel(vm, idx), **grown;
	uint32_t pos;

	*created = ch == NULL;
	if (ch != NULL)
		return ch;
	ch = calloc(1, sizeof(*ch));
	grown = realloc(vm->channels, (vm->nb_channels + 1) * sizeof(*grown));
	if (ch == NULL || grown == NULL) {
		free(ch);
		if (grown != NULL)
			vm->channels = grown;
		return NULL;
	}
	vm->channels = grown;
	if (channel_path(m, vm, idx, &ch->path, &ch->from_xml) < 0) {
		free(ch);
		return NULL;
	}
	ch->vm = vm;
	ch->index = idx;
	ch->fd = -1;
	ch->enabled = 1;
	for (pos = vm->nb_channels; pos > 0 &&
			vm->channels[pos - 1]->index > idx; pos--)
		vm->channels[pos] = vm->channels[pos - 1];
	vm->channels[pos] = ch;
	vm->nb_channels++;
	return ch;
}

static void
forget_channel(struct vm *vm, struct vm_channel *ch)
{
	uint32_t i;

	for (i = 0; i < vm->nb_channels; i++)
		if (vm->channels[i] == ch)
			break;
	memmove(&vm->channels[i], &vm->channels[i + 1],
		(vm->nb_channels - i - 1) * sizeof(*vm->channels));
	vm->nb_channels--;
	free(ch->path);
	free(ch);
}

/* Indexes of <dir>/<vm>.<n> sockets, added to @l. */
static void
scan_dir(const struct chmgr *m, const struct vm *vm, struct cpu_list *l)
{
	size_t len = strlen(vm->name);
	struct dirent *de;
	DIR *d = opendir(m->dir);

	if (d == NULL)
		return;
	while ((de = readdir(d)) != NULL) {
		const char *p = de->d_name + len + 1;
		char *end;
		unsigned long idx;

		if (strncmp(de->d_name, vm->name, len) != 0 ||
				de->d_name[len] != '.' || *p < '0' || *p > '9')
			continue;
		idx = strtoul(p, &end, 10);
		if (*end == '\0' && idx <= CHANNEL_INDEX_MAX)
			cpu_list_add(l, (unsigned int)idx);
	}
	closedir(d);
}

/* Parse "all" or an index list for @vm into @l. */
static int
parse_list(const struct chmgr *m, const struct vm *vm, const char *list,
		struct cpu_list *l, char *err, size_t err_len)
{
	uint32_t i;

	if (strcmp(list, "all") != 0)
		return cpu_list_parse(l, list, CHANNEL_INDEX_MAX, err, err_len);
	if (cpu_list_init(l, 64) < 0)
		return -ENOMEM;
	for (i = 0; i < vm->nb_xml; i++)
		cpu_list_add(l, vm->xml[i].index);
	scan_dir(m, vm, l);
	for (i = 0; i < vm->nb_channels; i++)
		cpu_list_add(l, vm->channels[i]->index);
	if (cpu_list_count(l) == 0) {
		snprintf(err, err_len, "VM %s has no power channels: none in "
			"its domain XML and no %s/%s.<n> sockets", vm->name,
			m->dir, vm->name);
		cpu_list_free(l);
		return -ENOENT;
	}
	return 0;
}

static struct vm *
lookup_vm(const struct chmgr *m, const char *name, char *err, size_t len)
{
	struct vm *vm = chmgr_find_vm(m, name);

	if (vm == NULL)
		snprintf(err, len, "VM %s is not added (add_vm %s first)",
			name, name);
	return vm;
}

int
chmgr_add_channels(struct chmgr *m, const char *name, const char *list,
		char *err, size_t err_len)
{
	struct vm *vm = lookup_vm(m, name, err, err_len);
	struct cpu_list l = { 0 };
	int idx, ret, connected = 0, failed = 0;

	if (vm == NULL)
		return -ENOENT;
	ret = parse_list(m, vm, list, &l, err, err_len);
	if (ret < 0)
		return ret;
	for (idx = cpu_list_next(&l, 0); idx >= 0;
			idx = cpu_list_next(&l, (unsigned int)idx + 1)) {
		int created;
		struct vm_channel *ch;

		/* Bounded: a huge list would stall the loop and every guest. */
		if (vm->nb_channels >= CHMGR_MAX_CHANNELS &&
				find_channel(vm, (uint32_t)idx) == NULL) {
			snprintf(err, err_len, "VM %s has %d channels: no "
				"more (channel %d refused)", name,
				CHMGR_MAX_CHANNELS, idx);
			CHMGR_LOG(ERR, "%s", err);
			ret = -E2BIG;
			break;
		}
		ch = get_channel(m, vm, (uint32_t)idx, &created);
		if (ch == NULL) {
			ret = -ENOMEM;
			break;
		}
		if (ch->fd >= 0) {
			connected++;
			continue;
		}
		ret = connect_channel(m, ch, err, err_len);
		if (ret >= 0) {
			connected++;
			continue;
		}
		failed++;
		/* A VM not running keeps it, to connect when it starts. */
		if (created && vm->running)
			forget_channel(vm, ch);
	}
	cpu_list_free(&l);
	if (failed == 0 && ret >= 0)
		return connected;
	return ret < 0 ? ret : -EIO;
}

int
chmgr_set_channel_status(struct chmgr *m, const char *name, const char *list,
		int enabled, char *err, size_t err_len)
{
	struct vm *vm = lookup_vm(m, name, err, err_len);
	struct cpu_list l = { 0 };
	int idx, n = 0, ret;

	if (vm == NULL)
		return -ENOENT;
	if (strcmp(list, "all") == 0) {
		for (idx = 0; (uint32_t)idx < vm->nb_channels; idx++)
			vm->channels[idx]->enabled = enabled;
		return (int)vm->nb_channels;
	}
	ret = cpu_list_parse(&l, list, CHANNEL_INDEX_MAX, err, err_len);
	if (ret < 0)
		return ret;
	for (idx = cpu_list_next(&l, 0); idx >= 0;
			idx = cpu_list_next(&l, (unsigned int)idx + 1)) {
		struct vm_channel *ch = find_channel(vm, (uint32_t)idx);

		if (ch == NULL) {
			snprintf(err, err_len, "VM %s has no channel %d (add it "
				"with add_channels)", name, idx);
			ret = -ENOENT;
			break;
		}
		ch->enabled = enabled;
		n++;
	}
	cpu_list_free(&l);
	return ret < 0 ? ret : n;
}

void
chmgr_channel_closed(struct chmgr *m, struct vm_channel *ch)
{
	CHMGR_LOG(INFO, "channel %u of VM %s disconnected", ch->index,
		ch->vm->name);
	close_channel(m, ch);
}

/* Channels whose paths are not pinned by XML follow a changed XML. */
static void
refresh_paths(struct chmgr *m, struct vm *vm)
{
	uint32_t i;

	for (i = 0; i < vm->nb_channels; i++) {
		struct vm_channel *ch = vm->channels[i];
		char *path;
		int from_xml;

		if (channel_path(m, vm, ch->index, &path, &from_xml) < 0)
			continue;
		if (strcmp(path, ch->path) != 0 && ch->fd < 0) {
			free(ch->path);
			ch->path = path;
			ch->from_xml = from_xml;
		} else {
			free(path);
		}
	}
}

static void
reconnect_all(struct chmgr *m, struct vm *vm)
{
	char err[256];
	uint32_t i;

	for (i = 0; i < vm->nb_channels; i++)
		if (vm->channels[i]->fd < 0)
			connect_channel(m, vm->channels[i], err, sizeof(err));
}

static void
vm_started(struct chmgr *m, struct vm *vm)
{
	CHMGR_LOG(INFO, "VM %s started: reconnecting %u channels", vm->name,
		vm->nb_channels);
	vm->running = 1;
	reconnect_all(m, vm);
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
	refresh_paths(m, vm);
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

int
chmgr_vm_event(struct chmgr *m, const char *name, enum virt_event ev,
		const struct virt_vm *snap)
{
	struct vm *vm = chmgr_find_vm(m, name);
	int was_running, old_id;

	if (vm == NULL)
		return -ENOENT;
	if (ev == VIRT_EVENT_UNDEFINED && (snap == NULL || !snap->running)) {
		CHMGR_LOG(WARNING, "VM %s was undefined in libvirt: removed",
			name);
		return chmgr_rm_vm(m, name);
	}
	was_running = vm->running;
	old_id = vm->dom_id;
	switch (ev) {
	case VIRT_EVENT_STOPPED:
		/* The pinning and XML of the snapshot, not its state. */
		if (snap != NULL && take_snapshot(m, vm, snap) == 0)
			refresh_paths(m, vm);
		vm->running = was_running;
		if (was_running)
			vm_stopped(m, vm);
		vm->dom_id = -1;
		return 0;
	case VIRT_EVENT_STARTED:
		if (snap != NULL && take_snapshot(m, vm, snap) == 0)
			refresh_paths(m, vm);
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
			reconnect_all(m, vm);	/* already this process */
		return 0;
	case VIRT_EVENT_RECONNECTED:
		/* Read again after libvirt came back: converge to it. */
		if (snap == NULL)
			return 0;
		if (chmgr_update_vm(m, snap) == 0 && vm->running)
			reconnect_all(m, vm);
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
