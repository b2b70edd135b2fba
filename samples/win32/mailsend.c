/*
 * mailsend: a plain Win32 dialog that sends one message with mailwire's window-message events
 * (SmtpEnableEvents()): To, Subject, Body, an attachment picked with GetOpenFileName(), Send,
 * Cancel and a progress bar. No worker thread and no poll loop: the library drives the
 * session from this thread's message loop and posts WM_MAILEVENT to the dialog with
 * wParam = the client handle and lParam = MAKELPARAM(event, error).
 *
 * Built twice, ANSI (mailsend_ansi.exe) and UNICODE (mailsend_unicode.exe): the window code is
 * written with TCHAR, while the mail code keeps its text in UTF-8, as code shared with other
 * platforms does: every text read from the window passes through tstr_to_utf8(), and
 * MAILWIRE_NO_UNICODE_NAMES keeps mailwire's plain names UTF-8 under UNICODE. (A program that
 * hands TCHAR text to mailwire directly leaves it undefined: under UNICODE SmtpConnect() is then
 * SmtpConnectW(), as <windows.h> does with its own functions; see docs/porting-sockettools.md.)
 *
 * Server and account (command line first, then the environment):
 *   --host H (MAILWIRE_HOST, default localhost)  --port N (MAILWIRE_PORT, default 587)
 *   --user U (MAILWIRE_USER)  --pass P (MAILWIRE_PASSWORD)  --ca FILE (MAILWIRE_CA_FILE)
 *   --from ADDR (MAILWIRE_FROM)  --plain: no STARTTLS (default: STARTTLS required)
 * Fields: --to, --subject, --body, --attach FILE.
 * Automation (tests): --autosend presses Send at start and exits when the send has ended,
 * with exit code 0 on success or the mw_error code; --screenshot FILE.bmp saves the window
 * the first time the progress bar stands strictly between 0 and 100 %; --report FILE writes
 * "screenshot_progress=N" and "result=N" lines.
 */
#ifndef WIN32_LEAN_AND_MEAN
#define WIN32_LEAN_AND_MEAN
#endif
#include <windows.h>

#include <commctrl.h>
#include <commdlg.h>
#include <shellapi.h>
#include <tchar.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAILWIRE_NO_UNICODE_NAMES
#include <mailwire/mime.h>
#include <mailwire/smtp.h>

#define WM_MAILEVENT (WM_APP + 1)

enum {
    ID_TO = 101,
    ID_SUBJECT,
    ID_BODY,
    ID_ATTACH,
    ID_BROWSE,
    ID_SEND,
    ID_CANCEL,
    ID_PROGRESS,
    ID_STATUS
};

/* What the session is doing; the next step starts in the COMPLETE handler of the last. */
enum step { ST_IDLE, ST_CONNECT, ST_AUTH, ST_SEND };

static struct app {
    HWND dlg, progress, status;
    HFONT font;
    /* settings, UTF-8 */
    char *host, *user, *pass, *ca, *from, *screenshot, *report;
    unsigned port;
    int plain, autosend;
    /* the send */
    HCLIENT client;
    HMESSAGE msg;
    enum step step;
    SECURITYCREDENTIALS cred;
    int shot_progress; /* -1: no screenshot taken */
    unsigned result;
} g;

/* The one TCHAR -> UTF-8 conversion of the program (free() the result). With UNICODE the
 * text is UTF-16 already; in the ANSI build it is in the ANSI code page and goes through
 * UTF-16 first. Replace with the library's ...W calls when they exist. */
static char *tstr_to_utf8(const TCHAR *s)
{
#ifdef UNICODE
    const wchar_t *w = s;
    wchar_t *tmp = NULL;
#else
    int wn = MultiByteToWideChar(CP_ACP, 0, s, -1, NULL, 0);
    wchar_t *tmp = malloc((size_t)(wn > 0 ? wn : 1) * sizeof(wchar_t));
    if (!tmp)
        return NULL;
    if (wn <= 0 || !MultiByteToWideChar(CP_ACP, 0, s, -1, tmp, wn))
        tmp[0] = 0;
    const wchar_t *w = tmp;
#endif
    int n = WideCharToMultiByte(CP_UTF8, 0, w, -1, NULL, 0, NULL, NULL);
    char *out = malloc((size_t)(n > 0 ? n : 1));
    if (out && (n <= 0 || !WideCharToMultiByte(CP_UTF8, 0, w, -1, out, n, NULL, NULL)))
        out[0] = 0;
    free(tmp);
    return out;
}

/* UTF-8 -> TCHAR for the status line (free() the result). */
static TCHAR *utf8_to_tstr(const char *s)
{
    int wn = MultiByteToWideChar(CP_UTF8, 0, s, -1, NULL, 0);
    wchar_t *w = malloc((size_t)(wn > 0 ? wn : 1) * sizeof(wchar_t));
    if (!w)
        return NULL;
    if (wn <= 0 || !MultiByteToWideChar(CP_UTF8, 0, s, -1, w, wn))
        w[0] = 0;
#ifdef UNICODE
    return w;
#else
    int n = WideCharToMultiByte(CP_ACP, 0, w, -1, NULL, 0, NULL, NULL);
    char *out = malloc((size_t)(n > 0 ? n : 1));
    if (out && (n <= 0 || !WideCharToMultiByte(CP_ACP, 0, w, -1, out, n, NULL, NULL)))
        out[0] = 0;
    free(w);
    return out;
#endif
}

static char *wide_to_utf8(const wchar_t *w)
{
    int n = WideCharToMultiByte(CP_UTF8, 0, w, -1, NULL, 0, NULL, NULL);
    char *out = malloc((size_t)(n > 0 ? n : 1));
    if (out && (n <= 0 || !WideCharToMultiByte(CP_UTF8, 0, w, -1, out, n, NULL, NULL)))
        out[0] = 0;
    return out;
}

static char *field_utf8(int id)
{
    HWND c = GetDlgItem(g.dlg, id);
    int n = GetWindowTextLength(c);
    TCHAR *t = malloc((size_t)(n + 1) * sizeof(TCHAR));
    if (!t)
        return NULL;
    GetWindowText(c, t, n + 1);
    char *u = tstr_to_utf8(t);
    free(t);
    return u;
}

static void set_field_utf8(int id, const char *s)
{
    TCHAR *t = utf8_to_tstr(s ? s : "");
    if (t)
        SetDlgItemText(g.dlg, id, t);
    free(t);
}

static void status(const char *fmt, const char *arg)
{
    char line[600];
    snprintf(line, sizeof line, fmt, arg ? arg : "");
    TCHAR *t = utf8_to_tstr(line);
    if (t)
        SetWindowText(g.status, t);
    free(t);
}

/* ---- the screenshot: the window's pixels from the screen into a 24-bit BMP --------------- */

static int save_window_bmp(HWND w, const char *path)
{
    RECT r;
    GetWindowRect(w, &r);
    int cx = r.right - r.left, cy = r.bottom - r.top;
    HDC screen = GetDC(NULL), mem = CreateCompatibleDC(screen);
    HBITMAP bmp = CreateCompatibleBitmap(screen, cx, cy);
    HGDIOBJ old = SelectObject(mem, bmp);
    BitBlt(mem, 0, 0, cx, cy, screen, r.left, r.top, SRCCOPY);
    SelectObject(mem, old);
    BITMAPINFOHEADER bi;
    memset(&bi, 0, sizeof bi);
    bi.biSize = sizeof bi;
    bi.biWidth = cx;
    bi.biHeight = cy;
    bi.biPlanes = 1;
    bi.biBitCount = 24;
    bi.biCompression = BI_RGB;
    DWORD stride = ((DWORD)cx * 3 + 3) & ~3u;
    bi.biSizeImage = stride * (DWORD)cy;
    unsigned char *pixels = malloc(bi.biSizeImage);
    int ok =
        pixels && GetDIBits(mem, bmp, 0, (UINT)cy, pixels, (BITMAPINFO *)&bi, DIB_RGB_COLORS) == cy;
    DeleteObject(bmp);
    DeleteDC(mem);
    ReleaseDC(NULL, screen);
    wchar_t wpath[MAX_PATH];
    FILE *f = NULL;
    if (ok && MultiByteToWideChar(CP_UTF8, 0, path, -1, wpath, MAX_PATH))
        f = _wfopen(wpath, L"wb");
    if (f) {
        BITMAPFILEHEADER fh;
        memset(&fh, 0, sizeof fh);
        fh.bfType = 0x4d42; /* "BM" */
        fh.bfOffBits = sizeof fh + sizeof bi;
        fh.bfSize = fh.bfOffBits + bi.biSizeImage;
        ok = fwrite(&fh, sizeof fh, 1, f) == 1 && fwrite(&bi, sizeof bi, 1, f) == 1 &&
             fwrite(pixels, bi.biSizeImage, 1, f) == 1;
        ok = fclose(f) == 0 && ok;
    } else {
        ok = 0;
    }
    free(pixels);
    return ok;
}

/* ---- the send --------------------------------------------------------------------------- */

static void write_report(void)
{
    wchar_t wpath[MAX_PATH];
    FILE *f = NULL;
    if (g.report && MultiByteToWideChar(CP_UTF8, 0, g.report, -1, wpath, MAX_PATH))
        f = _wfopen(wpath, L"w");
    if (!f)
        return;
    fprintf(f, "screenshot_progress=%d\nresult=%u\n", g.shot_progress, g.result);
    fclose(f);
}

static void enable_controls(int sending)
{
    EnableWindow(GetDlgItem(g.dlg, ID_SEND), !sending);
    EnableWindow(GetDlgItem(g.dlg, ID_BROWSE), !sending);
    EnableWindow(GetDlgItem(g.dlg, ID_CANCEL), sending);
}

/* The send has ended (err: ST_ERROR_NONE or the failure). */
static void finish(unsigned err)
{
    if (g.client != INVALID_CLIENT)
        SmtpDisconnect(g.client); /* QUIT; a failed session just closes */
    g.client = INVALID_CLIENT;
    if (g.msg != INVALID_MESSAGE)
        MimeDeleteMessage(g.msg);
    g.msg = INVALID_MESSAGE;
    g.step = ST_IDLE;
    g.result = err;
    enable_controls(0);
    if (err == ST_ERROR_NONE) {
        SendMessage(g.progress, PBM_SETPOS, 100, 0);
        status("Sent.", NULL);
    } else {
        status("Not sent: %s", MailwireGetErrorString(err));
    }
    if (g.autosend) {
        write_report();
        PostQuitMessage((int)err);
    }
}

/* Starting a step: the call returns SMTP_IN_PROGRESS and its COMPLETE message follows. */
static void started(int rc, enum step next)
{
    if (rc == SMTP_IN_PROGRESS)
        g.step = next;
    else
        finish(rc == 0 ? ST_ERROR_INTERNAL : SmtpGetLastError());
}

static void on_send(void)
{
    char *to = field_utf8(ID_TO), *subject = field_utf8(ID_SUBJECT), *body = field_utf8(ID_BODY),
         *attach = field_utf8(ID_ATTACH);
    unsigned err = ST_ERROR_NONE;
    SendMessage(g.progress, PBM_SETPOS, 0, 0);
    g.msg = MimeComposeMessage(g.from, to, NULL, subject, body, NULL, NULL, 0);
    if (g.msg == INVALID_MESSAGE)
        err = MailwireGetLastError();
    else if (attach && *attach && MimeAttachFile(g.msg, attach, NULL, 0) < 0)
        err = MailwireGetLastError();
    free(to);
    free(subject);
    free(body);
    free(attach);
    if (err) {
        finish(err);
        return;
    }
    enable_controls(1);
    status("Connecting to %s...", g.host);
    memset(&g.cred, 0, sizeof g.cred);
    g.cred.dwSize = sizeof g.cred;
    g.cred.lpszCAFile = g.ca;
    g.client = SmtpAsyncConnect(g.host, g.port, 30,
                                g.plain ? SMTP_OPTION_EXTENDED : SMTP_OPTION_SECURE, NULL, &g.cred);
    if (g.client == INVALID_CLIENT) {
        finish(SmtpGetLastError());
        return;
    }
    /* From here on the session runs from this thread's message loop. */
    if (SmtpEnableEvents(g.client, g.dlg, WM_MAILEVENT) != 0) {
        finish(SmtpGetLastError());
        return;
    }
    g.step = ST_CONNECT;
}

static void on_progress(void)
{
    SMTPTRANSFERSTATUS st;
    memset(&st, 0, sizeof st);
    st.dwSize = sizeof st;
    if (SmtpGetTransferStatus(g.client, &st) != 0 || st.qwBytesTotal == 0)
        return;
    int pct = (int)(st.qwBytesCopied * 100 / st.qwBytesTotal);
    SendMessage(g.progress, PBM_SETPOS, (WPARAM)pct, 0);
    if (g.screenshot && g.shot_progress < 0 && pct > 0 && pct < 100) {
        /* Paint the bar as it is now, and let the display catch up, before the pixels are
         * read back from the screen. */
        RedrawWindow(g.dlg, NULL, NULL, RDW_INVALIDATE | RDW_UPDATENOW | RDW_ALLCHILDREN);
        GdiFlush();
        Sleep(100);
        if (save_window_bmp(g.dlg, g.screenshot))
            g.shot_progress = (int)SendMessage(g.progress, PBM_GETPOS, 0, 0);
    }
}

/* WM_MAILEVENT: wParam the handle, LOWORD(lParam) the event, HIWORD(lParam) its error. */
static void on_mail_event(HCLIENT h, unsigned event, unsigned err)
{
    if (h != g.client || g.step == ST_IDLE)
        return; /* posted before the session ended */
    switch (event) {
    case SMTP_EVENT_PROGRESS:
        on_progress();
        break;
    case SMTP_EVENT_CANCEL:
        status("Cancelled.", NULL);
        break;
    case SMTP_EVENT_COMPLETE:
        if (err) {
            finish(err);
        } else if (g.step == ST_CONNECT && g.user && *g.user) {
            status("Logging in as %s...", g.user);
            started(SmtpAuthenticate(h, SMTP_AUTH_AUTO, g.user, g.pass ? g.pass : ""), ST_AUTH);
        } else if (g.step == ST_CONNECT || g.step == ST_AUTH) {
            status("Sending...", NULL);
            started(SmtpSendMimeMessage(h, g.msg, NULL, NULL, 0), ST_SEND);
        } else {
            finish(ST_ERROR_NONE);
        }
        break;
    default:
        break;
    }
}

static void on_browse(void)
{
    TCHAR file[MAX_PATH] = _T("");
    OPENFILENAME ofn;
    memset(&ofn, 0, sizeof ofn);
    ofn.lStructSize = sizeof ofn;
    ofn.hwndOwner = g.dlg;
    ofn.lpstrFile = file;
    ofn.nMaxFile = MAX_PATH;
    ofn.lpstrFilter = _T("All files\0*.*\0");
    ofn.Flags = OFN_FILEMUSTEXIST | OFN_PATHMUSTEXIST | OFN_EXPLORER;
    if (GetOpenFileName(&ofn))
        SetDlgItemText(g.dlg, ID_ATTACH, file);
}

/* ---- the window ------------------------------------------------------------------------- */

static HWND child(const TCHAR *cls, const TCHAR *text, DWORD style, int x, int y, int w, int h,
                  int id)
{
    HWND c = CreateWindowEx(lstrcmp(cls, WC_EDIT) == 0 ? WS_EX_CLIENTEDGE : 0, cls, text,
                            WS_CHILD | WS_VISIBLE | style, x, y, w, h, g.dlg, (HMENU)(INT_PTR)id,
                            GetModuleHandle(NULL), NULL);
    SendMessage(c, WM_SETFONT, (WPARAM)g.font, TRUE);
    return c;
}

static void create_controls(void)
{
    g.font = (HFONT)GetStockObject(DEFAULT_GUI_FONT);
    child(WC_STATIC, _T("To:"), 0, 10, 14, 60, 20, 0);
    child(WC_EDIT, _T(""), WS_TABSTOP | ES_AUTOHSCROLL, 80, 10, 400, 22, ID_TO);
    child(WC_STATIC, _T("Subject:"), 0, 10, 42, 60, 20, 0);
    child(WC_EDIT, _T(""), WS_TABSTOP | ES_AUTOHSCROLL, 80, 38, 400, 22, ID_SUBJECT);
    child(WC_EDIT, _T(""), WS_TABSTOP | WS_VSCROLL | ES_MULTILINE | ES_AUTOVSCROLL | ES_WANTRETURN,
          10, 68, 470, 150, ID_BODY);
    child(WC_STATIC, _T("Attachment:"), 0, 10, 230, 70, 20, 0);
    child(WC_EDIT, _T(""), WS_TABSTOP | ES_AUTOHSCROLL, 80, 226, 320, 22, ID_ATTACH);
    child(WC_BUTTON, _T("Browse..."), WS_TABSTOP | BS_PUSHBUTTON, 405, 225, 75, 24, ID_BROWSE);
    g.progress = child(PROGRESS_CLASS, _T(""), 0, 10, 262, 470, 18, ID_PROGRESS);
    SendMessage(g.progress, PBM_SETRANGE, 0, MAKELPARAM(0, 100));
    g.status = child(WC_STATIC, _T("Ready."), 0, 10, 288, 300, 20, ID_STATUS);
    child(WC_BUTTON, _T("Send"), WS_TABSTOP | BS_DEFPUSHBUTTON, 320, 286, 75, 26, ID_SEND);
    child(WC_BUTTON, _T("Cancel"), WS_TABSTOP | BS_PUSHBUTTON, 405, 286, 75, 26, ID_CANCEL);
    enable_controls(0);
}

static LRESULT CALLBACK wnd_proc(HWND w, UINT msg, WPARAM wp, LPARAM lp)
{
    switch (msg) {
    case WM_CREATE:
        g.dlg = w;
        create_controls();
        return 0;
    case WM_MAILEVENT:
        on_mail_event((HCLIENT)wp, LOWORD(lp), HIWORD(lp));
        return 0;
    case WM_COMMAND:
        switch (LOWORD(wp)) {
        case ID_SEND:
            if (g.step == ST_IDLE)
                on_send();
            return 0;
        case ID_CANCEL:
            if (g.client != INVALID_CLIENT)
                SmtpCancel(g.client); /* CANCEL, then COMPLETE with ST_ERROR_CANCELLED */
            return 0;
        case ID_BROWSE:
            on_browse();
            return 0;
        default:
            break;
        }
        break;
    case WM_CLOSE:
        if (g.client != INVALID_CLIENT)
            SmtpDisconnect(g.client);
        g.client = INVALID_CLIENT;
        DestroyWindow(w);
        return 0;
    case WM_DESTROY:
        PostQuitMessage((int)g.result);
        return 0;
    default:
        break;
    }
    return DefWindowProc(w, msg, wp, lp);
}

/* ---- settings --------------------------------------------------------------------------- */

static char *env_utf8(const wchar_t *name)
{
    const wchar_t *v = _wgetenv(name);
    return v && *v ? wide_to_utf8(v) : NULL;
}

int WINAPI WinMain(HINSTANCE inst, HINSTANCE prev, LPSTR cmdline, int show)
{
    (void)prev;
    (void)cmdline;
    INITCOMMONCONTROLSEX icc = {sizeof icc, ICC_PROGRESS_CLASS | ICC_STANDARD_CLASSES};
    InitCommonControlsEx(&icc);
    /* As in SocketTools: initialise at start, uninitialise at exit. The last SmtpUninitialize()
     * also lets a trust-store load still running on the library's worker thread finish. */
    int smtp_init = SmtpInitialize();
    g.client = INVALID_CLIENT;
    g.msg = INVALID_MESSAGE;
    g.shot_progress = -1;
    g.host = env_utf8(L"MAILWIRE_HOST");
    g.user = env_utf8(L"MAILWIRE_USER");
    g.pass = env_utf8(L"MAILWIRE_PASSWORD");
    g.ca = env_utf8(L"MAILWIRE_CA_FILE");
    g.from = env_utf8(L"MAILWIRE_FROM");
    char *port = env_utf8(L"MAILWIRE_PORT");
    char *to = NULL, *subject = NULL, *body = NULL, *attach = NULL;

    /* The command line is read wide in both builds, so any argument survives. */
    int argc = 0;
    wchar_t **argv = CommandLineToArgvW(GetCommandLineW(), &argc);
    for (int i = 1; argv && i < argc; i++) {
        const wchar_t *a = argv[i];
        char **slot = NULL;
        if (!wcscmp(a, L"--autosend"))
            g.autosend = 1;
        else if (!wcscmp(a, L"--plain"))
            g.plain = 1;
        else if (i + 1 < argc) {
            if (!wcscmp(a, L"--host"))
                slot = &g.host;
            else if (!wcscmp(a, L"--port"))
                slot = &port;
            else if (!wcscmp(a, L"--user"))
                slot = &g.user;
            else if (!wcscmp(a, L"--pass"))
                slot = &g.pass;
            else if (!wcscmp(a, L"--ca"))
                slot = &g.ca;
            else if (!wcscmp(a, L"--from"))
                slot = &g.from;
            else if (!wcscmp(a, L"--to"))
                slot = &to;
            else if (!wcscmp(a, L"--subject"))
                slot = &subject;
            else if (!wcscmp(a, L"--body"))
                slot = &body;
            else if (!wcscmp(a, L"--attach"))
                slot = &attach;
            else if (!wcscmp(a, L"--screenshot"))
                slot = &g.screenshot;
            else if (!wcscmp(a, L"--report"))
                slot = &g.report;
        }
        if (slot) {
            free(*slot);
            *slot = wide_to_utf8(argv[++i]);
        }
    }
    LocalFree(argv);
    if (!g.host)
        g.host = _strdup("localhost");
    if (!g.from)
        g.from = _strdup("mailsend@localhost");
    g.port = port ? (unsigned)atoi(port) : 587;
    free(port);

    WNDCLASSEX wc;
    memset(&wc, 0, sizeof wc);
    wc.cbSize = sizeof wc;
    wc.lpfnWndProc = wnd_proc;
    wc.hInstance = inst;
    wc.hCursor = LoadCursor(NULL, IDC_ARROW);
    wc.hbrBackground = (HBRUSH)(COLOR_BTNFACE + 1);
    wc.lpszClassName = _T("mailwire.mailsend");
    RegisterClassEx(&wc);
    RECT r = {0, 0, 490, 320};
    AdjustWindowRect(&r, WS_OVERLAPPED | WS_CAPTION | WS_SYSMENU | WS_MINIMIZEBOX, FALSE);
#ifdef UNICODE
    const TCHAR *title = _T("mailwire mailsend (UNICODE)");
#else
    const TCHAR *title = _T("mailwire mailsend (ANSI)");
#endif
    HWND w = CreateWindowEx(0, wc.lpszClassName, title,
                            WS_OVERLAPPED | WS_CAPTION | WS_SYSMENU | WS_MINIMIZEBOX, 40, 40,
                            r.right - r.left, r.bottom - r.top, NULL, NULL, inst, NULL);
    if (!w) {
        if (smtp_init)
            SmtpUninitialize();
        return ST_ERROR_INTERNAL;
    }
    set_field_utf8(ID_TO, to);
    set_field_utf8(ID_SUBJECT, subject);
    set_field_utf8(ID_BODY, body);
    set_field_utf8(ID_ATTACH, attach);
    free(to);
    free(subject);
    free(body);
    free(attach);
    ShowWindow(w, show);
    UpdateWindow(w);
    if (g.autosend)
        PostMessage(w, WM_COMMAND, MAKEWPARAM(ID_SEND, BN_CLICKED), 0);

    MSG m;
    int rc = 0;
    while ((rc = GetMessage(&m, NULL, 0, 0)) > 0) {
        if (!IsDialogMessage(w, &m)) {
            TranslateMessage(&m);
            DispatchMessage(&m);
        }
    }
    if (IsWindow(w))
        DestroyWindow(w);
    if (smtp_init)
        SmtpUninitialize();
    return rc < 0 ? (int)ST_ERROR_INTERNAL : (int)m.wParam;
}
