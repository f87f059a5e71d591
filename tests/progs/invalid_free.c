/* free() of things malloc never returned; argv[1] says which. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int global_var[4];

static void release(void *p)
{
    free(p);
}

int main(int argc, char **argv)
{
    int local = 0;
    const char *what = argc > 1 ? argv[1] : "stack";
    char *block = malloc(32);
    if (!strcmp(what, "stack"))
        release(&local);
    else if (!strcmp(what, "interior"))
        release(block + 8);
    else if (!strcmp(what, "global"))
        release(global_var);
    else if (!strcmp(what, "wild"))
        release((void *)0x1234);
    else if (!strcmp(what, "realloc"))
        block = realloc(block + 16, 64) ? block : block;
    printf("still alive %d\n", local);
    free(block);
    return 0;
}
