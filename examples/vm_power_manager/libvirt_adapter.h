/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The vmpower authors
 */

#ifndef VMP_LIBVIRT_ADAPTER_H
#define VMP_LIBVIRT_ADAPTER_H

/**
 * @file
 * The daemon's only contact with libvirt.
 *
 * Owns: the libvirt connection, libvirt's event loop thread and the
 * translation of a domain into a plain snapshot (vCPU pin sets, power
 * channels from the domain XML). Nothing here keeps daemon state.
 *
 * Callers: any thread but the channel monitor's loop, since libvirt calls
 * may be slow (the CLI thread, and the event callback, which runs on the
 * adapter's own thread). The adapter is safe to call from several threads.
 * Results travel to the loop as snapshots.
 */

#include <stdint.h>

#include "cpu_list.h"

struct virt_adapter;

/** One power channel a domain's XML declares. */
struct virt_channel {
	uint32_t index;		/**< n of virtio.serial.port.poweragent.<n> */
	char *path;		/**< host side: the unix socket QEMU binds */
};

/** A NIC of a domain, from its XML (<interface>): what a policy names. */
struct virt_nic {
	uint8_t mac[6];		/**< <mac address=...> */
	uint8_t hostdev;	/**< a passed-through VF: libvirt counts nothing */
	char dev[16];		/**< <target dev=...> on the host, or "" */
};

/** What the daemon needs to know of a domain, at one moment. */
struct virt_vm {
	char *name;
	int running;		/**< 1: running or paused; 0: shut off etc. */
	int id;			/**< libvirt's domain id: new on every start
				 * (one QEMU process); -1 when not running */
	uint32_t nb_vcpus;
	struct cpu_list *pcpus;	/**< nb_vcpus pin sets, vCPU order */
	uint32_t nb_channels;
	struct virt_channel *channels;	/**< sorted by index */
	uint32_t nb_nics;
	struct virt_nic *nics;		/**< XML order */
};

/**
 * What happened to a domain, decided from libvirt's event type and detail
 * (not from a later re-read, which a fast restart would hide).
 */
enum virt_event {
	/** A new QEMU process: booted, restored, migrated in. */
	VIRT_EVENT_STARTED,
	/** The QEMU process is gone: shut off, destroyed, crashed and
	 * stopped, saved, migrated out. */
	VIRT_EVENT_STOPPED,
	VIRT_EVENT_UNDEFINED,	/**< gone from libvirt */
	VIRT_EVENT_CHANGED,	/**< pinning or config may have changed */
	/** Paused, crashed-and-kept, or running again (same process). */
	VIRT_EVENT_SUSPENDED,
	VIRT_EVENT_RESUMED,
	/** The guest was reset inside the same process (virsh reset,
	 * reboot): its channels stay, its votes are stale. */
	VIRT_EVENT_REBOOTED,
	/** The connection was lost and is back (@p vm_name is NULL):
	 * everything may have changed meanwhile; read every VM again. */
	VIRT_EVENT_RECONNECTED,
	/** virt_adapter_resync() asked, and libvirt is reachable (@p
	 * vm_name is NULL): read every VM. */
	VIRT_EVENT_RESYNC,
};

/**
 * Called on the adapter's event thread (or, for the first events, inside
 * virt_adapter_create()); must not block for long. @p va is the adapter
 * the event came through, usable even before virt_adapter_create()
 * has returned.
 */
typedef void (*virt_event_cb)(struct virt_adapter *va, const char *vm_name,
		enum virt_event ev, void *opaque);

/**
 * Create the adapter and try to connect.
 *
 * @param uri  libvirt URI, or NULL for libvirt's default (which honours
 *   LIBVIRT_DEFAULT_URI)
 * @param cb   receives domain events, or NULL
 * @return the adapter (even if libvirt is not reachable yet: later calls
 *   retry and say why they fail), or NULL when out of memory or libvirt's
 *   event loop cannot start.
 */
struct virt_adapter *virt_adapter_create(const char *uri, virt_event_cb cb,
		void *opaque);

/**
 * A lost connection (libvirt's close callback; keepalive finds a peer
 * that stopped answering) is reopened on libvirt's thread with backoff:
 * VIRT_RECONNECT_FIRST_MS, doubling up to VIRT_RECONNECT_MAX_MS. Each
 * attempt that fails is logged; the success is announced to the callback
 * as VIRT_EVENT_RECONNECTED. Nothing is polled while connected.
 */
#define VIRT_RECONNECT_FIRST_MS	250
#define VIRT_RECONNECT_MAX_MS	16000
/** Keepalive: a probe every this many seconds, this many unanswered. */
#define VIRT_KEEPALIVE_INTERVAL	5
#define VIRT_KEEPALIVE_COUNT	3

/** Stop the event thread, close the connection, free. */
void virt_adapter_destroy(struct virt_adapter *va);

/** Whether a connection is open now (tries to open one if not). */
int virt_adapter_connected(struct virt_adapter *va);

/** The URI actually connected to, or the one asked for. */
const char *virt_adapter_uri(const struct virt_adapter *va);

/** Number of host CPUs libvirt reports, or <0 if unknown. */
int virt_adapter_host_cpus(struct virt_adapter *va);

/**
 * Snapshot domain @p name into @p vm (free with virt_vm_free()).
 * @return 0; -ENOTCONN (libvirt unreachable), -ENOENT (no such domain),
 *   or another -errno. The reason is logged with the VM's name.
 */
int virt_adapter_get_vm(struct virt_adapter *va, const char *name,
		struct virt_vm *vm);

/**
 * Pin vCPU @p vcpu of @p name to @p pcpus in libvirt, live and in the
 * persistent config where the driver takes that, else as the driver
 * allows (the test driver takes live only).
 * @return 0, or a negative errno with libvirt's refusal logged.
 */
int virt_adapter_pin(struct virt_adapter *va, const char *name,
		uint32_t vcpu, const struct cpu_list *pcpus);

/**
 * Packets through NIC @p dev (its MAC "52:54:00:..", or its host device)
 * of domain @p name, both directions, as libvirt counts them
 * (virDomainInterfaceStats). Blocks on libvirt: never on the loop.
 * @return 0, -ENOTCONN, -ENOENT (no such domain), -ENODATA (no counters:
 *   a passed-through VF, or no such NIC), -ESRCH (the domain is not
 *   running: it stopped between the event and this read)
 */
int virt_adapter_iface_packets(struct virt_adapter *va, const char *name,
		const char *dev, uint64_t *packets);

/**
 * The names of every domain libvirt has (running or not) in @p names,
 * NULL-terminated; each and the array are the caller's to free (an
 * entry may be NULL when out of memory).
 * @return how many, or a negative errno.
 */
int virt_adapter_list_names(struct virt_adapter *va, char ***names);

/**
 * Have the callback resynchronise, as after a reconnection: on libvirt's
 * thread, in order with the events, once connected (attempts back off
 * as after a loss: a libvirtd not up yet is waited for). The daemon
 * calls it at start.
 */
void virt_adapter_resync(struct virt_adapter *va);

/** Free what virt_adapter_get_vm() filled. */
void virt_vm_free(struct virt_vm *vm);

/**
 * Find the power channels in a domain's XML: every <channel type='unix'>
 * whose target name is virtio.serial.port.poweragent.<n>.
 * @return 0 with @p out/@p nb filled (free each path and the array), or a
 *   negative errno for XML that does not parse.
 */
int virt_parse_channels(const char *xml, struct virt_channel **out,
		uint32_t *nb);

/**
 * The <interface> elements of a domain XML that have a MAC address.
 * @return 0 with @p out (the caller frees it) and @p nb, -EINVAL (the XML
 *   does not parse) or -ENOMEM
 */
int virt_parse_nics(const char *xml, struct virt_nic **out, uint32_t *nb);

/**
 * What a libvirt lifecycle event (VIR_DOMAIN_EVENT_* type and detail)
 * means for the daemon; the adapter delivers this.
 */
enum virt_event virt_event_from_lifecycle(int event, int detail);

/**
 * Tests: behave as when libvirt closed the connection under us (the test
 * driver never does).
 */
void virt_adapter_lose_conn(struct virt_adapter *va);

/** libvirt's connection, for tests that act as the hypervisor's user. */
void *virt_adapter_conn(struct virt_adapter *va);

#endif /* VMP_LIBVIRT_ADAPTER_H */
