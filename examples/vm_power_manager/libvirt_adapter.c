/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The vmpower authors
 */

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include <libvirt/libvirt.h>
#include <libvirt/virterror.h>
#include <libxml/parser.h>
#include <libxml/xpath.h>

#include <rte_common.h>
#include <rte_log.h>

#include "libvirt_adapter.h"

RTE_LOG_REGISTER(vmp_virt_logtype, vmpower.libvirt, INFO);

#define VIRT_LOG(level, fmt, ...) \
	rte_log(RTE_LOG_ ## level, vmp_virt_logtype, \
		"LIBVIRT: " fmt "\n", ##__VA_ARGS__)

#define PORT_PREFIX	"virtio.serial.port.poweragent."

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
	int next;

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
		VIRT_LOG(WARNING, "reconnection attempt %u to %s failed: %s; "
			"next in %d ms", va->attempts, virt_adapter_uri(va),
			virGetLastErrorMessage(), next);
		va->retry_ms = next;
		virEventUpdateTimeout(va->retry_timer, next);
		pthread_mutex_unlock(&va->lock);
		return;
	}
	virConnectClose(c);
	virEventRemoveTimeout(va->retry_timer);
	va->retry_timer = -1;
	VIRT_LOG(WARNING, "reconnected to %s (attempt %u): resynchronising "
		"the VMs", virt_adapter_uri(va), va->attempts);
	pthread_mutex_unlock(&va->lock);
	if (va->cb != NULL)
		va->cb(va, NULL, VIRT_EVENT_RECONNECTED, va->opaque);
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

/* Open (or reuse) the connection; a reference for the caller. Locked. */
static virConnectPtr
get_conn_locked(struct virt_adapter *va)
{
	virConnectPtr c;

	if (va->dead != NULL) {
		/* Its close callback would take va->lock, held here. */
		virConnectUnregisterCloseCallback(va->dead, on_close);
		virConnectClose(va->dead);
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

static virConnectPtr
get_conn(struct virt_adapter *va)
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
	c = get_conn(va);
	if (c != NULL)
		virConnectClose(c);
	return va;
}

void
virt_adapter_destroy(struct virt_adapter *va)
{
	int i;

	if (va == NULL)
		return;
	pthread_mutex_lock(&va->lock);
	/* An event in flight may ask for a connection: none from now on. */
	va->closing = 1;
	if (va->retry_timer >= 0)
		virEventRemoveTimeout(va->retry_timer);
	va->retry_timer = -1;
	if (va->conn != NULL) {
		for (i = 0; i < (int)RTE_DIM(va->cb_ids); i++)
			if (va->cb_ids[i] >= 0)
				virConnectDomainEventDeregisterAny(va->conn,
					va->cb_ids[i]);
		virConnectUnregisterCloseCallback(va->conn, on_close);
		virConnectClose(va->conn);
		va->conn = NULL;
	}
	if (va->dead != NULL) {
		virConnectUnregisterCloseCallback(va->dead, on_close);
		virConnectClose(va->dead);
	}
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
	virConnectPtr c = get_conn(va);

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

static int
host_cpus(virConnectPtr c)
{
	virNodeInfo info;
	int n = virNodeGetCPUMap(c, NULL, NULL, 0);

	if (n > 0)
		return n;
	if (virNodeGetInfo(c, &info) < 0)
		return -EIO;
	return (int)VIR_NODEINFO_MAXCPUS(info);
}

int
virt_adapter_host_cpus(struct virt_adapter *va)
{
	virConnectPtr c = get_conn(va);
	int n;

	if (c == NULL)
		return -ENOTCONN;
	n = host_cpus(c);
	virConnectClose(c);
	return n;
}

void
virt_vm_free(struct virt_vm *vm)
{
	uint32_t i;

	if (vm->pcpus != NULL)
		for (i = 0; i < vm->nb_vcpus; i++)
			cpu_list_free(&vm->pcpus[i]);
	for (i = 0; i < vm->nb_channels; i++)
		free(vm->channels[i].path);
	free(vm->pcpus);
	free(vm->channels);
	free(vm->name);
	memset(vm, 0, sizeof(*vm));
}

/* Domain @name on a connection of the caller's (closed by it, if set). */
static virDomainPtr
find_domain(struct virt_adapter *va, const char *name, virConnectPtr *c,
		int *ret)
{
	virDomainPtr dom;

	*c = get_conn(va);
	if (*c == NULL) {
		VIRT_LOG(ERR, "VM %s: libvirt is not reachable at %s", name,
			virt_adapter_uri(va));
		*ret = -ENOTCONN;
		return NULL;
	}
	dom = virDomainLookupByName(*c, name);
	if (dom == NULL) {
		*ret = virGetLastErrorCode() == VIR_ERR_NO_DOMAIN ?
			-ENOENT : -EIO;
		VIRT_LOG(ERR, "VM %s: %s", name, *ret == -ENOENT ?
			"no such domain in libvirt" :
			virGetLastErrorMessage());
	}
	return dom;
}

static int
read_pinning(virDomainPtr dom, int nb_host, struct virt_vm *vm)
{
	int maplen = VIR_CPU_MAPLEN(nb_host);
	unsigned char *maps;
	uint32_t v;
	int n;

	maps = calloc(vm->nb_vcpus, (size_t)maplen);
	vm->pcpus = calloc(vm->nb_vcpus, sizeof(*vm->pcpus));
	if (maps == NULL || vm->pcpus == NULL) {
		free(maps);
		return -ENOMEM;
	}
	n = virDomainGetVcpuPinInfo(dom, (int)vm->nb_vcpus, maps, maplen,
		VIR_DOMAIN_AFFECT_CURRENT);
	if (n < 0) {
		VIRT_LOG(ERR, "VM %s: cannot read vCPU pinning: %s", vm->name,
			virGetLastErrorMessage());
		free(maps);
		return -EIO;
	}
	for (v = 0; v < vm->nb_vcpus; v++)
		if (cpu_list_from_map(&vm->pcpus[v],
				VIR_GET_CPUMAP(maps, maplen, v),
				(size_t)maplen) < 0) {
			free(maps);
			return -ENOMEM;
		}
	free(maps);
	return 0;
}

int
virt_adapter_get_vm(struct virt_adapter *va, const char *name,
		struct virt_vm *vm)
{
	virConnectPtr c = NULL;
	virDomainPtr dom;
	virDomainInfo info;
	char *xml = NULL;
	int ret, nb_host, state, reason;

	memset(vm, 0, sizeof(*vm));
	dom = find_domain(va, name, &c, &ret);
	if (dom == NULL)
		goto out;
	ret = -ENOMEM;
	vm->name = strdup(name);
	if (vm->name == NULL)
		goto out;
	ret = -EIO;
	nb_host = host_cpus(c);
	if (virDomainGetInfo(dom, &info) < 0 || nb_host <= 0 ||
			virDomainGetState(dom, &state, &reason, 0) < 0) {
		VIRT_LOG(ERR, "VM %s: cannot read domain info: %s", name,
			virGetLastErrorMessage());
		goto out;
	}
	vm->running = state == VIR_DOMAIN_RUNNING ||
		state == VIR_DOMAIN_PAUSED || state == VIR_DOMAIN_BLOCKED;
	vm->id = vm->running ? (int)virDomainGetID(dom) : -1;
	vm->nb_vcpus = info.nrVirtCpu;
	ret = read_pinning(dom, nb_host, vm);
	if (ret < 0)
		goto out;
	xml = virDomainGetXMLDesc(dom, 0);
	if (xml == NULL) {
		VIRT_LOG(ERR, "VM %s: cannot read domain XML: %s", name,
			virGetLastErrorMessage());
		ret = -EIO;
		goto out;
	}
	ret = virt_parse_channels(xml, &vm->channels, &vm->nb_channels);
	if (ret < 0)
		VIRT_LOG(ERR, "VM %s: domain XML does not parse", name);
out:
	free(xml);
	if (dom != NULL)
		virDomainFree(dom);
	if (c != NULL)
		virConnectClose(c);
	if (ret < 0)
		virt_vm_free(vm);
	return ret;
}

int
virt_adapter_pin(struct virt_adapter *va, const char *name, uint32_t vcpu,
		const struct cpu_list *pcpus)
{
	virConnectPtr c = NULL;
	virDomainPtr dom;
	unsigned char *map = NULL;
	unsigned int flags = 0;
	int ret, nb_host, maplen, state, reason;

	dom = find_domain(va, name, &c, &ret);
	if (dom == NULL)
		goto out;
	nb_host = host_cpus(c);
	maplen = VIR_CPU_MAPLEN(nb_host > 0 ? nb_host : 1);
	map = calloc(1, (size_t)maplen);
	if (map == NULL || nb_host <= 0 ||
			cpu_list_to_map(pcpus, map, (size_t)maplen) < 0) {
		VIRT_LOG(ERR, "VM %s: CPU set does not fit the host's %d CPUs",
			name, nb_host);
		ret = -ERANGE;
		goto out;
	}
	/* Pin the running VM and its saved config, so a restart keeps it. */
	if (virDomainGetState(dom, &state, &reason, 0) == 0 &&
			state != VIR_DOMAIN_SHUTOFF &&
			virDomainIsPersistent(dom) == 1)
		flags = VIR_DOMAIN_AFFECT_LIVE | VIR_DOMAIN_AFFECT_CONFIG;
	ret = virDomainPinVcpuFlags(dom, vcpu, map, maplen, flags);
	if (ret < 0 && flags != 0) {
		int code = virGetLastErrorCode();

		/* Some drivers (test://) take only the current state. */
		if (code == VIR_ERR_INVALID_ARG || code == VIR_ERR_NO_SUPPORT ||
				code == VIR_ERR_ARGUMENT_UNSUPPORTED) {
			VIRT_LOG(DEBUG, "VM %s: driver refused live+config "
				"pinning, pinning the current state", name);
			ret = virDomainPinVcpuFlags(dom, vcpu, map, maplen,
				VIR_DOMAIN_AFFECT_CURRENT);
		}
	}
	if (ret < 0) {
		VIRT_LOG(ERR, "VM %s: libvirt refused to pin vCPU %u: %s",
			name, vcpu, virGetLastErrorMessage());
		ret = -EPERM;
	}
out:
	free(map);
	if (dom != NULL)
		virDomainFree(dom);
	if (c != NULL)
		virConnectClose(c);
	return ret;
}

static int
cmp_channel(const void *a, const void *b)
{
	const struct virt_channel *x = a, *y = b;

	return x->index < y->index ? -1 : x->index > y->index;
}

/* "virtio.serial.port.poweragent.<n>" -> n, or -1. */
static int64_t
port_index(const char *name)
{
	const char *p = name + strlen(PORT_PREFIX);
	char *end;
	unsigned long v;

	if (strncmp(name, PORT_PREFIX, strlen(PORT_PREFIX)) != 0 ||
			*p < '0' || *p > '9')
		return -1;
	errno = 0;
	v = strtoul(p, &end, 10);
	if (errno != 0 || *end != '\0' || v > UINT32_MAX)
		return -1;
	return (int64_t)v;
}

int
virt_parse_channels(const char *xml, struct virt_channel **out, uint32_t *nb)
{
	xmlDocPtr doc;
	xmlXPathContextPtr xp = NULL;
	xmlXPathObjectPtr res = NULL;
	struct virt_channel *ch = NULL;
	uint32_t n = 0;
	int i, ret = 0;

	*out = NULL;
	*nb = 0;
	doc = xmlReadMemory(xml, (int)strlen(xml), "domain.xml", NULL,
		XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
	if (doc == NULL)
		return -EINVAL;
	xp = xmlXPathNewContext(doc);
	if (xp != NULL)
		res = xmlXPathEvalExpression((const xmlChar *)
			"/domain/devices/channel[@type='unix']", xp);
	if (res == NULL) {
		ret = -ENOMEM;
		goto out;
	}
	for (i = 0; res->nodesetval && i < res->nodesetval->nodeNr; i++) {
		xmlNodePtr node = res->nodesetval->nodeTab[i], c;
		xmlChar *path = NULL, *name = NULL;
		int64_t idx = -1;

		for (c = node->children; c != NULL; c = c->next) {
			if (c->type != XML_ELEMENT_NODE)
				continue;
			if (xmlStrEqual(c->name, BAD_CAST "source") &&
					path == NULL)
				path = xmlGetProp(c, BAD_CAST "path");
			else if (xmlStrEqual(c->name, BAD_CAST "target") &&
					name == NULL)
				name = xmlGetProp(c, BAD_CAST "name");
		}
		if (name != NULL)
			idx = port_index((const char *)name);
		if (idx >= 0 && path != NULL && path[0] != '\0') {
			struct virt_channel *grown = realloc(ch,
				(n + 1) * sizeof(*ch));

			if (grown == NULL ||
					(grown[n].path = strdup(
					(const char *)path)) == NULL) {
				ch = grown != NULL ? grown : ch;
				ret = -ENOMEM;
			} else {
				ch = grown;
				ch[n++].index = (uint32_t)idx;
			}
		}
		xmlFree(path);
		xmlFree(name);
		if (ret < 0)
			break;
	}
out:
	xmlXPathFreeObject(res);
	xmlXPathFreeContext(xp);
	xmlFreeDoc(doc);
	if (ret < 0) {
		while (n > 0)
			free(ch[--n].path);
		free(ch);
		return ret;
	}
	if (n > 1)
		qsort(ch, n, sizeof(*ch), cmp_channel);
	*out = ch;
	*nb = n;
	return 0;
}
