/* The exec family, interposed so that a traced process writes what it has
 * buffered before its image is replaced (nothing else survives exec).
 * Each public name is its own entry: glibc's execvp and execl reach execve
 * inside libc, past any interposer. */
#define _GNU_SOURCE
#include "core.h"
#include "next.h"
#include "trace_write.h"

#include <errno.h>
#include <stdarg.h>
#include <unistd.h>

typedef int (*execve_fn)(const char *, char *const[], char *const[]);
typedef int (*execvpe_fn)(const char *, char *const[], char *const[]);
typedef int (*fexecve_fn)(int, char *const[], char *const[]);
typedef int (*execveat_fn)(int, const char *, char *const[], char *const[], int);

extern char **environ;

static void before_exec(void)
{
    if (wd_state == WD_ACTIVE && trace_on)
        trace_before_exec();
}

static int after_failed_exec(int rc)
{
    int saved = errno;
    if (wd_state == WD_ACTIVE && trace_on)
        trace_exec_failed();
    errno = saved;
    return rc;
}

WD_EXPORT int execve(const char *path, char *const argv[], char *const envp[])
{
    static execve_fn real;
    if (!real)
        real = (execve_fn)preload_next("execve");
    before_exec();
    return after_failed_exec(real(path, argv, envp));
}

WD_EXPORT int execvpe(const char *file, char *const argv[], char *const envp[])
{
    static execvpe_fn real;
    if (!real)
        real = (execvpe_fn)preload_next("execvpe");
    before_exec();
    return after_failed_exec(real(file, argv, envp));
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
    static fexecve_fn real;
    if (!real)
        real = (fexecve_fn)preload_next("fexecve");
    before_exec();
    return after_failed_exec(real(fd, argv, envp));
}

WD_EXPORT int execveat(int dirfd, const char *path, char *const argv[], char *const envp[],
                       int flags)
{
    static execveat_fn real;
    if (!real)
        real = (execveat_fn)preload_next("execveat");
    before_exec();
    return after_failed_exec(real(dirfd, path, argv, envp, flags));
}

/* The list forms: the arguments up to the NULL, as glibc collects them. */
#define COLLECT_ARGS(arg0, ap, argv)                                  \
    size_t n_ = 1;                                                    \
    va_start(ap, arg0);                                               \
    while (va_arg(ap, const char *))                                  \
        n_++;                                                         \
    va_end(ap);                                                       \
    char *argv[n_ + 1];                                               \
    argv[0] = (char *)(arg0);                                         \
    va_start(ap, arg0);                                               \
    for (size_t i_ = 1; i_ <= n_; i_++)                               \
        argv[i_] = va_arg(ap, char *);

WD_EXPORT int execl(const char *path, const char *arg, ...)
{
    va_list ap;
    COLLECT_ARGS(arg, ap, argv);
    va_end(ap);
    return execve(path, argv, environ);
}

WD_EXPORT int execlp(const char *file, const char *arg, ...)
{
    va_list ap;
    COLLECT_ARGS(arg, ap, argv);
    va_end(ap);
    return execvpe(file, argv, environ);
}

WD_EXPORT int execle(const char *path, const char *arg, ...)
{
    va_list ap;
    COLLECT_ARGS(arg, ap, argv);
    char *const *envp = va_arg(ap, char *const *);
    va_end(ap);
    return execve(path, argv, envp);
}
