// Uses cxx_count_lib.cpp's operators: they must be the ones called, and a
// widget the library made with them is deleted here without a report.
#include <cstdio>
#include <vector>

extern long lib_news;

struct Widget {
    int x[8];
};

Widget *make_widget();

int main()
{
    delete new int(3);
    std::vector<int> v(100);
    delete make_widget();
    std::printf("the library's operator new was called %ld times\n", lib_news);
    return 0;
}
