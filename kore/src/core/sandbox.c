/* SPDX-License-Identifier: ISC */
/*
 * Kore's seccomp sandbox stays on; these are the extra system calls the
 * worker needs for librdkafka's threads and sockets (found with
 * "seccomp_tracing yes"). Debian's Kore already allows socket (INET,
 * INET6, UNIX), connect, getsockopt, getsockname, clone and socketpair.
 */
#include <sys/socket.h>

#include <kore/kore.h>
#include <kore/seccomp.h>

KORE_SECCOMP_FILTER("marimba",
	KORE_SYSCALL_ALLOW(clone3),
	KORE_SYSCALL_ALLOW(rseq),
	KORE_SYSCALL_ALLOW(prctl),
	KORE_SYSCALL_ALLOW(pipe2),
	KORE_SYSCALL_ALLOW(uname),
	KORE_SYSCALL_ALLOW(newfstatat),
	KORE_SYSCALL_ALLOW(shutdown),
	KORE_SYSCALL_ALLOW(sendmsg),
	KORE_SYSCALL_ALLOW(recvmsg),
	KORE_SYSCALL_ALLOW(bind),
	KORE_SYSCALL_ALLOW(mremap),
	/* A thread whose sleep a signal (SIGTERM) interrupted resumes it. */
	KORE_SYSCALL_ALLOW(restart_syscall),
	KORE_SYSCALL_ALLOW(getdents64),
	/* mongoc's log handler (the log viewer) prints the thread id. */
	KORE_SYSCALL_ALLOW(gettid),
	KORE_SYSCALL_ALLOW(sched_yield),
	KORE_SYSCALL_ALLOW(getgid),
	KORE_SYSCALL_ALLOW(getegid),
	KORE_SYSCALL_ALLOW_ARG(socket, 0, AF_NETLINK),
	/* ASan's setup of threads started after the sandbox is on (the
	 * log viewer's task threads and mongoc's pool monitor). */
	KORE_SYSCALL_ALLOW(sched_getaffinity),
);
