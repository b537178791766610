/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The vmpower authors
 */

#ifndef VMP_CHANNEL_MANAGER_PRIVATE_H
#define VMP_CHANNEL_MANAGER_PRIVATE_H

/*
 * Shared by the channel manager's two files only: channel_manager.c (the
 * VM registry and lifecycle) and channel_manager_channels.c (the channels
 * of each VM). Everyone else uses channel_manager.h.
 */

#include <stdint.h>

#include <rte_log.h>

#include "channel_manager.h"

extern int vmp_chmgr_logtype;

#define CHMGR_LOG(level, fmt, ...) \
	rte_log(RTE_LOG_ ## level, vmp_chmgr_logtype, \
		"CHANNEL_MANAGER: " fmt "\n", ##__VA_ARGS__)

struct chmgr {
	struct chmgr_conf conf;
	char *dir;
	uint32_t nb_vms;
	uint32_t cap_vms;
	struct vm **vms;
	uint32_t next_id;
	/* auto-serving (channel_manager_auto.c) */
	int auto_on;
	char **names, **patterns, **removed;
	uint32_t nb_names, nb_patterns, nb_removed;
};

/* Closes @ch if open, telling the loop first (conf.channel_down). */
void chmgr_close_channel(struct chmgr *m, struct vm_channel *ch);

/* Channels not pinned by the VM's XML follow a changed XML. */
void chmgr_refresh_paths(struct chmgr *m, struct vm *vm);

/* Connects again every channel of @vm that is down; errors are logged. */
void chmgr_reconnect_all(struct chmgr *m, struct vm *vm);

/* Connects the channels of @vm's XML it does not have yet. */
void chmgr_connect_xml(struct chmgr *m, struct vm *vm);

/* Forget @name's VM: channels closed, votes dropped. @return 0, -ENOENT */
int chmgr_remove_vm(struct chmgr *m, const char *name);

/* Register a VM from @snap, whoever asks. @return as chmgr_add_vm(). */
int chmgr_register_vm(struct chmgr *m, const struct virt_vm *snap);

/* channel_manager_auto.c: copy the policy. @return 0 or -ENOMEM. */
int chmgr_auto_init(struct chmgr *m, const struct chmgr_auto *a);
void chmgr_auto_free(struct chmgr *m);
/* The operator removed @name, or added it back. */
void chmgr_auto_removed(struct chmgr *m, const char *name, int removed);
/* After an event: serve @snap's VM if it is for us (it is not
 * registered), or connect a served VM's channels. */
void chmgr_auto_event(struct chmgr *m, const char *name,
	const struct virt_vm *snap);

#endif /* VMP_CHANNEL_MANAGER_PRIVATE_H */
