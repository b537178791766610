/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The vmpower authors
 */

/*
 * vmp_emu: run a command over the cpufreq emulator.
 *
 *   vmp_emu [cpufreq_emu.py options] -- cmd [args...]
 *
 * The command (and all it starts) sees the emulator over
 * /sys/devices/system/cpu in a private mount namespace. Options are
 * cpufreq_emu.py's (--cpus, --driver, --policy-size, --log FILE...). Exit
 * status is the command's; 77 (a meson skip) without root, /dev/fuse or
 * python3-pyfuse3; 2 for bad usage; 1 if the emulator failed.
 */

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cpufreq_emu.h"

int
main(int argc, char **argv)
{
	int i, st, ret;
	pid_t pid;

	for (i = 1; i < argc && strcmp(argv[i], "--") != 0; i++)
		;
	if (i + 1 >= argc) {
		fprintf(stderr, "usage: %s [cpufreq_emu.py options] -- cmd "
			"[args]\n", argv[0]);
		return 2;
	}
	argv[i] = NULL;
	ret = emu_enter_argv((const char *const *)&argv[1]);
	if (ret == -EPERM || ret == -ENOTSUP)
		return 77;
	if (ret < 0) {
		fprintf(stderr, "%s: cannot start the emulator: %s\n", argv[0],
			strerror(-ret));
		return 1;
	}
	fflush(stdout);
	pid = fork();
	if (pid == 0) {
		execvp(argv[i + 1], &argv[i + 1]);
		fprintf(stderr, "%s: %s: %s\n", argv[0], argv[i + 1],
			strerror(errno));
		_exit(127);
	}
	while (pid > 0 && waitpid(pid, &st, 0) < 0 && errno == EINTR)
		;
	ret = emu_stop();
	if (pid < 0)
		return 1;
	if (WIFSIGNALED(st))
		return 128 + WTERMSIG(st);
	if (ret < 0 && WEXITSTATUS(st) == 0) {
		fprintf(stderr, "%s: stopping the emulator: %s\n", argv[0],
			strerror(-ret));
		return 1;
	}
	return WEXITSTATUS(st);
}
