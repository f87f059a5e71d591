/* A library whose exit handler and destructor print, through stdio: they
 * run after ward's checks would have, had ward ended the process there
 * (libgfortran writes out a Fortran program's output so). */
#include <stdio.h>
#include <stdlib.h>

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
}

void exit_late_hello(void)
{
}
