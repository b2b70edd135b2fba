// Every test program ends the way an application should: with the library's last
// MailwireUninitialize(), which waits for a trust-store load still running on the library's
// worker thread. A test that fails a TLS connection early (STARTTLS not offered, say) ends
// while that load is in flight; under Wine a process that exits in the middle of filling
// crypt32's certificate store leaves every other test program that opened the store meanwhile
// waiting without end (MailwireUninitialize() in include/mailwire/common.h). Registered at
// start-up; compiled into each program, so it takes that program's own view of the library
// (static, or the DLL).
#include <gtest/gtest.h>

#include <mailwire/common.h>

namespace
{

class LibraryEnd : public ::testing::Environment
{
  public:
    void TearDown() override
    {
        // The reference and its release: the last one if no test kept one.
        if (MailwireInitialize())
            MailwireUninitialize();
    }
};

// gtest owns the environment.
::testing::Environment *const g_library_end = ::testing::AddGlobalTestEnvironment(new LibraryEnd);

} // namespace
