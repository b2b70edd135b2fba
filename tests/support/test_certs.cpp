// test_certs.cpp -- see test_certs.hpp.
#include "test_certs.hpp"

#include <fcntl.h>
#include <ftw.h>
#include <spawn.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <mutex>
#include <sstream>
#include <stdexcept>
#include <vector>

#ifndef MW_SOURCE_DIR
#error "MW_SOURCE_DIR must be defined (the mailwire source tree); see tests/support/CMakeLists.txt"
#endif

extern char **environ;

namespace mwtest
{

namespace
{

std::string g_temp_dir; // removed at exit when non-empty

int RemoveEntry(const char *path, const struct stat *, int, struct FTW *)
{
    ::remove(path);
    return 0;
}

void RemoveTempDir()
{
    if (!g_temp_dir.empty())
        ::nftw(g_temp_dir.c_str(), RemoveEntry, 16, FTW_DEPTH | FTW_PHYS);
}

std::string ReadFile(const std::string &path)
{
    std::ifstream in(path, std::ios::binary);
    std::ostringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

std::string TempDir()
{
    const char *tmp = std::getenv("TMPDIR");
    return tmp != nullptr && *tmp != '\0' ? tmp : "/tmp";
}

bool FileExists(const std::string &path)
{
    struct stat st {
    };
    return ::stat(path.c_str(), &st) == 0;
}

// mkdir -p
bool MakeDirs(const std::string &path)
{
    for (std::size_t pos = 1; pos <= path.size(); ++pos) {
        if (pos == path.size() || path[pos] == '/') {
            std::string part = path.substr(0, pos);
            if (::mkdir(part.c_str(), 0755) != 0 && errno != EEXIST)
                return false;
        }
    }
    return true;
}

// Runs `bash script dir` with stdout and stderr going to `log`; returns the exit status text
// ("" on success).
std::string RunScript(const std::string &script, const std::string &dir, const std::string &log)
{
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_addopen(&fa, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_addopen(&fa, STDOUT_FILENO, log.c_str(), O_WRONLY | O_CREAT | O_TRUNC,
                                     0644);
    posix_spawn_file_actions_adddup2(&fa, STDOUT_FILENO, STDERR_FILENO);
    std::vector<char *> argv = {const_cast<char *>("bash"), const_cast<char *>(script.c_str()),
                                const_cast<char *>(dir.c_str()), nullptr};
    pid_t pid = -1;
    int rc = posix_spawnp(&pid, "bash", &fa, nullptr, argv.data(), environ);
    posix_spawn_file_actions_destroy(&fa);
    if (rc != 0)
        return std::string("cannot run bash: ") + std::strerror(rc);
    int status = 0;
    while (::waitpid(pid, &status, 0) < 0) {
        if (errno != EINTR)
            return std::string("waitpid: ") + std::strerror(errno);
    }
    if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
        return "";
    if (WIFEXITED(status))
        return "exit status " + std::to_string(WEXITSTATUS(status));
    return "killed by signal " + std::to_string(WTERMSIG(status));
}

std::string MakeCertDir()
{
    const std::string script = std::string(MW_SOURCE_DIR) + "/tests/fixtures/make-certs.sh";
    if (!FileExists(script))
        throw std::runtime_error("TestCertDir: " + script + " not found");

    std::string dir;
    const char *env = std::getenv("MW_TEST_CERT_DIR");
    if (env != nullptr && *env != '\0') {
        dir = env;
    } else {
        std::string templ = TempDir() + "/mwtest-certs-XXXXXX";
        std::vector<char> buf(templ.begin(), templ.end());
        buf.push_back('\0');
        if (::mkdtemp(buf.data()) == nullptr)
            throw std::runtime_error("TestCertDir: mkdtemp(" + templ +
                                     "): " + std::strerror(errno));
        dir = buf.data();
        g_temp_dir = dir;
        std::atexit(RemoveTempDir);
    }

    // Several test processes (ctest -j) may share MW_TEST_CERT_DIR: generate under a lock; the
    // script itself does nothing once OUTDIR/.done exists.
    if (!MakeDirs(dir))
        throw std::runtime_error("TestCertDir: cannot create " + dir + ": " + std::strerror(errno));
    const std::string lock_path = dir + "/.lock";
    int lock_fd = ::open(lock_path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    if (lock_fd < 0)
        throw std::runtime_error("TestCertDir: cannot open " + lock_path + ": " +
                                 std::strerror(errno));
    while (::flock(lock_fd, LOCK_EX) != 0 && errno == EINTR) {
    }
    struct Unlock {
        int fd;
        ~Unlock()
        {
            ::close(fd); // releases the lock
        }
    } unlock{lock_fd};

    // The log lives outside OUTDIR so that make-certs.sh sees a clean directory.
    std::string log_templ = TempDir() + "/mwtest-make-certs-XXXXXX.log";
    std::vector<char> log_buf(log_templ.begin(), log_templ.end());
    log_buf.push_back('\0');
    int log_fd = ::mkstemps(log_buf.data(), 4);
    if (log_fd < 0)
        throw std::runtime_error("TestCertDir: mkstemps(" + log_templ +
                                 "): " + std::strerror(errno));
    ::close(log_fd);
    const std::string log = log_buf.data();
    std::string status = RunScript(script, dir, log);
    std::string output = ReadFile(log);
    ::unlink(log.c_str());
    if (!status.empty())
        throw std::runtime_error("TestCertDir: " + script + " " + dir + " failed (" + status +
                                 "):\n" + output);
    if (!FileExists(dir + "/ca.pem") || !FileExists(dir + "/valid.pem"))
        throw std::runtime_error("TestCertDir: " + script + " did not create " + dir +
                                 "/ca.pem and valid.pem:\n" + output);
    return dir;
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
