/**
 * @file Mailwire.hpp
 * @brief Header-only C++17 helpers shared by CSmtpClient and CImapClient.
 *
 * Nothing here throws across the C ABI: the C calls report failures through return values
 * and the thread's last error, which these helpers turn into std::string and bool.
 */
#ifndef MAILWIRE_MAILWIRE_HPP
#define MAILWIRE_MAILWIRE_HPP

#include <mailwire/mailwire.h>

#include <string>

namespace mailwire
{

/**
 * @brief RAII pairing of MailwireInitialize() and MailwireUninitialize().
 *
 * Create one per scope that uses the library (for example in main()). Copying would
 * unbalance the reference count, so the class is neither copyable nor movable.
 */
class CLibrary
{
  public:
    /** Initialises the library; check IsInitialized(). Blocking: no. Thread: any. */
    CLibrary() noexcept : m_ok(MailwireInitialize() != 0) {}
    ~CLibrary()
    {
        if (m_ok)
            MailwireUninitialize();
    }
    CLibrary(const CLibrary &) = delete;
    CLibrary &operator=(const CLibrary &) = delete;
    /** @return true when MailwireInitialize() succeeded. */
    bool IsInitialized() const noexcept
    {
        return m_ok;
    }

  private:
    bool m_ok;
};

/** @return the calling thread's last error code (see mw_error). */
inline unsigned GetLastError() noexcept
{
    return MailwireGetLastError();
}

/** @return the fixed description of an error code, as a std::string. */
inline std::string GetErrorString(unsigned error)
{
    return MailwireGetErrorString(error);
}

/** @return the cause of the calling thread's last error, as a std::string. */
inline std::string GetLastErrorDetail()
{
    return MailwireGetLastErrorDetail();
}

/** @return the runtime library version, "major.minor.patch". */
inline std::string GetVersion()
{
    return MailwireGetVersion();
}

} // namespace mailwire

#endif // MAILWIRE_MAILWIRE_HPP
