/* Loads the C++ plugin named by argv[1] with RTLD_LOCAL, as Python loads
 * extension modules, and runs it (argv[2]: ask it for a huge block). */
#include <dlfcn.h>
#include <stdio.h>

int main(int argc, char **argv)
{
    void *h = argc > 1 ? dlopen(argv[1], RTLD_NOW | RTLD_LOCAL) : NULL;
    if (!h) {
        puts(dlerror());
        return 1;
    }
    int (*run)(int) = (int (*)(int))dlsym(h, "plugin_run");
    printf("plugin_run: %d\n", run(argc > 2));
    dlclose(h);
    return 0;
}
