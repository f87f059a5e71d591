/* BUG: strcpy of a 10-character string into malloc(strlen) forgets the NUL. EXPECT: heap-buffer-overflow (1-byte write past a 10-byte block, strcpy) */
#include <stdlib.h>
#include <string.h>

int main(int argc, char **argv)
{
    const char *s = argc > 5 ? argv[1] : "0123456789";
    char *p = malloc(strlen(s));
    strcpy(p, s);
    free(p);
    return 0;
}
