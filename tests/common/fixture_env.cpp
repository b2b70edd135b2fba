#include "common/fixture_env.hpp"

#include <fstream>
#include <stdexcept>

namespace mwtest
{

Fixture &Fixture::Get()
{
    static Fixture f;
    return f;
}

bool Fixture::Load(const std::string &state_dir)
{
    std::ifstream in(state_dir + "/env.txt");
    if (!in)
        return false;
    std::string line;
    while (std::getline(in, line)) {
        auto eq = line.find('=');
        if (eq != std::string::npos && eq > 0)
            values_[line.substr(0, eq)] = line.substr(eq + 1);
    }
    return !values_.empty();
}

std::string Fixture::Value(const std::string &key) const
{
    auto it = values_.find(key);
    if (it == values_.end())
        throw std::runtime_error("fixture env has no " + key);
    return it->second;
}

uint16_t Fixture::Port(const std::string &key) const
{
    return static_cast<uint16_t>(std::stoi(Value(key)));
}

} // namespace mwtest
