/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The vmpower authors
 */

#ifndef VMP_CHANNEL_MANAGER_H
#define VMP_CHANNEL_MANAGER_H

/**
 * @file
 * The daemon's model of the world: the VMs it serves, each vCPU's pCPU set
 * and each VM's power channels (the host side of virtio-serial ports).
 *
 * Owns: VMs and channels, the channel directory, and the sockets of
 * connected channels.
 *
 * Callers: the thread that owns the daemon's state (the monitor's event
 * loop), and nobody else: there are no locks. What libvirt says arrives
 * as snapshots (libvirt_adapter.h) taken on other threads. The owner
 * learns of channels coming and going, and of VMs whose votes must be
 * dropped, through the hooks of struct chmgr_conf.
 *
 * Channels of a VM come from its domain XML (<channel type='unix'> with
 * target virtio.serial.port.poweragent.<n>), else from the convention
 * <channel_dir>/<vm>.<n>. Channel paths must be sockets, not symlinks;
 * the channel directory must belong to root (or the daemon's user) and
 * not be writable by others. At most CHMGR_MAX_CHANNELS channels a VM.
 */

#include <stdint.h>

#include "cpu_list.h"
#include "libvirt_adapter.h"

#define CHMGR_DEFAULT_DIR	"/tmp/powermonitor"
/** Channels a VM may have (a guest uses one per lcore: RTE_MAX_LCORE). */
#define CHMGR_MAX_CHANNELS	1024

struct vm;

/** Counters of one channel, kept by the monitor. */
struct channel_stats {
	uint64_t requests;
	uint64_t acks;
	uint64_t nacks;
	uint64_t errors;
};

struct vm_channel {
	struct vm *vm;
	uint32_t index;		/**< n of <vm>.<n> / poweragent.<n> */
	char *path;
	int fd;			/**< connected socket, or -1 */
	int enabled;		/**< 0: requests are NACKed, nothing changes */
	int from_xml;		/**< path came from the domain XML */
	/** The guest said on CONNECT that it takes RESYNC (the monitor's;
	 * outlives a reconnect) */
	int resync;
	int resync_dom;		/**< the VM's dom_id when it said so */
	struct channel_stats stats;
	void *priv;		/**< the monitor's per-channel state */
};

struct vm {
	char *name;
	uint32_t id;		/**< unique for the daemon's life, never 0 */
	int running;
	int dom_id;		/**< libvirt's id of the QEMU process whose
				 * channels we hold; <= 0: unknown */
	uint32_t nb_vcpus;
	struct cpu_list *pcpus;		/**< nb_vcpus pin sets */
	uint32_t nb_channels;
	struct vm_channel **channels;	/**< sorted by index; stable pointers */
	uint32_t nb_xml;
	struct virt_channel *xml;	/**< channels the domain XML declares */
	uint32_t nb_nics;
	struct virt_nic *nics;		/**< NICs of the domain XML */
	int queries_off;	/**< set_query disable: its queries get NACK */
};

/**
 * Auto-serving: every libvirt domain whose XML declares power channels is
 * served as soon as an event or a resynchronisation shows it (defined or
 * running), and its channels are connected whenever it runs. Names or
 * globs narrow the set. A VM the operator removes (chmgr_rm_vm()) stays
 * out until chmgr_add_vm() brings it back.
 */
struct chmgr_auto {
	int on;
	const char *const *names;	/**< only these (with patterns) */
	uint32_t nb_names;
	const char *const *patterns;	/**< fnmatch() globs */
	uint32_t nb_patterns;
};

struct chmgr_conf {
	const char *channel_dir;	/**< NULL: CHMGR_DEFAULT_DIR */
	/** NULL or .on = 0: only the VMs added with chmgr_add_vm(). */
	const struct chmgr_auto *auto_serve;
	/** A channel's socket connected: start watching ch->fd. @return 0,
	 * or a negative errno (logged): the channel is closed again. */
	int (*channel_up)(struct vm_channel *ch, void *opaque);
	/** ch->fd is about to close: stop watching it. */
	void (*channel_down)(struct vm_channel *ch, void *opaque);
	/** The VM stopped or is removed: drop its votes. */
	void (*vm_down)(struct vm *vm, void *opaque);
	/** vCPU @p vcpu was pinned elsewhere or unplugged: drop its votes,
	 * which give its old pCPUs back; the guest votes again on the new
	 * ones. Called before vm->pcpus changes. */
	void (*vcpu_moved)(struct vm *vm, uint32_t vcpu, void *opaque);
	void *opaque;
};

struct chmgr;

/**
 * Create the manager. The channel directory is created (mode 0755) if
 * missing; one that is a symlink, not a directory, owned by anyone but
 * root or the daemon's user, or writable by others is refused.
 * @return 0 with @p out set, or a negative errno (logged).
 */
int chmgr_create(const struct chmgr_conf *conf, struct chmgr **out);

/** Close every channel and free everything. */
void chmgr_destroy(struct chmgr *m);

/**
 * Whether @p name may name a VM: not empty, no '/' (it becomes part of a
 * channel path) and no control character (it goes into log lines).
 */
int chmgr_vm_name_ok(const char *name);

/**
 * Register a VM from its snapshot (the operator's add_vm: a VM removed
 * by chmgr_rm_vm() may be auto-served again). With auto-serving, a
 * running VM's channels from its XML are connected too.
 * @return 0, -EINVAL (name refused, see chmgr_vm_name_ok()), -EEXIST,
 *   -ENOMEM
 */
int chmgr_add_vm(struct chmgr *m, const struct virt_vm *snap);

/** Close the VM's channels, drop its votes, forget it (the operator's
 * rm_vm: auto-serving leaves it out until chmgr_add_vm()).
 * @return 0, -ENOENT */
int chmgr_rm_vm(struct chmgr *m, const char *name);

/** The registered VM @p name, or NULL. */
struct vm *chmgr_find_vm(const struct chmgr *m, const char *name);

/** Number of registered VMs, and the i-th (registration order). */
uint32_t chmgr_nb_vms(const struct chmgr *m);
struct vm *chmgr_vm_at(const struct chmgr *m, uint32_t i);

/**
 * Take a new snapshot of a registered VM: pinning, vCPUs, XML channels.
 * A VM that stopped has its channels closed and votes dropped; one that
 * started again, or that runs as a new QEMU process (another domain id),
 * has its votes dropped and the channels it had reconnected.
 * @return 0, -ENOENT (not registered) or -ENOMEM
 */
int chmgr_update_vm(struct chmgr *m, const struct virt_vm *snap);

/**
 * Apply a libvirt event to VM @p name. The event decides the lifecycle:
 * STOPPED closes the channels and drops the votes, STARTED (a new
 * process) drops the votes of any previous one and reconnects the
 * channels, REBOOTED drops the votes and keeps the channels, whatever
 * @p snap says, since @p snap is read after the event and a fast
 * restart hides in it. RECONNECTED (libvirt is back after a loss) follows
 * @p snap and reconnects the channels of a running VM that are down.
 * @p snap (pinning, channels in the XML) is the VM
 * now, or NULL when it could not be read (an undefined VM is removed).
 * With auto-serving, a VM not registered whose @p snap has power
 * channels is added (unless removed by the operator or outside the
 * names and patterns), and a running one gets its XML's channels.
 * @return 0, or -ENOENT when the VM is not registered (ignored).
 */
int chmgr_vm_event(struct chmgr *m, const char *name, enum virt_event ev,
		const struct virt_vm *snap);

/**
 * Connect the channels @p list ("all", or indexes like "0,2-3") of VM
 * @p name and hand each to the owner (channel_up).
 * A VM has CHMGR_MAX_CHANNELS channels at most: past them, -E2BIG.
 * @param err  on failure, why, for the user
 * @return number of channels connected, or a negative errno
 */
int chmgr_add_channels(struct chmgr *m, const char *name, const char *list,
		char *err, size_t err_len);

/**
 * What became of one channel of chmgr_add_channels_report(): @p ret 0
 * (connected, @p why says whether now or before) or a negative errno
 * with @p why; @p kept: the channel stays known and connects when the
 * VM (re)starts.
 */
typedef void (*chmgr_report_fn)(void *opaque, uint32_t index, int ret,
		int kept, const char *why);

/**
 * chmgr_add_channels() telling @p report each channel's outcome, not the
 * log (a command's answer says it).
 */
int chmgr_add_channels_report(struct chmgr *m, const char *name,
		const char *list, chmgr_report_fn report, void *opaque,
		char *err, size_t err_len);

/**
 * How many channels VM @p vm declares: those of its domain XML, else
 * the <channel_dir>/<vm>.<n> sockets there now; @p where says which
 * ("XML" or "directory").
 */
uint32_t chmgr_nb_declared(const struct chmgr *m, const struct vm *vm,
		const char **where);

/** Enable or disable the channels @p list ("all" or indexes). */
int chmgr_set_channel_status(struct chmgr *m, const char *name,
		const char *list, int enabled, char *err, size_t err_len);

/** The peer hung up: close the channel, keep it for reconnection. */
void chmgr_channel_closed(struct chmgr *m, struct vm_channel *ch);

/** Whether auto-serving is on. */
int chmgr_auto_on(const struct chmgr *m);

/** The channel directory in use. */
const char *chmgr_channel_dir(const struct chmgr *m);

/** Check that @p dir is safe to find channels in (see chmgr_create()). */
int chmgr_check_dir(const char *dir);

#endif /* VMP_CHANNEL_MANAGER_H */
