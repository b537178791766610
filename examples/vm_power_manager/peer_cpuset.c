/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The vmpower authors
 */

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "peer_cpuset.h"

/* Whether comma-separated @list has the item @word. */
static int
has_item(const char *list, const char *word)
{
	size_t n = strlen(word);
	const char *p = list;

	while (p != NULL && *p != '\0') {
		if (strncmp(p, word, n) == 0 && (p[n] == ',' || p[n] == '\0'))
			return 1;
		p = strchr(p, ',');
		if (p != NULL)
			p++;
	}
	return 0;
}

/* mountinfo escapes blanks as \040 and so on. */
static void
unescape(char *s)
{
	char *r = s, *w = s;

	while (*r != '\0') {
		if (r[0] == '\\' && r[1] >= '0' && r[1] <= '3' &&
				r[2] >= '0' && r[2] <= '7' &&
				r[3] >= '0' && r[3] <= '7') {
			*w++ = (char)((r[1] - '0') * 64 + (r[2] - '0') * 8 +
				(r[3] - '0'));
			r += 4;
		} else {
			*w++ = *r++;
		}
	}
	*w = '\0';
}

static void
keep(char *dst, const char *src)
{
	snprintf(dst, PATH_MAX, "%s", src);
	unescape(dst);
}

int
peer_cpuset_init(struct peer_cpuset_mounts *m, const char *mountinfo)
{
	FILE *f = fopen(mountinfo != NULL ? mountinfo :
		"/proc/self/mountinfo", "re");
	char line[4096];

	memset(m, 0, sizeof(*m));
	if (f == NULL)
		return -errno;
	while (fgets(line, sizeof(line), f) != NULL) {
		char *save = NULL, *tok, *root = NULL, *mnt = NULL;
		char *dash = strstr(line, " - "), *fstype, *super;
		int i;

		if (dash == NULL)
			continue;
		*dash = '\0';
		fstype = strtok_r(dash + 3, " \n", &save);
		strtok_r(NULL, " \n", &save);	/* source */
		super = strtok_r(NULL, " \n", &save);
		save = NULL;
		for (i = 0, tok = strtok_r(line, " ", &save); tok != NULL;
				i++, tok = strtok_r(NULL, " ", &save)) {
			if (i == 3)
				root = tok;
			else if (i == 4)
				mnt = tok;
		}
		if (fstype == NULL || root == NULL || mnt == NULL)
			continue;
		/* The first of each: bind mounts of it come later. */
		if (strcmp(fstype, "cgroup") == 0 && super != NULL &&
				has_item(super, "cpuset") && m->v1[0] == '\0') {
			keep(m->v1, mnt);
			keep(m->v1_root, root);
		} else if (strcmp(fstype, "cgroup2") == 0 && m->v2[0] == '\0') {
			keep(m->v2, mnt);
			keep(m->v2_root, root);
		}
	}
	fclose(f);
	return 0;
}

/* @cg as a directory under mount @mnt whose root is @root. */
static int
cgroup_dir(const char *mnt, const char *root, const char *cg, char *dir,
		size_t len)
{
	size_t rl = strlen(root);

	if (strcmp(root, "/") != 0) {
		/* The mount shows a subtree: the cgroup must be inside. */
		if (strncmp(cg, root, rl) != 0 || (cg[rl] != '/' &&
				cg[rl] != '\0'))
			return -EIO;
		cg += rl;
	}
	if (snprintf(dir, len, "%s%s", mnt, cg) >= (int)len)
		return -EIO;
	return 0;
}

/* One line of a small file, its newline dropped. */
static int
read_line(const char *path, char *buf, size_t len)
{
	FILE *f = fopen(path, "re");
	int ret = 0;

	if (f == NULL)
		return -errno;
	if (fgets(buf, (int)len, f) == NULL)
		buf[0] = '\0';
	if (ferror(f))
		ret = -EIO;
	fclose(f);
	buf[strcspn(buf, "\n")] = '\0';
	return ret;
}

static int
parse_cpus(const char *text, struct cpu_list *cpus)
{
	char err[128];

	if (text[0] == '\0')	/* an empty cpuset: nothing allowed */
		return cpu_list_init(cpus, 1);
	return cpu_list_parse(cpus, text, CPU_LIST_MAX_CPU, err, sizeof(err))
		< 0 ? -EIO : 0;
}

/* v2: the nearest of @dir and its ancestors (down to @mnt) that says. */
static int
read_v2(const char *mnt, char *dir, struct cpu_list *cpus)
{
	char path[2 * PATH_MAX + 32], text[4096];
	size_t ml = strlen(mnt);

	for (;;) {
		char *slash;

		snprintf(path, sizeof(path), "%s/cpuset.cpus.effective", dir);
		if (read_line(path, text, sizeof(text)) == 0)
			return parse_cpus(text, cpus);
		slash = strrchr(dir, '/');
		if (slash == NULL || (size_t)(slash - dir) < ml)
			return -ENOENT;
		*slash = '\0';
	}
}

int
peer_cpuset_read(const struct peer_cpuset_mounts *m, pid_t pid,
		char *cgroup, size_t cgroup_len, struct cpu_list *cpus,
		int *confined)
{
	char path[64], line[PATH_MAX + 64], v1[PATH_MAX] = "", v2[PATH_MAX] = "";
	char dir[2 * PATH_MAX], text[4096], file[2 * PATH_MAX + 32];
	int have_v1 = 0, have_v2 = 0, ret;
	FILE *f;

	snprintf(cgroup, cgroup_len, "-");
	*confined = 0;
	snprintf(path, sizeof(path), "/proc/%d/cgroup", (int)pid);
	f = fopen(path, "re");
	if (f == NULL)
		return errno == ENOENT ? -ESRCH : -errno;
	while (fgets(line, sizeof(line), f) != NULL) {
		char *c1 = strchr(line, ':'), *c2;

		if (c1 == NULL || (c2 = strchr(c1 + 1, ':')) == NULL)
			continue;
		*c2 = '\0';
		c2[1 + strcspn(c2 + 1, "\n")] = '\0';
		if (has_item(c1 + 1, "cpuset")) {
			snprintf(v1, sizeof(v1), "%s", c2 + 1);
			have_v1 = 1;
		} else if (strncmp(line, "0:", 2) == 0 && c1[1] == '\0') {
			snprintf(v2, sizeof(v2), "%s", c2 + 1);
			have_v2 = 1;
		}
	}
	fclose(f);
	if (have_v1 && m->v1[0] != '\0') {
		snprintf(cgroup, cgroup_len, "%s", v1);
		ret = cgroup_dir(m->v1, m->v1_root, v1, dir, sizeof(dir));
		if (ret < 0)
			return ret;
		snprintf(file, sizeof(file), "%s/cpuset.effective_cpus", dir);
		if (read_line(file, text, sizeof(text)) < 0) {
			snprintf(file, sizeof(file), "%s/cpuset.cpus", dir);
			if (read_line(file, text, sizeof(text)) < 0)
				return -EIO;
		}
		*confined = 1;
		return parse_cpus(text, cpus);
	}
	if (have_v2 && m->v2[0] != '\0') {
		snprintf(cgroup, cgroup_len, "%s", v2);
		ret = cgroup_dir(m->v2, m->v2_root, v2, dir, sizeof(dir));
		if (ret < 0)
			return ret;
		ret = read_v2(m->v2, dir, cpus);
		if (ret == 0) {
			*confined = 1;
			return 0;
		}
		if (ret != -ENOENT)
			return ret;
	}
	/* No cpuset controller anywhere: nothing confines the process. */
	return cpu_list_init(cpus, 1);
}
