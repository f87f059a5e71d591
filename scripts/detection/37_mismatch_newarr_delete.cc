// BUG: an array from new[] is released with scalar delete. EXPECT: alloc-dealloc-mismatch (operator new [] vs operator delete)
int main()
{
    int *volatile p = new int[16];
    p[0] = 1;
    delete p;
    return 0;
}
