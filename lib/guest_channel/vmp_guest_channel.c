/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The vmpower authors
 */

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <time.h>
#include <unistd.h>

#include <rte_common.h>
#include <rte_lcore.h>
#include <rte_log.h>

#include <vmp_protocol_policy.h>

#include "vmp_guest_channel.h"
#include "vmp_guest_channel_private.h"

RTE_LOG_REGISTER(vmp_guest_logtype, vmpower.guest_channel, INFO);

/* The lcore_id of DPDK's power API is below RTE_MAX_LCORE by contract. */
static struct {
	struct channel *chan[RTE_MAX_LCORE];
	char prefix[PATH_MAX];
	char vm_name[VMP_PROTO_NAME_SZ + 1];
	unsigned int connect_timeout_ms;
	unsigned int reply_timeout_ms;
	unsigned int power_wait_ack;
} ctx = {
	.prefix = VMP_GUEST_DEFAULT_PREFIX,
	.connect_timeout_ms = DEFAULT_TIMEOUT_MS,
	.reply_timeout_ms = DEFAULT_TIMEOUT_MS,
};

int
vmp_guest_channel_configure(const struct vmp_guest_channel_conf *conf)
{
	const char *prefix = VMP_GUEST_DEFAULT_PREFIX;
	const char *name = "";

	if (conf != NULL && conf->path_prefix != NULL)
		prefix = conf->path_prefix;
	if (conf != NULL && conf->vm_name != NULL)
		name = conf->vm_name;
	/* Leave room for ".<lcore>". */
	if (prefix[0] == '\0' || strlen(prefix) + 12 >= sizeof(ctx.prefix)) {
		GUEST_LOG(ERR, "channel path prefix '%s' is empty or too long",
			prefix);
		return -EINVAL;
	}
	if (strlen(name) > VMP_PROTO_NAME_SZ) {
		GUEST_LOG(ERR, "VM name '%s' is longer than %d bytes",
			name, VMP_PROTO_NAME_SZ);
		return -EINVAL;
	}
	/* Both measured above: they fit with their terminators. */
	memcpy(ctx.prefix, prefix, strlen(prefix) + 1);
	memcpy(ctx.vm_name, name, strlen(name) + 1);
	ctx.connect_timeout_ms = DEFAULT_TIMEOUT_MS;
	ctx.reply_timeout_ms = DEFAULT_TIMEOUT_MS;
	ctx.power_wait_ack = 0;
	if (conf != NULL) {
		if (conf->connect_timeout_ms != 0)
			ctx.connect_timeout_ms = conf->connect_timeout_ms;
		if (conf->reply_timeout_ms != 0)
			ctx.reply_timeout_ms = conf->reply_timeout_ms;
		ctx.power_wait_ack = conf->power_wait_ack;
	}
	return 0;
}

unsigned int
vmp_guest_power_wait_ack(void)
{
	return ctx.power_wait_ack;
}

/* The open channel of an lcore; logs and fails for a bad or closed one. */
static struct channel *
lookup(unsigned int lcore_id, int *err)
{
	if (lcore_id >= RTE_MAX_LCORE) {
		GUEST_LOG(ERR, "lcore %u is out of range (max %d)",
			lcore_id, RTE_MAX_LCORE - 1);
		*err = -EINVAL;
		return NULL;
	}
	if (ctx.chan[lcore_id] == NULL) {
		GUEST_LOG(ERR, "channel of lcore %u is not open", lcore_id);
		*err = -ENOTCONN;
		return NULL;
	}
	return ctx.chan[lcore_id];
}

static int
connect_host(struct channel *ch)
{
	struct vmp_proto_packet pkt = ch->req;
	uint64_t deadline = gc_now_ms() + ctx.connect_timeout_ms;
	int ret;

	pkt.command = VMP_PROTO_CONNECT;
	/* We take RESYNC: without this the host never sends it. */
	pkt.unit = VMP_PROTO_CONNECT_VMPOWER;
	for (;;) {
		ret = gc_send_packet(ch, &pkt, 0, NULL);
		if (ret != -EAGAIN || gc_now_ms() >= deadline)
			break;
		ret = gc_wait_fd(ch->fd, POLLOUT,
			RTE_MIN(deadline, gc_now_ms() + CONNECT_RETRY_MS));
		if (ret < 0)
			break;
	}
	if (ret == -EAGAIN)
		GUEST_LOG(ERR, "%s: host daemon is not attached to this port: "
			"no room to send CONNECT in %u ms", ch->path,
			ctx.connect_timeout_ms);
	return ret;
}

int
vmp_guest_channel_open(unsigned int lcore_id)
{
	const char *where;
	struct channel *ch;
	int ret;

	if (lcore_id >= RTE_MAX_LCORE) {
		GUEST_LOG(ERR, "lcore %u is out of range (max %d)",
			lcore_id, RTE_MAX_LCORE - 1);
		return -EINVAL;
	}
	if (ctx.chan[lcore_id] != NULL) {
		GUEST_LOG(ERR, "%s: already open for lcore %u",
			ctx.chan[lcore_id]->path, lcore_id);
		return -EALREADY;
	}
	ch = calloc(1, sizeof(*ch));
	if (ch == NULL)
		return -ENOMEM;
	ch->tp = gc_transport_pick(&where, ctx.prefix);
	if (ch->tp == NULL) {
		free(ch);
		return -EINVAL;
	}
	ret = ch->tp->open(ch, lcore_id, where);
	if (ret < 0) {
		free(ch);
		return ret;
	}
	ch->vcpu = ch->tp->resource(lcore_id);
	vmp_proto_request(&ch->req, VMP_PROTO_CPU_POWER, 0, ch->vcpu,
		ctx.vm_name);
	ch->req.core_type = ch->tp->core_type;
	/* Replies meant for an earlier opener would answer our requests. */
	ret = gc_read_replies(ch);
	if (ret < 0)
		goto fail;
	ch->rx_len = 0;
	ch->stats.unexpected = 0;
	ret = connect_host(ch);
	if (ret < 0)
		goto fail;
	ctx.chan[lcore_id] = ch;
	GUEST_LOG(DEBUG, "%s: open for lcore %u (%s), CPU %u", ch->path,
		lcore_id, ch->tp->name, ch->vcpu);
	return 0;
fail:
	close(ch->fd);
	free(ch);
	return ret;
}

int
vmp_guest_channel_close(unsigned int lcore_id)
{
	struct channel *ch;

	if (lcore_id >= RTE_MAX_LCORE) {
		GUEST_LOG(ERR, "lcore %u is out of range (max %d)",
			lcore_id, RTE_MAX_LCORE - 1);
		return -EINVAL;
	}
	ch = ctx.chan[lcore_id];
	if (ch == NULL) {
		GUEST_LOG(ERR, "channel of lcore %u is not open", lcore_id);
		return -ENOTCONN;
	}
	ctx.chan[lcore_id] = NULL;
	close(ch->fd);
	free(ch);
	return 0;
}

int
vmp_guest_channel_is_open(unsigned int lcore_id)
{
	return lcore_id < RTE_MAX_LCORE && ctx.chan[lcore_id] != NULL;
}

int
vmp_guest_channel_set_vcpu(unsigned int lcore_id, uint32_t vcpu)
{
	int err = 0;
	struct channel *ch = lookup(lcore_id, &err);

	if (ch == NULL)
		return err;
	ch->vcpu = vcpu;
	ch->req.resource_id = vcpu;
	return 0;
}

int64_t
vmp_guest_channel_get_vcpu(unsigned int lcore_id)
{
	int err = 0;
	struct channel *ch = lookup(lcore_id, &err);

	return ch == NULL ? err : (int64_t)ch->vcpu;
}

/* The channel of @lcore_id with a CPU_POWER @unit in its template. */
static struct channel *
power_request(unsigned int lcore_id, uint32_t unit, int *err)
{
	struct channel *ch = lookup(lcore_id, err);

	if (ch == NULL)
		return NULL;
	if (vmp_proto_unit_str(unit) == NULL) {
		GUEST_LOG(ERR, "%s: unknown CPU_POWER unit %u", ch->path,
			unit);
		*err = -EINVAL;
		return NULL;
	}
	ch->req.command = VMP_PROTO_CPU_POWER;
	ch->req.unit = unit;
	return ch;
}

int
vmp_guest_channel_send(unsigned int lcore_id, uint32_t unit)
{
	int ret = 0;
	struct channel *ch = power_request(lcore_id, unit, &ret);

	if (ch == NULL)
		return ret;
	ret = gc_read_replies(ch);
	if (ret < 0)
		return ret;
	ret = gc_send_packet(ch, &ch->req, 1, NULL);
	if (ret == 0)
		gc_note_level(&ch->level, unit);
	return ret;
}

int
vmp_guest_channel_request(unsigned int lcore_id, uint32_t unit)
{
	union vmp_guest_reply reply;
	int ret = 0;
	struct channel *ch = power_request(lcore_id, unit, &ret);
	uint64_t sent;

	if (ch == NULL)
		return ret;
	sent = ch->stats.sent;
	ret = gc_transact(ch, &ch->req, &reply, ctx.reply_timeout_ms);
	/* Refused, or never sent: the host's vote did not move. Sent to a
	 * daemon that closed the connection (-EPIPE): the one connected
	 * again has only what was replayed, without this request. */
	if (ret != VMP_PROTO_NACK && ret != -EPIPE && ch->stats.sent != sent)
		gc_note_level(&ch->level, unit);
	return ret;
}

int
vmp_guest_channel_query(unsigned int lcore_id, uint32_t command,
		uint32_t arg, union vmp_guest_reply *reply)
{
	int ret = 0;
	struct channel *ch = lookup(lcore_id, &ret);

	if (ch == NULL)
		return ret;
	switch (command) {
	case VMP_PROTO_QUERY_FREQ:
	case VMP_PROTO_QUERY_FREQ_LIST:
	case VMP_PROTO_QUERY_CAPS:
	case VMP_PROTO_QUERY_CAPS_LIST:
	case VMP_PROTO_QUERY_FREQ_AVAIL:
		break;
	default:
		GUEST_LOG(ERR, "%s: command %u is not a query", ch->path,
			command);
		return -EINVAL;
	}
	if (reply == NULL)
		return -EINVAL;
	ch->req.command = command;
	ch->req.unit = arg;
	return gc_transact(ch, &ch->req, reply, ctx.reply_timeout_ms);
}

int
vmp_guest_channel_send_packet(unsigned int lcore_id,
		const struct vmp_proto_packet *pkt)
{
	int ret = 0;
	struct channel *ch = lookup(lcore_id, &ret);

	if (ch == NULL)
		return ret;
	if (pkt == NULL || vmp_proto_command_str(pkt->command) == NULL) {
		GUEST_LOG(ERR, "%s: refusing to send a packet with unknown "
			"command %u", ch->path, pkt == NULL ? 0 : pkt->command);
		return -EINVAL;
	}
	ret = gc_read_replies(ch);
	if (ret < 0)
		return ret;
	ret = gc_send_packet(ch, pkt, pkt->command != VMP_PROTO_CONNECT, NULL);
	if (ret == 0 && pkt->command == VMP_PROTO_CPU_POWER)
		gc_note_level(&ch->level, pkt->unit);
	return ret;
}

/* Hours of a bit mask into a DPDK hour list, unused entries -1. */
static void
hour_list(uint32_t mask, int32_t *list)
{
	unsigned int h, n = 0;

	for (h = 0; h < VMP_PROTO_HOURS; h++)
		list[h] = VMP_PROTO_HOUR_UNUSED;
	for (h = 0; h < VMP_PROTO_HOURS; h++)
		if (mask & (UINT32_C(1) << h))
			list[n++] = (int32_t)h;
}

int
vmp_guest_channel_send_policy(unsigned int lcore_id,
		const struct vmp_guest_policy *pol)
{
	struct vmp_proto_packet pkt;
	union vmp_guest_reply reply;
	char why[160];
	unsigned int i;
	int ret = 0;
	struct channel *ch = lookup(lcore_id, &ret);

	if (ch == NULL)
		return ret;
	if (pol == NULL || pol->nb_vcpus > VMP_PROTO_POLICY_VCPUS ||
			pol->nb_macs > VMP_PROTO_POLICY_MACS ||
			((pol->busy_hours | pol->quiet_hours |
			pol->traffic_hours) >> VMP_PROTO_HOURS) != 0) {
		GUEST_LOG(ERR, "%s: policy: a count or hour out of range",
			ch->path);
		return -EINVAL;
	}
	memset(&pkt, 0, sizeof(pkt));
	pkt.command = VMP_PROTO_POLICY;
	memcpy(pkt.vm_name, ch->req.vm_name, sizeof(pkt.vm_name));
	pkt.policy_to_use = pol->type;
	pkt.workload = pol->workload;
	pkt.num_vcpu = (uint8_t)pol->nb_vcpus;
	memcpy(pkt.vcpu_to_control, pol->vcpus, pol->nb_vcpus);
	hour_list(pol->busy_hours, pkt.timer_policy + VMP_PROTO_BUSY_HOURS);
	hour_list(pol->quiet_hours, pkt.timer_policy + VMP_PROTO_QUIET_HOURS);
	hour_list(pol->traffic_hours,
		pkt.timer_policy + VMP_PROTO_TRAFFIC_HOURS);
	pkt.traffic_policy[VMP_PROTO_TRAFFIC_MIN] = pol->min_pps;
	pkt.traffic_policy[VMP_PROTO_TRAFFIC_AVG_MAX] = pol->avg_max_pps;
	pkt.traffic_policy[VMP_PROTO_TRAFFIC_MAX_MAX] = pol->max_max_pps;
	pkt.nb_mac_to_monitor = (int32_t)pol->nb_macs;
	for (i = 0; i < pol->nb_macs; i++)
		memcpy(&pkt.vfid[i], pol->macs[i], 6);
	/* The guest does not know its vCPU count: the host checks it. */
	if (vmp_proto_policy_check(&pkt, 256, why, sizeof(why)) !=
			VMP_PROTO_VALID) {
		GUEST_LOG(ERR, "%s: policy not sent: %s", ch->path, why);
		return -EINVAL;
	}
	return gc_transact(ch, &pkt, &reply, ctx.reply_timeout_ms);
}

int
vmp_guest_channel_poll(unsigned int lcore_id)
{
	int ret = 0;
	struct channel *ch = lookup(lcore_id, &ret);
	uint64_t before;

	if (ch == NULL)
		return ret;
	before = ch->stats.acks + ch->stats.nacks + ch->stats.replies +
		ch->stats.unexpected;
	/* The rest of a packet a full port held back: without it the host
	 * never sees a fire-and-forget sender's last request. */
	ret = gc_flush_tail(ch);
	if (ret < 0 && ret != -EAGAIN)
		return ret;
	ret = gc_read_replies(ch);
	if (ret < 0)
		return ret;
	return (int)(ch->stats.acks + ch->stats.nacks + ch->stats.replies +
		ch->stats.unexpected - before);
}

int
vmp_guest_channel_stats(unsigned int lcore_id,
		struct vmp_guest_channel_stats *stats)
{
	int ret = 0;
	struct channel *ch = lookup(lcore_id, &ret);

	if (ch == NULL)
		return ret;
	if (stats == NULL)
		return -EINVAL;
	*stats = ch->stats;
	return 0;
}
