/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The vmpower authors
 */

/*
 * VM names and channel lists, as the CLI hands them to the channel
 * manager: add_vm (a name libvirt gave), add_channels and
 * set_channel_status (a name and "all" or an index list), rm_vm.
 *
 * Input: lines. The first is the name of a VM to add (libvirt's word
 * for it; a leading '+' makes it running); each other is a command:
 * "a <vm> <list>" add_channels, "e"/"d <vm> <list>" enable/disable,
 * "r <vm>" rm_vm. The manager also has vm0 (running, channel 0 in its
 * XML) and vm1 (stopped); the channel directory holds sockets
 * vm0.1, vm0.3 and a symlink vm0.2.
 * Invariants: a VM's channels stay sorted and unique, each at its XML
 * path or at <dir>/<name>.<n>, never outside the directory; a
 * connected channel is a socket; a VM has at most CHMGR_MAX_CHANNELS
 * channels; a refused name is refused whole.
 */

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <rte_log.h>

#include <channel_manager.h>

#include "fuzz.h"

#define NB_SOCKS	3

static struct {
	char dir[64];
	char paths[NB_SOCKS][128];
	int socks[NB_SOCKS];
	char link[128];
} f;

static void
cleanup(void)
{
	int i;

	for (i = 0; i < NB_SOCKS; i++) {
		close(f.socks[i]);
		unlink(f.paths[i]);
	}
	unlink(f.link);
	rmdir(f.dir);
}

static void
setup(void)
{
	static const char *const names[NB_SOCKS] = { "xml0", "vm0.1",
		"vm0.3" };
	int i;

	rte_log_set_global_level(RTE_LOG_EMERG);
	snprintf(f.dir, sizeof(f.dir), "/tmp/vmp_fuzz_channels.XXXXXX");
	if (mkdtemp(f.dir) == NULL)
		abort();
	for (i = 0; i < NB_SOCKS; i++) {
		struct sockaddr_un sa = { .sun_family = AF_UNIX };

		snprintf(f.paths[i], sizeof(f.paths[i]), "%s/%s", f.dir,
			names[i]);
		snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", f.paths[i]);
		f.socks[i] = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0);
		if (f.socks[i] < 0 || bind(f.socks[i], (struct sockaddr *)&sa,
				sizeof(sa)) < 0 || listen(f.socks[i], 64) < 0)
			abort();
	}
	snprintf(f.link, sizeof(f.link), "%s/vm0.2", f.dir);
	if (symlink(f.paths[1], f.link) < 0)
		abort();
	atexit(cleanup);
}

/* Take what connected, so the listeners' backlogs never fill. */
static void
drain(void)
{
	int i, fd;

	for (i = 0; i < NB_SOCKS; i++)
		while ((fd = accept(f.socks[i], NULL, NULL)) >= 0)
			close(fd);
}

static int
add_vm(struct chmgr *m, const char *name, int running, uint32_t nb_xml)
{
	struct cpu_list pcpus[1] = { { 0 } };
	struct virt_channel xml = { .index = 0, .path = f.paths[0] };
	struct virt_vm snap = {
		.name = (char *)(uintptr_t)name, .running = running,
		.nb_vcpus = 1, .pcpus = pcpus, .nb_channels = nb_xml,
		.channels = &xml,
	};
	int ret;

	if (cpu_list_init(&pcpus[0], 4) < 0)
		abort();
	ret = chmgr_add_vm(m, &snap);
	cpu_list_free(&pcpus[0]);
	return ret;
}

static void
check_vm(const struct chmgr *m, const struct vm *vm)
{
	size_t dlen = strlen(f.dir), nlen = strlen(vm->name);
	struct stat st;
	uint32_t i;

	FUZZ_CHECK(strchr(vm->name, '/') == NULL);
	FUZZ_CHECK(vm->nb_channels <= CHMGR_MAX_CHANNELS);
	for (i = 0; i < vm->nb_channels; i++) {
		const struct vm_channel *ch = vm->channels[i];

		FUZZ_CHECK(ch->vm == vm);
		FUZZ_CHECK(i == 0 || vm->channels[i - 1]->index < ch->index);
		if (ch->from_xml) {
			FUZZ_CHECK(strcmp(ch->path, f.paths[0]) == 0);
		} else {
			/* <dir>/<name>.<n>: in the directory, nowhere else. */
			FUZZ_CHECK(strncmp(ch->path, f.dir, dlen) == 0);
			FUZZ_CHECK(ch->path[dlen] == '/');
			FUZZ_CHECK(strncmp(ch->path + dlen + 1, vm->name,
				nlen) == 0);
			FUZZ_CHECK(ch->path[dlen + 1 + nlen] == '.');
		}
		if (ch->fd >= 0)
			FUZZ_CHECK(lstat(ch->path, &st) == 0 &&
				S_ISSOCK(st.st_mode));
	}
	(void)m;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct chmgr_conf conf = { 0 };
	struct chmgr *m;
	char *text = fuzz_str(data, size), *line, *next, err[256];
	const char *name;
	uint32_t i;
	int ret;

	if (f.dir[0] == '\0')
		setup();
	conf.channel_dir = f.dir;
	if (chmgr_create(&conf, &m) < 0)
		abort();
	if (add_vm(m, "vm0", 1, 1) < 0 || add_vm(m, "vm1", 0, 0) < 0)
		abort();
	next = strchr(text, '\n');
	if (next != NULL)
		*next++ = '\0';
	name = text[0] == '+' ? text + 1 : text;
	ret = add_vm(m, name, text[0] == '+', 0);
	FUZZ_CHECK(ret == 0 || ret == -EEXIST || ret == -EINVAL);
	FUZZ_CHECK(ret != 0 || chmgr_find_vm(m, name) != NULL);
	FUZZ_CHECK(ret != -EINVAL || (!chmgr_vm_name_ok(name) &&
		chmgr_find_vm(m, name) == NULL));

	for (line = next; line != NULL; line = next) {
		char *vm, *list;

		next = strchr(line, '\n');
		if (next != NULL)
			*next++ = '\0';
		if (line[0] == '\0' || line[1] != ' ')
			continue;
		vm = line + 2;
		list = strchr(vm, ' ');
		if (list != NULL)
			*list++ = '\0';
		else
			list = (char *)"all";
		err[0] = '\0';
		switch (line[0]) {
		case 'a':
			ret = chmgr_add_channels(m, vm, list, err, sizeof(err));
			break;
		case 'e':
		case 'd':
			ret = chmgr_set_channel_status(m, vm, list,
				line[0] == 'e', err, sizeof(err));
			break;
		case 'r':
			ret = chmgr_rm_vm(m, vm);
			break;
		default:
			continue;
		}
		FUZZ_CHECK(ret >= 0 || line[0] == 'r' || err[0] != '\0');
		for (i = 0; i < chmgr_nb_vms(m); i++)
			check_vm(m, chmgr_vm_at(m, i));
		drain();
	}
	chmgr_destroy(m);
	drain();
	free(text);
	return 0;
}
