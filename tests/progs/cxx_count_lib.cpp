// A library that replaces the global operator new and delete (malloc and
// free behind them) and counts the allocations; built once plainly and
// once with -Bsymbolic-functions, where its own calls bind to its own.
#include <cstdlib>
#include <new>

long lib_news;

void *operator new(std::size_t n)
{
    lib_news++;
    if (void *p = std::malloc(n ? n : 1))
        return p;
    throw std::bad_alloc();
}

void operator delete(void *p) noexcept { std::free(p); }
void operator delete(void *p, std::size_t) noexcept { std::free(p); }

struct Widget {
    int x[8];
};

Widget *make_widget() { return new Widget(); }
