/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The vmpower authors
 */

/*
 * RESYNC (vmp_protocol.h): a guest that said on CONNECT that it takes it
 * is asked for its levels again whenever its channel connects anew, so a
 * daemon restart or a reconnect costs it nothing. Stock guests never get
 * it: they read fixed-size replies in order, and an unasked packet would
 * shift their stream.
 *
 * The mark lives on the channel (it outlives a reconnect) and, for the
 * next daemon, in <state_dir>/guest.<vm>.<n> holding the libvirt domain
 * id of the QEMU process whose guest said it: a VM that was restarted in
 * between may run a stock guest, so a mark from another process is
 * stale and dropped.
 */

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "channel_monitor_private.h"

static int
mark_path(const struct monitor *mon, const struct vm_channel *ch,
	char *buf, size_t len)
{
	if (mon->state_dir == NULL)
		return -ENOENT;
	if (snprintf(buf, len, "%s/guest.%s.%u", mon->state_dir,
			ch->vm->name, ch->index) >= (int)len)
		return -ENAMETOOLONG;
	return 0;
}

static void
mark_save(const struct monitor *mon, const struct vm_channel *ch)
{
	char path[PATH_MAX], line[16];
	int fd, len;

	if (mark_path(mon, ch, path, sizeof(path)) < 0)
		return;
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC,
		0644);
	len = snprintf(line, sizeof(line), "%d\n", ch->resync_dom);
	if (fd < 0 || write(fd, line, (size_t)len) != len)
		MON_LOG(WARNING, "VM %s channel %u: cannot record that its "
			"guest takes RESYNC in %s: %s (a restarted daemon "
			"will not ask it again)", ch->vm->name, ch->index,
			path, strerror(errno));
	if (fd >= 0)
		close(fd);
}

static void
mark_remove(const struct monitor *mon, const struct vm_channel *ch)
{
	char path[PATH_MAX];

	if (mark_path(mon, ch, path, sizeof(path)) == 0)
		unlink(path);
}

/* The mark a previous daemon left for this channel, if it is for the
 * QEMU process running now. */
static int
mark_load(const struct monitor *mon, const struct vm_channel *ch)
{
	char path[PATH_MAX], line[16] = "";
	ssize_t n;
	int fd;

	if (ch->vm->dom_id <= 0 ||
			mark_path(mon, ch, path, sizeof(path)) < 0)
		return 0;
	fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return 0;
	n = read(fd, line, sizeof(line) - 1);
	close(fd);
	if (n > 0 && atoi(line) == ch->vm->dom_id)
		return 1;
	unlink(path);	/* another process: its guest may be stock */
	return 0;
}

void
monitor_resync_connect(struct monitor *mon, struct chan_state *s,
		const struct vmp_proto_packet *req)
{
	struct vm_channel *ch = s->ch;
	int takes = req->unit == VMP_PROTO_CONNECT_VMPOWER;

	if (takes == ch->resync && (!takes ||
			ch->resync_dom == ch->vm->dom_id))
		return;
	ch->resync = takes;
	ch->resync_dom = ch->vm->dom_id;
	if (takes)
		mark_save(mon, ch);
	else
		mark_remove(mon, ch);
}

void
monitor_resync_up(struct monitor *mon, struct chan_state *s)
{
	struct vm_channel *ch = s->ch;
	struct vmp_proto_packet msg;

	if (ch->resync && ch->resync_dom != ch->vm->dom_id)
		ch->resync = 0;	/* a new process: it must CONNECT again */
	if (!ch->resync && mark_load(mon, ch)) {
		ch->resync = 1;
		ch->resync_dom = ch->vm->dom_id;
	}
	if (!ch->resync)
		return;
	memset(&msg, 0, sizeof(msg));
	msg.command = VMP_PROTO_RESYNC;
	monitor_queue_reply(mon, s, &msg);
	mon->st.resync_sent++;
	MON_LOG(INFO, "VM %s channel %u: connected again, guest asked for "
		"its levels (RESYNC)", ch->vm->name, ch->index);
}

void
monitor_resync_forget(struct monitor *mon, struct vm *vm)
{
	uint32_t i;

	for (i = 0; i < vm->nb_channels; i++) {
		if (!vm->channels[i]->resync)
			continue;
		vm->channels[i]->resync = 0;
		mark_remove(mon, vm->channels[i]);
	}
}
