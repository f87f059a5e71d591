/* Thread and process lifecycle, interposed: pthread_create (so reports can
 * say which thread created which, and each thread is known from its first
 * instruction), thread names (the default owner), and _exit (so a process
 * in which ward reported an error exits with exitcode however it exits, and
 * a traced one ends its trace). */
#define _GNU_SOURCE
#include "core.h"
#include "next.h"
#include "imem.h"
#include "options.h"
#include "prim.h"
#include "report.h"
#include "stacks.h"
#include "threads.h"
#include "trace_write.h"

#include <dlfcn.h>
#include <pthread.h>
#include <stdarg.h>
#include <sys/prctl.h>

typedef int (*create_fn)(pthread_t *, const pthread_attr_t *, void *(*)(void *), void *);

struct start {
    void *(*fn)(void *);
    void *arg;
    struct wd_thread *t;
};

static void *thread_start(void *p)
{
    struct start s = *(struct start *)p;
    imem_free(p, sizeof s);
    wd_tls.in_ward++;
    threads_adopt(s.t);
    atomic_store(&s.t->start_arg, 0);   /* in s now, on this stack */
    if (trace_on)
        trace_thread_start(s.t->parent, s.t->create_stack);
    wd_tls.in_ward--;
    return s.fn(s.arg);
}

WD_EXPORT int pthread_create(pthread_t *th, const pthread_attr_t *attr,
                             void *(*fn)(void *), void *arg)
{
    static create_fn real;
    if (!real)
        real = (create_fn)preload_next("pthread_create");
    if (wd_state != WD_ACTIVE)
        return real(th, attr, fn, arg);
    wd_tls.in_ward++;
    threads_self();
    struct wd_thread *t = threads_new(stacks_capture(__builtin_return_address(0)));
    struct start *s = t ? imem_alloc(sizeof *s) : NULL;
    wd_tls.in_ward--;
    if (!s) {
        if (t)
            threads_unstarted(t);
        return real(th, attr, fn, arg);
    }
    *s = (struct start){ fn, arg, t };
    /* Until the thread runs, ward's copy is the only one: the leak scan
     * reads it there (a detached std::thread not yet started at exit). */
    atomic_store(&t->start_arg, (uintptr_t)arg);
    int rc = real(th, attr, thread_start, s);
    if (rc) {
        atomic_store(&t->start_arg, 0);
        imem_free(s, sizeof *s);
        threads_unstarted(t);
    }
    return rc;
}

/* A thread names itself, most often, or one just made: the search goes
 * from the newest record, and stops at the one live thread with that
 * handle (walking every record ever made, a program starting and naming
 * threads one after another went quadratic: 300,000 took 152 s). */
static void set_name(pthread_t th, const char *name)
{
    struct wd_thread *me = wd_tls.self;
    if (me && me->tp == (uintptr_t)th && th == pthread_self()) {
        threads_set_name(me, name);
        return;
    }
    for (uint32_t i = threads_count(); i-- > 0;) {
        struct wd_thread *t = threads_get(i);
        if (t && t->tp == (uintptr_t)th && atomic_load(&t->alive)) {
            threads_set_name(t, name);
            return;
        }
    }
}

WD_EXPORT int pthread_setname_np(pthread_t th, const char *name)
{
    static int (*real)(pthread_t, const char *);
    if (!real)
        real = (int (*)(pthread_t, const char *))preload_next("pthread_setname_np");
    int rc = real(th, name);
    if (rc == 0 && wd_state == WD_ACTIVE)
        set_name(th, name);
    return rc;
}

WD_EXPORT int prctl(int option, ...)
{
    static int (*real)(int, ...);
    va_list ap;
    unsigned long a[4];
    va_start(ap, option);
    for (int i = 0; i < 4; i++)
        a[i] = va_arg(ap, unsigned long);
    va_end(ap);
    if (!real)
        real = (int (*)(int, ...))preload_next("prctl");
    int rc = real(option, a[0], a[1], a[2], a[3]);
    if (rc == 0 && option == PR_SET_NAME && wd_state == WD_ACTIVE && wd_tls.self)
        threads_set_name(wd_tls.self, (const char *)a[0]);
    return rc;
}

static __attribute__((noreturn)) void exit_now(int status)
{
    if (wd_state == WD_ACTIVE && report_error_count())
        status = (int)wd_opt.exitcode;
    if (wd_state == WD_ACTIVE && trace_on)
        trace_end_now();
    prim_exit(status);
}

WD_EXPORT void _exit(int status)
{
    exit_now(status);
}

WD_EXPORT void _Exit(int status)
{
    exit_now(status);
}

/* glibc's quick_exit reaches _exit inside libc, past the interposer: the
 * status is settled here (errors found by at_quick_exit handlers do not
 * change it). */
WD_EXPORT void quick_exit(int status)
{
    static void (*real)(int);
    if (!real)
        real = (void (*)(int))preload_next("quick_exit");
    if (wd_state == WD_ACTIVE && report_error_count())
        status = (int)wd_opt.exitcode;
    if (wd_state == WD_ACTIVE && trace_on)
        trace_end_now();
    real(status);
    __builtin_unreachable();
}
