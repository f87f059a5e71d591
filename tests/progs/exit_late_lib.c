/* A library whose exit handler and destructor print, through stdio: they
 * run after ward's checks would have, had ward ended the process there
 * (libgfortran writes out a Fortran program's output so). With
 * EXIT_LATE_FORK set, the destructor also forks a child that allocates
 * and exits, and prints its status. */
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

static void handler(void)
{
    printf("library exit handler\n");
}

__attribute__((constructor)) static void start(void)
{
    atexit(handler);
}

__attribute__((destructor)) static void stop(void)
{
    printf("library destructor\n");
    if (getenv("EXIT_LATE_FORK")) {
        fflush(stdout);
        pid_t pid = fork();
        if (pid == 0) {
            free(malloc(10));
            exit(0);
        }
        int status;
        waitpid(pid, &status, 0);
        printf("child %d exited %d\n", (int)pid, WEXITSTATUS(status));
    }
}

void exit_late_hello(void)
{
}
