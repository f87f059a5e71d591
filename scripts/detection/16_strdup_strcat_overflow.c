/* BUG: strcat appends "!" to a strdup'd string, which has no room for it. EXPECT: heap-buffer-overflow (1-byte write past a 6-byte strdup block, strcat) */
#include <stdlib.h>
#include <string.h>

int main(int argc, char **argv)
{
    char *s = strdup(argc > 5 ? argv[1] : "hello");
    strcat(s, "!");
    free(s);
    return 0;
}
