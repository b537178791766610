/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The vmpower authors
 */

#ifndef VMP_CLI_SYNTAX_H
#define VMP_CLI_SYNTAX_H

/**
 * @file
 * What the daemon's commands look like, in words: each command's syntax
 * and one-line help, `help`, the explanation of a line that does not
 * parse (what is wrong, then the expected syntax), and suggestions of
 * the closest names (edit distance) for a mistyped word.
 *
 * Owns: the table of command syntaxes, the one description of every
 * command (cmdline's help strings come from it). Pure functions, no
 * state: any thread.
 *
 * Called by: cli_commands.c.
 */

#include <stddef.h>
#include <stdio.h>

/** "add_vm <name>: serve the libvirt domain <name>", or NULL. */
const char *cli_syntax_brief(const char *cmd);

/**
 * `help` (@p cmd NULL: every command, one line each) or `help <cmd>`
 * (its syntax, what it does, its arguments).
 * @return 0, or -ENOENT (an unknown command: said, with suggestions).
 */
int cli_syntax_help(FILE *out, const char *cmd);

/**
 * Say why @p line is not a valid command: an unknown command (with the
 * closest ones), a missing, malformed or unexpected argument, then the
 * expected syntax. @return -EINVAL, or -ENOENT for an unknown command.
 */
int cli_syntax_explain(FILE *out, const char *line);

/**
 * The names among @p names (@p n of them) closest to @p word by edit
 * distance, at most 3, written as "a, b or c" into @p buf.
 * @return how many were written (0: none close enough).
 */
int cli_suggest(const char *word, const char *const *names, size_t n,
		char *buf, size_t len);

#endif /* VMP_CLI_SYNTAX_H */
