// boost::context::fiber coroutines: a fiber builds strings and yields to
// main a thousand times. "held" keeps a pointer to main's block across a
// yield, main frees that block meanwhile, and the fiber writes it on its
// 501st run. "protected" takes the fiber's stack from mmap (with boost's
// own guard page) instead of malloc. "deep N" recurses N frames of half a
// kilobyte on a 64 KiB fiber stack.
#include <boost/context/fiber.hpp>
#include <boost/context/fixedsize_stack.hpp>
#include <boost/context/protected_fixedsize_stack.hpp>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

namespace ctx = boost::context;

static char *shared;

__attribute__((noinline)) static int deep(int n)
{
    volatile char frame[512];
    frame[0] = (char)n;
    return n ? deep(n - 1) + frame[0] : 0;
}

__attribute__((noinline)) static void use_late(char *held)
{
    held[0] = 'X';
}

int main(int argc, char **argv)
{
    const char *what = argc > 1 ? argv[1] : "";
    bool held = !std::strcmp(what, "held");
    long sum = 0;
    std::vector<std::string> log;
    if (!std::strcmp(what, "deep")) {
        int depth = argc > 2 ? std::atoi(argv[2]) : 10;
        ctx::fiber f(std::allocator_arg, ctx::fixedsize_stack(64 * 1024),
                     [&](ctx::fiber &&sink) {
                         std::printf("deep %d\n", deep(depth));
                         return std::move(sink);
                     });
        f = std::move(f).resume();
        std::puts("done");
        return 0;
    }
    auto body = [&](ctx::fiber &&sink) {
        for (int i = 0; i < 1000; i++) {
            std::string s(100 + i % 50, (char)('a' + i % 26));
            char *mine = shared;
            sink = std::move(sink).resume();
            if (held && i == 500)
                use_late(mine);
            sum += (long)s.size();
            log.push_back(s.substr(0, 3));
        }
        return std::move(sink);
    };
    ctx::fiber f = !std::strcmp(what, "protected")
        ? ctx::fiber(std::allocator_arg, ctx::protected_fixedsize_stack(128 * 1024), body)
        : ctx::fiber(std::allocator_arg, ctx::fixedsize_stack(128 * 1024), body);
    while (f) {
        std::free(shared);
        shared = static_cast<char *>(std::malloc(64));
        f = std::move(f).resume();
    }
    std::free(shared);
    std::printf("sum %ld, %zu strings\n", sum, log.size());
    return 0;
}
