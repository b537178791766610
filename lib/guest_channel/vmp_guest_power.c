/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The vmpower authors
 */

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <rte_common.h>

#include "vmp_dpdk_compat.h"

#include "vmp_guest_channel.h"
#include "vmp_guest_channel_private.h"
#include "vmp_guest_power.h"

#define INVALID_FREQ_INDEX	VMP_POWER_INVALID_INDEX
/* A host claiming more frequencies than this is broken. */
#define FREQS_SANE_MAX		4096

/* Frequencies (kHz) the host listed for each lcore's vCPU. */
static struct {
	uint32_t *khz;
	uint32_t nb;
} freq_cache[RTE_MAX_LCORE];

static int
change(unsigned int lcore_id, uint32_t unit)
{
	int ret;

	if (!vmp_guest_power_wait_ack())
		return vmp_guest_channel_send(lcore_id, unit) == 0 ? 1 : -1;
	ret = vmp_guest_channel_request(lcore_id, unit);
	if (ret < 0)
		return -1;
	return ret == VMP_PROTO_ACK ? 1 : 0;
}

static int
power_up(unsigned int lcore_id)
{
	return change(lcore_id, VMP_PROTO_SCALE_UP);
}

static int
power_down(unsigned int lcore_id)
{
	return change(lcore_id, VMP_PROTO_SCALE_DOWN);
}

static int
power_max(unsigned int lcore_id)
{
	return change(lcore_id, VMP_PROTO_SCALE_MAX);
}

static int
power_min(unsigned int lcore_id)
{
	return change(lcore_id, VMP_PROTO_SCALE_MIN);
}

static int
power_turbo_on(unsigned int lcore_id)
{
	return change(lcore_id, VMP_PROTO_ENABLE_TURBO);
}

static int
power_turbo_off(unsigned int lcore_id)
{
	return change(lcore_id, VMP_PROTO_DISABLE_TURBO);
}

static int
power_unsupported(unsigned int lcore_id)
{
	GUEST_LOG(DEBUG, "lcore %u: turbo status has no request in the "
		"protocol", lcore_id);
	return -ENOTSUP;
}

static int
power_set_freq(unsigned int lcore_id, uint32_t index)
{
	GUEST_LOG(DEBUG, "lcore %u: setting frequency index %u has no request "
		"in the protocol", lcore_id, index);
	return -ENOTSUP;
}

/* Fetch the host's frequency list for this lcore's vCPU, 8 at a time. */
static int
refresh_freqs(unsigned int lcore_id)
{
	union vmp_guest_reply r;
	uint32_t *khz = NULL;
	uint32_t total = 0, got = 0;
	int ret;

	do {
		ret = vmp_guest_channel_query(lcore_id,
			VMP_PROTO_QUERY_FREQ_AVAIL, got, &r);
		if (ret != VMP_PROTO_FREQ_AVAIL)
			goto fail;
		if (khz == NULL) {
			total = r.freq.unit;
			if (total == 0 || total > FREQS_SANE_MAX)
				goto bad_reply;
			khz = calloc(total, sizeof(*khz));
			if (khz == NULL) {
				ret = -ENOMEM;
				goto fail;
			}
		}
		if (r.freq.unit != total || r.freq.num_vcpu == 0 ||
				r.freq.num_vcpu > VMP_PROTO_LIST_SZ ||
				r.freq.num_vcpu > total - got)
			goto bad_reply;
		memcpy(khz + got, r.freq.freq_list,
			r.freq.num_vcpu * sizeof(*khz));
		got += r.freq.num_vcpu;
	} while (got < total);
	free(freq_cache[lcore_id].khz);
	freq_cache[lcore_id].khz = khz;
	freq_cache[lcore_id].nb = total;
	return 0;
bad_reply:
	GUEST_LOG(ERR, "lcore %u: malformed frequency list from host "
		"(total %u, entries %u at %u)", lcore_id, r.freq.unit,
		r.freq.num_vcpu, got);
	ret = -EPROTO;
fail:
	free(khz);
	if (ret == VMP_PROTO_NACK)
		GUEST_LOG(ERR, "lcore %u: host refused the frequency list",
			lcore_id);
	return ret < 0 ? ret : -EPROTO;
}

static uint32_t
power_freqs(unsigned int lcore_id, uint32_t *freqs, uint32_t num)
{
	uint32_t nb;

	if (freqs == NULL || lcore_id >= RTE_MAX_LCORE ||
			refresh_freqs(lcore_id) < 0)
		return 0;
	nb = freq_cache[lcore_id].nb;
	memcpy(freqs, freq_cache[lcore_id].khz,
		RTE_MIN(nb, num) * sizeof(*freqs));
	return nb;
}

static int
find_index(unsigned int lcore_id, uint32_t khz)
{
	uint32_t i;

	for (i = 0; i < freq_cache[lcore_id].nb; i++)
		if (freq_cache[lcore_id].khz[i] == khz)
			return (int)i;
	return -1;
}

static uint32_t
power_get_freq(unsigned int lcore_id)
{
	union vmp_guest_reply r;
	int64_t vcpu = vmp_guest_channel_get_vcpu(lcore_id);
	uint32_t khz;
	int idx;

	if (vcpu < 0)
		return INVALID_FREQ_INDEX;
	if (vmp_guest_channel_query(lcore_id, VMP_PROTO_QUERY_FREQ, 0, &r) !=
			VMP_PROTO_FREQ_LIST)
		return INVALID_FREQ_INDEX;
	khz = r.freq.freq_list[vmp_proto_slot((uint64_t)vcpu)];
	idx = find_index(lcore_id, khz);
	/* The vCPU may have moved to a core with other frequencies. */
	if (idx < 0 && refresh_freqs(lcore_id) == 0)
		idx = find_index(lcore_id, khz);
	if (idx < 0) {
		GUEST_LOG(ERR, "lcore %u: host reports %u kHz, not in its own "
			"frequency list", lcore_id, khz);
		return INVALID_FREQ_INDEX;
	}
	return (uint32_t)idx;
}

static int
power_caps(unsigned int lcore_id, struct rte_power_core_capabilities *caps)
{
	union vmp_guest_reply r;
	int64_t vcpu = vmp_guest_channel_get_vcpu(lcore_id);
	unsigned int slot;
	int ret;

	if (caps == NULL)
		return -EINVAL;
	if (vcpu < 0)
		return (int)vcpu;
	ret = vmp_guest_channel_query(lcore_id, VMP_PROTO_QUERY_CAPS, 0, &r);
	if (ret == VMP_PROTO_NACK)
		return -EPERM;
	if (ret != VMP_PROTO_CAPS_LIST)
		return ret < 0 ? ret : -EPROTO;
	slot = vmp_proto_slot((uint64_t)vcpu);
	memset(caps, 0, sizeof(*caps));
	caps->turbo = !!r.caps.turbo[slot];
	caps->priority = !!r.caps.priority[slot];
	return 0;
}

/* Our get_caps answers this pointer with PROBE_MAGIC: who is selected? */
static struct rte_power_core_capabilities probe_caps;
#define PROBE_MAGIC	0x766d70

static int
power_caps_or_probe(unsigned int lcore_id,
	struct rte_power_core_capabilities *caps)
{
	return caps == &probe_caps ? PROBE_MAGIC : power_caps(lcore_id, caps);
}

static int
power_ops_init(unsigned int lcore_id)
{
	int ret = 0;

	if (!vmp_guest_channel_is_open(lcore_id))
		ret = vmp_guest_channel_open(lcore_id);
	return ret < 0 ? -1 : 0;
}

static int
power_ops_exit(unsigned int lcore_id)
{
	return vmp_guest_power_exit(lcore_id) < 0 ? -1 : 0;
}

/* Any VM may have the ports; init tells whether this one does. */
static int
power_ops_supported(void)
{
	return 1;
}

/*
 * Our backend under the VM environment's name. On 24.11 and later the
 * first ops registered under a name answer for it: this constructor runs
 * before any driver's RTE_INIT (priority LAST) in a static program, and
 * before EAL dlopens its driver directory (where the stock kvm_vm driver
 * of a shared install lives). vmp_guest_power_init() checks the outcome.
 */
static struct rte_power_cpufreq_ops vmp_power_ops = {
	.name = "kvm-vm",
	.init = power_ops_init,
	.exit = power_ops_exit,
	.check_env_support = power_ops_supported,
	.get_avail_freqs = power_freqs,
	.get_freq = power_get_freq,
	.set_freq = power_set_freq,
	.freq_up = power_up,
	.freq_down = power_down,
	.freq_max = power_max,
	.freq_min = power_min,
	.turbo_status = power_unsupported,
	.enable_turbo = power_turbo_on,
	.disable_turbo = power_turbo_off,
	.get_caps = power_caps_or_probe,
};

RTE_INIT_PRIO(vmp_guest_power_register, CLASS)
{
	vmp_compat_power_register(&vmp_power_ops);
}

int
vmp_guest_power_init(unsigned int lcore_id)
{
	enum power_management_env env = rte_power_get_env();
	int ret;

	if (env != PM_ENV_NOT_SET && env != PM_ENV_KVM_VM) {
		GUEST_LOG(ERR, "lcore %u: power environment %d is already set, "
			"not the VM one", lcore_id, env);
		return -EBUSY;
	}
	if (!vmp_guest_channel_is_open(lcore_id)) {
		ret = vmp_guest_channel_open(lcore_id);
		if (ret < 0)
			return ret;
	}
	if (vmp_compat_power_select(PM_ENV_KVM_VM, &vmp_power_ops) < 0) {
		GUEST_LOG(ERR, "lcore %u: cannot select the VM power "
			"environment", lcore_id);
		vmp_guest_channel_close(lcore_id);
		return -EBUSY;
	}
	if (rte_power_get_capabilities(lcore_id, &probe_caps) != PROBE_MAGIC) {
		GUEST_LOG(ERR, "lcore %u: another VM power backend answers "
			"the rte_power API (DPDK's own kvm_vm driver was "
			"registered first: a program linked with "
			"librte_power_kvm_vm before libvmpower-guest)",
			lcore_id);
		vmp_guest_channel_close(lcore_id);
		return -EBUSY;
	}
	return 0;
}

int
vmp_guest_power_exit(unsigned int lcore_id)
{
	if (lcore_id < RTE_MAX_LCORE) {
		free(freq_cache[lcore_id].khz);
		freq_cache[lcore_id].khz = NULL;
		freq_cache[lcore_id].nb = 0;
	}
	return vmp_guest_channel_close(lcore_id);
}
