/* BUG: frees a page obtained from mmap. EXPECT: invalid-free (free of an address that never came from malloc) */
#include <stdlib.h>
#include <sys/mman.h>

int main(void)
{
    char *p = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED)
        return 1;
    p[0] = 1;
    free(p);
    munmap(p, 4096);
    return 0;
}
