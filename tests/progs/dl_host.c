/* Loads the plugin named by argv[1], lets it allocate a block that is then
 * lost, and with argv[2] == "close" unloads it before exit: the leak's
 * stack goes through code no longer mapped. */
#include <dlfcn.h>
#include <stdio.h>
#include <string.h>

char *keep;

int main(int argc, char **argv)
{
    void *h = dlopen(argv[1], RTLD_NOW);
    if (!h) {
        fprintf(stderr, "%s\n", dlerror());
        return 2;
    }
    char *(*make)(int) = (char *(*)(int))dlsym(h, "plugin_make");
    for (int i = 0; i < 3; i++)
        keep = make(i);
    keep = NULL;
    if (argc > 2 && !strcmp(argv[2], "close"))
        dlclose(h);
    return 0;
}
