// test_certs.cpp -- see test_certs.hpp.
#include "test_certs.hpp"

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <sstream>
#include <stdexcept>
#include <system_error>

#include "common/portable.h"

#ifndef MW_SOURCE_DIR
#error "MW_SOURCE_DIR must be defined (the mailwire source tree); see tests/support/CMakeLists.txt"
#endif

namespace fs = std::filesystem;

namespace mwtest
{

namespace
{

std::string g_temp_dir; // removed at exit when non-empty

void RemoveTempDir()
{
    if (!g_temp_dir.empty()) {
        std::error_code ec;
        fs::remove_all(fs::u8path(g_temp_dir), ec);
    }
}

std::string ReadFile(const std::string &path)
{
    std::ifstream in(fs::u8path(path), std::ios::binary);
    std::ostringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

bool FileExists(const std::string &path)
{
    std::error_code ec;
    return fs::exists(fs::u8path(path), ec);
}

std::string MakeCertDir()
{
    const std::string script = std::string(MW_SOURCE_DIR) + "/tests/fixtures/make-certs.sh";
    std::string dir;
    const char *env = std::getenv("MW_TEST_CERT_DIR");
    if (env != nullptr && *env != '\0') {
        dir = env;
    } else {
        char buf[1024];
        if (mwt_make_temp_dir("mwtest-certs-", buf, sizeof buf) != 0)
            throw std::runtime_error(
                std::string("TestCertDir: cannot make a temporary directory: ") +
                std::strerror(errno));
        dir = buf;
        g_temp_dir = dir;
        std::atexit(RemoveTempDir);
    }
#ifdef _WIN32
    // No bash to run make-certs.sh here (Windows programs run under Wine): the build makes the
    // directory (tests/CMakeLists.txt, mw_test_certs) and MW_TEST_CERT_DIR names it.
    if (!FileExists(dir + "/.done") || !FileExists(dir + "/ca.pem"))
        throw std::runtime_error(
            "TestCertDir: " + dir +
            " has no certificates; the build's mw_test_certs target makes them "
            "(MW_TEST_CERT_DIR)");
    return dir;
#else
    if (!FileExists(script))
        throw std::runtime_error("TestCertDir: " + script + " not found");

    // Several test processes (ctest -j) may share MW_TEST_CERT_DIR: generate under a lock; the
    // script itself does nothing once OUTDIR/.done exists.
    std::error_code ec;
    fs::create_directories(fs::u8path(dir), ec);
    if (ec)
        throw std::runtime_error("TestCertDir: cannot create " + dir + ": " + ec.message());
    char why[512];
    long long lock = mwt_lock_file((dir + "/.lock").c_str(), why, sizeof why);
    if (lock < 0)
        throw std::runtime_error(std::string("TestCertDir: ") + why);
    struct Unlock {
        long long h;
        ~Unlock()
        {
            mwt_unlock_file(h);
        }
    } unlock{lock};

    // The log lives outside OUTDIR so that make-certs.sh sees a clean directory.
    char log_dir[1024];
    if (mwt_make_temp_dir("mwtest-make-certs-", log_dir, sizeof log_dir) != 0)
        throw std::runtime_error(std::string("TestCertDir: cannot make a temporary directory: ") +
                                 std::strerror(errno));
    const std::string log = std::string(log_dir) + "/make-certs.log";
    int rc = mwt_run_bash(script.c_str(), dir.c_str(), log.c_str(), why, sizeof why);
    std::string output = ReadFile(log);
    fs::remove_all(fs::u8path(log_dir), ec);
    if (rc != 0)
        throw std::runtime_error("TestCertDir: " + script + " " + dir + " failed (" + why + "):\n" +
                                 output);
    if (!FileExists(dir + "/ca.pem") || !FileExists(dir + "/valid.pem"))
        throw std::runtime_error("TestCertDir: " + script + " did not create " + dir +
                                 "/ca.pem and valid.pem:\n" + output);
    return dir;
#endif
}

} // namespace

const std::string &TestCertDir()
{
    static std::once_flag once;
    static std::string dir;
    std::call_once(once, [] { dir = MakeCertDir(); });
    return dir;
}

std::string TestCertPath(const std::string &name)
{
    return TestCertDir() + "/" + name;
}

} // namespace mwtest
