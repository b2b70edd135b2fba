// ocsp_responses.cpp -- see ocsp_responses.hpp.
#include "ocsp_responses.hpp"

#include <gnutls/abstract.h>
#include <gnutls/gnutls.h>
#include <gnutls/ocsp.h>
#include <gnutls/x509.h>

#include <cstdio>
#include <ctime>
#include <fstream>
#include <memory>
#include <sstream>
#include <stdexcept>
#include <type_traits>

namespace mwtest
{

namespace
{

void Check(int rc, const std::string &what)
{
    if (rc < 0)
        throw std::runtime_error("MakeOcspResponse: " + what + ": " + gnutls_strerror(rc));
}

std::string ReadAll(const std::string &path)
{
    std::ifstream in(path, std::ios::binary);
    if (!in)
        throw std::runtime_error("MakeOcspResponse: cannot read " + path);
    std::ostringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

gnutls_datum_t Datum(const std::string &s)
{
    return {reinterpret_cast<unsigned char *>(const_cast<char *>(s.data())),
            static_cast<unsigned>(s.size())};
}

std::string Str(const gnutls_datum_t &d)
{
    return std::string(reinterpret_cast<const char *>(d.data), d.size);
}

struct Crt {
    gnutls_x509_crt_t c = nullptr;
    explicit Crt(const std::string &pem_file)
    {
        std::string pem = ReadAll(pem_file);
        gnutls_datum_t d = Datum(pem);
        Check(gnutls_x509_crt_init(&c), "crt_init");
        Check(gnutls_x509_crt_import(c, &d, GNUTLS_X509_FMT_PEM), "import " + pem_file);
    }
    ~Crt()
    {
        gnutls_x509_crt_deinit(c);
    }
    Crt(const Crt &) = delete;
    Crt &operator=(const Crt &) = delete;
    std::string Der() const
    {
        gnutls_datum_t out{};
        Check(gnutls_x509_crt_export2(c, GNUTLS_X509_FMT_DER, &out), "export");
        std::string r = Str(out);
        gnutls_free(out.data);
        return r;
    }
};

// ---- DER (X.690) ----

std::string Tlv(unsigned char tag, const std::string &content)
{
    std::string out(1, static_cast<char>(tag));
    std::size_t n = content.size();
    if (n < 0x80) {
        out += static_cast<char>(n);
    } else {
        std::string len;
        for (; n > 0; n >>= 8)
            len.insert(len.begin(), static_cast<char>(n & 0xff));
        out += static_cast<char>(0x80 | len.size());
        out += len;
    }
    return out + content;
}

std::string Seq(const std::string &content)
{
    return Tlv(0x30, content);
}

std::string Bytes(std::initializer_list<unsigned char> b)
{
    return std::string(b.begin(), b.end());
}

// GeneralizedTime "YYYYMMDDHHMMSSZ" of a Unix time (civil date from days, no gmtime: portable
// and thread-safe).
std::string Time(long long t)
{
    long long days = t / 86400, secs = t % 86400;
    if (secs < 0) {
        secs += 86400;
        days -= 1;
    }
    long long z = days + 719468, era = (z >= 0 ? z : z - 146096) / 146097;
    long long doe = z - era * 146097;
    long long yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    long long y = yoe + era * 400, doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    long long mp = (5 * doy + 2) / 153, d = doy - (153 * mp + 2) / 5 + 1;
    long long m = mp < 10 ? mp + 3 : mp - 9;
    if (m <= 2)
        y += 1;
    char buf[96];
    std::snprintf(buf, sizeof buf, "%04d%02d%02d%02d%02d%02dZ", static_cast<int>(y),
                  static_cast<int>(m), static_cast<int>(d), static_cast<int>(secs / 3600),
                  static_cast<int>(secs / 60 % 60), static_cast<int>(secs % 60));
    return Tlv(0x18, buf);
}

} // namespace

std::string MakeOcspResponse(const OcspSpec &spec)
{
    if (spec.response_status != 0) // OCSPResponse ::= SEQUENCE { responseStatus ENUMERATED }
        return Seq(Tlv(0x0a, std::string(1, static_cast<char>(spec.response_status))));

    Crt cert(spec.cert), issuer(spec.issuer), signer(spec.signer_cert);
    long long now = static_cast<long long>(std::time(nullptr));

    // CertID: let GnuTLS compute the hashes it will compare with (SHA-1 of the issuer's name
    // and key, the serial number).
    gnutls_ocsp_req_t req;
    Check(gnutls_ocsp_req_init(&req), "req_init");
    std::unique_ptr<std::remove_pointer_t<gnutls_ocsp_req_t>, void (*)(gnutls_ocsp_req_t)>
        req_owner(req, gnutls_ocsp_req_deinit);
    Check(gnutls_ocsp_req_add_cert(req, GNUTLS_DIG_SHA1, issuer.c, cert.c), "req_add_cert");
    gnutls_datum_t name_hash{}, key_hash{}, serial{};
    gnutls_digest_algorithm_t dig;
    Check(gnutls_ocsp_req_get_cert_id(req, 0, &dig, &name_hash, &key_hash, &serial), "get_cert_id");
    std::string sha1_alg = Seq(Bytes({0x06, 0x05, 0x2b, 0x0e, 0x03, 0x02, 0x1a, 0x05, 0x00}));
    std::string cert_id = Seq(sha1_alg + Tlv(0x04, Str(name_hash)) + Tlv(0x04, Str(key_hash)) +
                              Tlv(0x02, Str(serial)));
    gnutls_free(name_hash.data);
    gnutls_free(key_hash.data);
    gnutls_free(serial.data);

    std::string status; // CertStatus, IMPLICIT tags
    if (spec.cert_status == 1)
        status = Tlv(0xa1, Time(now - 7200)); // revoked: RevokedInfo { revocationTime }
    else if (spec.cert_status == 2)
        status = Bytes({0x82, 0x00}); // unknown
    else
        status = Bytes({0x80, 0x00}); // good
    std::string single = cert_id + status + Time(now + spec.this_update);
    if (spec.next_update)
        single += Tlv(0xa0, Time(now + *spec.next_update));

    gnutls_datum_t dn{};
    Check(gnutls_x509_crt_get_raw_dn(signer.c, &dn), "get_raw_dn");
    std::string responder = Tlv(0xa1, Str(dn)); // ResponderID byName [1] EXPLICIT Name
    gnutls_free(dn.data);
    std::string tbs = Seq(responder + Time(now + spec.this_update) + Seq(Seq(single)));

    gnutls_privkey_t key;
    Check(gnutls_privkey_init(&key), "privkey_init");
    std::unique_ptr<std::remove_pointer_t<gnutls_privkey_t>, void (*)(gnutls_privkey_t)> key_owner(
        key, gnutls_privkey_deinit);
    std::string key_pem = ReadAll(spec.signer_key);
    gnutls_datum_t kd = Datum(key_pem);
    Check(gnutls_privkey_import_x509_raw(key, &kd, GNUTLS_X509_FMT_PEM, nullptr, 0), "key import");
    gnutls_datum_t td = Datum(tbs), sig{};
    Check(gnutls_privkey_sign_data(key, GNUTLS_DIG_SHA256, 0, &td, &sig), "sign");
    std::string sig_alg =
        Seq(Bytes({0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x0b, 0x05, 0x00}));
    std::string basic = tbs + sig_alg + Tlv(0x03, std::string(1, '\0') + Str(sig));
    gnutls_free(sig.data);
    if (spec.include_signer_cert)
        basic += Tlv(0xa0, Seq(signer.Der()));
    basic = Seq(basic);

    std::string basic_oid =
        Bytes({0x06, 0x09, 0x2b, 0x06, 0x01, 0x05, 0x05, 0x07, 0x30, 0x01, 0x01});
    std::string bytes = Seq(basic_oid + Tlv(0x04, basic));
    return Seq(Bytes({0x0a, 0x01, 0x00}) + Tlv(0xa0, bytes));
}

} // namespace mwtest
