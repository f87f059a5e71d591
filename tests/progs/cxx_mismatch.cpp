// Blocks released by another family than the one that made them, or
// deleted as another type, one case per argument, and a clean run of every
// form of new and delete ("ok").
// Each case goes on after the bad release and prints "still alive".
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <new>

#include "ward.h"

struct Shape {
    int sides[10];
    ~Shape() { sides[0] = 0; }
};

struct alignas(64) Line {
    char bytes[64];
};

// No virtual destructor: deleting a Circle as a Base is undefined, and
// the sized operator delete is told Base's size.
struct Base {
    int id;
    ~Base() { id = 0; }
};

struct Circle : Base {
    double r[4];
};

struct Shape2 {
    virtual ~Shape2() {}
    int id;
};

struct Square : Shape2 {
    double side[4];
};

__attribute__((noinline)) static void drop(Base *b) { delete b; }

// noinline: the frames the tests look for.
__attribute__((noinline)) static void release_scalar(int *p) { delete p; }
__attribute__((noinline)) static void release_array(int *p) { delete[] p; }
__attribute__((noinline)) static void release_c(void *p) { std::free(p); }

static void every_form()
{
    delete new int(1);
    delete[] new Shape[3];
    delete[] new (std::nothrow) char[10];
    delete new (std::nothrow) long(2);
    delete new Line;
    delete[] new Line[3];
    Shape2 *s2 = new Square;
    delete s2;
    ::operator delete(::operator new(24), 24);
    ::operator delete[](::operator new[](40), 40);
    ::operator delete(::operator new(64, std::align_val_t(128)), std::align_val_t(128));
    ::operator delete[](::operator new[](64, std::align_val_t(256)), 64, std::align_val_t(256));
    ::operator delete(::operator new(8, std::nothrow), std::nothrow);
    char *c = static_cast<char *>(std::malloc(8));
    c = static_cast<char *>(std::realloc(c, 80));
    std::free(c);
}

int main(int argc, char **argv)
{
    const char *what = argc > 1 ? argv[1] : "ok";
    if (!std::strcmp(what, "ok"))
        every_form();
    else if (!std::strcmp(what, "new-free"))
        release_c(new int(3));
    else if (!std::strcmp(what, "array-delete"))
        release_scalar(new int[4]);
    else if (!std::strcmp(what, "new-array-delete"))
        release_array(new int(3));
    else if (!std::strcmp(what, "malloc-delete"))
        release_scalar(static_cast<int *>(std::malloc(sizeof(int))));
    else if (!std::strcmp(what, "base-delete"))
        drop(new Circle);
    else if (!std::strcmp(what, "pinned-realloc")) {
        // Resized in place (pinned): the block is realloc's from then on.
        char *p = new char[100];
        ward_pin(p);
        p = static_cast<char *>(std::realloc(p, 50));
        std::free(p);
    } else if (!std::strcmp(what, "new-realloc"))
        std::free(std::realloc(new char[8], 100));
    else if (!std::strcmp(what, "cookie")) {
        Shape *s = new Shape[4];
        delete reinterpret_cast<Shape *>(s);
    } else if (!std::strcmp(what, "oom")) {
        try {
            char *p = new char[(size_t)1 << 45];
            p[0] = 1;
        } catch (const std::bad_alloc &) {
            std::puts("caught bad_alloc");
        }
        char *q = new (std::nothrow) char[(size_t)1 << 45];
        std::printf("nothrow gave %s\n", q ? "a block" : "NULL");
    }
    std::puts("still alive");
    return 0;
}
