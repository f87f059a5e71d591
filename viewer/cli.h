/* The ward command: one entry point per subcommand. */
#ifndef WARD_CLI_H
#define WARD_CLI_H

int cmd_run(int argc, char **argv);
int cmd_report(int argc, char **argv);
int cmd_view(int argc, char **argv);

struct summary;
void report_json(struct summary *s, const char *path);

/* Prints "ward: msg" and a newline to stderr. */
void cli_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
