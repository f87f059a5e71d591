// BUG: an object from new is released with free. EXPECT: alloc-dealloc-mismatch (operator new vs free)
#include <cstdlib>

struct Node { int v; Node *next; };

int main()
{
    Node *n = new Node{1, nullptr};
    std::free(n);
    return 0;
}
