/* A program that closes every descriptor but stdio at start (closefrom, as
 * daemons and ssh do), then opens files of its own, which take the lowest
 * numbers again. ward's descriptors (its trace, its copy of stderr,
 * libunwind's pipe) must not be among them, nor written to through them.
 *
 * Usage: closes_fds FILE1 FILE2 (writes a known line to each) */
#define _GNU_SOURCE
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static void *lost;

/* Allocating in a signal handler makes ward unwind through a signal frame,
 * which it leaves to libunwind. */
static void on_signal(int sig)
{
    (void)sig;
    free(malloc(40));
}

static void churn(int n)
{
    for (int i = 0; i < n; i++) {
        char *p = malloc(16 + i % 200);
        memset(p, 'c', 16);
        free(p);
    }
}

int main(int argc, char **argv)
{
    if (argc < 3)
        return 2;
    churn(1000);
    closefrom(3);
    int a = open(argv[1], O_WRONLY | O_CREAT | O_TRUNC, 0644);
    int b = open(argv[2], O_WRONLY | O_CREAT | O_TRUNC, 0644);
    signal(SIGUSR1, on_signal);
    for (int i = 0; i < 20; i++)
        raise(SIGUSR1);
    churn(50000);                       /* the trace writes meanwhile */
    lost = malloc(21);
    lost = NULL;
    dprintf(a, "first %d\n", a);
    churn(50000);
    dprintf(b, "second %d\n", b);
    close(a);
    close(b);
    return 0;
}
