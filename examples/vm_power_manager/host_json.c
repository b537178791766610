/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The vmpower authors
 */

/*
 * Upstream's JSON commands into our packets (host_json.h). jansson does
 * the syntax; this file the keys, strictly: upstream logs and ignores an
 * unknown key and reads a wrong type as 0, we refuse both, naming them.
 */

#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include <jansson.h>

#include <vmp_protocol_policy.h>

#include "host_json.h"

/* Bytes of a UTF-8 character after its first one, at most. */
#define UTF8_CUT	3

/* Where a key may appear. */
#define IN_INSTR	1u
#define IN_POLICY	2u

/* A parse in progress. */
struct jctx {
	struct vmp_proto_packet *pkt;
	const char *obj;	/* "instruction" or "policy" */
	uint32_t cpu;		/* the stream's, or HOST_JSON_ANY_CPU */
	int has_unit;
	int has_resource;
	int has_cores;
	int has_avg;
	int has_max;
	char *why;
	size_t whylen;
};

static int
refuse(struct jctx *c, const char *fmt, ...)
{
	va_list ap;
	int n = 0;

	if (c->why == NULL || c->whylen == 0)
		return -EINVAL;
	if (c->obj != NULL)
		n = snprintf(c->why, c->whylen, "%s.", c->obj);
	if (n < 0 || (size_t)n >= c->whylen)
		n = 0;
	va_start(ap, fmt);
	vsnprintf(c->why + n, c->whylen - n, fmt, ap);
	va_end(ap);
	return -EINVAL;
}

static const char *
type_str(const json_t *v)
{
	static const char *const types[] = {
		[JSON_OBJECT] = "an object", [JSON_ARRAY] = "an array",
		[JSON_STRING] = "a string", [JSON_INTEGER] = "an integer",
		[JSON_REAL] = "a real number", [JSON_TRUE] = "true",
		[JSON_FALSE] = "false", [JSON_NULL] = "null",
	};

	return types[json_typeof(v)];
}

/* The string value of @key, refused unless a string of at most @max. */
static int
get_string(struct jctx *c, const char *key, const json_t *v, size_t max,
		const char **out)
{
	*out = "";
	if (!json_is_string(v))
		return refuse(c, "%s: %s, not a string", key, type_str(v));
	if (json_string_length(v) > max)
		return refuse(c, "%s: %zu bytes, longer than %zu", key,
			json_string_length(v), max);
	*out = json_string_value(v);
	return 0;
}

/* An integer in [lo, hi]; @key names it in the reason. */
static int
get_int(struct jctx *c, const char *key, const json_t *v, json_int_t lo,
		json_int_t hi, json_int_t *out)
{
	json_int_t n;

	if (!json_is_integer(v))
		return refuse(c, "%s: %s, not an integer", key, type_str(v));
	n = json_integer_value(v);
	if (n < lo || n > hi)
		return refuse(c, "%s: %lld out of range %lld to %lld", key,
			(long long)n, (long long)lo, (long long)hi);
	*out = n;
	return 0;
}

/* One of @names (a NULL-terminated list, values its index + @base). */
static int
get_enum(struct jctx *c, const char *key, const json_t *v,
		const char *const *names, uint32_t base, uint32_t *out)
{
	const char *s;
	unsigned int i;
	int ret = get_string(c, key, v, 32, &s);

	if (ret < 0)
		return ret;
	for (i = 0; names[i] != NULL; i++)
		if (strcmp(s, names[i]) == 0) {
			*out = base + i;
			return 0;
		}
	return refuse(c, "%s: unknown value \"%s\"", key, s);
}

/* A host CPU a FIFO may name: its own; any other stream: any. */
static int
check_cpu(struct jctx *c, const char *key, json_int_t n)
{
	if (c->cpu != HOST_JSON_ANY_CPU && n != (json_int_t)c->cpu)
		return refuse(c, "%s: CPU %lld is not this channel's CPU %u",
			key, (long long)n, c->cpu);
	return 0;
}

static int
key_command(struct jctx *c, const char *key, const json_t *v)
{
	const char *s;
	int ret = get_string(c, key, v, 32, &s);

	if (ret < 0)
		return ret;
	/* Upstream's code wants lower case, its guide writes upper. */
	if (strcmp(c->obj, "instruction") == 0) {
		if (strcasecmp(s, "power") == 0) {
			c->pkt->command = VMP_PROTO_CPU_POWER;
			return 0;
		}
		return refuse(c, "%s: \"%s\" is not \"power\"", key, s);
	}
	if (strcasecmp(s, "create") == 0)
		c->pkt->command = VMP_PROTO_POLICY;
	else if (strcasecmp(s, "destroy") == 0)
		c->pkt->command = VMP_PROTO_POLICY_REMOVE;
	else
		return refuse(c, "%s: \"%s\" is neither \"create\" nor "
			"\"destroy\"", key, s);
	return 0;
}

static int
key_name(struct jctx *c, const char *key, const json_t *v)
{
	const char *s;

	/* Upstream ignores it; the peer's identity is what counts. */
	return get_string(c, key, v, VMP_PROTO_NAME_SZ, &s);
}

static int
key_unit(struct jctx *c, const char *key, const json_t *v)
{
	/* VMP_PROTO_SCALE_UP (1) to VMP_PROTO_DISABLE_TURBO (6), in order. */
	static const char *const units[] = { "SCALE_UP", "SCALE_DOWN",
		"SCALE_MAX", "SCALE_MIN", "ENABLE_TURBO", "DISABLE_TURBO",
		NULL };

	c->has_unit = 1;
	return get_enum(c, key, v, units, VMP_PROTO_SCALE_UP, &c->pkt->unit);
}

static int
key_resource_id(struct jctx *c, const char *key, const json_t *v)
{
	json_int_t n = 0;
	int ret = get_int(c, key, v, 0, UINT32_MAX - 1, &n);

	if (ret < 0)
		return ret;
	ret = check_cpu(c, key, n);
	if (ret < 0)
		return ret;
	c->pkt->resource_id = (uint64_t)n;
	c->has_resource = 1;
	return 0;
}

static int
key_policy_type(struct jctx *c, const char *key, const json_t *v)
{
	/* DPDK's enum rte_power_policy order (VMP_PROTO_POLICY_*). */
	static const char *const types[] = { "TRAFFIC", "TIME", "WORKLOAD",
		"BRANCH_RATIO", NULL };

	return get_enum(c, key, v, types, 0, &c->pkt->policy_to_use);
}

static int
key_workload(struct jctx *c, const char *key, const json_t *v)
{
	static const char *const levels[] = { "HIGH", "MEDIUM", "LOW", NULL };

	return get_enum(c, key, v, levels, VMP_PROTO_WL_HIGH,
		&c->pkt->workload);
}

/* An array of at most @max entries; @key names it in the reason. */
static int
get_array(struct jctx *c, const char *key, const json_t *v, size_t max)
{
	if (!json_is_array(v))
		return refuse(c, "%s: %s, not an array", key, type_str(v));
	if (json_array_size(v) > max)
		return refuse(c, "%s: %zu entries, more than %zu", key,
			json_array_size(v), max);
	return 0;
}

static int
key_hours(struct jctx *c, const char *key, const json_t *v)
{
	int32_t *list = c->pkt->timer_policy + (strcmp(key, "busy_hours") ?
		VMP_PROTO_QUIET_HOURS : VMP_PROTO_BUSY_HOURS);
	char what[32];
	json_int_t h = 0;
	size_t i;
	int ret = get_array(c, key, v, VMP_PROTO_HOURS);

	for (i = 0; ret == 0 && i < json_array_size(v); i++) {
		snprintf(what, sizeof(what), "%s[%zu]", key, i);
		ret = get_int(c, what, json_array_get(v, i), 0, 23, &h);
		list[i] = (int32_t)h;
	}
	return ret;
}

static int
key_core_list(struct jctx *c, const char *key, const json_t *v)
{
	char what[32];
	json_int_t n = 0;
	size_t i, k;
	int ret = get_array(c, key, v, VMP_PROTO_POLICY_VCPUS);

	if (ret == 0 && json_array_size(v) == 0)
		return refuse(c, "%s: empty", key);
	for (i = 0; ret == 0 && i < json_array_size(v); i++) {
		snprintf(what, sizeof(what), "%s[%zu]", key, i);
		/* vcpu_to_control is 8 bits wide. */
		ret = get_int(c, what, json_array_get(v, i), 0, UINT8_MAX, &n);
		if (ret == 0)
			ret = check_cpu(c, what, n);
		for (k = 0; ret == 0 && k < i; k++)
			if (c->pkt->vcpu_to_control[k] == n)
				ret = refuse(c, "%s: CPU %lld named twice",
					what, (long long)n);
		c->pkt->vcpu_to_control[i] = (uint8_t)n;
	}
	c->pkt->num_vcpu = (uint8_t)json_array_size(v);
	c->has_cores = 1;
	return ret;
}

static int
hexval(int ch)
{
	if (ch >= '0' && ch <= '9')
		return ch - '0';
	ch = tolower(ch);
	return ch >= 'a' && ch <= 'f' ? ch - 'a' + 10 : -1;
}

/*
 * A MAC as upstream reads it: six groups of two hex digits or three of
 * four, separated by ':'. 0 with @mac filled, or -1.
 */
static int
parse_mac(const char *s, uint8_t mac[6])
{
	size_t len = strlen(s), groups, width, g, k;

	if (len == 17) {
		groups = 6;
		width = 2;
	} else if (len == 14) {
		groups = 3;
		width = 4;
	} else {
		return -1;
	}
	memset(mac, 0, 6);
	for (g = 0; g < groups; g++) {
		const char *p = s + g * (width + 1);

		if (g + 1 < groups && p[width] != ':')
			return -1;
		for (k = 0; k < width; k++) {
			int d = hexval((unsigned char)p[k]);
			size_t nib = g * width + k;

			if (d < 0)
				return -1;
			mac[nib / 2] |= (uint8_t)(d << (nib % 2 ? 0 : 4));
		}
	}
	return 0;
}

static int
key_mac_list(struct jctx *c, const char *key, const json_t *v)
{
	char what[32];
	const char *s;
	uint8_t mac[6];
	size_t i;
	int ret = get_array(c, key, v, VMP_PROTO_POLICY_MACS);

	for (i = 0; ret == 0 && i < json_array_size(v); i++) {
		snprintf(what, sizeof(what), "%s[%zu]", key, i);
		ret = get_string(c, what, json_array_get(v, i), 17, &s);
		if (ret == 0 && parse_mac(s, mac) < 0)
			ret = refuse(c, "%s: \"%s\" is not a MAC address",
				what, s);
		/* Wire order in the low 6 bytes, as the guest library. */
		memcpy(&c->pkt->vfid[i], mac, sizeof(mac));
	}
	c->pkt->nb_mac_to_monitor = (int32_t)json_array_size(v);
	return ret;
}

static int
key_thresh(struct jctx *c, const char *key, const json_t *v)
{
	int avg = strcmp(key, "avg_packet_thresh") == 0;
	json_int_t n = 0;
	int ret = get_int(c, key, v, 0, UINT32_MAX, &n);

	*(avg ? &c->has_avg : &c->has_max) = 1;
	c->pkt->traffic_policy[avg ? VMP_PROTO_TRAFFIC_AVG_MAX :
		VMP_PROTO_TRAFFIC_MAX_MAX] = (uint32_t)n;
	return ret;
}

static const struct {
	const char *key;
	unsigned int where;
	int (*fn)(struct jctx *c, const char *key, const json_t *v);
} keys[] = {
	{ "command", IN_INSTR | IN_POLICY, key_command },
	{ "name", IN_INSTR | IN_POLICY, key_name },
	{ "resource_id", IN_INSTR | IN_POLICY, key_resource_id },
	{ "unit", IN_INSTR, key_unit },
	{ "policy_type", IN_POLICY, key_policy_type },
	{ "workload", IN_POLICY, key_workload },
	{ "busy_hours", IN_POLICY, key_hours },
	{ "quiet_hours", IN_POLICY, key_hours },
	{ "core_list", IN_POLICY, key_core_list },
	{ "mac_list", IN_POLICY, key_mac_list },
	{ "avg_packet_thresh", IN_POLICY, key_thresh },
	{ "max_packet_thresh", IN_POLICY, key_thresh },
};

static int
walk(struct jctx *c, json_t *body, unsigned int where)
{
	const char *key;
	json_t *v;
	unsigned int i;
	int ret;

	/* The command first: the reasons below may depend on it. */
	v = json_object_get(body, "command");
	if (v == NULL)
		return refuse(c, "command: missing");
	ret = key_command(c, "command", v);
	if (ret < 0)
		return ret;
	json_object_foreach(body, key, v) {
		for (i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
			if (strcmp(key, keys[i].key) == 0)
				break;
		if (i == sizeof(keys) / sizeof(keys[0]))
			return refuse(c, "%.40s: unknown key", key);
		if (!(keys[i].where & where))
			return refuse(c, "%s: a key of %s, not of %s", key,
				where == IN_INSTR ? "policy" : "instruction",
				c->obj);
		ret = keys[i].fn(c, key, v);
		if (ret < 0)
			return ret;
	}
	return 0;
}

/* What a policy needs besides its own keys' values. */
static int
finish_policy(struct jctx *c)
{
	struct vmp_proto_packet *pkt = c->pkt;
	const uint32_t *t = pkt->traffic_policy;
	char why[HOST_JSON_WHY_SZ];

	if (!c->has_cores) {
		/* Every policy of the sender goes: no CPU needed. */
		if (!c->has_resource && pkt->command != VMP_PROTO_POLICY)
			return 0;
		if (!c->has_resource)
			return refuse(c, "core_list: missing, and this "
				"channel has no CPU of its own");
		if (pkt->resource_id > UINT8_MAX)
			return refuse(c, "resource_id: CPU %llu cannot be "
				"managed by a policy (255 at most)",
				(unsigned long long)pkt->resource_id);
		pkt->vcpu_to_control[0] = (uint8_t)pkt->resource_id;
		pkt->num_vcpu = 1;
	} else if (!c->has_resource) {
		pkt->resource_id = pkt->vcpu_to_control[0];
	}
	if (pkt->command != VMP_PROTO_POLICY)
		return 0;
	if (pkt->policy_to_use == VMP_PROTO_POLICY_TRAFFIC) {
		if (pkt->nb_mac_to_monitor == 0)
			return refuse(c, "mac_list: a TRAFFIC policy needs at "
				"least one MAC");
		if (!c->has_avg || !c->has_max)
			return refuse(c, "%s: a TRAFFIC policy needs it",
				c->has_avg ? "max_packet_thresh" :
				"avg_packet_thresh");
	}
	if (t[VMP_PROTO_TRAFFIC_AVG_MAX] > t[VMP_PROTO_TRAFFIC_MAX_MAX])
		return refuse(c, "avg_packet_thresh: %u above "
			"max_packet_thresh %u", t[VMP_PROTO_TRAFFIC_AVG_MAX],
			t[VMP_PROTO_TRAFFIC_MAX_MAX]);
	/* The binary rules too, so no JSON makes a packet they refuse. */
	if (vmp_proto_policy_check(pkt, UINT8_MAX + 1, why, sizeof(why)) !=
			VMP_PROTO_VALID)
		return refuse(c, "%s", why);
	return 0;
}

static int
translate(struct jctx *c, const json_t *root)
{
	struct vmp_proto_packet *pkt = c->pkt;
	const char *top;
	json_t *body;
	unsigned int where, i;
	int ret;

	if (!json_is_object(root))
		return refuse(c, "not an object but %s", type_str(root));
	if (json_object_size(root) != 1)
		return refuse(c, "%zu keys at the top, not one of "
			"\"instruction\" or \"policy\"", json_object_size(root));
	top = json_object_iter_key(json_object_iter((json_t *)root));
	body = json_object_iter_value(json_object_iter((json_t *)root));
	if (strcmp(top, "instruction") == 0)
		where = IN_INSTR;
	else if (strcmp(top, "policy") == 0)
		where = IN_POLICY;
	else
		return refuse(c, "%.40s: unknown key, not \"instruction\" or "
			"\"policy\"", top);
	c->obj = where == IN_INSTR ? "instruction" : "policy";
	if (!json_is_object(body))
		return refuse(c, "%s, not an object", type_str(body));

	memset(pkt, 0, sizeof(*pkt));
	pkt->core_type = VMP_PROTO_CORE_PHYSICAL;
	/* Upstream's defaults; unused hours as the guest library's. */
	pkt->policy_to_use = VMP_PROTO_POLICY_TIME;
	pkt->workload = VMP_PROTO_WL_LOW;
	for (i = 0; i < 3 * VMP_PROTO_HOURS; i++)
		pkt->timer_policy[i] = VMP_PROTO_HOUR_UNUSED;
	if (c->cpu != HOST_JSON_ANY_CPU) {
		pkt->resource_id = c->cpu;
		c->has_resource = 1;
	}
	ret = walk(c, body, where);
	if (ret < 0)
		return ret;
	if (where == IN_POLICY)
		return finish_policy(c);
	if (!c->has_unit)
		return refuse(c, "unit: missing");
	if (!c->has_resource)
		return refuse(c, "resource_id: missing, and this channel has "
			"no CPU of its own");
	return 0;
}

static size_t
skip_space(const char *buf, size_t len, size_t at)
{
	while (at < len && (buf[at] == ' ' || buf[at] == '\t' ||
			buf[at] == '\n' || buf[at] == '\r'))
		at++;
	return at;
}

/* jansson's reason, for one that is not about our keys. */
static int
syntax(struct jctx *c, const json_error_t *err)
{
	return refuse(c, "invalid JSON at byte %d: %s", err->position,
		err->text);
}

int
host_json_parse(const char *buf, size_t len, uint32_t cpu,
		struct vmp_proto_packet *pkt, char *why, size_t whylen)
{
	struct jctx c = { .pkt = pkt, .cpu = cpu, .why = why,
		.whylen = whylen };
	json_error_t err;
	json_t *root;
	size_t at;
	int ret;

	if (len > HOST_JSON_MAX)
		return refuse(&c, "%zu bytes, longer than %u", len,
			HOST_JSON_MAX);
	at = skip_space(buf, len, 0);
	if (at == len)
		return refuse(&c, "no object, only whitespace");
	if (buf[at] != '{')
		return refuse(&c, "not an object: starts with 0x%02x",
			(unsigned char)buf[at]);
	root = json_loadb(buf, len, JSON_DISABLE_EOF_CHECK |
		JSON_REJECT_DUPLICATES, &err);
	if (root == NULL)
		return json_error_code(&err) == json_error_out_of_memory ?
			-ENOMEM : syntax(&c, &err);
	/* jansson stops at the closing brace and says where. */
	at = skip_space(buf, len, (size_t)err.position);
	if (at < len) {
		json_decref(root);
		if (buf[at] == '{')
			return refuse(&c, "several objects: another starts at "
				"byte %zu", at);
		return refuse(&c, "trailing garbage at byte %zu", at);
	}
	ret = translate(&c, root);
	json_decref(root);
	return ret;
}

int
host_json_split(const char *buf, size_t len, size_t *used,
		char *why, size_t whylen)
{
	struct jctx c = { .why = why, .whylen = whylen };
	size_t n = len < HOST_JSON_MAX ? len : HOST_JSON_MAX;
	size_t at = skip_space(buf, n, 0);
	json_error_t err;
	json_t *root;
	int cut;

	*used = at;
	if (at == n && n < HOST_JSON_MAX)
		return 0;
	*used = len;
	if (at == n)
		return refuse(&c, "%zu bytes of whitespace", at);
	if (buf[at] != '{')
		return refuse(&c, "not an object: starts with 0x%02x",
			(unsigned char)buf[at]);
	root = json_loadb(buf, n, JSON_DISABLE_EOF_CHECK |
		JSON_REJECT_DUPLICATES, &err);
	if (root != NULL) {
		json_decref(root);
		*used = (size_t)err.position;
		return 1;
	}
	if (json_error_code(&err) == json_error_out_of_memory)
		return -ENOMEM;
	/*
	 * An error where the bytes end may be a cut: "tr" of "true", an
	 * unfinished escape, or half a UTF-8 character (jansson reports
	 * that at its first byte, up to 3 before the end). More bytes
	 * decide; a real error there is found when they come.
	 */
	cut = (size_t)err.position + UTF8_CUT >= n;
	if (cut && n < HOST_JSON_MAX) {
		*used = at;
		return 0;
	}
	if (cut)
		return refuse(&c, "no object ends within %u bytes",
			HOST_JSON_MAX);
	return syntax(&c, &err);
}

int
host_json_next(const char *buf, size_t len, uint32_t cpu,
		struct vmp_proto_packet *pkt, size_t *used,
		char *why, size_t whylen)
{
	int ret = host_json_split(buf, len, used, why, whylen);

	if (ret <= 0)
		return ret;
	ret = host_json_parse(buf, *used, cpu, pkt, why, whylen);
	return ret < 0 ? ret : 1;
}
