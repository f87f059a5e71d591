/* A block freed twice, from two different functions. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static char *make_name(void)
{
    char *p = malloc(24);
    strcpy(p, "a name");
    return p;
}

static void drop_name(char *p)
{
    free(p);
}

int main(void)
{
    char *p = make_name();
    drop_name(p);
    free(p);
    printf("after the double free\n");
    return 0;
}
