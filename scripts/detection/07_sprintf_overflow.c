/* BUG: sprintf formats 27 characters (28 with NUL) into malloc(8). EXPECT: heap-buffer-overflow (20-byte write past an 8-byte block, sprintf) */
#include <stdio.h>
#include <stdlib.h>

int main(int argc, char **argv)
{
    const char *user = argc > 5 ? argv[1] : "administrator";
    char *p = malloc(8);
    sprintf(p, "user=%s id=%d", user, 1234567);
    free(p);
    return 0;
}
