/* The process's peak resident size, for tests that bound ward's memory. */
#ifndef PEAK_RSS_H
#define PEAK_RSS_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* VmHWM from /proc/self/status, in KiB; -1 if it cannot be read. */
static long peak_kib(void)
{
    char line[256];
    long kib = -1;
    FILE *f = fopen("/proc/self/status", "r");
    while (f && fgets(line, sizeof line, f))
        if (!strncmp(line, "VmHWM:", 6))
            kib = atol(line + 6);
    if (f)
        fclose(f);
    return kib;
}

#endif
