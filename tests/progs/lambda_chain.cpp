// A lambda's operator() is written, in GCC's DWARF, inside the function
// that defines it, outside that function's ranges; a call inlined into it
// must still be a frame of its own, with the lambda's line under it.
#include <cstdlib>
#include <cstring>

static inline __attribute__((always_inline)) char *make(std::size_t n) { return static_cast<char *>(std::malloc(n)); }

int main()
{
    // Called through a volatile pointer, so that it is not inlined in main.
    char *(*volatile build)(std::size_t) = [](std::size_t n) {
        char *p = make(n);
        std::memset(p, 1, n);
        return p;
    };
    char *p = build(21);
    ((volatile char *)p)[21] = 'x';     // one past the end of 21 bytes
    std::free(p);
    return 0;
}
