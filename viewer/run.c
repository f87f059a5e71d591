/* `ward run [OPTIONS] -- PROG [ARGS]`: validates the options against the
 * same table the library parses, then execs PROG with libward.so preloaded
 * and WARD_OPTIONS set. Exec, not fork: PROG keeps ward's pid, signals and
 * exit status, and the library itself changes the status on error. */
#define _GNU_SOURCE
#include "cli.h"
#include "options.h"
#include "suppress.h"

#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static void run_usage(FILE *out)
{
    char buf[8192];
    fmt_t f;
    fmt_init(&f, buf, sizeof buf, -1);
    opt_help(&f);
    fprintf(out,
            "usage: ward run [--OPTION=VALUE ...] [--] PROG [ARGS...]\n"
            "\n"
            "Runs PROG (and the programs it starts) with ward's checks. Exits with\n"
            "PROG's status, or with exitcode if ward reported an error.\n"
            "Options may also be given as WARD_OPTIONS=key=value:key=value;\n"
            "those on the command line win. A boolean option alone (--leaks) means 1;\n"
            "--trace alone writes ward.PROG.PID.wtr here (see ward report).\n"
            "\n"
            "options:\n%s",
            fmt_cstr(&f));
}

/* The file execvp would run for name, or NULL. */
static const char *find_program(const char *name, char *buf, size_t n)
{
    if (strchr(name, '/'))
        return name;
    const char *path = getenv("PATH");
    for (const char *p = path ? path : "/usr/bin:/bin"; *p;) {
        size_t len = strcspn(p, ":");
        if (snprintf(buf, n, "%.*s/%s", len ? (int)len : 1, len ? p : ".", name) < (int)n &&
            access(buf, X_OK) == 0)
            return buf;
        p += len + (p[len] == ':');
    }
    return NULL;
}

/* Why ward's library cannot be loaded into file, or NULL: a statically
 * linked program loads no library, a 32-bit one no 64-bit library, and
 * either would run unchecked without a word. */
static const char *unreachable(const char *file)
{
    Elf64_Ehdr eh;
    Elf64_Phdr ph;
    const char *why = NULL;
    int fd = open(file, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return NULL;
    if (pread(fd, &eh, sizeof eh, 0) != (ssize_t)sizeof eh || memcmp(eh.e_ident, ELFMAG, SELFMAG)) {
        close(fd);
        return NULL;                    /* a script: its interpreter is what runs */
    }
    if (eh.e_ident[EI_CLASS] == ELFCLASS32) {
        why = "is a 32-bit program";
    } else if (eh.e_ident[EI_CLASS] == ELFCLASS64 && eh.e_phentsize == sizeof ph) {
        why = "is statically linked";
        for (unsigned i = 0; i < eh.e_phnum && why; i++)
            if (pread(fd, &ph, sizeof ph, (off_t)(eh.e_phoff + i * sizeof ph)) !=
                    (ssize_t)sizeof ph || ph.p_type == PT_INTERP)
                why = NULL;
    }
    close(fd);
    return why;
}

/* <dir of this executable>/../lib/libward.so */
static int find_library(char *out, size_t n)
{
    char self[PATH_MAX];
    ssize_t k = readlink("/proc/self/exe", self, sizeof self - 1);
    if (k <= 0)
        return -1;
    self[k] = '\0';
    snprintf(out, n, "%s/../lib/libward.so", dirname(self));
    char *real = realpath(out, NULL);
    if (!real)
        return -1;
    snprintf(out, n, "%s", real);
    free(real);
    return access(out, R_OK);
}

/* Appends "--key=value" (or "--key" for booleans) to the option string. */
static int add_option(struct wd_options *o, char *opts, size_t n, const char *arg)
{
    char kv[WD_OPT_STR_MAX + 64], err[1024];
    const char *body = arg + 2;
    if (!strchr(body, '=') && opt_is_bool(body, strlen(body)))
        snprintf(kv, sizeof kv, "%s=1", body);
    else
        snprintf(kv, sizeof kv, "%s", body);
    if (opt_parse_one(o, kv, strlen(kv), err, sizeof err) < 0) {
        fprintf(stderr, "%s\n", err);
        return -1;
    }
    if (strchr(kv, ':')) {
        cli_error("option values cannot contain ':' (%s)", kv);
        return -1;
    }
    size_t len = strlen(opts);
    snprintf(opts + len, n - len, "%s%s", len ? ":" : "", kv);
    return 0;
}

/* Gives a path option its absolute form, abs; it stays relative if abs
 * cannot be an option value. */
static int absolute_option(struct wd_options *o, char *opts, size_t n, const char *name,
                           const char *abs)
{
    char kv[2 * PATH_MAX + 32];
    if (strchr(abs, ':') || strlen(abs) >= WD_OPT_STR_MAX)
        return 0;
    snprintf(kv, sizeof kv, "--%s=%s", name, abs);
    return add_option(o, opts, n, kv);
}

/* A path option relative to where ward run was started, made absolute. */
static int from_cwd(struct wd_options *o, char *opts, size_t n, const char *name,
                    const char *value)
{
    char abs[2 * PATH_MAX], cwd[PATH_MAX];
    if (!value[0] || value[0] == '/' || !getcwd(cwd, sizeof cwd))
        return 0;
    snprintf(abs, sizeof abs, "%s/%s", cwd, value);
    return absolute_option(o, opts, n, name, abs);
}

int cmd_run(int argc, char **argv)
{
    struct wd_options o;
    char opts[16384] = "", err[1024], lib[PATH_MAX], preload[2 * PATH_MAX + 16];
    int i = 1;
    bool trace_alone = false;
    opt_defaults(&o);
    const char *env = getenv("WARD_OPTIONS");
    if (env && opt_parse(&o, env, err, sizeof err) < 0) {
        fprintf(stderr, "%s (in WARD_OPTIONS)\n", err);
        return 2;
    }
    if (env)
        snprintf(opts, sizeof opts, "%s", env);
    for (; i < argc && !strncmp(argv[i], "--", 2); i++) {
        if (!strcmp(argv[i], "--")) {
            i++;
            break;
        }
        if (!strcmp(argv[i], "--help")) {
            run_usage(stdout);
            return 0;
        }
        if (!strcmp(argv[i], "--trace")) {
            /* Alone: ward.PROG.PID.wtr in the current directory. */
            trace_alone = true;
            continue;
        }
        if (add_option(&o, opts, sizeof opts, argv[i]) < 0)
            return 2;
    }
    if (i >= argc) {
        run_usage(stderr);
        return 2;
    }
    if (trace_alone) {
        char kv[WD_OPT_STR_MAX + 16], *base = strrchr(argv[i], '/');
        snprintf(kv, sizeof kv, "--trace=ward.%s.%%p.wtr", base ? base + 1 : argv[i]);
        if (add_option(&o, opts, sizeof opts, kv) < 0)
            return 2;
    }
    if (o.suppressions[0] && !supp_load(o.suppressions, err, sizeof err)) {
        cli_error("%s", err);
        return 2;
    }
    /* Children that change directory read the suppressions too, and a
     * relative trace or log path is where ward run was started, not wherever the
     * program (or a child) has gone when it first writes. */
    char abs[2 * PATH_MAX];
    if (o.suppressions[0] && o.suppressions[0] != '/' && realpath(o.suppressions, abs) &&
        absolute_option(&o, opts, sizeof opts, "suppressions", abs) < 0)
        return 2;
    if (from_cwd(&o, opts, sizeof opts, "trace", o.trace) < 0 ||
        from_cwd(&o, opts, sizeof opts, "log_path", o.log_path) < 0)
        return 2;
    if (find_library(lib, sizeof lib) < 0) {
        cli_error("cannot find libward.so next to this ward command "
                  "(expected in ../lib/ beside it); reinstall ward");
        return 2;
    }
    const char *old = getenv("LD_PRELOAD");
    snprintf(preload, sizeof preload, "%s%s%s", lib, old && *old ? ":" : "",
             old ? old : "");
    char found[PATH_MAX];
    const char *file = find_program(argv[i], found, sizeof found), *why;
    if (file && (why = unreachable(file)) != NULL)
        cli_error("warning: '%s' %s: ward's library cannot be loaded into it, and it runs "
                  "unchecked (build it as a dynamically linked 64-bit program)", argv[i], why);
    setenv("LD_PRELOAD", preload, 1);
    setenv("WARD_OPTIONS", opts, 1);
    /* A run of its own: a fixed trace name is this program's, whatever an
     * enclosing traced run claimed (see claim_name in trace_write.c). */
    unsetenv("WARD_TRACE_PID");
    execvp(argv[i], argv + i);
    cli_error("cannot run '%s': %s", argv[i], strerror(errno));
    return errno == ENOENT ? 127 : 126;
}
