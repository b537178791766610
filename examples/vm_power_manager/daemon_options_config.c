/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The vmpower authors
 */

/*
 * The configuration file, read by DPDK's librte_cfgfile (INI, '#'
 * comments):
 *
 *   [daemon]            the daemon's long options, without dashes
 *   libvirt-uri = qemu:///system
 *   no-cli = yes        a flag is yes or no
 *   vm-pattern = web-*  repeatable ones may repeat
 *   [eal]               EAL's long options, without dashes
 *   log-level = vmpower.monitor:debug
 *   no-huge = no        no: left out, and its default with it
 *
 * librte_cfgfile keeps no line numbers. Rather than a second INI parser
 * to find them, a refused entry's line is found with librte_cfgfile
 * itself: it loads ever shorter prefixes of the file (by bisection), and
 * the entry's line is the last line of the shortest prefix that holds it.
 * Only a bad file pays for that.
 */

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <rte_cfgfile.h>
#include <rte_log.h>

#include "daemon_options_private.h"

/* A file of settings is small; past this it is not ours. */
#define CONFIG_MAX_BYTES	(1 << 20)

static struct rte_cfgfile *
load(const char *path)
{
	struct rte_cfgfile_parameters params = { .comment_character = '#' };

	return rte_cfgfile_load_with_params(path, 0, &params);
}

struct prefix_probe {
	char *text;		/* the whole file */
	size_t len;
	int section;		/* the section's index, or a PROBE_ */
	int entry;		/* its entry's, -1: the [section] line */
};

#define PROBE_FAILS	(-1)	/* the prefix fails to load */
#define PROBE_IGNORED	(-2)	/* librte_cfgfile ignored one of its lines */

/*
 * Lines that are not blank or a comment, among the first @n bytes:
 * each must be a [section] or an entry for librte_cfgfile, which takes
 * a line without '=' for nothing.
 */
static int
nb_meant(const char *text, size_t n)
{
	int meant = 0, blank = 1;
	size_t i;

	for (i = 0; i < n; i++) {
		if (text[i] == '\n') {
			meant += !blank;
			blank = 1;
		} else if (blank && text[i] == '#') {
			while (i + 1 < n && text[i + 1] != '\n')
				i++;
		} else if (text[i] != ' ' && text[i] != '\t' &&
				text[i] != '\r') {
			blank = 0;
		}
	}
	return meant + !blank;
}

/* Sections and entries librte_cfgfile found in @cfg. */
static int
nb_found(struct rte_cfgfile *cfg)
{
	char name[CFG_NAME_LEN];
	int s, n = rte_cfgfile_num_sections(cfg, NULL, 0), found = n;

	for (s = 0; s < n; s++)
		found += rte_cfgfile_section_num_entries_by_index(cfg, name,
			s);
	return found;
}

/*
 * Load the first @lines lines; @return whether they hold the entry
 * probed (with @p->section < 0: whether they fail to load).
 */
static int
prefix_has(const struct prefix_probe *p, int lines)
{
	char path[64], name[CFG_NAME_LEN];
	struct rte_cfgfile *cfg;
	size_t n = 0;
	int fd, ret;

	while (n < p->len && lines > 0)
		if (p->text[n++] == '\n')
			lines--;
	fd = memfd_create("vmpower-conf", MFD_CLOEXEC);
	if (fd < 0 || write(fd, p->text, n) != (ssize_t)n) {
		if (fd >= 0)
			close(fd);
		return 0;
	}
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	cfg = load(path);
	close(fd);
	if (p->section == PROBE_FAILS)
		ret = cfg == NULL;
	else if (p->section == PROBE_IGNORED)
		ret = cfg != NULL && nb_found(cfg) < nb_meant(p->text, n);
	else
		ret = cfg != NULL &&
			rte_cfgfile_num_sections(cfg, NULL, 0) > p->section &&
			(p->entry < 0 ||
			rte_cfgfile_section_num_entries_by_index(cfg, name,
				p->section) > p->entry);
	if (cfg != NULL)
		rte_cfgfile_close(cfg);
	return ret;
}

/* The line of entry @entry of section @section (see prefix_has). */
static int
line_of(const struct prefix_probe *file, int section, int entry)
{
	struct prefix_probe p = *file;
	int lo = 1, hi = 1, mid, level;
	size_t i;

	p.section = section;
	p.entry = entry;
	for (i = 0; i < p.len; i++)
		hi += p.text[i] == '\n';
	/* librte_cfgfile said it once already: quiet while probing. */
	level = rte_log_get_level(rte_log_register("lib.cfgfile"));
	rte_log_set_level_pattern("lib.cfgfile", RTE_LOG_EMERG);
	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		if (prefix_has(&p, mid))
			hi = mid;
		else
			lo = mid + 1;
	}
	if (level >= 0)
		rte_log_set_level_pattern("lib.cfgfile", (uint32_t)level);
	return lo;
}

/* One section's entries, applied in order. @return 0 or -EINVAL. */
static int
apply_section(struct daemon_opts *o, const char *path,
		const struct prefix_probe *file, struct rte_cfgfile *cfg, int s,
		const char *name)
{
	char sname[CFG_NAME_LEN], why[200];
	struct rte_cfgfile_entry *e;
	int n, k, ret = 0;

	n = rte_cfgfile_section_num_entries_by_index(cfg, sname, s);
	e = calloc(n > 0 ? n : 1, sizeof(*e));
	if (e == NULL)
		return -ENOMEM;
	n = rte_cfgfile_section_entries_by_index(cfg, s, sname, e, n);
	for (k = 0; k < n && ret == 0; k++) {
		ret = strcmp(name, "eal") == 0 ?
			dopt_eal_key(o, e[k].name, e[k].value, why,
				sizeof(why)) :
			dopt_apply_key(o, e[k].name, e[k].value, why,
				sizeof(why));
		if (ret == -EINVAL)
			fprintf(stderr, "%s:%d: [%s] %s: %s\n", path,
				line_of(file, s, k), name, e[k].name, why);
	}
	free(e);
	return ret;
}

int
dopt_read_config(struct daemon_opts *o, int must_exist)
{
	const char *path = o->config ? o->config : DAEMON_DEFAULT_CONFIG;
	struct prefix_probe file = { 0 };
	struct rte_cfgfile *cfg;
	char **names = NULL;
	struct stat st;
	int n = 0, s, ret = 0;
	FILE *f;

	if (stat(path, &st) < 0) {
		if (errno == ENOENT && !must_exist)
			return 0;
		fprintf(stderr, "%s: %s\n", path, strerror(errno));
		return -EINVAL;
	}
	if (!S_ISREG(st.st_mode) || st.st_size > CONFIG_MAX_BYTES) {
		fprintf(stderr, "%s: not a settings file (%s)\n", path,
			S_ISREG(st.st_mode) ? "over 1 MB" : "not a file");
		return -EINVAL;
	}
	o->config = path;
	f = fopen(path, "re");
	file.text = malloc(st.st_size + 1);
	if (f == NULL || file.text == NULL) {
		fprintf(stderr, "%s: %s\n", path, strerror(f ? ENOMEM : errno));
		if (f != NULL)
			fclose(f);
		free(file.text);
		return -EINVAL;
	}
	file.len = fread(file.text, 1, st.st_size, f);
	fclose(f);
	cfg = load(path);
	if (cfg == NULL) {
		fprintf(stderr, "%s:%d: not INI: want '[section]' or "
			"'key = value' (a non-empty value)\n", path,
			line_of(&file, PROBE_FAILS, -1));
		ret = -EINVAL;
		goto out_text;
	}
	if (nb_found(cfg) < nb_meant(file.text, file.len)) {
		fprintf(stderr, "%s:%d: not INI: want '[section]' or "
			"'key = value'\n", path,
			line_of(&file, PROBE_IGNORED, -1));
		ret = -EINVAL;
		goto out;
	}
	n = rte_cfgfile_num_sections(cfg, NULL, 0);
	names = calloc(n > 0 ? n : 1, sizeof(*names));
	for (s = 0; names != NULL && s < n; s++)
		if ((names[s] = malloc(CFG_NAME_LEN)) == NULL)
			break;
	if (names == NULL || s < n) {
		ret = -ENOMEM;
		goto out;
	}
	rte_cfgfile_sections(cfg, names, n);
	for (s = 0; s < n && ret == 0; s++) {
		if (strcmp(names[s], "daemon") != 0 &&
				strcmp(names[s], "eal") != 0) {
			fprintf(stderr, "%s:%d: unknown section [%s]: want "
				"[daemon] or [eal]\n", path,
				line_of(&file, s, -1), names[s]);
			ret = -EINVAL;
			break;
		}
		ret = apply_section(o, path, &file, cfg, s, names[s]);
	}
out:
	for (s = 0; names != NULL && s < n; s++)
		free(names[s]);
	free(names);
	rte_cfgfile_close(cfg);
out_text:
	free(file.text);
	return ret;
}
