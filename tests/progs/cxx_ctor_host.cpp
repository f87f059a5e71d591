// Loads the library named by argv[1] (see cxx_ctor_lib.cpp).
#include <cstdio>
#include <dlfcn.h>
#include <string>

int main(int argc, char **argv)
{
    delete new std::string(50, 'x');
    void *h = argc > 1 ? dlopen(argv[1], RTLD_NOW) : nullptr;
    std::printf("dlopen %s\n", h ? "ok" : dlerror());
    return h ? 0 : 1;
}
