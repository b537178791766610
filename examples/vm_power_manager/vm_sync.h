/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The vmpower authors
 */

#ifndef VMP_VM_SYNC_H
#define VMP_VM_SYNC_H

/*
 * Keeps the channel manager in step with libvirt: each domain event is
 * read into a snapshot on libvirt's thread and applied on the loop, in
 * order; at start and after each reconnection every VM served is read
 * again and, with auto-serving, every domain libvirt has.
 *
 * Owns: the libvirt adapter (created and destroyed here) and the jobs
 * it posts to the loop. Called by the daemon's main and by tests.
 */

struct monitor;
struct virt_adapter;

/**
 * Connect to libvirt at @p uri (NULL: libvirt's default) and follow its
 * events into @p mon's channel manager; a first resynchronisation is
 * scheduled (see virt_adapter_resync()). @p mon's loop must run.
 * @return the adapter, or NULL (logged): no VM can be served.
 */
struct virt_adapter *vm_sync_start(struct monitor *mon, const char *uri);

/** Stop following libvirt and destroy the adapter; NULL is a no-op. */
void vm_sync_stop(struct virt_adapter *va);

#endif /* VMP_VM_SYNC_H */
