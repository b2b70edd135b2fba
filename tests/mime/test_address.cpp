// Address-list parser: a table of lists users write, with the mailboxes each must give, and a
// table of malformed lists with the exact error text each must give.
#include <gtest/gtest.h>

#include <cstdlib>
#include <string>
#include <vector>

extern "C" {
#include <mailwire/common.h>

#include "core/mime/address.h"
#include "core/util/alloc.h"
}

namespace
{

struct Box {
    std::string display; // as reported (quoted-pair backslashes kept)
    int quoted;          // display_quoted; -1: no display at all
    std::string addr;
    bool operator==(const Box &o) const
    {
        return display == o.display && quoted == o.quoted && addr == o.addr;
    }
};

std::ostream &operator<<(std::ostream &os, const Box &b)
{
    return os << "{" << b.display << "|" << b.quoted << "|" << b.addr << "}";
}

unsigned Collect(void *user, const mw_addr *a)
{
    auto *v = static_cast<std::vector<Box> *>(user);
    Box b;
    b.quoted = a->display ? a->display_quoted : -1;
    if (a->display)
        b.display.assign(a->display, a->display_len);
    b.addr.assign(a->addr, a->addr_len);
    v->push_back(b);
    return 0;
}

struct Good {
    const char *list;
    std::vector<Box> want;
};

TEST(Address, GoodLists)
{
    const std::vector<Good> table = {
        {"a@x", {{"", -1, "a@x"}}},
        {"a@x, b@y", {{"", -1, "a@x"}, {"", -1, "b@y"}}},
        {"a@x; b@y;c@z", {{"", -1, "a@x"}, {"", -1, "b@y"}, {"", -1, "c@z"}}},
        {"\"Doe, John\" <j@x>, b@y", {{"Doe, John", 1, "j@x"}, {"", -1, "b@y"}}},
        {"\"Say \\\"hi\\\"\" <q@x>", {{"Say \\\"hi\\\"", 1, "q@x"}}},
        {"John Doe <j@x>", {{"John Doe", 0, "j@x"}}},
        {"  <j@x>  ", {{"", -1, "j@x"}}},
        {"< j@x >", {{"", -1, "j@x"}}},
        {"j@x (John (the) \\) Doe)", {{"", -1, "j@x"}}},
        {"(lead) John <j@x> (trail)", {{"John", 0, "j@x"}}},
        {"John (work) <j@x>", {{"John", 0, "j@x"}}},
        {"(c, with; separators) a@x", {{"", -1, "a@x"}}},
        {"a@x,, ,;  ,b@y,", {{"", -1, "a@x"}, {"", -1, "b@y"}}},
        {"", {}},
        {"  ,  ", {}},
        {"\"a b\"@x", {{"", -1, "\"a b\"@x"}}},
        {"\"a,b\\\"c\"@x", {{"", -1, "\"a,b\\\"c\"@x"}}},
        {"Jörg Müller <jörg@bücher.example>", {{"Jörg Müller", 0, "jörg@bücher.example"}}},
        {"\"日本, 語\" <用户@例子.广告>", {{"日本, 語", 1, "用户@例子.广告"}}},
        {"postmaster", {{"", -1, "postmaster"}}},
        {"u@[192.0.2.1]", {{"", -1, "u@[192.0.2.1]"}}},
        {"u@[IPv6:2001:db8::1], v@y", {{"", -1, "u@[IPv6:2001:db8::1]"}, {"", -1, "v@y"}}},
        {"\"\" <e@x>", {{"", 1, "e@x"}}},
        {"\"Q\" Public <qp@x>", {{"\"Q\" Public", 0, "qp@x"}}},
        {"first.last+tag@sub.example.org", {{"", -1, "first.last+tag@sub.example.org"}}},
        {"\ta@x\t", {{"", -1, "a@x"}}},
    };
    for (const auto &g : table) {
        std::vector<Box> got;
        char detail[200] = "unset";
        unsigned rc = mw_addr_list_parse(g.list, Collect, &got, detail, sizeof detail);
        EXPECT_EQ(rc, 0u) << g.list << ": " << detail;
        EXPECT_STREQ(detail, "") << g.list;
        EXPECT_EQ(got, g.want) << g.list;
        EXPECT_EQ(mw_addr_list_count(g.list), static_cast<long>(g.want.size())) << g.list;
    }
}

struct Bad {
    std::string list;
    const char *detail;
};

TEST(Address, BadLists)
{
    const std::string local65(65, 'l');
    const std::string dom(250, 'd');
    const std::vector<Bad> table = {
        {"a@x,\r\nBcc: evil@y", "CR in address list at offset 4"},
        {"a@x\nb@y", "LF in address list at offset 3"},
        {"a@x, \"Doe, John <j@x>", "unbalanced quote in address list at offset 5"},
        {"\"abc\\\"", "unbalanced quote in address list at offset 0"},
        {"a@x (unclosed (nested) comment", "unbalanced comment in address list at offset 4"},
        {"a@x) b", "unbalanced ')' in address list at offset 3"},
        {"John <j@x", "unbalanced '<' in address list at offset 5"},
        {"j@x>", "unbalanced '>' in address list at offset 3"},
        {"<a<b@x>>", "nested '<' in address list at offset 2"},
        {"u@[1.2.3.4", "unbalanced '[' in address list at offset 2"},
        {"u@1.2.3.4]", "unbalanced ']' in address list at offset 9"},
        {"John Doe", "white space in address in address list at offset 4"},
        {"a b@x", "white space in address in address list at offset 1"},
        {"a@x y", "white space in address in address list at offset 3"},
        {"<a @x>", "white space in address in address list at offset 2"},
        {"John <>", "empty address in address list at offset 6"},
        {"<  >", "empty address in address list at offset 3"},
        {"@x", "empty local part in address list at offset 0"},
        {"a@", "empty domain in address list at offset 1"},
        {"a@b@c", "unexpected character in address in address list at offset 3"},
        {"John <j@x> extra", "unexpected text after '>' in address list at offset 11"},
        {"undisclosed-recipients:;",
         "group syntax (':') not supported in address list at offset 22"},
        {"a\\b@x", "backslash outside a quoted string in address list at offset 1"},
        {"a(c)@x", "comment inside an address in address list at offset 1"},
        {"\"a\"b@x", "text after a quoted local part in address list at offset 3"},
        {"a\x01@x", "control character in address in address list at offset 1"},
        {"\"a\tb\"@x", "control character in address in address list at offset 2"},
        {"Bad \xff <a@x>", "malformed UTF-8 in address list at offset 4"},
        // Found by fuzz_address: a quote that only closes past the item once made the parser
        // follow a NULL pointer.
        {"<(\")>", "unexpected character in address in address list at offset 1"},
        {"[\"]\"]", "unexpected character in address in address list at offset 0"},
        {"\xc3\x28@x", "malformed UTF-8 in address list at offset 0"},
        {local65 + "@x", "local part longer than 64 octets in address list at offset 0"},
        {"a@" + dom + ".org", "address longer than 254 octets in address list at offset 0"},
    };
    for (const auto &b : table) {
        char detail[200] = "";
        std::vector<Box> got;
        unsigned rc = mw_addr_list_parse(b.list.c_str(), Collect, &got, detail, sizeof detail);
        EXPECT_EQ(rc, static_cast<unsigned>(ST_ERROR_INVALID_ARGUMENT)) << b.list;
        EXPECT_STREQ(detail, b.detail) << b.list;
        EXPECT_EQ(mw_addr_list_count(b.list.c_str()), -1) << b.list;
    }
}

TEST(Address, LimitsAreInclusive)
{
    const std::string local64(64, 'l');
    EXPECT_EQ(mw_addr_list_count((local64 + "@x").c_str()), 1);
    std::string addr = "a@" + std::string(252, 'd');
    ASSERT_EQ(addr.size(), 254u);
    EXPECT_EQ(mw_addr_list_count(addr.c_str()), 1);
}

unsigned StopAtSecond(void *user, const mw_addr *)
{
    return ++*static_cast<int *>(user) == 2 ? 4242u : 0u;
}

TEST(Address, CallbackStopsTheParse)
{
    int n = 0;
    EXPECT_EQ(mw_addr_list_parse("a@x, b@y, c@z", StopAtSecond, &n, nullptr, 0), 4242u);
    EXPECT_EQ(n, 2);
}

TEST(Address, NullListAndTinyDetailBuffer)
{
    char detail[64];
    EXPECT_EQ(mw_addr_list_parse(nullptr, Collect, nullptr, detail, sizeof detail),
              static_cast<unsigned>(ST_ERROR_INVALID_ARGUMENT));
    EXPECT_STREQ(detail, "address list is NULL");
    char tiny[8];
    EXPECT_EQ(mw_addr_list_parse("a@x\r", nullptr, nullptr, tiny, sizeof tiny),
              static_cast<unsigned>(ST_ERROR_INVALID_ARGUMENT));
    EXPECT_STREQ(tiny, "CR in a");
}

TEST(Address, IsUtf8)
{
    EXPECT_EQ(mw_addr_is_utf8("plain@x", 7), 0);
    EXPECT_EQ(mw_addr_is_utf8("jörg@x", 7), 1);
    EXPECT_EQ(mw_addr_is_utf8("jörg@x", 1), 0); // only the first byte looked at
}

std::vector<std::string> Specs(const mw_addr_vec &v)
{
    return std::vector<std::string>(v.v, v.v + v.n);
}

TEST(AddressVec, ListGivesTheAddrSpecsInOrderDuplicatesKept)
{
    mw_addr_vec v;
    char detail[128] = "stale";
    ASSERT_EQ(mw_addr_vec_parse("\"Doe, J\" <j@x>; b@y (Bee), <c@[127.0.0.1]>, B@y", &v, detail,
                                sizeof detail),
              static_cast<unsigned>(ST_ERROR_NONE));
    EXPECT_EQ(Specs(v), (std::vector<std::string>{"j@x", "b@y", "c@[127.0.0.1]", "B@y"}));
    EXPECT_STREQ(detail, "");
    mw_addr_vec_free(&v);
    EXPECT_EQ(v.v, nullptr);
    EXPECT_EQ(v.n, 0u);

    ASSERT_EQ(mw_addr_vec_parse(" , ;", &v, detail, sizeof detail),
              static_cast<unsigned>(ST_ERROR_NONE));
    EXPECT_EQ(v.n, 0u) << "only empty items: no address, not an error";
    mw_addr_vec_free(&v);
}

TEST(AddressVec, BadListLeavesNothingAndSaysWhere)
{
    mw_addr_vec v;
    char detail[128];
    EXPECT_EQ(mw_addr_vec_parse("a@x, b y@z", &v, detail, sizeof detail),
              static_cast<unsigned>(ST_ERROR_INVALID_ARGUMENT));
    EXPECT_STREQ(detail, "white space in address in address list at offset 6");
    EXPECT_EQ(v.n, 0u);
    EXPECT_EQ(v.v, nullptr) << "the address parsed before the error is released";
    mw_addr_vec_free(&v);
    EXPECT_EQ(mw_addr_vec_parse(nullptr, &v, detail, sizeof detail),
              static_cast<unsigned>(ST_ERROR_INVALID_ARGUMENT));
    EXPECT_STREQ(detail, "address list is NULL");
    mw_addr_vec_free(&v);
}

TEST(AddressVec, EveryAllocationFailureIsReportedWithoutALeak)
{
    // Twenty addresses: the array grows more than once and every copy can fail.
    std::string list;
    for (int i = 0; i < 20; i++)
        list += "u" + std::to_string(i) + "@example.org, ";
    bool succeeded = false;
    int failures = 0;
    for (long n = 0; !succeeded && n < 200; n++) {
        mw_addr_vec v;
        char detail[64] = "";
        mw_alloc_fail_at(n);
        unsigned err = mw_addr_vec_parse(list.c_str(), &v, detail, sizeof detail);
        bool failed = mw_alloc_fail_at(-1);
        if (failed) {
            ++failures;
            EXPECT_EQ(err, static_cast<unsigned>(ST_ERROR_OUT_OF_MEMORY)) << n;
            EXPECT_STREQ(detail, "out of memory") << n;
            EXPECT_EQ(v.n, 0u) << n;
        } else {
            ASSERT_EQ(err, static_cast<unsigned>(ST_ERROR_NONE)) << n;
            ASSERT_EQ(v.n, 20u);
            EXPECT_STREQ(v.v[19], "u19@example.org");
            succeeded = true;
        }
        mw_addr_vec_free(&v);
    }
    EXPECT_TRUE(succeeded);
    // A hook that never fired would succeed at n = 0 having checked nothing.
    EXPECT_GT(failures, 20) << "each of the 20 copies and the array's growth was made to fail";
}

TEST(AddressOne, TakesTheAddrSpecOfEachForm)
{
    for (const char *in : {"a@x", "<a@x>", "  Alice <a@x> ", "\"A, B\" <a@x> (work)"}) {
        char *out = nullptr;
        char detail[128];
        ASSERT_EQ(mw_addr_parse_one(in, 0, &out, detail, sizeof detail),
                  static_cast<unsigned>(ST_ERROR_NONE))
            << in << ": " << detail;
        EXPECT_STREQ(out, "a@x") << in;
        free(out);
    }
}

TEST(AddressOne, NullPathOnlyWhenAllowed)
{
    char *out = nullptr;
    char detail[128];
    for (const char *in : {"", "<>"}) {
        ASSERT_EQ(mw_addr_parse_one(in, 1, &out, detail, sizeof detail),
                  static_cast<unsigned>(ST_ERROR_NONE))
            << in;
        ASSERT_NE(out, nullptr);
        EXPECT_STREQ(out, "") << "the null reverse-path";
        free(out);
    }
    EXPECT_EQ(mw_addr_parse_one("", 0, &out, detail, sizeof detail),
              static_cast<unsigned>(ST_ERROR_INVALID_ARGUMENT));
    EXPECT_STREQ(detail, "exactly one address expected, found 0");
    EXPECT_EQ(out, nullptr);
    EXPECT_EQ(mw_addr_parse_one("<>", 0, &out, detail, sizeof detail),
              static_cast<unsigned>(ST_ERROR_INVALID_ARGUMENT));
    EXPECT_STREQ(detail, "empty address in address list at offset 1");
    EXPECT_EQ(mw_addr_parse_one("< >", 1, &out, detail, sizeof detail),
              static_cast<unsigned>(ST_ERROR_INVALID_ARGUMENT))
        << "only the two exact forms mean the null path";
}

TEST(AddressOne, RefusesListsNullAndBadAddresses)
{
    char *out = nullptr;
    char detail[128];
    EXPECT_EQ(mw_addr_parse_one("a@x, b@y", 1, &out, detail, sizeof detail),
              static_cast<unsigned>(ST_ERROR_INVALID_ARGUMENT));
    EXPECT_STREQ(detail, "exactly one address expected, found 2");
    EXPECT_EQ(out, nullptr);
    EXPECT_EQ(mw_addr_parse_one(nullptr, 1, &out, detail, sizeof detail),
              static_cast<unsigned>(ST_ERROR_INVALID_ARGUMENT));
    EXPECT_STREQ(detail, "address is NULL");
    EXPECT_EQ(mw_addr_parse_one("a@x\r\nRCPT TO:<evil@y>", 0, &out, detail, sizeof detail),
              static_cast<unsigned>(ST_ERROR_INVALID_ARGUMENT));
    EXPECT_STREQ(detail, "CR in address list at offset 3");
    EXPECT_EQ(out, nullptr);
}

TEST(AddressOne, AllocationFailureIsReported)
{
    for (int allow_null : {0, 1}) {
        char *out = reinterpret_cast<char *>(1);
        char detail[64];
        mw_alloc_fail_at(0);
        EXPECT_EQ(
            mw_addr_parse_one(allow_null ? "<>" : "a@x", allow_null, &out, detail, sizeof detail),
            static_cast<unsigned>(ST_ERROR_OUT_OF_MEMORY));
        EXPECT_TRUE(mw_alloc_fail_at(-1));
        EXPECT_EQ(out, nullptr);
        EXPECT_STREQ(detail, "out of memory");
    }
}

} // namespace
