/* A preloaded dl_iterate_phdr that allocates, as a profiler's cache might:
 * ward, inert, looks glibc's malloc up through it. */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <link.h>
#include <stdlib.h>
#include <string.h>

int dl_iterate_phdr(int (*cb)(struct dl_phdr_info *, size_t, void *), void *data)
{
    static int (*real)(int (*)(struct dl_phdr_info *, size_t, void *), void *);
    if (!real)
        real = (int (*)(int (*)(struct dl_phdr_info *, size_t, void *), void *))
            dlsym(RTLD_NEXT, "dl_iterate_phdr");
    char *note = malloc(32);
    if (note)
        strcpy(note, "iterating");
    int rc = real(cb, data);
    free(note);
    return rc;
}
