/* smtp_send: compose a message with an attachment and send it in one blocking call
 * (SmtpSubmitMessageEx), printing the protocol trace; AUTH responses appear redacted.
 *
 * usage: smtp_send [host [port [user [password [cafile [from [to [attachment [subject]]]]]]]]]
 * Each argument falls back to an environment variable: MW_SMTP_HOST (localhost),
 * MW_SMTP_PORT (587), MW_SMTP_USER, MW_SMTP_PASSWORD, MW_SMTP_CA (extra trust anchors, PEM),
 * MW_SMTP_FROM (the user at localhost), MW_SMTP_TO (the sender), MW_SMTP_ATTACH (this
 * program's source file when it exists), MW_SMTP_SUBJECT.
 * Port 465 uses implicit TLS, any other port STARTTLS (mandatory); an empty user sends without
 * AUTH. Exit status 0 on success, 1 on failure. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <mailwire/smtp.h>

static const char *arg(int argc, char **argv, int i, const char *env, const char *def)
{
    if (i < argc && argv[i][0])
        return argv[i];
    const char *v = getenv(env);
    return v && *v ? v : def;
}

static void MAILWIRE_CALLBACK trace(HCLIENT h, unsigned dir, const char *data, size_t len,
                                    void *user)
{
    (void)h;
    (void)user;
    const char *tag = dir == SMTP_TRACE_SENT ? "C: " : dir == SMTP_TRACE_RECEIVED ? "S: " : "-- ";
    /* Print line by line so multi-line replies stay readable. */
    while (len > 0) {
        const char *nl = memchr(data, '\n', len);
        size_t n = nl ? (size_t)(nl - data) + 1 : len;
        size_t shown = n;
        while (shown > 0 && (data[shown - 1] == '\n' || data[shown - 1] == '\r'))
            shown--;
        printf("%s%.*s\n", tag, (int)shown, data);
        data += n;
        len -= n;
    }
}

int main(int argc, char **argv)
{
    const char *host = arg(argc, argv, 1, "MW_SMTP_HOST", "localhost");
    unsigned port = (unsigned)atoi(arg(argc, argv, 2, "MW_SMTP_PORT", "587"));
    const char *user = arg(argc, argv, 3, "MW_SMTP_USER", "");
    const char *pass = arg(argc, argv, 4, "MW_SMTP_PASSWORD", "");
    const char *ca = arg(argc, argv, 5, "MW_SMTP_CA", "");
    char from_default[256];
    snprintf(from_default, sizeof from_default, "%s@localhost", *user ? user : "sample");
    const char *from = arg(argc, argv, 6, "MW_SMTP_FROM", from_default);
    const char *to = arg(argc, argv, 7, "MW_SMTP_TO", from);
    const char *attach = arg(argc, argv, 8, "MW_SMTP_ATTACH", __FILE__);
    const char *subject = arg(argc, argv, 9, "MW_SMTP_SUBJECT",
                              "mailwire sample: SmtpSubmitMessage with an attachment");

    if (!SmtpInitialize()) {
        fprintf(stderr, "SmtpInitialize: %s\n", SmtpGetErrorText(SmtpGetLastError()));
        return 1;
    }
    const char *attachments[] = {attach, NULL};
    SMTPMESSAGE msg;
    memset(&msg, 0, sizeof msg);
    msg.dwSize = sizeof msg;
    msg.lpszFrom = from;
    msg.lpszTo = to;
    msg.lpszSubject = subject;
    msg.lpszText = "Hello,\n\nthis message was composed and sent by samples/c/smtp_send.c.\n";
    msg.lpszHTML = "<p>Hello,</p><p>this message was composed and sent by "
                   "<code>samples/c/smtp_send.c</code>.</p>";
    msg.lpszAttachments = attachments;

    SMTPSERVER srv;
    memset(&srv, 0, sizeof srv);
    srv.lpszHostName = host;
    srv.nHostPort = port;
    srv.lpszUserName = user;
    srv.lpszPassword = pass;
    srv.nTimeout = 20;
    srv.dwOptions = port == 465 ? SMTP_OPTION_SECURE_IMPLICIT : SMTP_OPTION_SECURE;

    SECURITYCREDENTIALS cred;
    memset(&cred, 0, sizeof cred);
    cred.dwSize = sizeof cred;
    cred.lpszCAFile = *ca ? ca : NULL;

    int rc = SmtpSubmitMessageEx(&srv, &msg, &cred, trace, NULL);
    if (rc != 0) {
        char text[128]; /* the SocketTools form: the text copied into a buffer */
        SmtpGetErrorString(SmtpGetLastError(), text, (int)sizeof text);
        fprintf(stderr, "sending failed: %s (%s)\n", text, MailwireGetLastErrorDetail());
    } else {
        printf("sent from %s to %s with %s attached\n", from, to, attach);
    }
    SmtpUninitialize();
    return rc == 0 ? 0 : 1;
}
