/* BUG: strcat appends ".txt" to a name in a block sized for the name only. EXPECT: heap-buffer-overflow (4-byte write past the end of a 7-byte block, strcat) */
#include <stdlib.h>
#include <string.h>

int main(int argc, char **argv)
{
    const char *name = argc > 5 ? argv[1] : "report";
    char *p = malloc(strlen(name) + 1);
    strcpy(p, name);
    strcat(p, ".txt");
    free(p);
    return 0;
}
