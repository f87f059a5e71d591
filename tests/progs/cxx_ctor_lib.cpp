// A library whose static constructor starts a thread that calls new and
// joins it: the constructor runs under the dynamic linker's lock, which
// the thread's operator new must not need.
#include <cstdio>
#include <new>
#include <thread>

struct alignas(64) Line {
    char bytes[64];
};

static struct Start {
    Start()
    {
        std::thread t([] {
            delete new Line;
            delete[] new (std::nothrow) int[3];
        });
        t.join();
        std::puts("constructor done");
    }
} start;
