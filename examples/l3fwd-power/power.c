/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The vmpower authors
 */

#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <rte_common.h>
#include <rte_cycles.h>
#include "vmp_dpdk_compat.h"

#include <vmp_guest_channel.h>
#include <vmp_guest_power.h>

#include "l3fwd_log.h"
#include "power.h"

/* Ladder when the host lists no frequencies: max, two steps, min. */
#define GUESSED_LEVELS		4
/* Beyond this a frequency list is broken (librte_power keeps 64). */
#define FREQS_SANE_MAX		1024
/* How long release waits for the host's last answers. */
#define DRAIN_MS		500

static const char *const req_names[POWER_REQ_NB] = {
	[POWER_REQ_UP] = "up",
	[POWER_REQ_DOWN] = "down",
	[POWER_REQ_MAX] = "max",
	[POWER_REQ_MIN] = "min",
};

const char *
power_req_str(enum power_req r)
{
	return (unsigned int)r < POWER_REQ_NB ? req_names[r] : "?";
}

const char *
power_mode_str(enum power_mode m)
{
	switch (m) {
	case POWER_MODE_HOST:
		return "host";
	case POWER_MODE_VM:
		return "vm";
	default:
		return "none";
	}
}

static const char *
channel_prefix(const struct app_options *o)
{
	return o->channel_prefix != NULL ? o->channel_prefix :
		VMP_GUEST_DEFAULT_PREFIX;
}

int
power_vm_channels(const struct app_options *o, const unsigned int *lcores,
		unsigned int nb)
{
	const char *host = getenv(VMP_GUEST_HOST_SOCKET_ENV);
	char path[PATH_MAX];
	unsigned int i;

	/* In a container: the daemon's host channel socket is the way. */
	if (host != NULL && host[0] != '\0')
		return 1;
	for (i = 0; i < nb; i++) {
		snprintf(path, sizeof(path), "%s.%u", channel_prefix(o),
			lcores[i]);
		if (access(path, F_OK) == 0)
			return 1;
	}
	return 0;
}

enum power_mode
power_select(const struct app_options *o, const unsigned int *lcores,
		unsigned int nb)
{
	struct vmp_guest_channel_conf conf = {
		.path_prefix = o->channel_prefix,
		.connect_timeout_ms = o->channel_timeout_ms,
		.reply_timeout_ms = o->channel_timeout_ms,
	};
	enum power_env env = o->env;

	if (env == POWER_ENV_AUTO && power_vm_channels(o, lcores, nb))
		env = POWER_ENV_VM;
	if (env == POWER_ENV_AUTO)
		env = POWER_ENV_HOST;
	if (env == POWER_ENV_VM && vmp_guest_channel_configure(&conf) < 0)
		env = POWER_ENV_NONE;
	L3FWD_LOG(INFO, "power environment: %s%s", options_env_str(env),
		o->env == POWER_ENV_AUTO ? " (auto)" : "");
	switch (env) {
	case POWER_ENV_HOST:
		return POWER_MODE_HOST;
	case POWER_ENV_VM:
		return POWER_MODE_VM;
	default:
		return POWER_MODE_NONE;
	}
}

/*
 * The frequency a CPU runs at before librte_power takes it (its init
 * moves it to max). librte_power uses the lcore id as the CPU number.
 */
uint32_t
power_host_start_khz(unsigned int lcore_id)
{
	static const char *const files[] = {
		"scaling_setspeed", "scaling_cur_freq" };
	unsigned int i, khz;
	char path[PATH_MAX];

	for (i = 0; i < RTE_DIM(files); i++) {
		FILE *f;
		int n;

		snprintf(path, sizeof(path),
			"/sys/devices/system/cpu/cpu%u/cpufreq/%s",
			lcore_id, files[i]);
		f = fopen(path, "r");
		if (f == NULL)
			continue;
		n = fscanf(f, "%u", &khz);
		fclose(f);
		if (n == 1)
			return khz;
	}
	return 0;
}

/* The first of librte_power's cpufreq drivers that takes the lcore. */
static int
host_init(unsigned int lcore_id)
{
	static const enum power_management_env envs[] = {
		PM_ENV_ACPI_CPUFREQ, PM_ENV_PSTATE_CPUFREQ,
		PM_ENV_CPPC_CPUFREQ };
	unsigned int i;

	/* Not rte_power_init's own probing: it ends in DPDK's VM backend. */
	if (rte_power_get_env() != PM_ENV_NOT_SET)
		return rte_power_init(lcore_id);
	for (i = 0; i < RTE_DIM(envs); i++) {
		if (rte_power_set_env(envs[i]) < 0)
			continue;
		if (rte_power_init(lcore_id) == 0)
			return 0;
		rte_power_unset_env();
	}
	return -ENOTSUP;
}

/* The driver's or the host's frequency list, of any length. */
static int
load_freqs(struct power_lcore *p)
{
	uint32_t n = 16, got;

	for (;;) {
		uint32_t *buf = realloc(p->khz, n * sizeof(*buf));

		if (buf == NULL)
			return -ENOMEM;
		p->khz = buf;
		got = rte_power_freqs(p->lcore_id, buf, n);
		/* acpi answers 0 to a short buffer, the VM backend the count */
		if (got > 0 && got <= n)
			break;
		if (got > FREQS_SANE_MAX || (got == 0 && (p->mode ==
				POWER_MODE_VM || n >= FREQS_SANE_MAX))) {
			free(p->khz);
			p->khz = NULL;
			return -ENOENT;
		}
		n = got > n ? got : n * 2;
	}
	p->nb_levels = got;
	return 0;
}

static int64_t
find_khz(const struct power_lcore *p, uint32_t khz)
{
	uint32_t i;

	for (i = 0; p->khz != NULL && i < p->nb_levels; i++)
		if (p->khz[i] == khz)
			return i;
	return -1;
}

static void
publish_level(struct power_lcore *p)
{
	__atomic_store_n(&p->c.level, p->synced ? p->level : UINT64_MAX,
		__ATOMIC_RELAXED);
	__atomic_store_n(&p->c.khz, p->synced && p->khz != NULL ?
		p->khz[p->level] : 0, __ATOMIC_RELAXED);
}

static int
start_host(struct power_lcore *p)
{
	uint32_t start_khz = power_host_start_khz(p->lcore_id);
	struct rte_power_core_capabilities caps;
	uint32_t idx;

	if (host_init(p->lcore_id) < 0)
		return -ENOTSUP;
	if (load_freqs(p) < 0) {
		rte_power_exit(p->lcore_id);
		return -ENOENT;
	}
	idx = rte_power_get_freq(p->lcore_id);
	p->level = idx < p->nb_levels ? idx : 0;
	p->synced = idx < p->nb_levels;
	p->initial = find_khz(p, start_khz);
	/* With turbo off, max is the second entry. */
	p->top = rte_power_get_capabilities(p->lcore_id, &caps) == 0 &&
		caps.turbo && rte_power_turbo_status(p->lcore_id) == 0 &&
		p->nb_levels > 1;
	return 0;
}

static void
channel_counts(unsigned int lcore_id, uint64_t *replied, uint64_t *sent,
		struct vmp_guest_channel_stats *st)
{
	vmp_guest_channel_stats(lcore_id, st);
	*sent = st->sent;
	*replied = st->acks + st->nacks + st->replies + st->lost;
}

static int
start_vm(struct power_lcore *p)
{
	struct vmp_guest_channel_stats st;
	uint64_t replied, sent;
	uint32_t idx;
	int ret;

	ret = vmp_guest_power_init(p->lcore_id);
	if (ret < 0)
		return ret;
	if (load_freqs(p) < 0) {
		L3FWD_LOG(WARNING, "lcore %u: the host lists no frequencies: "
			"a ladder of %u levels is assumed", p->lcore_id,
			GUESSED_LEVELS);
		p->nb_levels = GUESSED_LEVELS;
	}
	idx = p->khz != NULL ? rte_power_get_freq(p->lcore_id) : UINT32_MAX;
	p->synced = idx < p->nb_levels;
	p->level = p->synced ? idx : 0;
	p->initial = p->synced ? (int64_t)idx : -1;
	p->top = 0;
	/* What init exchanged is not part of the request counts. */
	channel_counts(p->lcore_id, &replied, &sent, &st);
	p->no_reply = sent - replied;
	p->base_ack = st.acks;
	p->base_nack = st.nacks;
	return 0;
}

void
power_lcore_init(struct power_lcore *p, unsigned int lcore_id,
		enum power_mode mode)
{
	int ret = -ENOTSUP;

	memset(p, 0, sizeof(*p));
	p->lcore_id = lcore_id;
	p->mode = mode;
	p->initial = -1;
	if (mode == POWER_MODE_HOST)
		ret = start_host(p);
	else if (mode == POWER_MODE_VM)
		ret = start_vm(p);
	if (ret < 0) {
		if (mode != POWER_MODE_NONE)
			L3FWD_LOG(WARNING, "lcore %u: no frequency control "
				"(%s): forwarding without", lcore_id,
				strerror(-ret));
		free(p->khz);
		p->khz = NULL;
		p->mode = POWER_MODE_NONE;
		p->nb_levels = 0;
	}
	publish_level(p);
	if (p->mode != POWER_MODE_NONE)
		L3FWD_LOG(INFO, "lcore %u: %s frequency control, %u levels%s, "
			"start level %" PRId64, lcore_id, power_mode_str(mode),
			p->nb_levels, p->khz != NULL ? "" : " (assumed)",
			p->initial);
}

static rte_power_freq_change_t
req_fn(enum power_req r)
{
	switch (r) {
	case POWER_REQ_UP:
		return rte_power_freq_up;
	case POWER_REQ_DOWN:
		return rte_power_freq_down;
	case POWER_REQ_MAX:
		return rte_power_freq_max;
	default:
		return rte_power_freq_min;
	}
}

/* Send one request; move the ladder if it went out. */
static int
request(struct power_lcore *p, enum power_req r, uint32_t target)
{
	int ret = req_fn(r)(p->lcore_id);

	if (ret < 0) {
		counter_add(&p->c.fail, 1);
		p->retry_tsc = rte_get_tsc_cycles() + rte_get_tsc_hz();
		L3FWD_LOG(DEBUG, "lcore %u: request %s failed", p->lcore_id,
			power_req_str(r));
		return -EIO;
	}
	counter_add(&p->c.req[r], 1);
	if (p->mode == POWER_MODE_HOST) {
		/* The driver knows where it went (turbo, clamping). */
		target = rte_power_get_freq(p->lcore_id);
		if (target >= p->nb_levels)
			target = p->level;
		if (r == POWER_REQ_MAX)
			p->top = target;
	}
	p->level = target;
	if (r == POWER_REQ_MAX || r == POWER_REQ_MIN || p->mode ==
			POWER_MODE_HOST)
		p->synced = 1;
	publish_level(p);
	return 0;
}

void
power_lcore_hint(struct power_lcore *p, enum heur_hint h)
{
	uint32_t last = p->nb_levels - 1;

	if (p->mode == POWER_MODE_NONE || p->released || h == HEUR_HOLD ||
			rte_get_tsc_cycles() < p->retry_tsc)
		return;
	switch (h) {
	case HEUR_UP:
		if (p->synced && p->level <= p->top)
			return;
		/* Unknown level, or one step from the top: say max. */
		if (!p->synced || p->level <= p->top + 1)
			request(p, POWER_REQ_MAX, p->top);
		else
			request(p, POWER_REQ_UP, p->level - 1);
		return;
	case HEUR_MAX:
		if (!p->synced || p->level != p->top)
			request(p, POWER_REQ_MAX, p->top);
		return;
	case HEUR_DOWN:
		if (p->synced && p->level >= last)
			return;
		/* The last step is min, which the host cannot overshoot. */
		if (p->level + 1 >= last)
			request(p, POWER_REQ_MIN, last);
		else
			request(p, POWER_REQ_DOWN, p->level + 1);
		return;
	default:
		return;
	}
}

void
power_lcore_min(struct power_lcore *p)
{
	uint32_t last = p->nb_levels - 1;

	if (p->mode == POWER_MODE_NONE || p->released ||
			rte_get_tsc_cycles() < p->retry_tsc)
		return;
	if (!p->synced || p->level != last)
		request(p, POWER_REQ_MIN, last);
}

void
power_lcore_poll(struct power_lcore *p)
{
	struct vmp_guest_channel_stats st;
	uint64_t replied, sent, now;

	if (p->mode != POWER_MODE_VM || p->released)
		return;
	channel_counts(p->lcore_id, &replied, &sent, &st);
	now = rte_rdtsc();
	/* Replies owed, or ten times a second: a host that lost our level
	 * asks for it (RESYNC), and only a read of the port answers. */
	if (sent - replied > p->no_reply || now >= p->read_tsc) {
		p->read_tsc = now + rte_get_tsc_hz() / 10;
		if (vmp_guest_channel_poll(p->lcore_id) > 0)
			channel_counts(p->lcore_id, &replied, &sent, &st);
	}
	__atomic_store_n(&p->c.ack, st.acks - p->base_ack, __ATOMIC_RELAXED);
	__atomic_store_n(&p->c.nack, st.nacks - p->base_nack,
		__ATOMIC_RELAXED);
	__atomic_store_n(&p->c.lost, st.lost, __ATOMIC_RELAXED);
	__atomic_store_n(&p->c.resync, st.resyncs, __ATOMIC_RELAXED);
	if (st.nacks > p->base_nack && !p->nack_logged) {
		p->nack_logged = 1;
		L3FWD_LOG(WARNING, "lcore %u: the host refused a frequency "
			"change (NACK); forwarding goes on at the frequency "
			"the host keeps", p->lcore_id);
	}
}

/* Wait a little for the host to answer what was sent. */
static void
drain_replies(struct power_lcore *p)
{
	struct vmp_guest_channel_stats st;
	uint64_t replied, sent;
	unsigned int ms;

	for (ms = 0; ms < DRAIN_MS; ms += 2) {
		vmp_guest_channel_poll(p->lcore_id);
		channel_counts(p->lcore_id, &replied, &sent, &st);
		if (sent - replied <= p->no_reply)
			break;
		rte_delay_us_sleep(2000);
	}
	power_lcore_poll(p);
}

/* Walk back to the start level with the requests the VM has. */
static void
restore_vm(struct power_lcore *p)
{
	uint32_t want = (uint32_t)p->initial, last = p->nb_levels - 1;
	uint64_t fails = p->c.fail;

	if (want == p->top)
		request(p, POWER_REQ_MAX, want);
	else if (want == last)
		request(p, POWER_REQ_MIN, want);
	while (p->level != want && p->c.fail == fails) {
		if (p->level > want)
			request(p, POWER_REQ_UP, p->level - 1);
		else
			request(p, POWER_REQ_DOWN, p->level + 1);
	}
}

void
power_lcore_release(struct power_lcore *p)
{
	if (p->released)
		return;
	p->retry_tsc = 0;
	if (p->mode != POWER_MODE_NONE && p->initial >= 0 && p->synced &&
			p->level != (uint64_t)p->initial) {
		if (p->mode == POWER_MODE_HOST) {
			if ((int)rte_power_set_freq(p->lcore_id,
					(uint32_t)p->initial) >= 0) {
				p->level = (uint32_t)p->initial;
				publish_level(p);
			}
		} else {
			restore_vm(p);
		}
	}
	if (p->mode == POWER_MODE_HOST) {
		rte_power_exit(p->lcore_id);
	} else if (p->mode == POWER_MODE_VM) {
		drain_replies(p);
		vmp_guest_power_exit(p->lcore_id);
	}
	free(p->khz);
	p->khz = NULL;
	/* The mode stays, for the final status. */
	p->released = 1;
}
