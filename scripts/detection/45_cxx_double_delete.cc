// BUG: deletes an object twice (copy of a raw owning pointer). EXPECT: double-free (second operator delete of a 16-byte object)
#include <cstdio>

struct Buf { long a, b; };

int main()
{
    Buf *p = new Buf{1, 2};
    Buf *q = p;
    delete p;
    delete q;
    return 0;
}
