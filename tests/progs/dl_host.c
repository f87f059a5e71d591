/* Loads the plugin named by argv[1], lets it allocate a block that is then
 * lost, and with argv[2] == "close" unloads it before exit: the leak's
 * stack goes through code no longer mapped. With argv[2] == "deepbind",
 * loads it with RTLD_DEEPBIND and passes blocks back and forth instead. */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

char *keep;

int main(int argc, char **argv)
{
    bool deep = argc > 2 && !strcmp(argv[2], "deepbind");
    void *h = dlopen(argv[1], RTLD_NOW | (deep ? RTLD_DEEPBIND : 0));
    if (!h) {
        fprintf(stderr, "%s\n", dlerror());
        return 2;
    }
    if (deep) {
        char *(*roundtrip)(void) = (char *(*)(void))dlsym(h, "plugin_roundtrip");
        free(roundtrip());
        printf("passed back and forth\n");
        return 0;
    }
    char *(*make)(int) = (char *(*)(int))dlsym(h, "plugin_make");
    for (int i = 0; i < 3; i++)
        keep = make(i);
    keep = NULL;
    if (argc > 2 && !strcmp(argv[2], "close"))
        dlclose(h);
    return 0;
}
