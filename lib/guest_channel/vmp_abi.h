/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The vmpower authors
 */

#ifndef VMP_ABI_H
#define VMP_ABI_H

/**
 * @file
 * ABI markers of the guest library (libvmpower-guest).
 *
 * Owns: the tag that marks a function as experimental, as DPDK's
 * __rte_experimental does. An experimental function is exported in the
 * EXPERIMENTAL node of the library's version map (not in VMPOWER_<N>),
 * lives in the section .text.experimental, and may change or go away in
 * any release without a soname bump. Calling one warns (deprecated
 * attribute) unless the application defines ALLOW_EXPERIMENTAL_API, the
 * same switch as DPDK's. See the ABI policy in the guest guide.
 */

#ifdef __DOXYGEN__
/** Marks an experimental function (see the file's description). */
#define __vmp_experimental
#elif !defined(ALLOW_EXPERIMENTAL_API)
#define __vmp_experimental \
	__attribute__((deprecated("Symbol is not yet part of stable ABI"), \
		section(".text.experimental")))
#else
#define __vmp_experimental \
	__attribute__((section(".text.experimental")))
#endif

#endif /* VMP_ABI_H */
