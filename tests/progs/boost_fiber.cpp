// boost::context::fiber coroutines: a fiber builds strings and yields to
// main a thousand times. "held" keeps a pointer to main's block across a
// yield, main frees that block meanwhile, and the fiber writes it on its
// 501st run. "protected" takes the fiber's stack from mmap (with boost's
// own guard page) instead of malloc. "deep N" recurses N frames of half a
// kilobyte on a 64 KiB fiber stack ("deep-protected N": on an mmap'd one).
// "loop N" makes, runs and drops N fibers one after the other; "many N"
// keeps N alive and switches between them. "leak" loses a block in a
// fiber that then finishes; "leak-pool N" loses one in each of N fibers
// on stacks from a pool (reused, never freed), "leak-threads T N" in each
// of N fibers on each of T threads. "migrate" resumes a fiber on another
// thread, where it writes a block another fiber freed on the main thread.
#include <boost/context/fiber.hpp>
#include <boost/context/fixedsize_stack.hpp>
#include <boost/context/pooled_fixedsize_stack.hpp>
#include <boost/context/protected_fixedsize_stack.hpp>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <atomic>
#include <string>
#include <thread>
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

__attribute__((noinline)) static char *lose(std::size_t n)
{
    char *p = static_cast<char *>(std::malloc(n));
    std::memset(p, 1, n);
    return p;
}

template <class Stack>
static int deep_on(Stack stack, int depth)
{
    ctx::fiber f(std::allocator_arg, stack, [&](ctx::fiber &&sink) {
        std::printf("deep %d\n", deep(depth));
        return std::move(sink);
    });
    f = std::move(f).resume();
    std::puts("done");
    return 0;
}

static int loop(int n)
{
    long sum = 0;
    for (int i = 0; i < n; i++) {
        ctx::fiber f(std::allocator_arg, ctx::fixedsize_stack(64 * 1024), [&](ctx::fiber &&sink) {
            for (int k = 0; k < 5; k++) {
                std::string s(50 + k, 'x');
                sink = std::move(sink).resume();
                sum += (long)s.size();
            }
            return std::move(sink);
        });
        while (f)
            f = std::move(f).resume();
    }
    std::printf("loop %ld\n", sum);
    return 0;
}

static int many(int n)
{
    long sum = 0;
    std::vector<ctx::fiber> fs;
    for (int i = 0; i < n; i++)
        fs.emplace_back(std::allocator_arg, ctx::fixedsize_stack(16 * 1024),
                        [&sum, i](ctx::fiber &&sink) {
                            std::vector<int> v(i % 100 + 1, i);
                            for (int k = 0; k < 3; k++) {
                                sink = std::move(sink).resume();
                                sum += (long)v.size();
                            }
                            return std::move(sink);
                        });
    for (int r = 0; r < 4; r++)
        for (auto &f : fs)
            if (f)
                f = std::move(f).resume();
    std::printf("many %ld\n", sum);
    return 0;
}

static int leak()
{
    ctx::fiber f(std::allocator_arg, ctx::fixedsize_stack(64 * 1024), [](ctx::fiber &&sink) {
        lose(77);
        sink = std::move(sink).resume();
        return std::move(sink);
    });
    while (f)
        f = std::move(f).resume();
    std::puts("fiber done");
    return 0;
}

template <class Stack>
static long lose_in_fibers(Stack stack, int n)
{
    long done = 0;
    for (int i = 0; i < n; i++) {
        ctx::fiber f(std::allocator_arg, stack, [](ctx::fiber &&sink) {
            lose(33);
            sink = std::move(sink).resume();
            return std::move(sink);
        });
        while (f)
            f = std::move(f).resume();
        done++;
    }
    return done;
}

static int leak_pool(int n)
{
    ctx::pooled_fixedsize_stack pool(64 * 1024, 4);
    std::printf("pool fibers %ld\n", lose_in_fibers(pool, n));
    return 0;
}

static int leak_threads(int threads, int n)
{
    std::vector<std::thread> ts;
    std::atomic<long> done{0};
    for (int t = 0; t < threads; t++)
        ts.emplace_back([&] { done += lose_in_fibers(ctx::fixedsize_stack(64 * 1024), n); });
    for (auto &t : ts)
        t.join();
    std::printf("thread fibers %ld\n", done.load());
    return 0;
}

static int migrate()
{
    shared = static_cast<char *>(std::malloc(40));
    ctx::fiber writer(std::allocator_arg, ctx::fixedsize_stack(64 * 1024), [](ctx::fiber &&s) {
        char *mine = shared;
        s = std::move(s).resume();
        use_late(mine);                 // on the second thread
        s = std::move(s).resume();
        return std::move(s);
    });
    ctx::fiber freer(std::allocator_arg, ctx::fixedsize_stack(64 * 1024), [](ctx::fiber &&s) {
        std::free(shared);
        s = std::move(s).resume();
        return std::move(s);
    });
    writer = std::move(writer).resume();
    freer = std::move(freer).resume();
    std::thread t([&] { writer = std::move(writer).resume(); });
    t.join();
    writer = std::move(writer).resume();
    freer = std::move(freer).resume();
    std::puts("migrated");
    return 0;
}

int main(int argc, char **argv)
{
    const char *what = argc > 1 ? argv[1] : "";
    bool held = !std::strcmp(what, "held");
    long sum = 0;
    std::vector<std::string> log;
    int n = argc > 2 ? std::atoi(argv[2]) : 10;
    if (!std::strcmp(what, "deep"))
        return deep_on(ctx::fixedsize_stack(64 * 1024), n);
    if (!std::strcmp(what, "deep-protected"))
        return deep_on(ctx::protected_fixedsize_stack(64 * 1024), n);
    if (!std::strcmp(what, "loop"))
        return loop(n);
    if (!std::strcmp(what, "many"))
        return many(n);
    if (!std::strcmp(what, "leak"))
        return leak();
    if (!std::strcmp(what, "leak-pool"))
        return leak_pool(n);
    if (!std::strcmp(what, "leak-threads"))
        return leak_threads(n, argc > 3 ? std::atoi(argv[3]) : 10);
    if (!std::strcmp(what, "migrate"))
        return migrate();
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
