/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The vmpower authors
 */

#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include <rte_cycles.h>
#include <rte_lcore.h>
#include <rte_rwlock.h>
#include <rte_telemetry.h>

#include "vmp_dpdk_compat.h"

#include "l3fwd_log.h"
#include "stats.h"

static const struct worker_set *set;
/* Telemetry answers from its own thread: not once the set is gone. */
static rte_rwlock_t set_lock = RTE_RWLOCK_INITIALIZER;
static rte_thread_t printer;
static int printer_running;
static int printer_stop;
static unsigned int interval;
static uint64_t start_tsc;

/* A port's counters summed over the lcores. */
static void
port_totals(uint16_t port, struct fwd_port_counters *t)
{
	unsigned int i, d;

	memset(t, 0, sizeof(*t));
	for (i = 0; i < set->nb; i++) {
		const struct fwd_port_counters *c = &set->w[i].fwd.cnt[port];

		t->rx += counter_read(&c->rx);
		t->tx += counter_read(&c->tx);
		t->reflected += counter_read(&c->reflected);
		for (d = 0; d < FWD_DROP_MAX; d++)
			t->drop[d] += counter_read(&c->drop[d]);
	}
}

static int
port_used(uint16_t port)
{
	return port < set->t->nb_ports && portmask_has(set->t->portmask,
		port);
}

static const struct worker *
worker_of(unsigned int lcore)
{
	unsigned int i;

	for (i = 0; i < set->nb; i++)
		if (set->w[i].lcore_id == lcore)
			return &set->w[i];
	return NULL;
}

/* The fields of an lcore, in print order. */
struct field {
	const char *name;
	int64_t value;
};

#define LCORE_FIELDS	20

static void
lcore_fields(const struct worker *w, struct field *f)
{
	const struct power_counters *p = &w->power.c;
	uint64_t level = counter_read(&p->level), req = 0;
	unsigned int r, n = 0;

	for (r = 0; r < POWER_REQ_NB; r++)
		req += counter_read(&p->req[r]);
	f[n++] = (struct field){ "rx", (int64_t)counter_read(&w->c.rx) };
	f[n++] = (struct field){ "polls",
		(int64_t)counter_read(&w->c.polls) };
	f[n++] = (struct field){ "empty",
		(int64_t)counter_read(&w->c.empty_polls) };
	f[n++] = (struct field){ "busy",
		(int64_t)counter_read(&w->c.busy_polls) };
	f[n++] = (struct field){ "deep",
		(int64_t)counter_read(&w->c.deep_polls) };
	f[n++] = (struct field){ "deep_first",
		(int64_t)counter_read(&w->c.deep_first) };
	f[n++] = (struct field){ "sleep_us", (int64_t)(
		counter_read(&w->c.sleep_cycles) * 1000000 /
		rte_get_tsc_hz()) };
	f[n++] = (struct field){ "level",
		level == UINT64_MAX ? -1 : (int64_t)level };
	f[n++] = (struct field){ "levels", w->power.nb_levels };
	f[n++] = (struct field){ "khz", (int64_t)counter_read(&p->khz) };
	f[n++] = (struct field){ "requests", (int64_t)req };
	for (r = 0; r < POWER_REQ_NB; r++)
		f[n++] = (struct field){ power_req_str(r),
			(int64_t)counter_read(&p->req[r]) };
	f[n++] = (struct field){ "ack", (int64_t)counter_read(&p->ack) };
	f[n++] = (struct field){ "nack", (int64_t)counter_read(&p->nack) };
	f[n++] = (struct field){ "lost", (int64_t)counter_read(&p->lost) };
	f[n++] = (struct field){ "fail", (int64_t)counter_read(&p->fail) };
	f[n++] = (struct field){ "resync", (int64_t)counter_read(&p->resync) };
	RTE_ASSERT(n == LCORE_FIELDS);
}

void
stats_print(FILE *f, const char *title)
{
	struct fwd_port_counters t;
	struct field fl[LCORE_FIELDS];
	unsigned int i, d;
	uint16_t port;

	if (set == NULL)
		return;
	fprintf(f, "# %s\n", title);
	for (port = 0; port < set->t->nb_ports; port++) {
		uint64_t dropped = 0;

		if (!port_used(port))
			continue;
		port_totals(port, &t);
		for (d = 0; d < FWD_DROP_MAX; d++)
			dropped += t.drop[d];
		fprintf(f, "port=%u rx=%" PRIu64 " tx=%" PRIu64 " reflected=%"
			PRIu64 " dropped=%" PRIu64, port, t.rx, t.tx,
			t.reflected, dropped);
		for (d = 0; d < FWD_DROP_MAX; d++)
			fprintf(f, " %s=%" PRIu64, fwd_drop_str(d), t.drop[d]);
		fputc('\n', f);
	}
	for (i = 0; i < set->nb; i++) {
		const struct worker *w = &set->w[i];
		unsigned int k;

		lcore_fields(w, fl);
		fprintf(f, "lcore=%u power=%s", w->lcore_id,
			power_mode_str(w->power.mode));
		for (k = 0; k < LCORE_FIELDS; k++)
			fprintf(f, " %s=%" PRId64, fl[k].name, fl[k].value);
		fputc('\n', f);
	}
	fflush(f);
}

static uint32_t
printer_main(void *arg)
{
	char title[64];
	unsigned int waited = 0;

	RTE_SET_USED(arg);
	while (!__atomic_load_n(&printer_stop, __ATOMIC_RELAXED)) {
		/* Short naps so stopping never waits a whole interval. */
		rte_delay_us_sleep(10000);
		waited += 10;
		if (waited < interval)
			continue;
		waited = 0;
		snprintf(title, sizeof(title), "status at %.1f s",
			(double)(rte_get_tsc_cycles() - start_tsc) /
			rte_get_tsc_hz());
		stats_print(stdout, title);
	}
	return 0;
}

/* Telemetry: the ids of the ports or of the lcores. */
static int
ids(const char *cmd, struct rte_tel_data *d)
{
	unsigned int i;

	rte_tel_data_start_array(d, RTE_TEL_INT_VAL);
	if (strstr(cmd, "ports") != NULL) {
		for (i = 0; i < set->t->nb_ports; i++)
			if (port_used((uint16_t)i))
				rte_tel_data_add_array_int(d, (int)i);
	} else {
		for (i = 0; i < set->nb; i++)
			rte_tel_data_add_array_int(d, (int)set->w[i].lcore_id);
	}
	return 0;
}

static int
parse_id(const char *params, unsigned long *id)
{
	char *end;

	if (params == NULL || *params == '\0')
		return -EINVAL;
	*id = strtoul(params, &end, 10);
	return *end == '\0' ? 0 : -EINVAL;
}

static int
port(const char *params, struct rte_tel_data *d)
{
	struct fwd_port_counters t;
	unsigned long id;
	unsigned int k;

	if (parse_id(params, &id) < 0 || id > UINT16_MAX ||
			!port_used((uint16_t)id))
		return -EINVAL;
	port_totals((uint16_t)id, &t);
	rte_tel_data_start_dict(d);
	rte_tel_data_add_dict_uint(d, "rx", t.rx);
	rte_tel_data_add_dict_uint(d, "tx", t.tx);
	rte_tel_data_add_dict_uint(d, "reflected", t.reflected);
	for (k = 0; k < FWD_DROP_MAX; k++)
		rte_tel_data_add_dict_uint(d, fwd_drop_str(k), t.drop[k]);
	return 0;
}

static int
lcore(const char *params, struct rte_tel_data *d)
{
	struct field fl[LCORE_FIELDS];
	const struct worker *w;
	unsigned long id;
	unsigned int k;

	if (parse_id(params, &id) < 0 || id >= RTE_MAX_LCORE)
		return -EINVAL;
	w = worker_of((unsigned int)id);
	if (w == NULL)
		return -EINVAL;
	lcore_fields(w, fl);
	rte_tel_data_start_dict(d);
	rte_tel_data_add_dict_string(d, "power",
		power_mode_str(w->power.mode));
	for (k = 0; k < LCORE_FIELDS; k++) {
		if (fl[k].value < 0)
			rte_tel_data_add_dict_int(d, fl[k].name,
				(int)fl[k].value);
		else
			rte_tel_data_add_dict_uint(d, fl[k].name,
				(uint64_t)fl[k].value);
	}
	return 0;
}

/*
 * Upstream's /l3fwd_power/stats (telemetry mode, same names in 22.11,
 * 24.11 and 25.11): empty and full rx bursts and busyness, each the mean
 * over the forwarding lcores.
 */
static int
upstream_stats(struct rte_tel_data *d)
{
	uint64_t ep = 0, fp = 0, br = 0, n = set->nb;
	unsigned int i;

	for (i = 0; i < set->nb; i++) {
		ep += counter_read(&set->w[i].c.q_empty);
		fp += counter_read(&set->w[i].c.q_full);
		br += counter_read(&set->w[i].c.busy_pct);
	}
	rte_tel_data_start_dict(d);
	rte_tel_data_add_dict_uint(d, "empty_poll", n ? ep / n : 0);
	rte_tel_data_add_dict_uint(d, "full_poll", n ? fp / n : 0);
	rte_tel_data_add_dict_uint(d, "busy_percent", n ? br / n : 0);
	return 0;
}

static int
tel_cb(const char *cmd, const char *params, struct rte_tel_data *d)
{
	int ret;

	rte_rwlock_read_lock(&set_lock);
	if (set == NULL)
		ret = -ENODEV;
	else if (strcmp(cmd, "/l3fwd_power/port") == 0)
		ret = port(params, d);
	else if (strcmp(cmd, "/l3fwd_power/lcore") == 0)
		ret = lcore(params, d);
	else if (strcmp(cmd, "/l3fwd_power/stats") == 0)
		ret = upstream_stats(d);
	else
		ret = ids(cmd, d);
	rte_rwlock_read_unlock(&set_lock);
	return ret;
}

int
stats_start(const struct worker_set *s, unsigned int interval_ms)
{
	int ret;

	set = s;
	start_tsc = rte_get_tsc_cycles();
	interval = interval_ms;
	rte_telemetry_register_cmd("/l3fwd_power/ports", tel_cb,
		"Ports l3fwd-power forwards between. No parameters");
	rte_telemetry_register_cmd("/l3fwd_power/lcores", tel_cb,
		"Forwarding lcores of l3fwd-power. No parameters");
	rte_telemetry_register_cmd("/l3fwd_power/port", tel_cb,
		"Counters of a port. Parameters: int port_id");
	rte_telemetry_register_cmd("/l3fwd_power/lcore", tel_cb,
		"Load and frequency of an lcore. Parameters: int lcore_id");
	rte_telemetry_register_cmd("/l3fwd_power/stats", tel_cb,
		"Returns global power stats. Parameters: None");
	if (interval_ms == 0)
		return 0;
	ret = rte_thread_create_control(&printer, "l3fwd-stats",
		printer_main, NULL);
	if (ret != 0) {
		L3FWD_LOG(ERR, "cannot start the status thread: %s",
			strerror(ret));
		return -ret;
	}
	printer_running = 1;
	return 0;
}

void
stats_stop(void)
{
	if (!printer_running)
		return;
	__atomic_store_n(&printer_stop, 1, __ATOMIC_RELAXED);
	rte_thread_join(printer, NULL);
	printer_running = 0;
}

void
stats_close(void)
{
	rte_rwlock_write_lock(&set_lock);
	set = NULL;
	rte_rwlock_write_unlock(&set_lock);
}
