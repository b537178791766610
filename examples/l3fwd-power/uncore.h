/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The vmpower authors
 */

#ifndef L3FWD_UNCORE_H
#define L3FWD_UNCORE_H

/**
 * @file
 * Upstream's -u, -U and -i INDEX: every die of every package set to its
 * lowest, its highest, or its INDEX-th uncore frequency (highest first)
 * through librte_power's uncore API, and put back at exit. Refused inside
 * a VM, where the uncore belongs to the host. Owns the dies it took; main
 * thread only.
 */

#include "options.h"

/**
 * Apply --uncore of @p o. @param in_vm  the lcores run in a VM.
 * @return 0 or a negative errno (logged with the reason).
 */
int uncore_apply(const struct app_options *o, int in_vm);

/** Give back every die uncore_apply() took. */
void uncore_release(void);

#endif /* L3FWD_UNCORE_H */
