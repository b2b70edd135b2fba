/**
 * @file TextArg.hpp
 * @brief mailwire::TextArg: the text parameter of the C++ classes, from narrow (UTF-8) or
 *        wide (wchar_t) strings and from CString.
 */
#ifndef MAILWIRE_TEXTARG_HPP
#define MAILWIRE_TEXTARG_HPP

#include <cstddef>
#include <cstdint>
#include <cwchar>
#include <stdexcept>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>

namespace mailwire
{

namespace detail
{
/** @cond MAILWIRE_DETAIL */
template <class T, class = void> struct GetStringChar {
    using type = void;
};
template <class T>
struct GetStringChar<T, std::void_t<decltype(std::declval<const T &>().GetString())>> {
    using type =
        std::remove_cv_t<std::remove_pointer_t<decltype(std::declval<const T &>().GetString())>>;
};
/** @endcond */
} // namespace detail

/**
 * @brief A text argument of the C++ classes: what the C API is given, UTF-8.
 *
 * Implicitly made from `const char *` and `std::string` (UTF-8, taken as they are, never
 * copied), `std::string_view` (copied, for the terminating NUL), `const wchar_t *`,
 * `std::wstring` and `std::wstring_view` (UTF-16 where wchar_t has 16 bits, as on Windows;
 * UTF-32 elsewhere; converted to UTF-8), and any type whose `GetString()` returns
 * `const char *` or `const wchar_t *`: ATL/MFC's CString (CStringA, CStringW), so
 * `LPCTSTR`/`CString` code works in ANSI and UNICODE builds alike. A null pointer stays a
 * null pointer (the C API's "none" where it allows one).
 *
 * Only the wide conversion can fail: a wchar_t string that is not Unicode (an unpaired
 * surrogate, a value past U+10FFFF) throws std::invalid_argument, from the argument's
 * construction, before the method runs. Text the classes give back (std::string results,
 * callbacks) stays UTF-8.
 *
 * A TextArg refers to what it was made from: use it as a parameter (it lives until the end
 * of the call's full expression), never keep it.
 */
class TextArg
{
  public:
    /** @brief UTF-8 text, or nullptr. */
    TextArg(const char *s) noexcept : m_p(s) {}
    /** @brief UTF-8 text. */
    TextArg(const std::string &s) noexcept : m_p(s.c_str()) {}
    /** @brief UTF-8 text (copied: a view need not end in NUL). */
    TextArg(std::string_view s) : m_buf(s), m_p(m_buf.c_str()), m_owned(true) {}
    /** @brief wchar_t text (UTF-16 or UTF-32), or nullptr; converted to UTF-8. */
    template <class W, std::enable_if_t<std::is_same_v<W, wchar_t>, int> = 0>
    TextArg(const W *s) : m_p(nullptr)
    {
        if (s)
            Convert(std::wstring_view(s));
    }
    /** @brief wchar_t text; converted to UTF-8. */
    TextArg(const std::wstring &s) : m_p(nullptr)
    {
        Convert(std::wstring_view(s));
    }
    /** @brief wchar_t text; converted to UTF-8. */
    TextArg(std::wstring_view s) : m_p(nullptr)
    {
        Convert(s);
    }
    /** @brief A string class with GetString() (CString, CStringA, CStringW). */
    template <class T,
              std::enable_if_t<std::is_same_v<typename detail::GetStringChar<T>::type, char> ||
                                   std::is_same_v<typename detail::GetStringChar<T>::type, wchar_t>,
                               int> = 0>
    TextArg(const T &s)
        : TextArg(static_cast<const typename detail::GetStringChar<T>::type *>(s.GetString()))
    {
    }
    /** @brief Copy (a converted text is copied with it). */
    TextArg(const TextArg &o)
        : m_buf(o.m_buf), m_p(o.m_owned ? m_buf.c_str() : o.m_p), m_owned(o.m_owned)
    {
    }
    /** @brief Copy assignment. */
    TextArg &operator=(const TextArg &o)
    {
        if (this != &o) {
            m_buf = o.m_buf;
            m_p = o.m_owned ? m_buf.c_str() : o.m_p;
            m_owned = o.m_owned;
        }
        return *this;
    }
    ~TextArg() = default;

    /** @brief The UTF-8 text (nullptr when made from a null pointer). */
    const char *c_str() const noexcept
    {
        return m_p;
    }
    /** @brief The UTF-8 text, for the C API (nullptr when made from a null pointer). */
    operator const char *() const noexcept
    {
        return m_p;
    }
    /** @brief The UTF-8 text as a view ("" for a null pointer). */
    operator std::string_view() const noexcept
    {
        return m_p ? std::string_view(m_p) : std::string_view();
    }

  private:
    void Put(std::uint32_t c)
    {
        if (c < 0x80u) {
            m_buf += static_cast<char>(c);
        } else if (c < 0x800u) {
            m_buf += static_cast<char>(0xC0u | (c >> 6));
            m_buf += static_cast<char>(0x80u | (c & 0x3Fu));
        } else if (c < 0x10000u) {
            m_buf += static_cast<char>(0xE0u | (c >> 12));
            m_buf += static_cast<char>(0x80u | ((c >> 6) & 0x3Fu));
            m_buf += static_cast<char>(0x80u | (c & 0x3Fu));
        } else {
            m_buf += static_cast<char>(0xF0u | (c >> 18));
            m_buf += static_cast<char>(0x80u | ((c >> 12) & 0x3Fu));
            m_buf += static_cast<char>(0x80u | ((c >> 6) & 0x3Fu));
            m_buf += static_cast<char>(0x80u | (c & 0x3Fu));
        }
    }
    // UTF-16 (RFC 2781 section 2: a surrogate only as a high-low pair) or UTF-32 to UTF-8.
    void Convert(std::wstring_view w)
    {
        m_buf.reserve(w.size());
        for (std::size_t i = 0; i < w.size(); i++) {
            std::uint32_t c = static_cast<std::uint32_t>(w[i]);
            if constexpr (sizeof(wchar_t) == 2) {
                c &= 0xFFFFu;
                if (c >= 0xD800u && c <= 0xDBFFu && i + 1 < w.size()) {
                    std::uint32_t lo = static_cast<std::uint32_t>(w[i + 1]) & 0xFFFFu;
                    if (lo >= 0xDC00u && lo <= 0xDFFFu) {
                        c = 0x10000u + ((c - 0xD800u) << 10) + (lo - 0xDC00u);
                        i++;
                    }
                }
            }
            if ((c >= 0xD800u && c <= 0xDFFFu) || c > 0x10FFFFu)
                throw std::invalid_argument("mailwire::TextArg: the wchar_t text is not Unicode "
                                            "(unpaired surrogate or invalid code point)");
            Put(c);
        }
        m_p = m_buf.c_str();
        m_owned = true;
    }

    std::string m_buf;
    const char *m_p;
    bool m_owned = false;
};

} // namespace mailwire

#endif
