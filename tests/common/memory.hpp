// Peak resident memory of this process, for the tests and benchmarks that bound memory growth.
#pragma once

#include <fstream>
#include <string>

namespace mwtest
{

// VmHWM from /proc/self/status in KiB (Linux), -1 where unavailable.
inline long PeakRssKiB()
{
    std::ifstream f("/proc/self/status");
    std::string line;
    while (std::getline(f, line))
        if (line.rfind("VmHWM:", 0) == 0)
            return std::stol(line.substr(6));
    return -1;
}

} // namespace mwtest
