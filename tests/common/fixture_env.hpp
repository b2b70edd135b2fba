// The real-server fixture as seen by a test: ports, users and paths from STATEDIR/env.txt
// written by tests/fixtures/servers.sh.
#pragma once

#include <cstdint>
#include <map>
#include <string>

namespace mwtest
{

class Fixture
{
  public:
    // Loaded once by the integration main(); empty when the fixture is not running.
    static Fixture &Get();
    // Reads STATEDIR/env.txt; false when it does not exist.
    bool Load(const std::string &state_dir);
    std::string Value(const std::string &key) const;
    uint16_t Port(const std::string &key) const;
    bool loaded() const
    {
        return !values_.empty();
    }

  private:
    std::map<std::string, std::string> values_;
};

} // namespace mwtest
