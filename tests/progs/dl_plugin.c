/* A plugin for dl_host: allocates on its host's behalf. */
#include <stdlib.h>
#include <string.h>

__attribute__((noinline)) char *plugin_make(int n)
{
    char *p = malloc(100 + (size_t)n);
    memset(p, 'p', 100);
    return p;
}

/* libc's strdup allocates, the plugin frees; the plugin allocates, the
 * host frees: one allocator on both sides, however the plugin was bound. */
char *plugin_roundtrip(void)
{
    free(strdup("a copy"));
    return malloc(10);
}
