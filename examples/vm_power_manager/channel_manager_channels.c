/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The vmpower authors
 */

#include <errno.h>
#include <fcntl.h>
#include <dirent.h>
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
 * The channels of the channel manager's VMs: where each one lives (XML or
 * directory), connecting, enabling and forgetting them. The VM registry
 * and the lifecycle are in channel_manager.c.
 */

/* Highest channel index a list may name (guests name ports by lcore). */
#define CHANNEL_INDEX_MAX	65535

/* Closes @ch (telling the loop first); its state stays for a reconnect. */
void
chmgr_close_channel(struct chmgr *m, struct vm_channel *ch)
{
	if (ch->fd < 0)
		return;
	if (m->conf.channel_down != NULL)
		m->conf.channel_down(ch, m->conf.opaque);
	close(ch->fd);
	ch->fd = -1;
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

/*
 * Connect @ch to its socket. @return 0 or a negative errno, logged when
 * @log (an event); a command's caller reports it instead.
 */
static int
connect_channel(struct chmgr *m, struct vm_channel *ch, char *err,
		size_t err_len, int log)
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
	if (log)
		CHMGR_LOG(INFO, "channel %u of VM %s connected: %s",
			ch->index, vm, ch->path);
	return 0;
fail:
	if (log)
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

uint32_t
chmgr_nb_declared(const struct chmgr *m, const struct vm *vm,
		const char **where)
{
	struct cpu_list l = { 0 };
	uint32_t n;

	*where = "XML";
	if (vm->nb_xml > 0)
		return vm->nb_xml;
	*where = "directory";
	if (cpu_list_init(&l, 64) < 0)
		return 0;
	scan_dir(m, vm, &l);
	n = (uint32_t)cpu_list_count(&l);
	cpu_list_free(&l);
	return n;
}

int
chmgr_add_channels(struct chmgr *m, const char *name, const char *list,
		char *err, size_t err_len)
{
	return chmgr_add_channels_report(m, name, list, NULL, NULL, err,
		err_len);
}

int
chmgr_add_channels_report(struct chmgr *m, const char *name,
		const char *list, chmgr_report_fn report, void *opaque,
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
			if (report != NULL)
				report(opaque, (uint32_t)idx, 0, 1,
					"already connected");
			continue;
		}
		ret = connect_channel(m, ch, err, err_len, report == NULL);
		if (ret >= 0) {
			connected++;
			if (report != NULL)
				report(opaque, (uint32_t)idx, 0, 1, "connected");
			continue;
		}
		failed++;
		/* A VM not running keeps it, to connect when it starts. */
		if (created && vm->running)
			forget_channel(vm, ch);
		if (report != NULL)
			report(opaque, (uint32_t)idx, ret, !vm->running ||
				!created, err);
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
	chmgr_close_channel(m, ch);
}

/* Channels whose paths are not pinned by XML follow a changed XML. */
void
chmgr_refresh_paths(struct chmgr *m, struct vm *vm)
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

/* Connects again every channel of @vm that is down. */
void
chmgr_reconnect_all(struct chmgr *m, struct vm *vm)
{
	char err[256];
	uint32_t i;

	for (i = 0; i < vm->nb_channels; i++)
		if (vm->channels[i]->fd < 0)
			connect_channel(m, vm->channels[i], err, sizeof(err),
				1);
}

/* Auto-serving: the XML's channels @vm lacks, connected; one that fails
 * is forgotten, to be tried again at the VM's next event. */
void
chmgr_connect_xml(struct chmgr *m, struct vm *vm)
{
	struct vm_channel *ch;
	char err[256];
	uint32_t i;
	int created;

	for (i = 0; vm != NULL && vm->running && i < vm->nb_xml; i++) {
		if (find_channel(vm, vm->xml[i].index) != NULL ||
				vm->nb_channels >= CHMGR_MAX_CHANNELS)
			continue;
		ch = get_channel(m, vm, vm->xml[i].index, &created);
		if (ch != NULL && connect_channel(m, ch, err, sizeof(err),
				1) < 0)
			forget_channel(vm, ch);
	}
}
