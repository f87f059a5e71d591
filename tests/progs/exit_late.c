/* Leaks a block and exits, linked with a library whose exit handler and
 * destructor print (exit_late_lib.c): their output must not be lost. */
#include <stdio.h>
#include <stdlib.h>

void exit_late_hello(void);

int main(void)
{
    void *volatile lost = malloc(42);
    lost = NULL;
    exit_late_hello();
    printf("main\n");
    return 0;
}
