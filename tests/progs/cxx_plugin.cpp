// A C++ plugin for cxx_plugin_host.c, loaded RTLD_LOCAL: its C++ runtime
// is not in the program's global scope. A new too large to serve must
// still throw std::bad_alloc.
#include <cstdio>
#include <new>
#include <string>
#include <vector>

extern "C" int plugin_run(int huge)
{
    std::vector<std::string> v;
    for (int i = 0; i < 100; i++)
        v.push_back(std::string(50, 'x'));
    if (huge) {
        try {
            char *p = new char[(size_t)1 << 45];
            std::printf("new gave %p\n", (void *)p);
            p[0] = 1;
        } catch (const std::bad_alloc &) {
            std::puts("caught bad_alloc");
        }
    }
    return (int)v.size();
}
