/* Exits 0 if this kernel makes guard markers (MADV_GUARD_INSTALL, Linux
 * 6.13) in an ordinary read-write mapping, 1 if not: tests that expect
 * ward to use them ask this rather than the kernel's version. */
#include <sys/mman.h>

int main(void)
{
    void *p = mmap(0, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE,
                   -1, 0);
    return p != MAP_FAILED && madvise(p, 4096, 102 /* MADV_GUARD_INSTALL */) == 0 ? 0 : 1;
}
