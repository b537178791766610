/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The vmpower authors
 */

/* list_host_channels: the host channels' peers, on the loop. */

#include <inttypes.h>
#include <stdio.h>

#include "cli_jobs.h"
#include "host_channels.h"

static void
print_peer(const struct host_channel_info *i, void *arg)
{
	FILE *out = arg;

	if (i->fifo != NULL)
		fprintf(out, "fifo %s", i->fifo);
	else
		fprintf(out, "pid %d uid %u cgroup %s%s", i->pid, i->uid,
			i->cgroup, i->json ? " json" : "");
	fprintf(out, " cpuset %s votes %s requests %" PRIu64 " acks %"
		PRIu64 " nacks %" PRIu64 " refused %" PRIu64 " dropped %"
		PRIu64 " policies %s\n", i->cpuset[0] ? i->cpuset : "(empty)",
		i->votes[0] ? i->votes : "none", i->requests, i->acks,
		i->nacks, i->refused, i->dropped,
		i->policies[0] ? i->policies : "none");
}

void
cli_job_list_host_channels(struct monitor *mon, void *arg)
{
	struct cli_job *j = arg;
	struct host_channels *hc = monitor_host_channels(mon);

	if (hc == NULL) {
		fprintf(j->out, "host channels are off (--host-channels)\n");
		j->ret = 0;
		return;
	}
	fprintf(j->out, "%s: %u connected\n", host_channels_path(hc),
		host_channels_count(hc));
	host_channels_foreach(hc, print_peer, j->out);
	j->ret = 0;
}
