// Replaces only the scalar operator new, with malloc behind it, as the
// standard allows: the default delete (free) and the default new [] (which
// calls this operator new) must work with it, unreported, and every
// allocation must reach it.
#include <cstdio>
#include <cstdlib>
#include <new>

static long made;

void *operator new(std::size_t n)
{
    made++;
    if (void *p = std::malloc(n ? n : 1))
        return p;
    throw std::bad_alloc();
}

int main()
{
    int *p = new int(1);
    delete p;
    int *a = new int[10];
    delete[] a;
    long *s = new long;
    ::operator delete(s, sizeof *s);
    std::printf("made %ld\n", made);
    return made == 3 ? 0 : 1;
}
