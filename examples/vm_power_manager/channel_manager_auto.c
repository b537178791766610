/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The vmpower authors
 */

/*
 * Auto-serving (struct chmgr_auto): which libvirt domains the channel
 * manager takes on by itself, and the VMs the operator removed, which it
 * leaves out until they are added again. Decided on the loop, from the
 * snapshots libvirt's events and resynchronisations bring.
 */

#include <errno.h>
#include <fnmatch.h>
#include <stdlib.h>
#include <string.h>

#include "channel_manager_private.h"

static int
copy_list(char ***dst, uint32_t *nb, const char *const *src, uint32_t n)
{
	uint32_t i;

	*dst = calloc(n ? n : 1, sizeof(**dst));
	if (*dst == NULL)
		return -ENOMEM;
	for (i = 0; i < n; i++, (*nb)++)
		if (((*dst)[i] = strdup(src[i])) == NULL)
			return -ENOMEM;
	return 0;
}

static void
free_list(char **l, uint32_t n)
{
	uint32_t i;

	for (i = 0; l != NULL && i < n; i++)
		free(l[i]);
	free(l);
}

int
chmgr_auto_init(struct chmgr *m, const struct chmgr_auto *a)
{
	if (a == NULL || !a->on)
		return 0;
	m->auto_on = 1;
	if (copy_list(&m->names, &m->nb_names, a->names, a->nb_names) < 0 ||
			copy_list(&m->patterns, &m->nb_patterns, a->patterns,
				a->nb_patterns) < 0)
		return -ENOMEM;
	return 0;
}

void
chmgr_auto_free(struct chmgr *m)
{
	free_list(m->names, m->nb_names);
	free_list(m->patterns, m->nb_patterns);
	free_list(m->removed, m->nb_removed);
}

int
chmgr_auto_on(const struct chmgr *m)
{
	return m->auto_on;
}

static int
removed_at(const struct chmgr *m, const char *name)
{
	uint32_t i;

	for (i = 0; i < m->nb_removed; i++)
		if (strcmp(m->removed[i], name) == 0)
			return (int)i;
	return -1;
}

void
chmgr_auto_removed(struct chmgr *m, const char *name, int removed)
{
	int at = removed_at(m, name);
	char **grown;
	char *copy;

	if (!m->auto_on)
		return;
	if (!removed && at >= 0) {
		free(m->removed[at]);
		m->removed[at] = m->removed[--m->nb_removed];
		return;
	}
	if (!removed || at >= 0)
		return;
	copy = strdup(name);
	grown = realloc(m->removed, (m->nb_removed + 1) * sizeof(*grown));
	if (copy == NULL || grown == NULL) {
		free(copy);
		if (grown != NULL)
			m->removed = grown;
		CHMGR_LOG(ERR, "VM %s: out of memory: auto-serving may add it "
			"again", name);
		return;
	}
	m->removed = grown;
	m->removed[m->nb_removed++] = copy;
	CHMGR_LOG(INFO, "VM %s left out of auto-serving until add_vm %s",
		name, name);
}

/* Whether @name is among the names and patterns (none: every VM). */
static int
chosen(const struct chmgr *m, const char *name)
{
	uint32_t i;

	if (m->nb_names == 0 && m->nb_patterns == 0)
		return 1;
	for (i = 0; i < m->nb_names; i++)
		if (strcmp(m->names[i], name) == 0)
			return 1;
	for (i = 0; i < m->nb_patterns; i++)
		if (fnmatch(m->patterns[i], name, 0) == 0)
			return 1;
	return 0;
}

void
chmgr_auto_event(struct chmgr *m, const char *name,
		const struct virt_vm *snap)
{
	struct vm *vm = chmgr_find_vm(m, name);

	if (vm == NULL) {
		if (snap == NULL || snap->nb_channels == 0 ||
				!chosen(m, name) || removed_at(m, name) >= 0 ||
				chmgr_register_vm(m, snap) < 0)
			return;
		vm = chmgr_find_vm(m, name);
		CHMGR_LOG(INFO, "VM %s served automatically: %u power "
			"channels in its XML", name, vm->nb_xml);
	}
	chmgr_connect_xml(m, vm);
}
