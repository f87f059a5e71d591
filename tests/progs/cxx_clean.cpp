// std::map, std::string, exceptions and smart pointers: a correct C++
// program that ward must leave alone.
#include <iostream>
#include <map>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

static int risky(int i)
{
    if (i % 7 == 0)
        throw std::runtime_error("multiple of seven: " + std::to_string(i));
    return i;
}

int main()
{
    std::map<std::string, std::vector<int>> m;
    int caught = 0;
    for (int i = 0; i < 50000; i++) {
        try {
            m["key" + std::to_string(i % 1000)].push_back(risky(i));
        } catch (const std::exception &e) {
            caught += e.what()[0] == 'm';
        }
    }
    auto owned = std::make_unique<std::string>(1000, 'x');
    std::shared_ptr<std::vector<std::string>> shared(new std::vector<std::string>(100, "s"));
    std::cout << m.size() << " " << caught << " " << owned->size() << " "
              << shared->size() << std::endl;
    return 0;
}
