/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The vmpower authors
 */

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <vmp_guest_channel.h>

#include "test_l3fwd_host.h"

static void
nap_ms(unsigned int ms)
{
	struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000 };

	nanosleep(&ts, NULL);
}

/* Apply a CPU_POWER request as the daemon would; record it. */
static int
apply(struct l3fwd_host *h, uint32_t unit)
{
	uint32_t last = h->nb_khz - 1, old, *grown;

	pthread_mutex_lock(&h->lock);
	old = h->level;
	switch (unit) {
	case VMP_PROTO_SCALE_UP:
		h->level -= h->level > 0;
		break;
	case VMP_PROTO_SCALE_DOWN:
		h->level += h->level < last;
		break;
	case VMP_PROTO_SCALE_MAX:
		h->level = 0;
		break;
	case VMP_PROTO_SCALE_MIN:
		h->level = last;
		break;
	default:
		break;
	}
	if (atomic_load(&h->nack))
		h->level = old;
	else if (h->level == old)
		h->redundant++;
	h->reached_top |= h->level == 0;
	grown = realloc(h->seq, (h->nb_seq + 1) * sizeof(*grown));
	if (grown != NULL) {
		h->seq = grown;
		h->seq[h->nb_seq++] = unit;
	}
	pthread_mutex_unlock(&h->lock);
	return atomic_load(&h->nack) ? VMP_PROTO_NACK : VMP_PROTO_ACK;
}

static int
answer(struct l3fwd_host *h, const struct vmp_proto_packet *req)
{
	union vmp_guest_reply r;
	uint32_t i;

	memset(&r, 0, sizeof(r));
	r.ack = *req;
	switch (req->command) {
	case VMP_PROTO_CONNECT:
		h->connects++;
		return 0;
	case VMP_PROTO_CPU_POWER:
		r.ack.command = (uint32_t)apply(h, req->unit);
		break;
	case VMP_PROTO_QUERY_FREQ_AVAIL:
		h->queries++;
		if (h->list_nack) {
			r.ack.command = VMP_PROTO_NACK;
			break;
		}
		memset(&r, 0, sizeof(r));
		r.freq.resource_id = req->resource_id;
		r.freq.command = VMP_PROTO_FREQ_AVAIL;
		r.freq.unit = h->nb_khz;
		for (i = 0; i < VMP_PROTO_LIST_SZ &&
				req->unit + i < h->nb_khz; i++)
			r.freq.freq_list[i] = h->khz[req->unit + i];
		r.freq.num_vcpu = (uint8_t)i;
		break;
	case VMP_PROTO_QUERY_FREQ:
		h->queries++;
		memset(&r, 0, sizeof(r));
		r.freq.resource_id = req->resource_id;
		r.freq.command = VMP_PROTO_FREQ_LIST;
		pthread_mutex_lock(&h->lock);
		r.freq.freq_list[vmp_proto_slot(req->resource_id)] =
			h->khz[h->level];
		pthread_mutex_unlock(&h->lock);
		r.freq.num_vcpu = 1;
		break;
	default:
		r.ack.command = VMP_PROTO_NACK;
		break;
	}
	return test_port_reply(h->port, &r);
}

static void *
host_main(void *arg)
{
	struct l3fwd_host *h = arg;
	struct vmp_proto_packet req;

	while (!atomic_load(&h->stop)) {
		int ret;

		if (atomic_load(&h->paused)) {
			nap_ms(5);
			continue;
		}
		ret = test_port_read(h->port, &req, 20);
		if (ret == -ETIMEDOUT)
			continue;
		if (ret < 0) {
			/* No guest on the port right now (EIO): wait. */
			nap_ms(5);
			continue;
		}
		if (answer(h, &req) < 0)
			printf("host: cannot answer command %u\n",
				req.command);
	}
	return NULL;
}

int
l3fwd_host_start(struct l3fwd_host *h, struct test_port *port)
{
	h->port = port;
	h->level = h->start_level;
	h->seq = NULL;
	h->nb_seq = 0;
	h->redundant = 0;
	h->connects = 0;
	h->queries = 0;
	h->reached_top = 0;
	atomic_store(&h->stop, 0);
	pthread_mutex_init(&h->lock, NULL);
	return -pthread_create(&h->thread, NULL, host_main, h);
}

void
l3fwd_host_stop(struct l3fwd_host *h)
{
	atomic_store(&h->stop, 1);
	pthread_join(h->thread, NULL);
	free(h->seq);
	h->seq = NULL;
	pthread_mutex_destroy(&h->lock);
}

unsigned int
l3fwd_host_count(struct l3fwd_host *h, uint32_t unit)
{
	unsigned int i, n = 0;

	pthread_mutex_lock(&h->lock);
	for (i = 0; i < h->nb_seq; i++)
		n += h->seq[i] == unit;
	pthread_mutex_unlock(&h->lock);
	return n;
}

uint32_t
l3fwd_host_level(struct l3fwd_host *h)
{
	uint32_t l;

	pthread_mutex_lock(&h->lock);
	l = h->level;
	pthread_mutex_unlock(&h->lock);
	return l;
}

unsigned int
l3fwd_host_requests(struct l3fwd_host *h)
{
	unsigned int n;

	pthread_mutex_lock(&h->lock);
	n = h->nb_seq;
	pthread_mutex_unlock(&h->lock);
	return n;
}

int
l3fwd_host_wait_level(struct l3fwd_host *h, uint32_t level, int after_top,
		int ms)
{
	for (; ms > 0; ms -= 5) {
		int ok;

		pthread_mutex_lock(&h->lock);
		ok = h->level == level && (!after_top || h->reached_top);
		pthread_mutex_unlock(&h->lock);
		if (ok)
			return 0;
		nap_ms(5);
	}
	return -ETIMEDOUT;
}

size_t
l3fwd_port_fill(struct test_port *port)
{
	size_t total = test_port_fill(port), n;
	int i;

	for (i = 0; i < 100; i++) {
		nap_ms(20);
		n = test_port_fill(port);
		if (n == 0)
			break;
		total += n;
	}
	return total;
}

const char *
l3fwd_host_seq_str(struct l3fwd_host *h, char *buf, size_t size)
{
	size_t off = 0;
	unsigned int i;

	buf[0] = '\0';
	pthread_mutex_lock(&h->lock);
	for (i = 0; i < h->nb_seq && off + 8 < size; i++) {
		const char *u = vmp_proto_unit_str(h->seq[i]);

		off += (size_t)snprintf(buf + off, size - off, "%s%s",
			i ? " " : "", u ? u : "?");
	}
	pthread_mutex_unlock(&h->lock);
	return buf;
}
