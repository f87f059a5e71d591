/* The exec family, interposed so that a traced process writes what it has
 * buffered before its image is replaced (nothing else survives exec).
 * Each public name is its own entry: glibc's execvp and execl reach execve
 * inside libc, past any interposer. */
#define _GNU_SOURCE
#include "core.h"
#include "next.h"
#include "trace_write.h"

#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <unistd.h>

extern char **environ;

/* Found when the library loads, not at the first exec: that may come in a
 * vfork child, where dlsym would run on the parent's memory. */
static struct {
    int (*execve)(const char *, char *const[], char *const[]);
    int (*execvpe)(const char *, char *const[], char *const[]);
    int (*fexecve)(int, char *const[], char *const[]);
    int (*execveat)(int, const char *, char *const[], char *const[], int);
} real;

__attribute__((constructor(102))) static void resolve(void)
{
    real.execve = preload_next("execve");
    real.execvpe = preload_next("execvpe");
    real.fexecve = preload_next("fexecve");
    real.execveat = preload_next("execveat");
}

static void before_exec(void)
{
    if (wd_state == WD_ACTIVE && trace_on)
        trace_before_exec();
}

static int after_failed_exec(int rc)
{
    int saved = errno;
    if (wd_state == WD_ACTIVE)
        trace_exec_failed();
    errno = saved;
    return rc;
}

WD_EXPORT int execve(const char *path, char *const argv[], char *const envp[])
{
    if (!real.execve)
        resolve();
    before_exec();
    return after_failed_exec(real.execve(path, argv, envp));
}

WD_EXPORT int execvpe(const char *file, char *const argv[], char *const envp[])
{
    if (!real.execvpe)
        resolve();
    before_exec();
    return after_failed_exec(real.execvpe(file, argv, envp));
}

WD_EXPORT int execv(const char *path, char *const argv[])
{
    return execve(path, argv, environ);
}

WD_EXPORT int execvp(const char *file, char *const argv[])
{
    return execvpe(file, argv, environ);
}

WD_EXPORT int fexecve(int fd, char *const argv[], char *const envp[])
{
    if (!real.fexecve)
        resolve();
    before_exec();
    return after_failed_exec(real.fexecve(fd, argv, envp));
}

WD_EXPORT int execveat(int dirfd, const char *path, char *const argv[], char *const envp[],
                       int flags)
{
    if (!real.execveat)
        resolve();
    before_exec();
    return after_failed_exec(real.execveat(dirfd, path, argv, envp, flags));
}

/* The list forms: the arguments up to the NULL, counted first, as glibc
 * does (and, as glibc, E2BIG past INT_MAX of them); execle's environment
 * comes after the NULL. */
enum { BY_PATH, BY_SEARCH, WITH_ENV };

static int exec_list(int how, const char *path, const char *arg0, va_list *ap)
{
    va_list cp;
    size_t n = 1;
    va_copy(cp, *ap);
    while (va_arg(cp, const char *) && n < INT_MAX)
        n++;
    va_end(cp);
    if (n >= INT_MAX) {
        errno = E2BIG;
        return -1;
    }
    char *argv[n + 1];
    argv[0] = (char *)arg0;
    for (size_t i = 1; i <= n; i++)
        argv[i] = va_arg(*ap, char *);              /* argv[n]: the NULL */
    char *const *envp = how == WITH_ENV ? va_arg(*ap, char *const *) : environ;
    return how == BY_SEARCH ? execvpe(path, argv, envp) : execve(path, argv, envp);
}

WD_EXPORT int execl(const char *path, const char *arg, ...)
{
    va_list ap;
    va_start(ap, arg);
    int rc = exec_list(BY_PATH, path, arg, &ap);
    va_end(ap);
    return rc;
}

WD_EXPORT int execlp(const char *file, const char *arg, ...)
{
    va_list ap;
    va_start(ap, arg);
    int rc = exec_list(BY_SEARCH, file, arg, &ap);
    va_end(ap);
    return rc;
}

WD_EXPORT int execle(const char *path, const char *arg, ...)
{
    va_list ap;
    va_start(ap, arg);
    int rc = exec_list(WITH_ENV, path, arg, &ap);
    va_end(ap);
    return rc;
}
