/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The vmpower authors
 */

#ifndef VMP_CPU_LIST_H
#define VMP_CPU_LIST_H

/**
 * @file
 * CPU sets of any width, and their text form ("0-3,8,10-11").
 *
 * Owns: nothing beyond the sets it allocates. Used by every host component
 * that names physical CPUs: the channel manager (pinning), the power
 * manager (sets of cores) and the CLI (arguments). Built on glibc's
 * dynamically sized cpu_set_t, so no width is fixed at compile time.
 */

#include <sched.h>
#include <stddef.h>
#include <stdint.h>

/** The highest CPU id a list may name (far past any host's). */
#define CPU_LIST_MAX_CPU	((1u << 20) - 1)

struct cpu_list {
	unsigned int nb_cpus;	/**< CPUs the set can hold: 0..nb_cpus-1 */
	cpu_set_t *set;		/**< CPU_ALLOC'ed, CPU_ALLOC_SIZE(nb_cpus) */
};

/** Make an empty set able to hold CPUs 0..@p nb_cpus-1. @return 0 or <0 */
int cpu_list_init(struct cpu_list *l, unsigned int nb_cpus);

/** Free the set; the struct may be initialised again. */
void cpu_list_free(struct cpu_list *l);

/** Add @p cpu, growing the set if needed. @return 0 or -ENOMEM */
int cpu_list_add(struct cpu_list *l, unsigned int cpu);

/** Whether @p cpu is in the set. */
int cpu_list_has(const struct cpu_list *l, unsigned int cpu);

/** Number of CPUs in the set. */
unsigned int cpu_list_count(const struct cpu_list *l);

/** Lowest CPU >= @p from in the set, or -1: for (c = next(l, 0); c >= 0;
 * c = next(l, c + 1)). */
int cpu_list_next(const struct cpu_list *l, unsigned int from);

/** Copy @p src into @p dst (which is freed first). @return 0 or <0 */
int cpu_list_copy(struct cpu_list *dst, const struct cpu_list *src);

/** Whether both sets hold the same CPUs. */
int cpu_list_equal(const struct cpu_list *a, const struct cpu_list *b);

/**
 * Parse "0-3,8" into @p l (initialised by this call).
 * @param max_cpu  CPUs above it are refused (e.g. the host's count - 1)
 * @param err      on failure, why (e.g. "'9' is above the highest CPU 7")
 * @return 0, or -EINVAL with @p err filled
 */
int cpu_list_parse(struct cpu_list *l, const char *text, unsigned int max_cpu,
		char *err, size_t err_len);

/** Write the set as "0-3,8" into @p buf. @return length, or <0 if short */
int cpu_list_format(const struct cpu_list *l, char *buf, size_t len);

/** Build a set from a libvirt cpumap (bit n of byte n/8 is CPU n). */
int cpu_list_from_map(struct cpu_list *l, const unsigned char *map,
		size_t maplen);

/** Fill a libvirt cpumap of @p maplen bytes. @return 0 or -ERANGE */
int cpu_list_to_map(const struct cpu_list *l, unsigned char *map,
		size_t maplen);

#endif /* VMP_CPU_LIST_H */
