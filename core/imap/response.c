/* IMAP engine: the greeting, tagged completions, untagged status responses and continuation
 * requests (RFC 9051 section 7); untagged data is in untagged.c. */
#include "engine_priv.h"
#include "../util/str.h"

#include <string.h>

/* ---- tagged responses ------------------------------------------------------------------- */

static void set_result(mw_imap_engine *e, int cond)
{
    mw_imap_reader *r = &e->rd;
    e->result_cond = cond == IMAP_OK ? 0 : cond == IMAP_NO ? 1 : cond == IMAP_BAD ? 2 : 3;
    size_t n = r->len - (r->has_code ? r->code_off - 1 : r->text_off);
    const char *p = r->buf + (r->has_code ? r->code_off - 1 : r->text_off);
    if (n >= sizeof e->result_text)
        n = sizeof e->result_text - 1;
    memcpy(e->result_text, p, n);
    e->result_text[n] = 0;
}

/* A tagged NO or BAD for the running operation: NO is a refusal, BAD a command the server
 * found invalid (RFC 9051 section 7.1). */
static void note_refusal(mw_imap_engine *e, int cond, const char *what, const char *text)
{
    unsigned err = cond == IMAP_NO ? ST_ERROR_SERVER_PERMANENT : ST_ERROR_COMMAND_REJECTED;
    const char *word = cond == IMAP_NO ? "NO" : "BAD";
    if (!text[0])
        mw_imap_op_note(e, err, "%s%s%s without a reason", what, what[0] ? ": " : "", word);
    else
        mw_imap_op_note(e, err, "%s%s%s", what, what[0] ? ": " : "", text);
}

static void tagged(mw_imap_engine *e)
{
    mw_imap_reader *r = &e->rd;
    const char *tag = r->buf + r->tag_off;
    unsigned num = 0;
    size_t i;
    if (r->tag_len < 2 || tag[0] != 'A') {
        mw_imap_op_fail(e, ST_ERROR_PROTOCOL_VIOLATION, 1, "tagged response with an unknown tag");
        return;
    }
    for (i = 1; i < r->tag_len; i++) {
        if (tag[i] < '0' || tag[i] > '9' || num > 100000000u) {
            mw_imap_op_fail(e, ST_ERROR_PROTOCOL_VIOLATION, 1,
                            "tagged response with an unknown tag");
            return;
        }
        num = num * 10 + (unsigned)(tag[i] - '0');
    }
    for (i = 0; i < e->ncmd && e->cmds[i].tag != num; i++)
        ;
    if (i == e->ncmd) {
        mw_imap_op_fail(e, ST_ERROR_PROTOCOL_VIOLATION, 1, "tagged response with an unknown tag");
        return;
    }
    mw_imap_cmd c = e->cmds[i];
    memmove(e->cmds + i, e->cmds + i + 1, (e->ncmd - i - 1) * sizeof *e->cmds);
    e->ncmd--;
    int cond = r->cond;
    int no_cond = cond == 0;
    if (no_cond) {
        /* "tag [code] text" without OK, NO or BAD (Exchange after UID MOVE: "A5 [COPYUID 55
         * 31 6]"). COPYUID is only ever sent for a copy that succeeded (RFC 4315 section 3),
         * so that line completes the command as an OK; any other code leaves the outcome
         * unknown: the command is reported as failed. Either way the line is whole and the
         * tag known, so the session goes on (MailKit and Thunderbird keep it too). */
        const char *cp = r->buf + r->code_off;
        cond = r->code_len >= 7 && mw_strncasecmp(cp, "COPYUID", 7) == 0 &&
                       (r->code_len == 7 || cp[7] == ' ')
                   ? IMAP_OK
                   : IMAP_NO;
    }
    /* A command refused before its literal went out: the literal is never sent (checklist
     * 35). An OK for a command the server cannot have read yet is forged (checklist 3). */
    if (c.end > e->out.base + e->out.sent && cond == IMAP_OK) {
        mw_imap_op_fail(e, ST_ERROR_PROTOCOL_VIOLATION, 1, "tagged OK for a command not yet sent");
        return;
    }
    if (c.end > e->out.base + e->out.sent) {
        mw_imap_out_cut(&e->out, e->out.base + e->out.sent, c.end);
        e->cont_ok = 0;
    }
    set_result(e, cond);
    if (no_cond && cond != IMAP_OK && !c.detached)
        mw_imap_op_note(e, ST_ERROR_PROTOCOL_VIOLATION, "tagged response without OK, NO or BAD: %s",
                        e->result_text);
    if (r->has_code)
        mw_imap_handle_code(e, r->buf + r->code_off, r->code_len, 1, c.kind);
    if (c.kind == IMAP_CMD_IDLE && e->idle_done_queued && !e->idle_acked) {
        /* IDLE refused: the held-back DONE must not go out either. */
        mw_imap_out_cut(&e->out, e->out.base + e->out.sent, mw_imap_out_end(&e->out));
        e->cont_ok = 0;
    }
    if (!c.detached)
        mw_imap_push_event(e, MAILWIRE_EVENT_COMMAND, 0);
    const char *text = e->result_text;

    if (cond != IMAP_OK && cond != IMAP_NO && cond != IMAP_BAD) {
        mw_imap_op_fail(e, ST_ERROR_PROTOCOL_VIOLATION, 1, "tagged %s response",
                        cond == IMAP_BYE ? "BYE" : "PREAUTH");
        return;
    }
    switch (c.kind) {
    case IMAP_CMD_STARTTLS:
        if (cond != IMAP_OK) {
            mw_imap_op_fail(e, ST_ERROR_STARTTLS_UNAVAILABLE, 1, "STARTTLS refused: %s", text);
            return;
        }
        /* Stop here: anything after this line is injected (checklist 4). */
        mw_imap_set_state(e, IMAP_ST_STARTTLS);
        e->op_status = MW_OP_START_TLS;
        return;
    case IMAP_CMD_LOGIN:
    case IMAP_CMD_AUTHENTICATE:
        if (c.kind == IMAP_CMD_AUTHENTICATE && cond == IMAP_OK && mw_imap_auth_verify(e))
            return;
        mw_imap_auth_free(e);
        if (cond == IMAP_OK) {
            mw_imap_set_state(e, IMAP_ST_AUTHENTICATED);
            /* RFC 9051 6.2.3: capabilities may change after login; a CAPABILITY code in the
             * OK, or an untagged CAPABILITY since the command went out (Gmail, Yandex and Zoho
             * send one right before the OK of AUTHENTICATE), already refreshed them;
             * otherwise ask. */
            if (!(r->has_code && r->code_len >= 10 &&
                  mw_strncasecmp(r->buf + r->code_off, "CAPABILITY", 10) == 0) &&
                e->caps_gen == e->login_gen)
                e->caps_known = 0;
        } else {
            mw_imap_set_state(e, IMAP_ST_NOT_AUTHENTICATED);
            mw_imap_op_note(
                e, cond == IMAP_NO ? ST_ERROR_AUTHENTICATION_FAILED : ST_ERROR_COMMAND_REJECTED,
                "login refused: %s", text);
        }
        break;
    case IMAP_CMD_ID:
    case IMAP_CMD_ENABLE:
        break; /* optional extras: a refusal changes nothing */
    case IMAP_CMD_SELECT:
    case IMAP_CMD_EXAMINE:
        /* RFC 9051 6.3.2: a failed SELECT leaves no mailbox selected (the state has said so
         * since the SELECT was queued). */
        if (cond == IMAP_OK) {
            if (c.kind == IMAP_CMD_EXAMINE) {
                e->mbox.bReadOnly = 1;
                e->mbox.dwAccessMode = IMAP_ACCESS_READONLY;
            }
            mw_imap_set_state(e, IMAP_ST_SELECTED);
        } else {
            note_refusal(e, cond, "", text);
        }
        break;
    case IMAP_CMD_UNSELECT:
    case IMAP_CMD_CLOSE:
        if (cond == IMAP_OK) {
            memset(&e->mbox, 0, sizeof e->mbox);
            mw_imap_set_state(e, IMAP_ST_AUTHENTICATED);
            break;
        }
        note_refusal(e, cond, "", text);
        break;
    case IMAP_CMD_IDLE:
        if (cond != IMAP_OK && !c.detached)
            note_refusal(e, cond, "IDLE refused", text);
        break;
    case IMAP_CMD_LOGOUT:
        break;
    case IMAP_CMD_COMPRESS:
        mw_imap_compress_done(e, cond, text);
        break;
    default:
        if (cond != IMAP_OK && !c.detached)
            note_refusal(e, cond, "", text);
        break;
    }
    if (c.kind == IMAP_CMD_LOGOUT) {
        mw_imap_op_finish(e);
        return;
    }
    mw_imap_op_advance(e);
}

/* ---- greeting and untagged status -------------------------------------------------------- */

static void greeting(mw_imap_engine *e)
{
    mw_imap_reader *r = &e->rd;
    if (r->cur_kind != IMAP_RESP_STATUS || r->tag_len != 1 || r->buf[0] != '*' ||
        (r->cond != IMAP_OK && r->cond != IMAP_PREAUTH && r->cond != IMAP_BYE)) {
        mw_imap_op_fail(e, ST_ERROR_PROTOCOL_VIOLATION, 1, "invalid greeting");
        return;
    }
    set_result(e, r->cond == IMAP_PREAUTH ? IMAP_OK : r->cond);
    if (r->cond == IMAP_BYE) {
        mw_imap_op_fail(e, ST_ERROR_CONNECTION_CLOSED, 1, "the server refused the connection: %s",
                        e->result_text);
        return;
    }
    if (r->has_code)
        mw_imap_handle_code(e, r->buf + r->code_off, r->code_len, 0, 0);
    if (r->cond == IMAP_PREAUTH) {
        /* Checklist 9: PREAUTH on cleartext while TLS is required ends the session. */
        if (mw_imap_pre_tls(e)) {
            mw_imap_op_fail(e, ST_ERROR_STARTTLS_UNAVAILABLE, 1,
                            "PREAUTH greeting on a cleartext connection while TLS is required");
            return;
        }
        mw_imap_set_state(e, IMAP_ST_AUTHENTICATED);
    } else {
        mw_imap_set_state(e, IMAP_ST_NOT_AUTHENTICATED);
    }
    mw_imap_op_advance(e);
}

static void untagged_status(mw_imap_engine *e)
{
    mw_imap_reader *r = &e->rd;
    if (r->has_code)
        mw_imap_handle_code(e, r->buf + r->code_off, r->code_len, 0, 0);
    if (r->cond == IMAP_BYE) {
        set_result(e, IMAP_BYE);
        if (e->op == IMAP_OP_LOGOUT || e->state == IMAP_ST_LOGOUT)
            return;
        mw_imap_op_fail(e, ST_ERROR_CONNECTION_CLOSED, 1, "the server ended the session: %s",
                        e->result_text);
        return;
    }
    if (r->cond == IMAP_PREAUTH)
        mw_imap_op_fail(e, ST_ERROR_PROTOCOL_VIOLATION, 1, "PREAUTH after the greeting");
}

/* ---- continuation requests --------------------------------------------------------------- */

static void continuation(mw_imap_engine *e)
{
    mw_imap_out *o = &e->out;
    int at_sync =
        o->nmark > 0 && o->marks[0].kind == IMAP_MARK_SYNC && o->marks[0].at == o->base + o->sent;
    int idle_waiting = 0;
    for (size_t i = 0; i < e->ncmd; i++)
        if (e->cmds[i].kind == IMAP_CMD_IDLE && !e->idle_acked &&
            o->base + o->sent >= e->cmds[i].end)
            idle_waiting = 1;
    if (idle_waiting) {
        e->idle_acked = 1;
        if (at_sync)
            e->cont_ok = 1; /* releases a DONE queued before the "+" */
        return;
    }
    if (at_sync) {
        e->cont_ok = 1;
        return;
    }
    for (size_t i = 0; i < e->ncmd; i++)
        if (e->cmds[i].kind == IMAP_CMD_AUTHENTICATE && e->sasl) {
            mw_imap_auth_continue(e);
            return;
        }
    mw_imap_op_fail(e, ST_ERROR_PROTOCOL_VIOLATION, 1, "unexpected continuation request");
}

void mw_imap_response(mw_imap_engine *e)
{
    mw_imap_reader *r = &e->rd;
    e->progress++;
    if (e->state == IMAP_ST_GREETING) {
        greeting(e);
        return;
    }
    switch (r->cur_kind) {
    case IMAP_RESP_CONT:
        continuation(e);
        break;
    case IMAP_RESP_STATUS:
        if (r->tag_len == 1 && r->buf[0] == '*')
            untagged_status(e);
        else
            tagged(e);
        break;
    default:
        mw_imap_handle_data(e);
        break;
    }
}
