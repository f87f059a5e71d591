// BUG: writes element 10 of new char[10]. EXPECT: heap-buffer-overflow (1-byte write just after a 10-byte new[] block)
int main()
{
    char *p = new char[10];
    for (int i = 0; i <= 10; i++)
        p[i] = 'c';
    delete[] p;
    return 0;
}
