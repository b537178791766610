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
};

/* Closes @ch if open, telling the loop first (conf.channel_down). */
void chmgr_close_channel(struct chmgr *m, struct vm_channel *ch);

/* Channels not pinned by the VM's XML follow a changed XML. */
void chmgr_refresh_paths(struct chmgr *m, struct vm *vm);

/* Connects again every channel of @vm that is down; errors are logged. */
void chmgr_reconnect_all(struct chmgr *m, struct vm *vm);

#endif /* VMP_CHANNEL_MANAGER_PRIVATE_H */
