/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The vmpower authors
 */

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_errno.h>
#include <rte_ip.h>
#include <rte_lpm.h>

#include "l3fwd_log.h"
#include "options.h"
#include "routes.h"

struct route {
	uint32_t ip;		/* host order */
	uint8_t depth;
	uint16_t port;
};

struct route_list {
	struct route *r;
	unsigned int nb;
};

static int
route_push(struct route_list *l, uint32_t ip, uint8_t depth, uint16_t port)
{
	struct route *grown = realloc(l->r, (l->nb + 1) * sizeof(*grown));

	if (grown == NULL)
		return -ENOMEM;
	l->r = grown;
	l->r[l->nb++] = (struct route){ .ip = ip, .depth = depth,
		.port = port };
	return 0;
}

/*
 * 198.18.<port>.0. Not RTE_IPV4(): DPDK 22.11's shifts an int, so an
 * octet of 128 or more overflows it (UBSan stops there).
 */
#define ROUTE_198_18(port) ((uint32_t)198 << 24 | (uint32_t)18 << 16 | \
	((uint32_t)(port) & 0xff) << 8)

/* Upstream's: 1.1.1.0/24 -> 0 ... 8.1.1.0/24 -> 7. */
#define UPSTREAM_ROUTES	8

static int
upstream_routes(struct route_list *l)
{
	uint32_t n;

	for (n = 0; n < UPSTREAM_ROUTES; n++)
		if (route_push(l, (n + 1) << 24 | 1u << 16 | 1u << 8, 24,
				(uint16_t)n) < 0)
			return -ENOMEM;
	return 0;
}

static int
default_routes(struct route_list *l, uint64_t portmask)
{
	unsigned int port;

	for (port = 0; port < PORTMASK_BITS; port++)
		if (portmask_has(portmask, port) &&
				route_push(l, ROUTE_198_18(port), 24,
					(uint16_t)port) < 0)
			return -ENOMEM;
	return 0;
}

/* "A.B.C.D/LEN PORT" with optional blanks; the comment is cut already. */
static int
parse_route(char *line, uint32_t *ip, uint8_t *depth, uint16_t *port)
{
	char addr[INET_ADDRSTRLEN], extra;
	unsigned int len, p;
	struct in_addr in;

	if (sscanf(line, " %15[0-9.]/%u %u %c", addr, &len, &p, &extra) != 3)
		return -EINVAL;
	if (inet_pton(AF_INET, addr, &in) != 1 || len < 1 || len > 32 ||
			p > UINT16_MAX)
		return -EINVAL;
	*ip = ntohl(in.s_addr);
	*depth = (uint8_t)len;
	*port = (uint16_t)p;
	return 0;
}

static int
file_routes(struct route_list *l, const char *file, uint64_t portmask)
{
	FILE *f = fopen(file, "r");
	char *line = NULL;
	size_t cap = 0;
	unsigned int lineno = 0;
	int ret = 0;

	if (f == NULL) {
		ret = -errno;
		L3FWD_LOG(ERR, "route file %s: %s", file, strerror(errno));
		return ret;
	}
	while (ret == 0 && getline(&line, &cap, f) != -1) {
		char *hash = strchr(line, '#'), *s = line;
		uint32_t ip;
		uint8_t depth;
		uint16_t port;

		lineno++;
		if (hash != NULL)
			*hash = '\0';
		while (isspace((unsigned char)*s))
			s++;
		if (*s == '\0')
			continue;
		if (parse_route(s, &ip, &depth, &port) < 0) {
			L3FWD_LOG(ERR, "route file %s:%u: expected "
				"\"A.B.C.D/LEN PORT\"", file, lineno);
			ret = -EINVAL;
		} else if (!portmask_has(portmask, port)) {
			L3FWD_LOG(ERR, "route file %s:%u: port %u is not in "
				"the port mask", file, lineno, port);
			ret = -EINVAL;
		} else {
			ret = route_push(l, ip, depth, port);
		}
	}
	free(line);
	fclose(f);
	if (ret == 0 && l->nb == 0) {
		L3FWD_LOG(ERR, "route file %s has no route", file);
		ret = -EINVAL;
	}
	return ret;
}

static const char *
routes_source(const struct app_options *o)
{
	if (o->route_file != NULL)
		return o->route_file;
	return o->routes == ROUTES_UPSTREAM ? "upstream's table" :
		"the built-in table";
}

struct rte_lpm *
routes_create(const struct app_options *o, int socket_id)
{
	struct route_list l = { NULL, 0 };
	struct rte_lpm_config conf = { 0 };
	struct rte_lpm *lpm = NULL;
	unsigned int i, long_prefixes = 0;
	char name[32];
	int ret;

	if (o->route_file != NULL)
		ret = file_routes(&l, o->route_file, o->portmask);
	else if (o->routes == ROUTES_UPSTREAM)
		ret = upstream_routes(&l);
	else
		ret = default_routes(&l, o->portmask);
	if (ret < 0)
		goto out;
	/* Each prefix longer than /24 may need a tbl8 group of its own. */
	for (i = 0; i < l.nb; i++)
		long_prefixes += l.r[i].depth > 24;
	conf.max_rules = l.nb;
	conf.number_tbl8s = long_prefixes > 0 ? long_prefixes : 1;
	snprintf(name, sizeof(name), "l3fwd_power_routes_%d", socket_id);
	lpm = rte_lpm_create(name, socket_id, &conf);
	if (lpm == NULL) {
		ret = -rte_errno;
		L3FWD_LOG(ERR, "cannot create the route table: %s",
			rte_strerror(rte_errno));
		goto out;
	}
	for (i = 0; i < l.nb; i++) {
		const struct route *r = &l.r[i];

		ret = rte_lpm_add(lpm, r->ip, r->depth, r->port);
		if (ret < 0) {
			L3FWD_LOG(ERR, "cannot add route %u.%u.%u.%u/%u: %s",
				r->ip >> 24, (r->ip >> 16) & 0xff,
				(r->ip >> 8) & 0xff, r->ip & 0xff, r->depth,
				strerror(-ret));
			rte_lpm_free(lpm);
			lpm = NULL;
			goto out;
		}
		L3FWD_LOG(DEBUG, "route %u.%u.%u.%u/%u -> port %u",
			r->ip >> 24, (r->ip >> 16) & 0xff, (r->ip >> 8) & 0xff,
			r->ip & 0xff, r->depth, r->port);
	}
	L3FWD_LOG(INFO, "socket %d: %u routes from %s", socket_id, l.nb,
		routes_source(o));
out:
	free(l.r);
	if (lpm == NULL)
		rte_errno = ret < 0 ? -ret : EINVAL;
	return lpm;
}

void
routes_free(struct rte_lpm *lpm)
{
	rte_lpm_free(lpm);
}
