/* The ward command: dispatches to its subcommands. */
#include "cli.h"
#include "ward.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

static const char usage[] =
    "usage: ward COMMAND [ARGS]\n"
    "\n"
    "commands:\n"
    "  run [OPTIONS] -- PROG [ARGS]   run PROG with ward's checks\n"
    "  report [--json] TRACE          summarise a trace (ward run --trace)\n"
    "  view TRACE                     replay a trace in a terminal UI\n"
    "\n"
    "  ward --version                 print the version\n"
    "  ward COMMAND --help            help on a command\n";

void cli_error(const char *fmt, ...)
{
    va_list ap;
    fputs("ward: ", stderr);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fputs(usage, stderr);
        return 2;
    }
    const char *cmd = argv[1];
    if (!strcmp(cmd, "--version") || !strcmp(cmd, "version")) {
        printf("ward %s\n", WARD_VERSION);
        return 0;
    }
    if (!strcmp(cmd, "--help") || !strcmp(cmd, "-h") || !strcmp(cmd, "help")) {
        fputs(usage, stdout);
        return 0;
    }
    if (!strcmp(cmd, "run"))
        return cmd_run(argc - 1, argv + 1);
    if (!strcmp(cmd, "report"))
        return cmd_report(argc - 1, argv + 1);
    if (!strcmp(cmd, "view"))
        return cmd_view(argc - 1, argv + 1);
    cli_error("unknown command '%s' (try ward --help)", cmd);
    return 2;
}
