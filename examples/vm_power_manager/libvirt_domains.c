/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The vmpower authors
 */

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <libvirt/libvirt.h>
#include <libvirt/virterror.h>
#include <libxml/parser.h>
#include <libxml/xpath.h>

#include <rte_common.h>
#include <rte_log.h>

#include "libvirt_adapter_private.h"

/*
 * What the adapter reads and changes in libvirt's domains: host CPUs, a
 * VM's state, pinning and power channels, and vCPU pinning. The
 * connection, its events and reconnection are in libvirt_adapter.c.
 */

#define PORT_PREFIX	"virtio.serial.port.poweragent."

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
	virConnectPtr c = virt_adapter_get_conn(va);
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
	free(vm->nics);
	free(vm->name);
	memset(vm, 0, sizeof(*vm));
}

/* Domain @name on a connection of the caller's (closed by it, if set). */
static virDomainPtr
find_domain(struct virt_adapter *va, const char *name, virConnectPtr *c,
		int *ret)
{
	virDomainPtr dom;

	*c = virt_adapter_get_conn(va);
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
	if (ret == 0)
		ret = virt_parse_nics(xml, &vm->nics, &vm->nb_nics);
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

/* A domain XML and the nodes of one XPath expression in it. */
struct xml_query {
	xmlDocPtr doc;
	xmlXPathContextPtr xp;
	xmlXPathObjectPtr res;
};

static void
xml_query_close(struct xml_query *q)
{
	xmlXPathFreeObject(q->res);
	xmlXPathFreeContext(q->xp);
	xmlFreeDoc(q->doc);
}

/* @return 0, -EINVAL (not XML) or -ENOMEM; closed on failure. */
static int
xml_query_open(struct xml_query *q, const char *xml, const char *expr)
{
	q->xp = NULL;
	q->res = NULL;
	q->doc = xmlReadMemory(xml, (int)strlen(xml), "domain.xml", NULL,
		XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
	if (q->doc == NULL)
		return -EINVAL;
	q->xp = xmlXPathNewContext(q->doc);
	if (q->xp != NULL)
		q->res = xmlXPathEvalExpression((const xmlChar *)expr, q->xp);
	if (q->res == NULL) {
		xml_query_close(q);
		return -ENOMEM;
	}
	return 0;
}

int
virt_parse_channels(const char *xml, struct virt_channel **out, uint32_t *nb)
{
	struct xml_query q;
	struct virt_channel *ch = NULL;
	uint32_t n = 0;
	int i, ret = 0;

	*out = NULL;
	*nb = 0;
	ret = xml_query_open(&q, xml, "/domain/devices/channel[@type='unix']");
	if (ret < 0)
		return ret;
	for (i = 0; q.res->nodesetval && i < q.res->nodesetval->nodeNr; i++) {
		xmlNodePtr node = q.res->nodesetval->nodeTab[i], c;
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
	xml_query_close(&q);
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

/* One <interface>: its MAC, whether it is a VF, its host device. */
static int
parse_nic(xmlNodePtr node, struct virt_nic *nic)
{
	xmlChar *type = xmlGetProp(node, BAD_CAST "type"), *v;
	xmlNodePtr c;
	unsigned int b[6];
	int found = 0, i;

	memset(nic, 0, sizeof(*nic));
	nic->hostdev = type != NULL && xmlStrEqual(type, BAD_CAST "hostdev");
	xmlFree(type);
	for (c = node->children; c != NULL; c = c->next) {
		if (c->type != XML_ELEMENT_NODE)
			continue;
		if (xmlStrEqual(c->name, BAD_CAST "mac") && !found) {
			v = xmlGetProp(c, BAD_CAST "address");
			found = v != NULL && sscanf((const char *)v,
				"%2x:%2x:%2x:%2x:%2x:%2x", &b[0], &b[1], &b[2],
				&b[3], &b[4], &b[5]) == 6;
			xmlFree(v);
		} else if (xmlStrEqual(c->name, BAD_CAST "target")) {
			v = xmlGetProp(c, BAD_CAST "dev");
			if (v != NULL)
				snprintf(nic->dev, sizeof(nic->dev), "%s",
					(const char *)v);
			xmlFree(v);
		}
	}
	for (i = 0; found && i < 6; i++)
		nic->mac[i] = (uint8_t)b[i];
	return found;
}

int
virt_parse_nics(const char *xml, struct virt_nic **out, uint32_t *nb)
{
	struct xml_query q;
	struct virt_nic *nics = NULL;
	uint32_t n = 0;
	int i, ret = 0;

	*out = NULL;
	*nb = 0;
	ret = xml_query_open(&q, xml, "/domain/devices/interface");
	if (ret < 0)
		return ret;
	if (q.res->nodesetval != NULL && q.res->nodesetval->nodeNr > 0) {
		nics = calloc((size_t)q.res->nodesetval->nodeNr, sizeof(*nics));
		if (nics == NULL)
			ret = -ENOMEM;
	}
	for (i = 0; nics != NULL && i < q.res->nodesetval->nodeNr; i++)
		if (parse_nic(q.res->nodesetval->nodeTab[i], &nics[n]))
			n++;
	xml_query_close(&q);
	if (ret < 0 || n == 0) {
		free(nics);
		return ret;
	}
	*out = nics;
	*nb = n;
	return 0;
}

int
virt_adapter_iface_packets(struct virt_adapter *va, const char *name,
		const char *dev, uint64_t *packets)
{
	virDomainInterfaceStatsStruct st;
	virConnectPtr c = NULL;
	virDomainPtr dom;
	int ret = 0;

	dom = find_domain(va, name, &c, &ret);
	if (dom != NULL) {
		if (virDomainInterfaceStats(dom, dev, &st, sizeof(st)) < 0) {
			VIRT_LOG(DEBUG, "VM %s NIC %s: no counters: %s", name,
				dev, virGetLastErrorMessage());
			/* A VM that just stopped is not a NIC without
			 * counters: its STOPPED event is on the way. */
			ret = virDomainIsActive(dom) == 0 ? -ESRCH : -ENODATA;
		} else if (st.rx_packets < 0 || st.tx_packets < 0) {
			ret = -ENODATA;
		} else {
			*packets = (uint64_t)st.rx_packets +
				(uint64_t)st.tx_packets;
		}
		virDomainFree(dom);
	}
	if (c != NULL)
		virConnectClose(c);
	return ret;
}

int
virt_adapter_list_names(struct virt_adapter *va, char ***names)
{
	virConnectPtr c = virt_adapter_get_conn(va);
	virDomainPtr *doms = NULL;
	int i, n;

	*names = NULL;
	if (c == NULL)
		return -ENOTCONN;
	n = virConnectListAllDomains(c, &doms, 0);
	if (n < 0) {
		virConnectClose(c);
		return -EIO;
	}
	*names = calloc((size_t)n + 1, sizeof(**names));
	for (i = 0; i < n; i++) {
		if (*names != NULL)
			(*names)[i] = strdup(virDomainGetName(doms[i]));
		virDomainFree(doms[i]);
	}
	free(doms);
	virConnectClose(c);
	return *names != NULL ? n : -ENOMEM;
}
