// BUG: a block from malloc is released with delete. EXPECT: alloc-dealloc-mismatch (malloc vs operator delete)
#include <cstdlib>

int main()
{
    int *p = static_cast<int *>(std::malloc(sizeof(int)));
    *p = 1;
    delete p;
    return 0;
}
