// mw_throttle_proxy: a TCP relay that limits throughput, so that a send on loopback takes as
// long as it would over a real link (the composer test sends 20 MiB at about 5 MB/s, and the
// event loop is watched all that time). TLS and STARTTLS pass through untouched: it relays
// bytes.
//
// Usage: mw_throttle_proxy PORT_FILE TARGET_HOST TARGET_PORT BYTES_PER_SECOND
// Listens on 127.0.0.1 on a free port, writes that port number to PORT_FILE once listening,
// and relays every connection to TARGET_HOST:TARGET_PORT. Each direction of each connection
// has its own token bucket (BYTES_PER_SECOND, bursts up to 1/50 s of it). Runs until killed.
#include <arpa/inet.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

namespace
{

using Clock = std::chrono::steady_clock;

double g_rate = 0; // bytes per second
size_t g_burst = 0;

// One direction: bytes read from `from` wait in `buf` until `to` takes them; reading is
// paced by the bucket.
struct Pipe {
    int from = -1, to = -1;
    std::vector<char> buf;
    size_t off = 0, len = 0;
    double tokens = 0;
    Clock::time_point refilled = Clock::now();
    bool eof = false;

    void Refill()
    {
        auto now = Clock::now();
        tokens = std::min(static_cast<double>(g_burst),
                          tokens + g_rate * std::chrono::duration<double>(now - refilled).count());
        refilled = now;
    }
    // Milliseconds until a read may happen (0: now).
    int WaitMs()
    {
        Refill();
        if (tokens >= 1)
            return 0;
        return std::max(1, static_cast<int>((1 - tokens) / g_rate * 1000.0) + 1);
    }
};

struct Conn {
    int client = -1, server = -1;
    Pipe up, down; // client -> server, server -> client
    bool dead = false;
};

int ConnectTarget(const char *host, const char *port)
{
    addrinfo hints{}, *res = nullptr;
    hints.ai_socktype = SOCK_STREAM;
    if (getaddrinfo(host, port, &hints, &res) != 0)
        return -1;
    int fd = -1;
    for (addrinfo *a = res; a; a = a->ai_next) {
        fd = socket(a->ai_family, a->ai_socktype, a->ai_protocol);
        if (fd < 0)
            continue;
        if (connect(fd, a->ai_addr, a->ai_addrlen) == 0)
            break;
        close(fd);
        fd = -1;
    }
    freeaddrinfo(res);
    return fd;
}

enum class Flow { open, finished, failed };

// Moves what the bucket allows: finished once EOF has been passed on with every byte before it.
Flow Pump(Pipe &p, short fromEvents, short toEvents)
{
    if (p.len == 0 && !p.eof && (fromEvents & (POLLIN | POLLHUP | POLLERR)) && p.WaitMs() == 0) {
        size_t want = std::min(p.buf.size(), static_cast<size_t>(p.tokens));
        ssize_t n = read(p.from, p.buf.data(), std::max<size_t>(want, 1));
        if (n > 0) {
            p.off = 0;
            p.len = static_cast<size_t>(n);
            p.tokens -= static_cast<double>(n);
        } else if (n == 0 || (errno != EINTR && errno != EAGAIN)) {
            p.eof = true;
            shutdown(p.to, SHUT_WR);
        }
    }
    if (p.len > 0 && (toEvents & POLLOUT)) {
        ssize_t n = write(p.to, p.buf.data() + p.off, p.len);
        if (n > 0) {
            p.off += static_cast<size_t>(n);
            p.len -= static_cast<size_t>(n);
        } else if (n < 0 && errno != EINTR && errno != EAGAIN) {
            return Flow::failed;
        }
    }
    return p.eof && p.len == 0 ? Flow::finished : Flow::open;
}

void NonBlocking(int fd)
{
    fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
}

} // namespace

int main(int argc, char **argv)
{
    if (argc != 5) {
        std::fprintf(stderr, "usage: %s PORT_FILE TARGET_HOST TARGET_PORT BYTES_PER_SECOND\n",
                     argv[0]);
        return 2;
    }
    signal(SIGPIPE, SIG_IGN);
    g_rate = std::atof(argv[4]);
    if (g_rate <= 0) {
        std::fprintf(stderr, "bad rate: %s\n", argv[4]);
        return 2;
    }
    g_burst = std::max<size_t>(4096, static_cast<size_t>(g_rate / 50));

    int lfd = socket(AF_INET, SOCK_STREAM, 0);
    int one = 1;
    setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t alen = sizeof a;
    if (bind(lfd, reinterpret_cast<sockaddr *>(&a), alen) != 0 || listen(lfd, 16) != 0 ||
        getsockname(lfd, reinterpret_cast<sockaddr *>(&a), &alen) != 0) {
        std::perror("listen");
        return 1;
    }
    {
        std::string tmp = std::string(argv[1]) + ".tmp";
        FILE *f = std::fopen(tmp.c_str(), "w");
        if (!f || std::fprintf(f, "%u\n", ntohs(a.sin_port)) < 0 || std::fclose(f) != 0 ||
            std::rename(tmp.c_str(), argv[1]) != 0) {
            std::perror(argv[1]);
            return 1;
        }
    }

    std::vector<std::unique_ptr<Conn>> conns;
    for (;;) {
        std::vector<pollfd> fds{{lfd, POLLIN, 0}};
        int timeout = -1;
        for (auto &c : conns) {
            auto events = [&](Pipe &in, Pipe &out) {
                short e = 0;
                if (in.len == 0 && !in.eof) {
                    int w = in.WaitMs();
                    if (w == 0)
                        e |= POLLIN;
                    else
                        timeout = timeout < 0 ? w : std::min(timeout, w);
                }
                if (out.len > 0)
                    e |= POLLOUT;
                return e;
            };
            // client fd: reads feed `up`, writes drain `down`; the server fd the other way.
            fds.push_back({c->client, events(c->up, c->down), 0});
            fds.push_back({c->server, events(c->down, c->up), 0});
        }
        if (poll(fds.data(), fds.size(), timeout) < 0 && errno != EINTR) {
            std::perror("poll");
            return 1;
        }
        for (size_t i = 0; i < conns.size(); ++i) {
            Conn &c = *conns[i];
            short ce = fds[1 + 2 * i].revents, se = fds[2 + 2 * i].revents;
            Flow up = Pump(c.up, ce, se), down = Pump(c.down, se, ce);
            c.dead = up == Flow::failed || down == Flow::failed ||
                     (up == Flow::finished && down == Flow::finished);
        }
        conns.erase(std::remove_if(conns.begin(), conns.end(),
                                   [](const std::unique_ptr<Conn> &c) {
                                       if (!c->dead)
                                           return false;
                                       close(c->client);
                                       close(c->server);
                                       return true;
                                   }),
                    conns.end());
        if (fds[0].revents & POLLIN) {
            int cfd = accept(lfd, nullptr, nullptr);
            if (cfd < 0)
                continue;
            int sfd = ConnectTarget(argv[2], argv[3]);
            if (sfd < 0) {
                close(cfd);
                continue;
            }
            NonBlocking(cfd);
            NonBlocking(sfd);
            auto c = std::make_unique<Conn>();
            c->client = cfd;
            c->server = sfd;
            c->up.from = cfd;
            c->up.to = sfd;
            c->down.from = sfd;
            c->down.to = cfd;
            for (Pipe *p : {&c->up, &c->down}) {
                p->buf.resize(64 * 1024);
                p->tokens = static_cast<double>(g_burst);
            }
            conns.push_back(std::move(c));
        }
    }
}
