/* Programs that close stderr: coreutils close it in an atexit handler,
 * before ward's leak check runs; others close it early and the next file
 * they open becomes descriptor 2. Reports must still reach the stderr the
 * program started with, and never the program's own file.
 *
 * Usage: closes_stderr atexit        (leaks a block, closes fd 2 at exit)
 *        closes_stderr reuse FILE    (fd 2 becomes FILE, then a double free)
 *        closes_stderr daemon        (a child closes its stdio and lives on
 *                                     for 20 s; the parent exits at once) */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/types.h>

static void close_stderr(void)
{
    close(2);
}

int main(int argc, char **argv)
{
    if (argc > 1 && strcmp(argv[1], "atexit") == 0) {
        atexit(close_stderr);
        for (int i = 0; i < 4; i++)
            memset(malloc(77), 0, 77);      /* lost at once */
        exit(0);
    }
    if (argc > 2 && strcmp(argv[1], "reuse") == 0) {
        close(2);
        int fd = open(argv[2], O_WRONLY | O_CREAT | O_TRUNC, 0644);
        if (fd != 2)
            return 3;
        char *p = malloc(10);
        free(p);
        free(p);
        write(fd, "data\n", 5);
        return 0;
    }
    if (argc > 1 && strcmp(argv[1], "daemon") == 0) {
        pid_t pid = fork();
        if (pid < 0)
            return 3;
        if (pid == 0) {
            close(0);
            close(1);
            close(2);
            sleep(20);
            _exit(0);
        }
        return 0;
    }
    return 2;
}
