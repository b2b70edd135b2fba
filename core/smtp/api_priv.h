/* What the SMTP API files share (internal): connect and send for SmtpSubmitMessage(). */
#ifndef MW_SMTP_API_PRIV_H
#define MW_SMTP_API_PRIV_H

#include <mailwire/smtp.h>

#include "engine.h"

/* SmtpConnect() / SmtpAsyncConnect() (async selects the non-blocking session). */
MW_INTERNAL HCLIENT mw_smtp_connect(const char *host, unsigned port, unsigned timeout,
                                    uint32_t options, const char *local,
                                    const SECURITYCREDENTIALS *cred, int async, SMTPTRACEPROC trace,
                                    void *trace_user);
/* Send one message from a source to already parsed addresses; src is consumed. */
MW_INTERNAL int mw_smtp_send_source(HCLIENT h, const char *from, const char *const *rcpts,
                                    size_t nrcpt, mw_smtp_source *src, int need_8bit,
                                    int need_smtputf8);

/* Send a message object (SmtpSendMimeMessage(), SmtpSubmitMessage()) to parsed addresses;
 * utf8: an address needs SMTPUTF8. options: MIME_EXPORT_8BIT / MIME_EXPORT_UTF8. */
struct mw_msg;
MW_INTERNAL int mw_smtp_send_msg(HCLIENT h, struct mw_msg *m, const char *from,
                                 const char *const *rcpts, size_t nrcpt, uint32_t options,
                                 int utf8);

#endif
