/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The vmpower authors
 */

#ifndef VMP_DAEMON_OPTIONS_PRIVATE_H
#define VMP_DAEMON_OPTIONS_PRIVATE_H

/*
 * Shared by the options' three files only: daemon_options.c (the daemon's
 * options, the command line), daemon_options_config.c (the file) and
 * daemon_options_eal.c (EAL's arguments and their defaults).
 */

#include <stddef.h>

#include "daemon_options.h"

enum dopt_src { DOPT_NONE, DOPT_FILE, DOPT_CMDLINE };

/* A copy of @s that lives as long as @o. NULL: out of memory. */
char *dopt_keep(struct daemon_opts *o, const char *s);

/* yes/true/on/1 -> 1, no/false/off/0 -> 0, else -EINVAL. */
int dopt_bool(const char *v);

/* Key @key of [daemon] (a long option's name) set to @v. @return 0, or
 * -EINVAL with @why filled. */
int dopt_apply_key(struct daemon_opts *o, const char *key, const char *v,
	char *why, size_t len);

/* Key @key of [eal] set to @v (kept for dopt_eal_args). @return 0, or
 * -EINVAL with @why filled. */
int dopt_eal_key(struct daemon_opts *o, const char *key, const char *v,
	char *why, size_t len);

/* Read o->config, or the default file if it exists (a missing --config
 * file is an error when @must_exist). @return 0 or -EINVAL (printed). */
int dopt_read_config(struct daemon_opts *o, int must_exist);

/* Build o->eal_argv: the file's [eal] entries the command line does not
 * override, the command line's @argc EAL arguments @argv, and the
 * defaults for what neither set. @return 0 or -ENOMEM. */
int dopt_eal_args(struct daemon_opts *o, const char *prog, int argc,
	char **argv);

#endif /* VMP_DAEMON_OPTIONS_PRIVATE_H */
