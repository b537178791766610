/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The vmpower authors
 */

/*
 * A channel's byte stream in arbitrary chunks: packet_stream.c reassembles
 * it, and every whole packet goes to the monitor's request handling
 * (channel_requests.c) as a guest's would, on a monitor without cpufreq.
 *
 * Input: 1 byte vCPU count (1-8), 1 byte number of chunk sizes K (0-15),
 * K little-endian u16 chunk sizes (cycled; none: one chunk), the stream.
 * Invariants: every whole packet is handed on exactly once, in order,
 * byte for byte; the remainder is the stream's tail, shorter than a
 * packet; every request but CONNECT gets exactly one reply (a NACK: no
 * cpufreq here), queued or counted as dropped, never more than the
 * backlog holds.
 */

#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <rte_log.h>

#include "channel_monitor_private.h"
#include "fuzz.h"

#define NB_VCPUS_MAX	8

static struct {
	struct monitor *mon;
	struct vm vm;
	struct vm_channel ch;
	struct chan_state s;
	struct cpu_list pcpus[NB_VCPUS_MAX];
	char dir[64];
	/* The current input's stream, and how far packets reached in it. */
	const uint8_t *stream;
	size_t delivered;
	size_t connects;
} f;

static void
cleanup(void)
{
	rmdir(f.dir);
}

static void
setup(void)
{
	struct monitor_conf conf = { .rate_limit = -1 };
	unsigned int i;

	rte_log_set_global_level(RTE_LOG_EMERG);
	snprintf(f.dir, sizeof(f.dir), "/tmp/vmp_fuzz_stream.XXXXXX");
	if (mkdtemp(f.dir) == NULL)
		abort();
	atexit(cleanup);
	conf.channel_dir = f.dir;
	if (monitor_create(&conf, &f.mon) < 0)
		abort();
	for (i = 0; i < NB_VCPUS_MAX; i++)
		if (cpu_list_init(&f.pcpus[i], 4) < 0 ||
				cpu_list_add(&f.pcpus[i], i % 4) < 0)
			abort();
	f.vm.name = (char *)"vm0";
	f.vm.id = 1;
	f.vm.running = 1;
	f.vm.pcpus = f.pcpus;
	f.ch.vm = &f.vm;
	f.ch.fd = -1;
	f.s.ch = &f.ch;
	if (cpu_list_init(&f.s.voted, NB_VCPUS_MAX) < 0)
		abort();
}

/* Each input on a channel as new: the result depends on the input only. */
static void
reset_channel(void)
{
	struct cpu_list voted = f.s.voted;

	reply_queue_free(&f.s.txq);
	memset(&f.s, 0, sizeof(f.s));
	f.s.ch = &f.ch;
	f.s.voted = voted;
	f.mon->touched = NULL;
	memset(&f.ch.stats, 0, sizeof(f.ch.stats));
	f.ch.enabled = 1;
}

static void
on_packet(const struct vmp_proto_packet *p, void *arg)
{
	const size_t sz = sizeof(*p);

	(void)arg;
	FUZZ_CHECK(memcmp(p, f.stream + f.delivered * sz, sz) == 0);
	f.delivered++;
	if (p->command == VMP_PROTO_CONNECT)
		f.connects++;
	monitor_handle_packet(f.mon, &f.s, p);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const size_t sz = sizeof(struct vmp_proto_packet);
	struct monitor_stats before, after;
	uint16_t cuts[15];
	unsigned int nb_cuts, i, idle = 0;
	size_t off = 0, n;

	if (f.mon == NULL)
		setup();
	f.vm.nb_vcpus = 1 + (uint32_t)fuzz_take(&data, &size, 1) %
		NB_VCPUS_MAX;
	nb_cuts = (unsigned int)fuzz_take(&data, &size, 1) % 16;
	for (i = 0; i < nb_cuts; i++)
		cuts[i] = (uint16_t)fuzz_take(&data, &size, 2);
	reset_channel();
	f.stream = data;
	f.delivered = f.connects = 0;
	monitor_get_stats(f.mon, &before);

	for (i = 0; off < size; i++) {
		size_t len = size - off;
		uint8_t *chunk;

		if (nb_cuts > 0 && cuts[i % nb_cuts] < len && idle < nb_cuts)
			len = cuts[i % nb_cuts];
		idle = len == 0 ? idle + 1 : 0;
		/* Exactly the chunk on the heap: ASan sees any overread. */
		chunk = malloc(len ? len : 1);
		if (chunk == NULL)
			abort();
		memcpy(chunk, data + off, len);
		n = pkt_stream_feed(&f.s.rx, chunk, len, on_packet, NULL);
		free(chunk);
		off += len;
		FUZZ_CHECK(f.delivered == off / sz);
		FUZZ_CHECK(n <= len / sz + 1);
		FUZZ_CHECK(f.s.rx.rx_len == off % sz);
		FUZZ_CHECK(memcmp(f.s.rx.rx, data + off - f.s.rx.rx_len,
			f.s.rx.rx_len) == 0);
	}
	FUZZ_CHECK(f.delivered == size / sz);

	monitor_get_stats(f.mon, &after);
	FUZZ_CHECK(after.packets - before.packets == f.delivered);
	FUZZ_CHECK(after.acks == before.acks);
	FUZZ_CHECK(after.nacks - before.nacks == f.delivered - f.connects);
	FUZZ_CHECK(f.s.txq.len == (after.nacks - before.nacks -
		(after.dropped - before.dropped)) * sz);
	FUZZ_CHECK(f.s.txq.len <= 64 * sz);
	return 0;
}
