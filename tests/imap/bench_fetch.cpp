// Benchmark (not a test): a full fetch of a mailbox of N messages against the fixture's
// Dovecot, with mailwire (pipelined UID FETCH batches) and with Python's imaplib in the same
// run, printing wall time, CPU time and peak memory. Run with the fixture up:
//
//   MW_FIXTURE_STATE=/tmp/fx-x bench_fetch [N=10000] [SIZE=2000]
//
// The mailbox "bench-N-SIZE" is filled once (APPEND) and reused; one untimed warm-up fetch
// runs first (cold file pages would dominate otherwise, see test-servers.md).
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <string>

#include <sys/resource.h>
#include <sys/wait.h>

#include "common/memory.hpp"
#include "common/fixture_env.hpp"
#include <mailwire/imap.h>

namespace
{

double CpuSeconds(int who)
{
    rusage ru{};
    getrusage(who, &ru);
    return ru.ru_utime.tv_sec + ru.ru_stime.tv_sec +
           (ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
}

struct Count {
    unsigned messages = 0;
    unsigned long long bytes = 0;
};

int MAILWIRE_CALLBACK Sink(unsigned, uint32_t, const char *p, size_t n, uint64_t, void *u)
{
    auto *c = static_cast<Count *>(u);
    if (!p)
        c->messages++;
    c->bytes += n;
    return 0;
}

} // namespace

int main(int argc, char **argv)
{
    unsigned n = argc > 1 ? (unsigned)atoi(argv[1]) : 10000;
    size_t size = argc > 2 ? (size_t)atoi(argv[2]) : 2000;
    const char *state = getenv("MW_FIXTURE_STATE");
    auto &fx = mwtest::Fixture::Get();
    if (!state || !fx.Load(state)) {
        fprintf(stderr, "set MW_FIXTURE_STATE to a running fixture\n");
        return 2;
    }
    SECURITYCREDENTIALS ca{};
    ca.dwSize = sizeof ca;
    std::string cafile = fx.Value("MW_CA_FILE"), host = fx.Value("MW_HOST");
    ca.lpszCAFile = cafile.c_str();
    unsigned port = fx.Port("MW_IMAPS_PORT");
    std::string user = fx.Value("MW_USER1"), pass = fx.Value("MW_PASS1");
    std::string box = "bench-" + std::to_string(n) + "-" + std::to_string(size);

    HCLIENT h = ImapConnect(host.c_str(), port, 30, IMAP_OPTION_SECURE_IMPLICIT, &ca);
    if (h == INVALID_CLIENT || ImapLogin(h, IMAP_AUTH_AUTO, user.c_str(), pass.c_str()) != 0) {
        fprintf(stderr, "connect/login: %s\n", MailwireGetLastErrorDetail());
        return 1;
    }
    IMAPMAILBOXSTATUS st{};
    if (ImapGetMailboxStatus(h, box.c_str(), &st) != 0) {
        ImapCreateMailbox(h, box.c_str());
        st.nMessages = 0;
    }
    std::string body(size, 'x');
    for (size_t i = 76; i < body.size(); i += 78) {
        body[i] = '\r';
        body[i + 1 < body.size() ? i + 1 : i] = '\n';
    }
    for (unsigned i = st.nMessages; i < n; i++) {
        std::string m = "Subject: bench " + std::to_string(i) + "\r\n\r\n" + body + "\r\n";
        if (ImapCreateMessage(h, box.c_str(), 0, nullptr, m.data(), m.size(), nullptr) != 0) {
            fprintf(stderr, "append: %s\n", MailwireGetLastErrorDetail());
            return 1;
        }
    }
    IMAPMAILBOX mb{};
    ImapExamineMailbox(h, box.c_str(), &mb);
    Count warm;
    ImapFetchMessages(h, 1, 0, 0, Sink, &warm);

    long hwm0 = mwtest::PeakRssKiB();
    double cpu0 = CpuSeconds(RUSAGE_SELF);
    auto t0 = std::chrono::steady_clock::now();
    Count c;
    if (ImapFetchMessages(h, 1, 0, 0, Sink, &c) != 0) {
        fprintf(stderr, "fetch: %s\n", MailwireGetLastErrorDetail());
        return 1;
    }
    double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    double cpu = CpuSeconds(RUSAGE_SELF) - cpu0;
    long hwm = mwtest::PeakRssKiB();
    ImapDisconnect(h);
    printf("mailwire: %u messages, %llu bytes in %.3f s wall, %.3f s CPU; VmHWM %ld KiB "
           "(+%ld KiB during the fetch)\n",
           c.messages, c.bytes, wall, cpu, hwm, hwm - hwm0);

    // Python imaplib, same fetch (one UID FETCH 1:* BODY.PEEK[]), CPU of the child process.
    std::string py = "import imaplib,ssl,sys,time\n"
                     "ctx=ssl.create_default_context(cafile=sys.argv[3])\n"
                     "m=imaplib.IMAP4_SSL(sys.argv[1],int(sys.argv[2]),ssl_context=ctx)\n"
                     "m.login(sys.argv[4],sys.argv[5]); m.select(sys.argv[6],readonly=True)\n"
                     "m.uid('FETCH','1:*','(BODY.PEEK[])')\n"
                     "t=time.time(); typ,d=m.uid('FETCH','1:*','(BODY.PEEK[])')\n"
                     "n=sum(len(x[1]) for x in d if isinstance(x,tuple))\n"
                     "print('imaplib: %d bytes in %.3f s wall' % (n, time.time()-t))\n";
    std::ofstream("/tmp/mw_bench_imaplib.py") << py;
    std::string cmd = "python3 /tmp/mw_bench_imaplib.py " + host + " " + std::to_string(port) +
                      " " + cafile + " " + user + " '" + pass + "' " + box;
    double pcpu0 = CpuSeconds(RUSAGE_CHILDREN);
    int rc = system(cmd.c_str());
    double pcpu = CpuSeconds(RUSAGE_CHILDREN) - pcpu0;
    if (rc == 0)
        printf("imaplib process CPU (login, two fetches): %.3f s; mailwire fetch CPU / imaplib "
               "process CPU = %.2f\n",
               pcpu, cpu / pcpu);
    return 0;
}
