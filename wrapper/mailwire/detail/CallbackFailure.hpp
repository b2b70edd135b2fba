/**
 * @file CallbackFailure.hpp
 * @brief Catching what application callbacks throw before it reaches C.
 *
 * The C library calls application code (event handlers, trace sinks, fetch and source
 * callbacks) from inside its own frames. An exception unwinding through C frames is undefined
 * behaviour, so every thunk that C calls catches everything, records the first failure here
 * and tells C to stop; the C++ method that made the C call then reports
 * ST_ERROR_CALLBACK_FAILED with the exception's text.
 */
#ifndef MAILWIRE_DETAIL_CALLBACKFAILURE_HPP
#define MAILWIRE_DETAIL_CALLBACKFAILURE_HPP

#include <mailwire/common.h>

#include <cstddef>
#include <exception>

namespace mailwire
{
namespace detail
{

/** The first exception thrown by application code during one C call. Not thread-safe: it is
 *  written on the thread that drives the session, as the callbacks are. */
class CallbackFailure
{
  public:
    /** Record the exception being handled. Call only from inside a catch block. */
    void Capture() noexcept
    {
        if (m_bFailed)
            return;
        m_bFailed = true;
        try {
            throw;
        } catch (const std::exception &e) {
            Copy(e.what());
        } catch (...) {
            Copy("an exception that is not derived from std::exception");
        }
    }
    /** @return true when a callback threw since the last Reset(). */
    bool Failed() const noexcept
    {
        return m_bFailed;
    }
    /** @return the exception's what() text (truncated to 255 bytes), "" when none. */
    const char *What() const noexcept
    {
        return m_szWhat;
    }
    /** Forget the recorded failure. */
    void Reset() noexcept
    {
        m_bFailed = false;
        m_szWhat[0] = '\0';
    }

  private:
    // A fixed buffer: copying into a std::string could itself throw inside the catch block.
    void Copy(const char *text) noexcept
    {
        std::size_t i = 0;
        if (text)
            for (; text[i] && i + 1 < sizeof m_szWhat; ++i)
                m_szWhat[i] = text[i];
        m_szWhat[i] = '\0';
    }
    bool m_bFailed = false;
    char m_szWhat[256] = {};
};

/**
 * Heap state of one non-blocking operation started through a client object: the callable or
 * the result storage the C library was given, whose address it holds as user data until the
 * operation has ended, which is after the starting method has returned. The client keeps it
 * and releases it when MAILWIRE_EVENT_COMPLETE reports the end (after the completion handler
 * has run, so that the handler can still read results held there), whoever drives the
 * session: Execute() of the object, or an event loop calling MailwireExecute() itself.
 */
struct OperationState {
    virtual ~OperationState() = default;
    CallbackFailure failure; /**< What the operation's callable threw, if anything. */
    HCLIENT hClient = INVALID_CLIENT;
};

} // namespace detail
} // namespace mailwire

#endif // MAILWIRE_DETAIL_CALLBACKFAILURE_HPP
