/* SPDX-License-Identifier: MIT */
/*
 * A minimal FUSE server whose reads are slow, for the nvsvm IGT tests.
 *
 * Some tests need a GPU page fault to block in the kernel for a known time:
 * a fault on a mapping of a file of this filesystem must read the page
 * through FUSE, and the server answers every READ only after a configurable
 * delay. The filesystem has one regular file, "data", in its root; byte i of
 * its content is slow_fuse_byte(i).
 *
 * libfuse is not available, so the server speaks the raw /dev/fuse protocol
 * of <linux/fuse.h>. The parent mounts (so the mount exists on return) and
 * forks the server, a single-threaded loop that reads requests from the
 * connection and writes the replies. The kernel sends FUSE_INIT on its own
 * after mount(); requests wait until it is answered. The file is opened
 * without FOPEN_DIRECT_IO so that mmap() goes through the page cache, and
 * readahead is off so that a fault reads only the page it needs.
 *
 * The server is a fork() of the caller: mount before setting up SVM state,
 * as fork() write-protects the caller's private memory (an MMU notifier
 * invalidation) and lets the server share any page mapped at that time until
 * slow_fuse_unmount() kills it.
 *
 * Copyright 2026 The nvsvm authors
 */
#ifndef NVSVM_SLOW_FUSE_H_
#define NVSVM_SLOW_FUSE_H_

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <linux/fuse.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/wait.h>

#define SLOW_FUSE_ROOT		FUSE_ROOT_ID	/* nodeid of the root */
#define SLOW_FUSE_FILE		2		/* nodeid of "data" */
#define SLOW_FUSE_NAME		"data"
#define SLOW_FUSE_MINOR		31		/* protocol minor we speak */
#define SLOW_FUSE_MAX_WRITE	4096
/* Request buffer: the kernel wants at least FUSE_MIN_READ_BUFFER. */
#define SLOW_FUSE_BUF		(64 * 1024)
#define SLOW_FUSE_TIMEOUT	3600		/* entry and attribute cache, s */

struct slow_fuse {
	pid_t server;      /* server process */
	char dir[64];      /* mount point, created with mkdtemp under /tmp */
	char path[96];     /* dir + "/data" */
};

/* Byte @i of the content of "data". */
static inline unsigned char slow_fuse_byte(size_t i)
{
	return (unsigned char)(i * 7 + (i >> 12));
}

/* Server state, private to the server process. */
struct slow_fuse_srv {
	int fd;
	uint64_t size;
	unsigned int delay_ms;
};

/* Write a reply: an error (negative errno) or @len bytes of @data. */
static inline void slow_fuse_reply(const struct slow_fuse_srv *s,
				   uint64_t unique, int error,
				   const void *data, size_t len)
{
	struct fuse_out_header out = { .error = error, .unique = unique };
	struct iovec iov[2] = {
		{ .iov_base = &out, .iov_len = sizeof(out) },
		{ .iov_base = (void *)data, .iov_len = error ? 0 : len },
	};

	out.len = sizeof(out) + iov[1].iov_len;
	/* ENOENT: the request was interrupted meanwhile; nothing to do. */
	if (writev(s->fd, iov, iov[1].iov_len ? 2 : 1) < 0)
		return;
}

/* Attributes of node @nodeid, or -ENOENT. */
static inline int slow_fuse_attr(const struct slow_fuse_srv *s,
				 uint64_t nodeid, struct fuse_attr *a)
{
	memset(a, 0, sizeof(*a));
	a->ino = nodeid;
	a->blksize = 4096;
	if (nodeid == SLOW_FUSE_ROOT) {
		a->mode = S_IFDIR | 0755;
		a->nlink = 2;
	} else if (nodeid == SLOW_FUSE_FILE) {
		a->mode = S_IFREG | 0644;
		a->nlink = 1;
		a->size = s->size;
		a->blocks = s->size / 512;
	} else {
		return -ENOENT;
	}
	return 0;
}

static inline void slow_fuse_init(const struct slow_fuse_srv *s,
				  const struct fuse_in_header *in)
{
	const struct fuse_init_in *arg = (const void *)(in + 1);
	struct fuse_init_out out = {
		.major = FUSE_KERNEL_VERSION,
		.minor = SLOW_FUSE_MINOR,
		.max_readahead = 0,
		.flags = 0,
		.max_write = SLOW_FUSE_MAX_WRITE,
	};

	if (arg->major == FUSE_KERNEL_VERSION && arg->minor < out.minor)
		out.minor = arg->minor;
	slow_fuse_reply(s, in->unique, 0, &out, sizeof(out));
}

static inline void slow_fuse_lookup(const struct slow_fuse_srv *s,
				    const struct fuse_in_header *in)
{
	const char *name = (const char *)(in + 1);
	struct fuse_entry_out out = {
		.nodeid = SLOW_FUSE_FILE,
		.generation = 1,
		.entry_valid = SLOW_FUSE_TIMEOUT,
		.attr_valid = SLOW_FUSE_TIMEOUT,
	};

	if (in->nodeid != SLOW_FUSE_ROOT ||
	    in->len - sizeof(*in) < sizeof(SLOW_FUSE_NAME) ||
	    memcmp(name, SLOW_FUSE_NAME, sizeof(SLOW_FUSE_NAME))) {
		slow_fuse_reply(s, in->unique, -ENOENT, NULL, 0);
		return;
	}
	slow_fuse_attr(s, SLOW_FUSE_FILE, &out.attr);
	slow_fuse_reply(s, in->unique, 0, &out, sizeof(out));
}

static inline void slow_fuse_getattr(const struct slow_fuse_srv *s,
				     const struct fuse_in_header *in)
{
	struct fuse_attr_out out = { .attr_valid = SLOW_FUSE_TIMEOUT };
	int err = slow_fuse_attr(s, in->nodeid, &out.attr);

	slow_fuse_reply(s, in->unique, err, &out, sizeof(out));
}

/* OPEN and OPENDIR: no handle, no FOPEN_DIRECT_IO (mmap needs the cache). */
static inline void slow_fuse_open(const struct slow_fuse_srv *s,
				  const struct fuse_in_header *in)
{
	struct fuse_open_out out = { .fh = 0, .open_flags = 0 };
	uint64_t want = in->opcode == FUSE_OPENDIR ? SLOW_FUSE_ROOT :
						     SLOW_FUSE_FILE;
	int err = 0;

	if (in->nodeid != want)
		err = want == SLOW_FUSE_ROOT ? -ENOTDIR : -EISDIR;
	slow_fuse_reply(s, in->unique, err, &out, sizeof(out));
}

/* Sleep @ms milliseconds, through signals. */
static inline void slow_fuse_sleep(unsigned int ms)
{
	struct timespec ts = {
		.tv_sec = ms / 1000,
		.tv_nsec = (long)(ms % 1000) * 1000000,
	};

	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

/* READ: wait delay_ms, then send the content clipped to the file size. */
static inline void slow_fuse_read(const struct slow_fuse_srv *s,
				  const struct fuse_in_header *in)
{
	const struct fuse_read_in *arg = (const void *)(in + 1);
	uint64_t off = arg->offset;
	size_t len = 0, i;
	unsigned char *buf = NULL;

	slow_fuse_sleep(s->delay_ms);
	if (in->nodeid != SLOW_FUSE_FILE) {
		slow_fuse_reply(s, in->unique, -EISDIR, NULL, 0);
		return;
	}
	if (off < s->size)
		len = s->size - off < arg->size ? s->size - off : arg->size;
	if (len) {
		buf = malloc(len);
		if (!buf) {
			slow_fuse_reply(s, in->unique, -ENOMEM, NULL, 0);
			return;
		}
		for (i = 0; i < len; i++)
			buf[i] = slow_fuse_byte(off + i);
	}
	slow_fuse_reply(s, in->unique, 0, buf, len);
	free(buf);
}

static inline void slow_fuse_statfs(const struct slow_fuse_srv *s,
				    const struct fuse_in_header *in)
{
	struct fuse_statfs_out out;

	memset(&out, 0, sizeof(out));
	slow_fuse_reply(s, in->unique, 0, &out, sizeof(out));
}

/* Answer one request; 0 when the server must stop (FUSE_DESTROY). */
static inline int slow_fuse_handle(const struct slow_fuse_srv *s,
				   const struct fuse_in_header *in)
{
	switch (in->opcode) {
	case FUSE_INIT:
		slow_fuse_init(s, in);
		break;
	case FUSE_LOOKUP:
		slow_fuse_lookup(s, in);
		break;
	case FUSE_GETATTR:
		slow_fuse_getattr(s, in);
		break;
	case FUSE_OPEN:
	case FUSE_OPENDIR:
		slow_fuse_open(s, in);
		break;
	case FUSE_READ:
		slow_fuse_read(s, in);
		break;
	case FUSE_STATFS:
		slow_fuse_statfs(s, in);
		break;
	case FUSE_RELEASE:
	case FUSE_RELEASEDIR:
	case FUSE_FLUSH:
	case FUSE_ACCESS:
		slow_fuse_reply(s, in->unique, 0, NULL, 0);
		break;
	case FUSE_FORGET:
	case FUSE_BATCH_FORGET:
	case FUSE_INTERRUPT:
		break;		/* no reply */
	case FUSE_DESTROY:
		slow_fuse_reply(s, in->unique, 0, NULL, 0);
		return 0;
	default:	/* GETXATTR, LISTXATTR, READDIR, WRITE, ... */
		slow_fuse_reply(s, in->unique, -ENOSYS, NULL, 0);
		break;
	}
	return 1;
}

/*
 * Detach the server from the caller: die with it, default signal handling
 * (no test-harness handlers), and only stdio and the connection (moved to
 * fd 3) open, so it holds no reference to the caller's files.
 */
static inline int slow_fuse_detach(int fd, pid_t parent)
{
	sigset_t all;
	int sig, i;

	prctl(PR_SET_PDEATHSIG, SIGKILL);
	if (getppid() != parent)
		_exit(0);
	for (sig = 1; sig < NSIG; sig++)
		signal(sig, SIG_DFL);
	sigemptyset(&all);
	sigprocmask(SIG_SETMASK, &all, NULL);

	if (dup2(fd, 3) != 3)
		return fd;
#ifdef SYS_close_range
	if (!syscall(SYS_close_range, 4u, ~0u, 0u))
		return 3;
#endif
	for (i = 4; i < 1024; i++)
		close(i);
	return 3;
}

/* The server process: answer requests until the connection goes away. */
static inline void __attribute__((noreturn))
slow_fuse_serve(int fd, pid_t parent, uint64_t size, unsigned int delay_ms)
{
	struct slow_fuse_srv s = { .size = size, .delay_ms = delay_ms };
	struct fuse_in_header *in;
	ssize_t n;

	s.fd = slow_fuse_detach(fd, parent);
	in = malloc(SLOW_FUSE_BUF);
	if (!in)
		_exit(1);
	for (;;) {
		n = read(s.fd, in, SLOW_FUSE_BUF);
		if (n < 0) {
			/* ENOENT: a request was interrupted before we read it. */
			if (errno == EINTR || errno == EAGAIN || errno == ENOENT)
				continue;
			break;	/* ENODEV: unmounted */
		}
		if ((size_t)n < sizeof(*in) || in->len > (size_t)n)
			continue;
		if (!slow_fuse_handle(&s, in))
			break;
	}
	_exit(0);
}

/**
 * slow_fuse_unmount() - Unmount, kill and reap the server, remove the dir.
 * @f: A filesystem from slow_fuse_mount(); may be called again.
 *
 * The lazy unmount lets the caller still have "data" mapped or open; those
 * requests fail once the server is gone.
 */
static inline void slow_fuse_unmount(struct slow_fuse *f)
{
	if (f->dir[0])
		umount2(f->dir, MNT_DETACH);
	if (f->server > 0) {
		kill(f->server, SIGKILL);
		while (waitpid(f->server, NULL, 0) < 0 && errno == EINTR)
			;
	}
	f->server = -1;
	if (f->dir[0])
		rmdir(f->dir);
	f->dir[0] = '\0';
	f->path[0] = '\0';
}

/* Open /dev/fuse; -ENODEV when FUSE is not there. */
static inline int slow_fuse_open_dev(void)
{
	int fd = open("/dev/fuse", O_RDWR | O_CLOEXEC);

	if (fd >= 0)
		return fd;
	if (errno == ENOENT || errno == ENXIO)
		return -ENODEV;
	return -errno;
}

/* Mount connection @fd at f->dir, start the server and check "data". */
static inline int slow_fuse_start(struct slow_fuse *f, int fd, size_t size,
				  unsigned int delay_ms)
{
	pid_t parent = getpid();
	char opts[128];
	struct stat st;

	snprintf(opts, sizeof(opts),
		 "fd=%d,rootmode=40000,user_id=%u,group_id=%u,allow_other",
		 fd, (unsigned int)geteuid(), (unsigned int)getegid());
	if (mount("slowfuse", f->dir, "fuse", MS_NOSUID | MS_NODEV, opts))
		return -errno;

	f->server = fork();
	if (f->server < 0)
		return -errno;
	if (!f->server)
		slow_fuse_serve(fd, parent, size, delay_ms);
	close(fd);

	/* Waits for FUSE_INIT and a LOOKUP: the server is up on success. */
	if (stat(f->path, &st))
		return -errno;
	if (!S_ISREG(st.st_mode) || (size_t)st.st_size != size)
		return -EIO;
	return 0;
}

/**
 * slow_fuse_mount() - Mount a FUSE filesystem with one slow file.
 * @f: Filled in: server pid, mount point and path of "data".
 * @size: Size of "data" in bytes, a multiple of 4096.
 * @delay_ms: Delay of every READ reply, in milliseconds.
 *
 * Mounts at a fresh directory under /tmp. Byte i of "data" is
 * slow_fuse_byte(i).
 *
 * Return: 0, or a negative errno: -ENODEV when the kernel has no FUSE (the
 * caller may skip), -EPERM without CAP_SYS_ADMIN.
 */
static inline int slow_fuse_mount(struct slow_fuse *f, size_t size,
				  unsigned int delay_ms)
{
	int fd, err;

	memset(f, 0, sizeof(*f));
	f->server = -1;
	if (!size || size % 4096)
		return -EINVAL;

	fd = slow_fuse_open_dev();
	if (fd < 0)
		return fd;
	snprintf(f->dir, sizeof(f->dir), "/tmp/nvsvm-fuse-XXXXXX");
	if (!mkdtemp(f->dir)) {
		err = -errno;
		close(fd);
		f->dir[0] = '\0';
		return err;
	}
	snprintf(f->path, sizeof(f->path), "%s/" SLOW_FUSE_NAME, f->dir);

	err = slow_fuse_start(f, fd, size, delay_ms);
	if (err) {
		if (f->server <= 0)
			close(fd);
		slow_fuse_unmount(f);
	}
	return err;
}

#endif /* NVSVM_SLOW_FUSE_H_ */
