// A small JSON reader for the composer tests (the output of check_message.py): objects,
// arrays, strings (with \u escapes and surrogate pairs), numbers, true/false/null.
#ifndef MW_TEST_JSON_MINI_HPP
#define MW_TEST_JSON_MINI_HPP

#include <map>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

namespace mwtest
{

struct Json {
    enum Kind { Null, Bool, Number, String, Array, Object } kind = Null;
    bool b = false;
    double num = 0;
    std::string str;
    std::vector<Json> arr;
    std::map<std::string, Json> obj;

    const Json &operator[](const std::string &k) const
    {
        auto it = obj.find(k);
        if (kind != Object || it == obj.end())
            throw std::runtime_error("JSON: no member " + k);
        return it->second;
    }
    const Json &operator[](size_t i) const
    {
        if (kind != Array || i >= arr.size())
            throw std::runtime_error("JSON: index out of range");
        return arr[i];
    }
    bool has(const std::string &k) const
    {
        return kind == Object && obj.count(k) > 0;
    }
    size_t size() const
    {
        return kind == Array ? arr.size() : obj.size();
    }

    static Json Parse(const std::string &text)
    {
        size_t pos = 0;
        Json j = Value(text, pos);
        Ws(text, pos);
        if (pos != text.size())
            throw std::runtime_error("JSON: trailing text");
        return j;
    }

  private:
    static void Ws(const std::string &t, size_t &p)
    {
        while (p < t.size() && (t[p] == ' ' || t[p] == '\n' || t[p] == '\r' || t[p] == '\t'))
            p++;
    }
    static void Expect(const std::string &t, size_t &p, char c)
    {
        Ws(t, p);
        if (p >= t.size() || t[p] != c)
            throw std::runtime_error(std::string("JSON: expected ") + c);
        p++;
    }
    static void Utf8(std::string &out, unsigned long cp)
    {
        if (cp < 0x80) {
            out += static_cast<char>(cp);
        } else if (cp < 0x800) {
            out += static_cast<char>(0xc0 | (cp >> 6));
            out += static_cast<char>(0x80 | (cp & 0x3f));
        } else if (cp < 0x10000) {
            out += static_cast<char>(0xe0 | (cp >> 12));
            out += static_cast<char>(0x80 | ((cp >> 6) & 0x3f));
            out += static_cast<char>(0x80 | (cp & 0x3f));
        } else {
            out += static_cast<char>(0xf0 | (cp >> 18));
            out += static_cast<char>(0x80 | ((cp >> 12) & 0x3f));
            out += static_cast<char>(0x80 | ((cp >> 6) & 0x3f));
            out += static_cast<char>(0x80 | (cp & 0x3f));
        }
    }
    static unsigned long Hex4(const std::string &t, size_t &p)
    {
        if (p + 4 > t.size())
            throw std::runtime_error("JSON: short \\u escape");
        unsigned long v = std::stoul(t.substr(p, 4), nullptr, 16);
        p += 4;
        return v;
    }
    static std::string Str(const std::string &t, size_t &p)
    {
        Expect(t, p, '"');
        std::string out;
        while (p < t.size() && t[p] != '"') {
            char c = t[p++];
            if (c != '\\') {
                out += c;
                continue;
            }
            if (p >= t.size())
                break;
            char e = t[p++];
            switch (e) {
            case 'n':
                out += '\n';
                break;
            case 'r':
                out += '\r';
                break;
            case 't':
                out += '\t';
                break;
            case 'b':
                out += '\b';
                break;
            case 'f':
                out += '\f';
                break;
            case 'u': {
                unsigned long cp = Hex4(t, p);
                if (cp >= 0xd800 && cp < 0xdc00 && p + 6 <= t.size() && t[p] == '\\' &&
                    t[p + 1] == 'u') {
                    p += 2;
                    unsigned long lo = Hex4(t, p);
                    cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
                }
                Utf8(out, cp);
                break;
            }
            default:
                out += e;
                break;
            }
        }
        Expect(t, p, '"');
        return out;
    }
    static Json Value(const std::string &t, size_t &p)
    {
        Ws(t, p);
        if (p >= t.size())
            throw std::runtime_error("JSON: unexpected end");
        Json j;
        char c = t[p];
        if (c == '{') {
            j.kind = Object;
            p++;
            Ws(t, p);
            if (t[p] == '}') {
                p++;
                return j;
            }
            for (;;) {
                std::string k = Str(t, p);
                Expect(t, p, ':');
                j.obj[k] = Value(t, p);
                Ws(t, p);
                if (t[p] == ',') {
                    p++;
                    continue;
                }
                Expect(t, p, '}');
                return j;
            }
        }
        if (c == '[') {
            j.kind = Array;
            p++;
            Ws(t, p);
            if (t[p] == ']') {
                p++;
                return j;
            }
            for (;;) {
                j.arr.push_back(Value(t, p));
                Ws(t, p);
                if (t[p] == ',') {
                    p++;
                    continue;
                }
                Expect(t, p, ']');
                return j;
            }
        }
        if (c == '"') {
            j.kind = String;
            j.str = Str(t, p);
            return j;
        }
        if (t.compare(p, 4, "true") == 0) {
            j.kind = Bool;
            j.b = true;
            p += 4;
            return j;
        }
        if (t.compare(p, 5, "false") == 0) {
            j.kind = Bool;
            p += 5;
            return j;
        }
        if (t.compare(p, 4, "null") == 0) {
            p += 4;
            return j;
        }
        size_t used = 0;
        j.kind = Number;
        j.num = std::stod(t.substr(p, 40), &used);
        p += used;
        return j;
    }
};

} // namespace mwtest

#endif
