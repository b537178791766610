/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The vmpower authors
 */

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include <libvirt/libvirt.h>
#include <libvirt/virterror.h>

#include <rte_common.h>
#include <rte_log.h>

#include "libvirt_adapter_private.h"

RTE_LOG_REGISTER(vmp_virt_logtype, vmpower.libvirt, INFO);

struct virt_adapter {
	pthread_mutex_t lock;	/* guards conn and the callback ids */
	virConnectPtr conn;
	virConnectPtr dead;	/* closed under us; released on next use */
	char *uri;		/* asked for; NULL: libvirt's default */
	int cb_ids[3];
	virt_event_cb cb;
	void *opaque;
	int logged_down;	/* "unreachable" said once per outage */
	int retry_timer;	/* reconnection timer, or -1 */
	int retry_ms;		/* its current step */
	unsigned int attempts;	/* since the connection was lost */
	int closing;		/* destroy has begun: no new connection */
	int asked;		/* the retry timer is virt_adapter_resync's */
};

/*
 * libvirt's default event loop is process-wide, and so is the one thread
 * that runs it, shared by every adapter.
 */
static struct {
	pthread_mutex_t lock;
	unsigned int users;
	int quit;
	pthread_t thread;
} evloop = { .lock = PTHREAD_MUTEX_INITIALIZER };

static pthread_once_t virt_once = PTHREAD_ONCE_INIT;
static int virt_once_ret;

/* libvirt prints every error to stderr unless told otherwise. */
static void
quiet_errors(void *opaque, virErrorPtr err)
{
	(void)opaque;
	VIRT_LOG(DEBUG, "%s", err->message ? err->message : "(no message)");
}

static void
virt_global_init(void)
{
	virSetErrorFunc(NULL, quiet_errors);
	virt_once_ret = virEventRegisterDefaultImpl();
}

static void *
evloop_main(void *arg)
{
	(void)arg;
	while (!__atomic_load_n(&evloop.quit, __ATOMIC_ACQUIRE))
		if (virEventRunDefaultImpl() < 0)
			VIRT_LOG(ERR, "event loop: %s",
				virGetLastErrorMessage());
	return NULL;
}

static void
evloop_wake(int timer, void *opaque)
{
	(void)timer;
	(void)opaque;
}

static int
evloop_get(void)
{
	int ret = 0;

	pthread_once(&virt_once, virt_global_init);
	if (virt_once_ret < 0) {
		VIRT_LOG(ERR, "cannot register libvirt's event loop: %s",
			virGetLastErrorMessage());
		return -EIO;
	}
	pthread_mutex_lock(&evloop.lock);
	if (evloop.users == 0) {
		evloop.quit = 0;
		ret = -pthread_create(&evloop.thread, NULL, evloop_main, NULL);
		if (ret == 0)
			pthread_setname_np(evloop.thread, "vmp-libvirt");
	}
	if (ret == 0)
		evloop.users++;
	pthread_mutex_unlock(&evloop.lock);
	return ret;
}

static void
evloop_put(void)
{
	int timer;

	pthread_mutex_lock(&evloop.lock);
	if (--evloop.users == 0) {
		__atomic_store_n(&evloop.quit, 1, __ATOMIC_RELEASE);
		/* A due timer makes virEventRunDefaultImpl() return. */
		timer = virEventAddTimeout(0, evloop_wake, NULL, NULL);
		pthread_join(evloop.thread, NULL);
		if (timer >= 0)
			virEventRemoveTimeout(timer);
	}
	pthread_mutex_unlock(&evloop.lock);
}

/* libvirt's event type and detail to what it means for the daemon. */
enum virt_event
virt_event_from_lifecycle(int event, int detail)
{
	switch (event) {
	case VIR_DOMAIN_EVENT_STARTED:
		/* A wakeup from S3 is the same process going on. */
		return detail == VIR_DOMAIN_EVENT_STARTED_WAKEUP ?
			VIRT_EVENT_RESUMED : VIRT_EVENT_STARTED;
	case VIR_DOMAIN_EVENT_STOPPED:
		return VIRT_EVENT_STOPPED;
	case VIR_DOMAIN_EVENT_UNDEFINED:
		return VIRT_EVENT_UNDEFINED;
	case VIR_DOMAIN_EVENT_SUSPENDED:
	case VIR_DOMAIN_EVENT_PMSUSPENDED:
	case VIR_DOMAIN_EVENT_CRASHED:
		/* Crashed and kept: the process stays; a crash that ends
		 * the process is followed by STOPPED/CRASHED. */
		return VIRT_EVENT_SUSPENDED;
	case VIR_DOMAIN_EVENT_RESUMED:
		return VIRT_EVENT_RESUMED;
	default:
		/* DEFINED, SHUTDOWN (a STOPPED follows if it ends). */
		return VIRT_EVENT_CHANGED;
	}
}

static int
on_lifecycle(virConnectPtr conn, virDomainPtr dom, int event, int detail,
		void *opaque)
{
	struct virt_adapter *va = opaque;
	enum virt_event ev = virt_event_from_lifecycle(event, detail);

	(void)conn;
	VIRT_LOG(DEBUG, "VM %s: lifecycle event %d/%d", virDomainGetName(dom),
		event, detail);
	if (va->cb != NULL)
		va->cb(va, virDomainGetName(dom), ev, va->opaque);
	return 0;
}

static void
on_reboot(virConnectPtr conn, virDomainPtr dom, void *opaque)
{
	struct virt_adapter *va = opaque;

	(void)conn;
	VIRT_LOG(DEBUG, "VM %s: guest reset", virDomainGetName(dom));
	if (va->cb != NULL)
		va->cb(va, virDomainGetName(dom), VIRT_EVENT_REBOOTED,
			va->opaque);
}

static void
on_tunable(virConnectPtr conn, virDomainPtr dom, virTypedParameterPtr params,
		int nparams, void *opaque)
{
	struct virt_adapter *va = opaque;
	int i;

	(void)conn;
	for (i = 0; i < nparams; i++)
		if (strncmp(params[i].field, "cputune.vcpupin", 15) == 0)
			break;
	if (i == nparams)
		return;
	VIRT_LOG(DEBUG, "VM %s: pinning changed", virDomainGetName(dom));
	if (va->cb != NULL)
		va->cb(va, virDomainGetName(dom), VIRT_EVENT_CHANGED,
			va->opaque);
}

static virConnectPtr get_conn_locked(struct virt_adapter *va);

/*
 * On libvirt's thread: try to reconnect; once connected (here or by any
 * other caller meanwhile), stop and tell the callback to resynchronise.
 */
static void
on_retry(int timer, void *opaque)
{
	struct virt_adapter *va = opaque;
	virConnectPtr c;
	int next, asked;

	(void)timer;
	pthread_mutex_lock(&va->lock);
	if (va->closing || va->retry_timer < 0) {
		pthread_mutex_unlock(&va->lock);
		return;
	}
	va->attempts++;
	c = get_conn_locked(va);
	if (c == NULL) {
		next = va->retry_ms * 2 > VIRT_RECONNECT_MAX_MS ?
			VIRT_RECONNECT_MAX_MS : va->retry_ms * 2;
		VIRT_LOG(WARNING, "%sconnection attempt %u to %s failed: %s; "
			"next in %d ms", va->asked ? "" : "re", va->attempts,
			virt_adapter_uri(va), virGetLastErrorMessage(), next);
		va->retry_ms = next;
		virEventUpdateTimeout(va->retry_timer, next);
		pthread_mutex_unlock(&va->lock);
		return;
	}
	virConnectClose(c);
	virEventRemoveTimeout(va->retry_timer);
	va->retry_timer = -1;
	asked = va->asked;
	if (asked)
		VIRT_LOG(INFO, "reading every VM of %s", virt_adapter_uri(va));
	else
		VIRT_LOG(WARNING, "reconnected to %s (attempt %u): "
			"resynchronising the VMs", virt_adapter_uri(va),
			va->attempts);
	va->asked = 0;
	pthread_mutex_unlock(&va->lock);
	if (va->cb != NULL)
		va->cb(va, NULL, asked ? VIRT_EVENT_RESYNC :
			VIRT_EVENT_RECONNECTED, va->opaque);
}

/* The connection is gone: forget it, start reconnecting. Locked. */
static void
lost_locked(struct virt_adapter *va, virConnectPtr conn)
{
	/* Not released here: this may run inside the connection's code. */
	if (va->conn == conn) {
		va->dead = conn;
		va->conn = NULL;
	}
	if (va->closing || va->retry_timer >= 0)
		return;
	va->attempts = 0;
	va->asked = 0;
	va->retry_ms = VIRT_RECONNECT_FIRST_MS;
	va->retry_timer = virEventAddTimeout(va->retry_ms, on_retry, va,
		NULL);
	if (va->retry_timer < 0)
		VIRT_LOG(ERR, "cannot schedule reconnection: it waits for the "
			"next use");
}

static void
on_close(virConnectPtr conn, int reason, void *opaque)
{
	struct virt_adapter *va = opaque;

	VIRT_LOG(WARNING, "connection to %s lost (reason %d): reconnecting",
		virt_adapter_uri(va), reason);
	pthread_mutex_lock(&va->lock);
	lost_locked(va, conn);
	pthread_mutex_unlock(&va->lock);
}

void
virt_adapter_resync(struct virt_adapter *va)
{
	pthread_mutex_lock(&va->lock);
	/* A reconnection under way resynchronises already. */
	if (!va->closing && va->retry_timer < 0) {
		va->attempts = 0;
		va->asked = 1;
		va->retry_ms = VIRT_RECONNECT_FIRST_MS;
		va->retry_timer = virEventAddTimeout(0, on_retry, va, NULL);
		if (va->retry_timer < 0)
			VIRT_LOG(ERR, "cannot schedule reading the VMs");
	}
	pthread_mutex_unlock(&va->lock);
}

void
virt_adapter_lose_conn(struct virt_adapter *va)
{
	pthread_mutex_lock(&va->lock);
	if (va->conn != NULL) {
		VIRT_LOG(WARNING, "connection to %s lost (test): reconnecting",
			virt_adapter_uri(va));
		virConnectUnregisterCloseCallback(va->conn, on_close);
		lost_locked(va, va->conn);
	}
	pthread_mutex_unlock(&va->lock);
}

/*
 * Let go of @c, ours: its event callbacks each hold a reference to it (a
 * lost connection kept them: its socket fd stayed open, one a libvirtd
 * restart), its close callback would take va->lock, held here. Locked.
 */
static void
drop_conn_locked(struct virt_adapter *va, virConnectPtr c)
{
	int i, refs;

	for (i = 0; i < (int)RTE_DIM(va->cb_ids); i++) {
		if (va->cb_ids[i] >= 0)
			virConnectDomainEventDeregisterAny(c, va->cb_ids[i]);
		va->cb_ids[i] = -1;
	}
	virConnectUnregisterCloseCallback(c, on_close);
	refs = virConnectClose(c);
	if (refs > 0)
		VIRT_LOG(WARNING, "connection to %s still has %d references "
			"after it was closed", virt_adapter_uri(va), refs);
}

/* Open (or reuse) the connection; a reference for the caller. Locked. */
static virConnectPtr
get_conn_locked(struct virt_adapter *va)
{
	virConnectPtr c;

	if (va->dead != NULL) {
		drop_conn_locked(va, va->dead);
		va->dead = NULL;
	}
	if (va->conn != NULL) {
		virConnectRef(va->conn);
		return va->conn;
	}
	if (va->closing)
		return NULL;
	c = virConnectOpen(va->uri);
	if (c == NULL) {
		if (!va->logged_down)
			VIRT_LOG(ERR, "libvirt is not reachable at %s: %s",
				va->uri ? va->uri : "the default URI",
				virGetLastErrorMessage());
		va->logged_down = 1;
		return NULL;
	}
	va->logged_down = 0;
	va->conn = c;
	va->cb_ids[0] = virConnectDomainEventRegisterAny(c, NULL,
		VIR_DOMAIN_EVENT_ID_LIFECYCLE,
		VIR_DOMAIN_EVENT_CALLBACK(on_lifecycle), va, NULL);
	va->cb_ids[1] = virConnectDomainEventRegisterAny(c, NULL,
		VIR_DOMAIN_EVENT_ID_TUNABLE,
		VIR_DOMAIN_EVENT_CALLBACK(on_tunable), va, NULL);
	va->cb_ids[2] = virConnectDomainEventRegisterAny(c, NULL,
		VIR_DOMAIN_EVENT_ID_REBOOT,
		VIR_DOMAIN_EVENT_CALLBACK(on_reboot), va, NULL);
	if (va->cb_ids[0] < 0)
		VIRT_LOG(WARNING, "%s: no lifecycle events (%s): VMs stopped "
			"outside the daemon go unnoticed", virConnectGetURI(c),
			virGetLastErrorMessage());
	virConnectRegisterCloseCallback(c, on_close, va, NULL);
	/* A libvirtd that stops answering (not only one that exits). */
	if (virConnectSetKeepAlive(c, VIRT_KEEPALIVE_INTERVAL,
			VIRT_KEEPALIVE_COUNT) < 0)
		VIRT_LOG(DEBUG, "no keepalive on %s: %s", virt_adapter_uri(va),
			virGetLastErrorMessage());
	VIRT_LOG(INFO, "connected to %s", va->uri ? va->uri : "libvirt");
	virConnectRef(c);
	return c;
}

virConnectPtr
virt_adapter_get_conn(struct virt_adapter *va)
{
	virConnectPtr c;

	pthread_mutex_lock(&va->lock);
	c = get_conn_locked(va);
	pthread_mutex_unlock(&va->lock);
	return c;
}

struct virt_adapter *
virt_adapter_create(const char *uri, virt_event_cb cb, void *opaque)
{
	struct virt_adapter *va = calloc(1, sizeof(*va));
	virConnectPtr c;

	if (va == NULL)
		return NULL;
	if (uri != NULL && (va->uri = strdup(uri)) == NULL) {
		free(va);
		return NULL;
	}
	pthread_mutex_init(&va->lock, NULL);
	va->cb = cb;
	va->opaque = opaque;
	va->cb_ids[0] = va->cb_ids[1] = va->cb_ids[2] = -1;
	va->retry_timer = -1;
	if (evloop_get() < 0) {
		free(va->uri);
		free(va);
		return NULL;
	}
	c = virt_adapter_get_conn(va);
	if (c != NULL)
		virConnectClose(c);
	return va;
}

void
virt_adapter_destroy(struct virt_adapter *va)
{
	if (va == NULL)
		return;
	pthread_mutex_lock(&va->lock);
	/* An event in flight may ask for a connection: none from now on. */
	va->closing = 1;
	if (va->retry_timer >= 0)
		virEventRemoveTimeout(va->retry_timer);
	va->retry_timer = -1;
	if (va->conn != NULL)
		drop_conn_locked(va, va->conn);
	va->conn = NULL;
	if (va->dead != NULL)
		drop_conn_locked(va, va->dead);
	va->dead = NULL;
	pthread_mutex_unlock(&va->lock);
	evloop_put();
	pthread_mutex_destroy(&va->lock);
	free(va->uri);
	free(va);
}

int
virt_adapter_connected(struct virt_adapter *va)
{
	virConnectPtr c = virt_adapter_get_conn(va);

	if (c == NULL)
		return 0;
	virConnectClose(c);
	return 1;
}

const char *
virt_adapter_uri(const struct virt_adapter *va)
{
	return va->uri != NULL ? va->uri : "(libvirt default)";
}

void *
virt_adapter_conn(struct virt_adapter *va)
{
	return va->conn;
}
