/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The vmpower authors
 */

/*
 * vmp_sandbox: run a command inside a fake cpufreq tree.
 *
 *   vmp_sandbox [shape options] -- cmd [args...]
 *
 * The command (and all it starts) sees the tree of cpufreq_sandbox.h over
 * /sys/devices/system/cpu in a private mount namespace; the tree goes away
 * with the last of those processes. Exit status is the command's; 77 (a
 * meson skip) when mount namespaces are not permitted, 2 for bad usage.
 */

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cpufreq_sandbox.h"

static void
usage(const char *prog)
{
	fprintf(stderr,
		"usage: %s [--cpus N] [--driver acpi-cpufreq|intel_pstate|"
		"cppc_cpufreq]\n"
		"       [--governor G] [--freqs KHZ,KHZ,...] [--start KHZ]\n"
		"       [--min KHZ] [--max KHZ] [--base KHZ] [--no-turbo]\n"
		"       [--no-cpufreq LIST] [--priority LIST] -- cmd [args]\n",
		prog);
}

int
main(int argc, char **argv)
{
	struct sandbox_shape shape = { 0 };
	int i = 1, n, ret;

	while (i < argc && strcmp(argv[i], "--") != 0) {
		n = sandbox_shape_option(&shape, argv[i],
			i + 1 < argc ? argv[i + 1] : NULL);
		if (n <= 0) {
			fprintf(stderr, "%s: bad option '%s'\n", argv[0],
				argv[i]);
			usage(argv[0]);
			return 2;
		}
		i += n;
	}
	if (i + 1 >= argc) {
		usage(argv[0]);
		return 2;
	}
	ret = sandbox_enter(&shape);
	if (ret < 0)
		return ret == -EPERM ? 77 : 1;
	execvp(argv[i + 1], &argv[i + 1]);
	fprintf(stderr, "%s: %s: %s\n", argv[0], argv[i + 1], strerror(errno));
	return 127;
}
