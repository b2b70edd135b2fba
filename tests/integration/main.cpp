// main() of the integration tests: real Postfix and Dovecot started by the CTest fixture
// (tests/integration/fixture.sh). When the servers could not be provided (not root, packages
// missing) the fixture leaves a reason: the tests report SKIPPED (exit 77) with it, except
// with CI set in the environment, where a missing server is a failure.
#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>
#include <iostream>
#include <sstream>

#include "common/fixture_env.hpp"

int main(int argc, char **argv)
{
    ::testing::InitGoogleTest(&argc, argv);
    if (::testing::GTEST_FLAG(list_tests))
        return RUN_ALL_TESTS();
    const char *state = std::getenv("MW_FIXTURE_STATE");
    const bool ci = std::getenv("CI") && *std::getenv("CI");
    if (!state || !*state) {
        std::cerr << "MW_FIXTURE_STATE is not set; run these tests through ctest\n";
        return 1;
    }
    std::ifstream skip(std::string(state) + "/skip-reason");
    if (skip) {
        std::stringstream why;
        why << skip.rdbuf();
        std::cerr << "integration servers unavailable: " << why.str() << "\n";
        if (ci) {
            std::cerr << "CI is set: a missing server is a failure, not a skip\n";
            return 1;
        }
        return 77;
    }
    if (!mwtest::Fixture::Get().Load(state)) {
        std::cerr << "the server fixture did not start (no " << state << "/env.txt)\n";
        return 1;
    }
    return RUN_ALL_TESTS();
}
