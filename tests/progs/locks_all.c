/* mlockall(MCL_CURRENT | MCL_FUTURE), as real-time programs and some
 * daemons call it at start, then ordinary work. Under ward the program
 * must not be made to fault in ward's untouched reservations (tens of
 * GiB of address space). Exits 77 when the process may not lock memory. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

int main(void)
{
    char *keep = malloc(100000);
    memset(keep, 1, 100000);
    if (mlockall(MCL_CURRENT | MCL_FUTURE) != 0)
        return 77;
    long sum = 0;
    for (int i = 0; i < 20000; i++) {
        char *p = malloc(16 + i % 300);
        p[0] = (char)i;
        sum += p[0];
        free(p);
    }
    free(keep);
    printf("%ld\n", sum);
    /* Peak resident memory, for the test to compare. */
    FILE *f = fopen("/proc/self/status", "r");
    char line[256];
    while (f && fgets(line, sizeof line, f))
        if (strncmp(line, "VmHWM:", 6) == 0)
            fprintf(stderr, "peak %ld KiB\n", atol(line + 6));
    if (f)
        fclose(f);
    return 0;
}
