// Address ordering (PREFER_IPV6) and multi-address connect.
#include <gtest/gtest.h>

#include <cstring>
#include <string>
#include <vector>

#include "common/portable.h"

extern "C" {
#include "core/platform/connect.h"
}

namespace
{

// A resolver-shaped list built by hand: getaddrinfo's order is not ours to choose in a test.
// Allocated with malloc so that freeaddrinfo() is not involved: the connector is only given a
// copy of the pointers for ordering in this test and the list is freed here.
struct FakeList {
    std::vector<addrinfo> nodes;
    std::vector<sockaddr_storage> addrs;
    explicit FakeList(const std::vector<int> &families)
        : nodes(families.size()), addrs(families.size())
    {
        for (size_t i = 0; i < families.size(); ++i) {
            std::memset(&nodes[i], 0, sizeof nodes[i]);
            std::memset(&addrs[i], 0, sizeof addrs[i]);
            nodes[i].ai_family = families[i];
            nodes[i].ai_socktype = SOCK_STREAM;
            nodes[i].ai_addr = reinterpret_cast<sockaddr *>(&addrs[i]);
            addrs[i].ss_family = static_cast<decltype(addrs[i].ss_family)>(families[i]);
            nodes[i].ai_next = i + 1 < families.size() ? &nodes[i + 1] : nullptr;
        }
    }
};

std::vector<int> Order(const std::vector<int> &fam, bool prefer6)
{
    FakeList l(fam);
    mw_connector c;
    EXPECT_EQ(mw_connector_begin(&c, &l.nodes[0], prefer6), 0);
    std::vector<int> out;
    for (size_t i = 0; i < c.count; ++i)
        out.push_back(c.order[i]->ai_family);
    free(c.order);
    return out;
}

TEST(Connector, Ipv4FirstByDefaultIpv6FirstWhenPreferred)
{
    std::vector<int> in = {AF_INET6, AF_INET, AF_INET6, AF_INET};
    EXPECT_EQ(Order(in, false), (std::vector<int>{AF_INET, AF_INET, AF_INET6, AF_INET6}));
    EXPECT_EQ(Order(in, true), (std::vector<int>{AF_INET6, AF_INET6, AF_INET, AF_INET}));
    EXPECT_EQ(Order({AF_INET6}, false), (std::vector<int>{AF_INET6})) << "IPv6-only still works";
}

addrinfo *Resolve(const char *host, int port)
{
    EXPECT_EQ(mwt_sockets_init(), 0); // these tests make sockets of their own
    addrinfo hints{}, *ai = nullptr;
    hints.ai_socktype = SOCK_STREAM;
    std::string p = std::to_string(port);
    EXPECT_EQ(getaddrinfo(host, p.c_str(), &hints, &ai), 0);
    return ai;
}

int Drive(mw_connector *c)
{
    for (int i = 0; i < 1000; ++i) {
        int r = mw_connector_step(c);
        if (r != 0)
            return r;
        mwt_sleep_ms(1);
    }
    return 0;
}

TEST(Connector, RefusedPortReportsRefused)
{
    // Bind, learn the port, close: nothing listens there now.
    ASSERT_EQ(mwt_sockets_init(), 0);
    mwt_socket s = mwt_socket_tcp(AF_INET, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ASSERT_EQ(bind(s, reinterpret_cast<sockaddr *>(&a), sizeof a), 0);
    socklen_t len = sizeof a;
    getsockname(s, reinterpret_cast<sockaddr *>(&a), &len);
    mwt_close_socket(s);
    mw_connector c;
    ASSERT_EQ(mw_connector_begin(&c, Resolve("127.0.0.1", ntohs(a.sin_port)), 0), 0);
    EXPECT_EQ(Drive(&c), -1);
    EXPECT_TRUE(c.only_refused);
    EXPECT_STREQ(c.last_addr, "127.0.0.1");
    mw_connector_free(&c);
}

TEST(Connector, FallsThroughToTheNextAddress)
{
    // A listener on IPv4 only; "::1" is tried first with PREFER_IPV6 and is refused.
    ASSERT_EQ(mwt_sockets_init(), 0);
    mwt_socket l = mwt_socket_tcp(AF_INET, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ASSERT_EQ(bind(l, reinterpret_cast<sockaddr *>(&a), sizeof a), 0);
    ASSERT_EQ(listen(l, 4), 0);
    socklen_t len = sizeof a;
    getsockname(l, reinterpret_cast<sockaddr *>(&a), &len);
    int port = ntohs(a.sin_port);
    addrinfo *v6 = Resolve("::1", port);
    addrinfo *v4 = Resolve("127.0.0.1", port);
    ASSERT_TRUE(v6 && v4);
    v6->ai_next = v4; // one list, IPv6 first
    mw_connector c;
    ASSERT_EQ(mw_connector_begin(&c, v6, 1), 0);
    EXPECT_EQ(Drive(&c), 1);
    EXPECT_STREQ(c.last_addr, "127.0.0.1");
    mw_socket_t s = mw_connector_take(&c);
    EXPECT_NE(s, MW_INVALID_SOCKET);
    mw_sock_close(s);
    mw_connector_free(&c);
    mwt_close_socket(l);
}

} // namespace
