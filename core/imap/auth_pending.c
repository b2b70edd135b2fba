/* TEMPORARY until the SASL layer is merged: the LOGIN command only. */
#include "engine.h"
unsigned imap_auth_choose(imap_engine *e, unsigned type, int cleartext_ok, int *mech,
                          const char **why)
{
    if (type != IMAP_AUTH_LOGIN && type != IMAP_AUTH_AUTO) {
        *why = "SASL not merged yet";
        return ST_ERROR_INVALID_AUTHENTICATION_TYPE;
    }
    if (!cleartext_ok || (e->caps & IMAP_CAP_LOGINDISABLED)) {
        *why = "cleartext";
        return ST_ERROR_CLEARTEXT_REFUSED;
    }
    *mech = IMAP_MECH_LOGIN_COMMAND;
    return ST_ERROR_NONE;
}
unsigned imap_auth_mechs(const imap_engine *e)
{
    (void)e;
    return 0;
}
unsigned imap_auth_start(imap_engine *e, int mech, const char *user, const char *pass,
                         const char *host, unsigned port)
{
    (void)mech, (void)user, (void)pass, (void)host, (void)port;
    return imap_op_refuse(e, ST_ERROR_INVALID_AUTHENTICATION_TYPE, "SASL not merged");
}
void imap_auth_continue(imap_engine *e)
{
    imap_op_fail(e, ST_ERROR_PROTOCOL_VIOLATION, 1, "unexpected");
}
int imap_auth_verify(imap_engine *e)
{
    (void)e;
    return 0;
}
void imap_auth_free(imap_engine *e)
{
    (void)e;
}
