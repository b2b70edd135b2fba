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
#include <mailwire/TextArg.hpp>

#include <string>
#include <type_traits>

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
    return MailwireGetErrorStringA(error);
}

/** @return the cause of the calling thread's last error, as a std::string. */
inline std::string GetLastErrorDetail()
{
    return MailwireGetLastErrorDetailA();
}

/** @return the runtime library version, "major.minor.patch". */
inline std::string GetVersion()
{
    return MailwireGetVersionA();
}

/**
 * @brief RAII owner of a SECURITYCREDENTIALS block made by MailwireCreateSecurityCredentials()
 *        (client certificate and key, extra CA file), for the Connect() calls.
 *
 * Move-only. Set a pinned server fingerprint with the C structure directly if needed.
 */
class CSecurityCredentials
{
  public:
    /**
     * @brief Load nothing yet; Get() returns nullptr until Create() succeeds.
     * @par Blocking: no.
     * @par Thread: any.
     */
    CSecurityCredentials() noexcept = default;
    ~CSecurityCredentials()
    {
        if (m_p)
            MailwireDeleteSecurityCredentialsA(m_p);
    }
    CSecurityCredentials(const CSecurityCredentials &) = delete;
    CSecurityCredentials &operator=(const CSecurityCredentials &) = delete;
    /** Take over another object's block; the other is left empty. */
    CSecurityCredentials(CSecurityCredentials &&o) noexcept : m_p(o.m_p)
    {
        o.m_p = nullptr;
    }
    /** Free the held block and take over another object's; the other is left empty. */
    CSecurityCredentials &operator=(CSecurityCredentials &&o) noexcept
    {
        if (this != &o) {
            if (m_p)
                MailwireDeleteSecurityCredentialsA(m_p);
            m_p = o.m_p;
            o.m_p = nullptr;
        }
        return *this;
    }

    /**
     * @brief Build the block (MailwireCreateSecurityCredentials()); replaces any held one.
     * @param dwOptions           SECURITY_CREDENTIAL_* flags.
     * @param lpszCertificateFile client certificate (PEM or PKCS#12), or nullptr.
     * @param lpszPrivateKeyFile  PEM key, or nullptr.
     * @param lpszPassword        key or PKCS#12 password, or nullptr.
     * @param lpszCAFile          extra trust anchors (PEM), or nullptr.
     * @return true on success; false with mailwire::GetLastError() set
     *         (ST_ERROR_INVALID_ARGUMENT, ST_ERROR_OUT_OF_MEMORY). The strings are copied.
     * @par Blocking: no.
     * @par Thread: any.
     */
    bool Create(uint32_t dwOptions, const TextArg &lpszCertificateFile,
                const TextArg &lpszPrivateKeyFile, const TextArg &lpszPassword,
                const TextArg &lpszCAFile)
    {
        LPSECURITYCREDENTIALSA p = nullptr;
        if (MailwireCreateSecurityCredentialsA(dwOptions, lpszCertificateFile, lpszPrivateKeyFile,
                                               lpszPassword, lpszCAFile, &p) != 0)
            return false;
        if (m_p)
            MailwireDeleteSecurityCredentialsA(m_p);
        m_p = p;
        return true;
    }

    /** @return the block for a Connect() call, or nullptr when none was created. */
    const SECURITYCREDENTIALSA *Get() const noexcept
    {
        return m_p;
    }

  private:
    LPSECURITYCREDENTIALSA m_p = nullptr;
};

namespace detail
{
/**
 * @brief A SECURITYCREDENTIALSW (SmtpCreateSecurityCredentialsW(), or a UNICODE build's
 *        SECURITYCREDENTIALS) as the UTF-8 structure the classes pass to the C API; valid
 *        while the object lives. Text that is not Unicode throws std::invalid_argument (see
 *        TextArg).
 */
class NarrowCredentials
{
  public:
    /** @brief Converts w (nullptr: Get() gives nullptr). */
    explicit NarrowCredentials(const SECURITYCREDENTIALSW *w)
        : m_cert(w ? w->lpszCertificateFile : nullptr), m_key(w ? w->lpszPrivateKeyFile : nullptr),
          m_pass(w ? w->lpszPassword : nullptr), m_ca(w ? w->lpszCAFile : nullptr),
          m_pin(w ? w->lpszPinnedFingerprint : nullptr), m_null(w == nullptr)
    {
        if (!w)
            return;
        m_c.dwSize = w->dwSize == sizeof *w ? static_cast<uint32_t>(sizeof m_c) : 0;
        m_c.dwOptions = w->dwOptions;
        m_c.lpszCertificateFile = m_cert;
        m_c.lpszPrivateKeyFile = m_key;
        m_c.lpszPassword = m_pass;
        m_c.lpszCAFile = m_ca;
        m_c.lpszPinnedFingerprint = m_pin;
    }
    NarrowCredentials(const NarrowCredentials &) = delete;
    NarrowCredentials &operator=(const NarrowCredentials &) = delete;
    /** @return the UTF-8 structure, or nullptr for none. */
    const SECURITYCREDENTIALSA *Get() const noexcept
    {
        return m_null ? nullptr : &m_c;
    }

  private:
    TextArg m_cert, m_key, m_pass, m_ca, m_pin;
    bool m_null;
    SECURITYCREDENTIALSA m_c{};
};

/** @cond MAILWIRE_DETAIL */
template <class Cred>
using IfWideCredentials = std::enable_if_t<std::is_same_v<Cred, SECURITYCREDENTIALSW>, int>;
/** @endcond */
} // namespace detail

} // namespace mailwire

#endif // MAILWIRE_MAILWIRE_HPP
