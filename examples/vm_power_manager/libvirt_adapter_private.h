/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The vmpower authors
 */

#ifndef VMP_LIBVIRT_ADAPTER_PRIVATE_H
#define VMP_LIBVIRT_ADAPTER_PRIVATE_H

/*
 * Shared by the adapter's two files only: libvirt_adapter.c (connection,
 * events, reconnection) and libvirt_domains.c (domain queries and pinning).
 * Everyone else uses libvirt_adapter.h.
 */

#include <libvirt/libvirt.h>
#include <rte_log.h>

#include "libvirt_adapter.h"

extern int vmp_virt_logtype;

#define VIRT_LOG(level, fmt, ...) \
	rte_log(RTE_LOG_ ## level, vmp_virt_logtype, \
		"LIBVIRT: " fmt "\n", ##__VA_ARGS__)

/*
 * The live connection (opened if need be, unless the adapter is being
 * destroyed), with a reference the caller drops by virConnectClose();
 * NULL when libvirt is not reachable. Any thread.
 */
virConnectPtr virt_adapter_get_conn(struct virt_adapter *va);

#endif /* VMP_LIBVIRT_ADAPTER_PRIVATE_H */
