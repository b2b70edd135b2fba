#!/usr/bin/env python3
"""Generates the ANSI (A) and Unicode (W) forms of the public C API, the SocketTools way.

    scripts/gen-wide.py              rewrite include/mailwire/wide.h and core/wide/*_w.c
    scripts/gen-wide.py --check      exit 1 when the committed files differ from what the
                                     public headers give (a header changed, the script not run)
    scripts/gen-wide.py --coverage [LIB]
                                     exit 1 when a public function that takes or returns text
                                     has no A and W declaration and definition (the exemptions
                                     below excepted); with LIB (a shared library), also when
                                     LIB does not export them (nm -D)

Every MAILWIRE_API function of common.h, smtp.h, imap.h and mime.h whose parameters or result
hold text (char strings, char buffers, the structures with text members) gets:

  - NameA: the same UTF-8 function under the A name (a thin call of Name);
  - NameW: wchar_t text (UTF-16 on Windows, UTF-32 elsewhere), converted to UTF-8, the one
    UTF-8 implementation called, its text converted back (core/wide/wconv.c does the work).

Structures with text get a W twin (SMTPMESSAGEW...). On Windows with UNICODE defined the
plain names (functions and structures) are macros for the W forms, as in <windows.h>;
otherwise the plain names are the UTF-8 functions themselves (exported everywhere).
Callbacks (events, trace, fetch data, IMAPMESSAGE) stay UTF-8.
"""
import os
import re
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
HEADERS = ["common", "smtp", "imap", "mime"]
OUT_H = "include/mailwire/wide.h"
OUT_C = "core/wide/{}_w.c"

# Written by hand in core/wide/special.c (their W form is more than a conversion).
SPECIAL = {
    "MailwireCreateSecurityCredentials": "returns an allocated SECURITYCREDENTIALSW",
    "MailwireDeleteSecurityCredentials": "frees a SECURITYCREDENTIALSW",
    "SmtpCreateSecurityCredentials": "returns an allocated SECURITYCREDENTIALSW",
    "SmtpDeleteSecurityCredentials": "frees a SECURITYCREDENTIALSW",
    "SmtpSendMessage": "lpvMessage is a path only with SMTP_MESSAGE_FILE",
}
SPECIAL_DOC = {
    "MailwireCreateSecurityCredentials": "*lppCredentials receives a new SECURITYCREDENTIALSW "
    "(one allocation, its strings inside it) made from what the A form made; free it with "
    "MailwireDeleteSecurityCredentialsW(). Pass it to the W connect functions.",
    "SmtpCreateSecurityCredentials": "As MailwireCreateSecurityCredentialsW(); free the result "
    "with SmtpDeleteSecurityCredentialsW().",
    "MailwireDeleteSecurityCredentials": "Frees (and wipes the password of) a "
    "SECURITYCREDENTIALSW made by a Create...W function; NULL is fine.",
    "SmtpDeleteSecurityCredentials": "As MailwireDeleteSecurityCredentialsW().",
    "SmtpSendMessage": "With SMTP_MESSAGE_FILE, lpvMessage is a wchar_t path (const wchar_t *); "
    "otherwise it is the message's octets, taken as they are.",
}
# No W form: what they carry is octets, not text.
EXEMPT = {
    "MimeExportMessageToMemory": "gives the message's octets (MIME, any charset), not text",
    "SmtpSendMessages": "an array of SMTPBATCHMESSAGE, in and out: no W form written yet (the "
    "structure stays UTF-8 in both builds)",
}
# Output buffers: how the A form answers, which the W form keeps (wconv.h, mw_w_kind).
OUT_KIND = {
    "SmtpGetResultString": {"lpszResult": "FULL"},
    "SmtpExpandAddress": {"lpszBuffer": "TRUNC"},
    "SmtpGetErrorString": {"lpszBuffer": "COPIED"},
    "ImapGetErrorString": {"lpszBuffer": "COPIED"},
    "ImapGetCapabilities": {"lpszBuffer": "FIT"},
    "ImapGetNamespace": {"lpszPrefix": "FIT"},
    "MimeGetMessageHeader": {"lpszBuffer": "FULL"},
    "MimeGetMessageHeaderAt": {"lpszName": "TRUNC", "lpszValue": "FULL"},
    "MimeGetAddress": {"lpszDisplayName": "TRUNC", "lpszAddress": "TRUNC"},
    "MimeGetMessageText": {"lpszBuffer": "FULL"},
    "MimeDecodeHeader": {"lpszBuffer": "FULL"},
}
KIND_DOC = {
    "FULL": "cut to fit (never inside a character), NUL-terminated; the result is the full "
    "length in wchar_t (more than the size minus one: cut)",
    "TRUNC": "cut to fit (never inside a character), NUL-terminated",
    "COPIED": "cut to fit (never inside a character); the result is the number of wchar_t "
    "stored",
    "FIT": "must hold the whole text, else ST_ERROR_INVALID_ARGUMENT",
}
# Their A form may keep an output pointer until a non-blocking operation ends; the W form
# refuses non-blocking sessions (ST_ERROR_NOT_SUPPORTED) rather than lend a temporary.
BLOCKING_ONLY = {"SmtpExpandAddress", "ImapGetNamespace", "ImapGetFirstMailbox",
                 "ImapGetNextMailbox"}
# The value a W form returns when its own conversion fails, where it is not the usual one.
ERROR_VALUE = {"ImapHasCapability": "0"}
# Structures whose text is callback data (UTF-8 by design): no W twin.
STRUCT_SKIP = {"IMAPMESSAGE", "IMAPCHANGE", "SMTPBATCHMESSAGE"}


def strip_comments(text):
    return re.sub(r"/\*.*?\*/", " ", text, flags=re.S)


def parse_header(name):
    text = strip_comments(open(os.path.join(ROOT, "include/mailwire", name + ".h")).read())
    funcs, structs = [], []
    for m in re.finditer(r"typedef\s+struct\s+(\w+)\s*\{([^{}]*?)\}\s*(\w+)\s*,\s*\*\s*(\w+)\s*;",
                         text, re.S):
        fields = []
        for decl in m.group(2).split(";"):
            decl = " ".join(decl.split())
            if not decl:
                continue
            fm = re.match(r"^(.*?)(\w+)\s*(\[\s*(\w+)\s*\])?$", decl)
            ftype = " ".join(fm.group(1).replace("*", " * ").split())
            fields.append((ftype, fm.group(2), fm.group(4)))
        structs.append({"tag": m.group(1), "name": m.group(3), "lp": m.group(4),
                        "fields": fields})
    for m in re.finditer(r"MAILWIRE_API\s+([^;{(]*?)\b(\w+)\s*\(([^;]*?)\)\s*;", text, re.S):
        ret = " ".join(m.group(1).replace("*", " * ").split())
        params = []
        plist = " ".join(m.group(3).split())
        if plist != "void":
            for p in plist.split(","):
                pm = re.match(r"^(.*?)(\w+)$", p.strip())
                params.append((" ".join(pm.group(1).replace("*", " * ").split()), pm.group(2)))
        funcs.append({"name": m.group(2), "ret": ret, "params": params, "header": name})
    return funcs, structs


def text_struct(s):
    return s["name"] not in STRUCT_SKIP and any("char" in f[0] for f in s["fields"])


class Api:
    def __init__(self):
        self.funcs, self.structs = {}, {}
        for h in HEADERS:
            f, s = parse_header(h)
            self.funcs[h] = f
            for st in s:
                st["header"] = h
                if text_struct(st):
                    self.structs[st["name"]] = st
                    self.structs[st["lp"]] = st
                    self.structs[st["tag"]] = st

    def struct_of(self, ptype):
        """(struct, direction, pointer depth) of a parameter type naming a text structure
        (by its typedef, its LP typedef or its tag), else None."""
        is_const = ptype.startswith("const ")
        t = ptype.replace("const ", "").replace("struct ", "").strip()
        depth = t.count("*")
        t = t.replace("*", "").strip()
        st = self.structs.get(t)
        if not st:
            return None
        if t == st["lp"]:
            depth += 1
        if not depth:
            return None
        return st, "in" if is_const else "out", depth, is_const

    def is_text(self, f):
        if f["ret"] == "const char *":
            return True
        for t, _ in f["params"]:
            if "char" in t or self.struct_of(t) or "SECURITYCREDENTIALS" in t:
                return True
        return False

    def text_funcs(self):
        for h in HEADERS:
            for f in self.funcs[h]:
                if self.is_text(f) and f["name"] not in EXEMPT:
                    yield f


def wide_type(api, t):
    """The W form's spelling of a parameter or member type."""
    st = api.struct_of(t)
    if st:
        return "{}{}W {}".format("const " if st[3] else "", st[0]["name"], "*" * st[2])
    return t.replace("char", "wchar_t")


def a_type(api, t):
    """The A form's spelling in wide.h: structures by their tag, which UNICODE never maps."""
    st = api.struct_of(t)
    if st:
        return "{}struct {} {}".format("const " if st[3] else "", st[0]["tag"], "*" * st[2])
    return t


def decl(t, n):
    return (t + n) if t.endswith("*") else (t + " " + n)


def proto(api, f, suffix, wide):
    ps = [decl(wide_type(api, t) if wide else a_type(api, t), n)
          for t, n in f["params"]] or ["void"]
    ret = f["ret"]
    if wide and ret == "const char *":
        ret = "const wchar_t *"
    return "{}{}{}({})".format(ret if ret.endswith("*") else ret + " ", f["name"], suffix,
                                ", ".join(ps))


def error_value(f):
    if f["name"] in ERROR_VALUE:
        return ERROR_VALUE[f["name"]]
    r = f["ret"]
    if r.endswith("*") or r in ("HCLIENT", "HMESSAGE"):
        return "NULL"
    if r == "int":
        return "MAILWIRE_ERROR"
    if r == "void":
        return None
    return "0"


HEAD = """/* Generated by scripts/gen-wide.py from the public headers: do not edit (a ctest, wide.generated,
 * fails when this file is out of date). */
"""


def w_doc(api, f):
    lines = ["@brief wchar_t (Unicode) form of {}(): text as wchar_t, UTF-16 on Windows and "
             "UTF-32 elsewhere.".format(f["name"]),
             "",
             "Converts its text to UTF-8, calls {}() and converts the text it gives back; "
             "behaviour, results and errors are those of {}(), plus: text that is not Unicode "
             "(an unpaired surrogate) fails with ST_ERROR_INVALID_ARGUMENT before anything "
             "is done; text from the library that is not UTF-8 fails with "
             "ST_ERROR_NOT_SUPPORTED.".format(f["name"], f["name"])]
    kinds = OUT_KIND.get(f["name"], {})
    for t, n in f["params"]:
        if n in kinds:
            lines.append("Output buffer {}: its size is in wchar_t; {}.".format(
                n, KIND_DOC[kinds[n]]))
        elif t == "const char * *":
            lines.append("*{} points to wchar_t text in a per-thread buffer, valid until {}W() "
                         "is called again on the thread.".format(n, f["name"]))
        st = api.struct_of(t)
        if st and st[1] == "out" and f["name"] not in SPECIAL:
            lines.append("The {}W members that point to text point to per-thread buffers, "
                         "valid until the next W call filling a {}W on the thread."
                         .format(st[0]["name"], st[0]["name"]))
    if f["ret"] == "const char *":
        lines.append("@return the text in a per-thread buffer, valid until {}W() is called "
                     "again on the same thread; NULL where {}() gives NULL or the text cannot "
                     "be converted.".format(f["name"], f["name"]))
    if f["name"] in SPECIAL_DOC:
        lines.append(SPECIAL_DOC[f["name"]])
    if f["name"] in BLOCKING_ONLY:
        lines.append("Blocking sessions only: on a non-blocking one it fails with "
                     "ST_ERROR_NOT_SUPPORTED and sends nothing (use {}A() there, whose "
                     "buffer lives as long as the operation).".format(f["name"]))
    if f["name"] in ERROR_VALUE:
        lines.append("A conversion failure returns {}.".format(ERROR_VALUE[f["name"]]))
    return lines


def comment(lines, indent=""):
    out = [indent + "/**"]
    for l in lines:
        out.append((indent + " * " + l).rstrip())
    out.append(indent + " */")
    return out


def gen_header(api):
    out = [HEAD.rstrip()]
    out += [
        "/**",
        " * @file wide.h",
        " * @brief ANSI (A, UTF-8) and Unicode (W, wchar_t) forms of the C API, the SocketTools "
        "way.",
        " *",
        " * Included by each public header; see @ref mailwire_wide.",
        " */",
        "/**",
        " * @defgroup mailwire_wide ANSI and Unicode forms",
        " * @brief NameA and NameW for every function that takes or returns text.",
        " *",
        " * NameA is the plain UTF-8 function under its A name. NameW takes and returns wchar_t",
        " * text (UTF-16 on Windows, UTF-32 elsewhere), converted around the one UTF-8",
        " * implementation. On Windows, with UNICODE defined (before including mailwire), the",
        " * plain names of the functions and of the structures with text (SMTPMESSAGE...) are",
        " * macros for their W forms, as in <windows.h>; otherwise they are the UTF-8 functions.",
        " * Define MAILWIRE_NO_UNICODE_NAMES to keep the plain names UTF-8 under UNICODE.",
        " * Callbacks (events, trace, fetched data, IMAPMESSAGE) always pass UTF-8.",
        " * @{",
        " */",
        "#include <stddef.h>",
        "#include <wchar.h>",
        "",
    ]
    for h in HEADERS:
        guard = "MAILWIRE_WIDE_" + h.upper() + "_DONE"
        out += ["#if defined(MAILWIRE_{}_COMPLETE) && !defined({})".format(h.upper(), guard),
                "#define " + guard, "#ifdef __cplusplus", 'extern "C" {', "#endif", ""]
        names = []
        for st in sorted({id(s): s for s in api.structs.values() if s["header"] == h}.values(),
                         key=lambda s: s["name"]):
            out += comment(["@brief {} with its text as wchar_t (the W form's structure; "
                            "members as in {}).".format(st["name"], st["name"])])
            out.append("typedef struct {}W {{".format(st["tag"]))
            for t, n, arr in st["fields"]:
                wt = t.replace("char", "wchar_t")
                d = decl(wt, n) + ("[{}]".format(arr) if arr else "")
                out.append("    {}; /**< {}::{} */".format(d, st["name"], n))
            out.append("}} {}W, *{}W;".format(st["name"], st["lp"]))
            out += comment(["@brief Pointer to {}W.".format(st["name"])])[:0]
            out.append("/** @typedef {}W".format(st["lp"]))
            out.append(" *  @brief Pointer to {}W. */".format(st["name"]))
            out.append("/** @brief {0} under its A name (UTF-8 text). */".format(st["name"]))
            out.append("typedef struct {} {}A;".format(st["tag"], st["name"]))
            out.append("/** @brief Pointer to {0}A. */".format(st["name"]))
            out.append("typedef struct {} *{}A;".format(st["tag"], st["lp"]))
            names += [st["name"], st["lp"]]
            out.append("")
        if h == "common":
            out += comment(["@brief SECURITYCREDENTIALS with its text as wchar_t (the W forms' "
                            "credentials; made by MailwireCreateSecurityCredentialsW())."])
        for f in api.funcs[h]:
            if not api.is_text(f) or f["name"] in EXEMPT:
                continue
            out += comment(["@brief UTF-8 (ANSI) form of {}(): the same function under its A "
                            "name.".format(f["name"])])
            out.append("MAILWIRE_API " + proto(api, f, "A", False) + ";")
            out += comment(w_doc(api, f))
            out.append("MAILWIRE_API " + proto(api, f, "W", True) + ";")
            names.append(f["name"])
        out += ["", "#ifdef __cplusplus", "}", "#endif", ""]
        out.append("#if defined(_WIN32) && defined(UNICODE) && !defined(MAILWIRE_BUILDING) && "
                   "\\\n    !defined(MAILWIRE_NO_UNICODE_NAMES)")
        for n in names:
            out.append("#define {} {}W".format(n, n))
        out += ["#endif", "#endif /* {} */".format(guard), ""]
    out.append("/** @} */")
    return "\n".join(out).replace(
        "/**\n * @brief SECURITYCREDENTIALS with its text as wchar_t (the W forms' credentials; "
        "made by MailwireCreateSecurityCredentialsW()).\n */\n", "") + "\n"


def c_body(api, f):
    name = f["name"]
    ev = error_value(f)
    decls, pre, post, args, frees = [], [], [], [], []
    kinds = OUT_KIND.get(name, {})
    outs = []
    params = f["params"]
    i = 0
    while i < len(params):
        t, n = params[i]
        st = api.struct_of(t)
        if t == "const char *":
            decls.append("char *a_{} = NULL;".format(n))
            pre.append('mw_w_in(&a_{0}, {0}, "{0}")'.format(n))
            args.append("a_" + n)
            frees.append("mw_w_free(a_{});".format(n))
        elif t == "char *" and n in kinds:
            st_, sn = params[i + 1]
            decls.append("mw_w_out o_{} = {{0}};".format(n))
            size = "({0} > 0 ? (size_t){0} : 0)".format(sn) if st_ == "int" else sn
            pre.append("mw_w_out_open(&o_{}, {}, {}, MW_W_{})".format(n, n, size, kinds[n]))
            args += ["o_" + n + ".s", "({})o_{}.cb".format(st_, n)]
            outs.append((n, kinds[n]))
            frees.append("mw_w_out_close(&o_{});".format(n))
            i += 1
        elif t == "char *" and n.startswith("lpch"):
            decls.append("char a_{} = 0;".format(n))
            args.append("{0} ? &a_{0} : NULL".format(n))
            post.append("if (r >= 0 && {0})\n        *{0} = (wchar_t)(unsigned char)a_{0};"
                        .format(n))
        elif t == "const char * *":
            decls.append("const char *a_{} = NULL;".format(n))
            decls.append("static MW_THREAD_LOCAL mw_w_slot t_{};".format(n))
            args.append("{0} ? &a_{0} : NULL".format(n))
            post.append(("if (r >= 0 && {0}) {{\n        *{0} = mw_w_slot_set(&t_{0}, a_{0});\n"
                         "        if (a_{0} && !*{0})\n            r = {1};\n    }}")
                        .format(n, ev))
        elif st and i + 1 < len(params) and params[i + 1][1].startswith("n") and \
                params[i + 1][0] in ("unsigned", "size_t"):
            raise SystemExit("gen-wide: {}: {} looks like an array of {}: the generated W form "
                             "converts one structure; write it in SPECIAL or list it in EXEMPT"
                             .format(name, n, st[0]["name"]))
        elif st and st[1] == "in":
            s = st[0]["name"]
            decls.append("{0} v_{1}, *a_{1} = NULL;".format(s, n))
            pre.append("wide_in_{0}(&v_{1}, &a_{1}, {1})".format(s, n))
            args.append("a_" + n)
            frees.append("wide_free_{0}(a_{1});".format(s, n))
        elif st and st[1] == "out":
            s = st[0]
            decls.append("{0} v_{1}, *a_{1} = NULL;".format(s["name"], n))
            init = "if ({0}) {{\n        memset(&v_{0}, 0, sizeof v_{0});\n".format(n)
            if any(fn == "dwSize" for _, fn, _ in s["fields"]):
                init += ("        v_{0}.dwSize = {0}->dwSize == sizeof *{0} ? (uint32_t)sizeof "
                         "v_{0} : 0;\n").format(n)
            init += "        a_{0} = &v_{0};\n    }}".format(n)
            decls.append(init)
            args.append("a_" + n)
            post.append("if (r >= 0 && {0} && wide_out_{1}({0}, a_{0}))\n        r = {2};"
                        .format(n, s["name"], ev))
        elif "char" in t:
            raise SystemExit("gen-wide: {}: parameter {} ({}) has no W rule".format(name, n, t))
        else:
            args.append(n)
        i += 1
    lines = ["{", ]
    ret_t = f["ret"]
    slot = ret_t == "const char *"
    if slot:
        lines.append("    static MW_THREAD_LOCAL mw_w_slot t_result;")
        lines.append("    const char *r = NULL;")
    elif ret_t != "void":
        lines.append("    {} r = {};".format(ret_t, ev))
    for d in decls:
        lines.append("    " + d)
    if name in BLOCKING_ONLY:
        pre.insert(0, 'mw_w_blocking_only(hClient, "{}W")'.format(name))
    if pre:
        lines.append("    if (" + " ||\n        ".join(pre) + ")")
        lines.append("        goto done;")
    call = "{}({})".format(name, ", ".join(args))
    full = [o for o in outs if o[1] == "FULL"]
    if full:
        fn_ = full[0][0]
        lines += ["    for (;;) {",
                  "        r = {};".format(call),
                  "        int again = mw_w_out_again(&o_{}, r);".format(fn_),
                  "        if (again < 0) {",
                  "            r = {};".format(ev),
                  "            goto done;",
                  "        }",
                  "        if (!again)",
                  "            break;",
                  "    }"]
    else:
        lines.append("    r = {};".format(call))
    for n, _ in [o for o in outs if o[1] != "FULL"] + full:
        lines.append("    r = mw_w_out_finish(&o_{}, r);".format(n))
    for p in post:
        lines.append("    " + p)
    if pre:
        lines.append("done:")
    for fr in frees:
        lines.append("    " + fr)
    if slot:
        lines.append("    return r ? mw_w_slot_set(&t_result, r) : NULL;")
    elif ret_t != "void":
        lines.append("    return r;")
    lines.append("}")
    if slot and not pre:
        pass
    return "\n".join(lines)


def struct_helpers(api, h, used):
    out = []
    for sname in sorted(used):
        s = api.structs[sname]
        if used[sname] == "in":
            out.append("static void wide_free_{0}({0} *v)".format(sname))
            out += ["{", "    if (!v)", "        return;"]
            for t, n, arr in s["fields"]:
                if t == "const char *":
                    out.append("    mw_w_free((char *)v->{});".format(n))
                elif t == "const char * const *":
                    out.append("    mw_w_free_list((char **)v->{});".format(n))
            out += ["}", ""]
            out.append("/* {0}W -> {0}: the text converted, the rest copied. */".format(sname))
            out.append("static int wide_in_{0}({0} *v, {0} **a, const {0}W *w)".format(sname))
            out += ["{", "    *a = NULL;", "    if (!w)", "        return 0;",
                    "    memset(v, 0, sizeof *v);"]
            conv = []
            for t, n, arr in s["fields"]:
                if n == "dwSize":
                    out.append("    v->dwSize = w->dwSize == sizeof *w ? (uint32_t)sizeof *v : 0;")
                elif t == "const char *":
                    conv.append('mw_w_in((char **)&v->{0}, w->{0}, "{1}W.{0}")'.format(n, sname))
                elif t == "const char * const *":
                    conv.append('mw_w_in_list((char ***)&v->{0}, w->{0}, "{1}W.{0}")'
                                .format(n, sname))
                elif "char" in t:
                    raise SystemExit("gen-wide: {}.{}: no input rule".format(sname, n))
                else:
                    out.append("    v->{0} = w->{0};".format(n))
            out.append("    *a = v;")
            if conv:
                out.append("    if (" + " ||\n        ".join(conv) + ") {")
                out += ["        wide_free_{}(v);".format(sname), "        *a = NULL;",
                        "        return -1;", "    }"]
            out += ["    return 0;", "}", ""]
        else:
            out.append("/* {0} -> {0}W: the text converted (pointers into per-thread buffers), "
                       "the rest copied. */".format(sname))
            out.append("static int wide_out_{0}({0}W *w, const {0} *a)".format(sname))
            out.append("{")
            for t, n, arr in s["fields"]:
                if t == "const char *":
                    out.append("    static MW_THREAD_LOCAL mw_w_slot t_{};".format(n))
            for t, n, arr in s["fields"]:
                if n == "dwSize":
                    continue
                if arr and t == "char":
                    out.append("    if (mw_w_store(w->{0}, {1}, a->{0}, NULL, NULL))".format(n, arr))
                    out.append("        return -1;")
                elif t == "char":
                    out.append("    w->{0} = (wchar_t)(unsigned char)a->{0};".format(n))
                elif t == "const char *":
                    out.append("    w->{0} = mw_w_slot_set(&t_{0}, a->{0});".format(n))
                    out.append("    if (a->{0} && !w->{0})".format(n))
                    out.append("        return -1;")
                elif "char" in t:
                    raise SystemExit("gen-wide: {}.{}: no output rule".format(sname, n))
                else:
                    out.append("    w->{0} = a->{0};".format(n))
            out += ["    return 0;", "}", ""]
    return out


def gen_c(api, h):
    out = [HEAD.rstrip().replace("wide.generated,\n * fails when this file",
                                 "wide.generated,\n * fails when this file"),
           "/* The A and W forms of include/mailwire/{}.h (see scripts/gen-wide.py). */"
           .format(h)]
    out += ["#include <stdint.h>", "#include <string.h>", "",
            "#include <mailwire/{}.h>".format(h), "", '#include "wconv.h"', ""]
    used = {}
    for f in api.funcs[h]:
        if not api.is_text(f) or f["name"] in EXEMPT or f["name"] in SPECIAL:
            continue
        for t, n in f["params"]:
            st = api.struct_of(t)
            if st:
                used[st[0]["name"]] = st[1]
    out += struct_helpers(api, h, used)
    for f in api.funcs[h]:
        if not api.is_text(f) or f["name"] in EXEMPT:
            continue
        args = ", ".join(n for _, n in f["params"])
        out.append(proto(api, f, "A", False))
        out.append("{")
        out.append("    {}{}({});".format("" if f["ret"] == "void" else "return ", f["name"], args))
        out.append("}")
        out.append("")
        if f["name"] in SPECIAL:
            continue
        out.append(proto(api, f, "W", True))
        out.append(c_body(api, f))
        out.append("")
    return "\n".join(out).rstrip() + "\n"


def outputs(api):
    files = {OUT_H: gen_header(api)}
    for h in HEADERS:
        files[OUT_C.format(h)] = gen_c(api, h)
    return files


def clang_format(path, text):
    """The committed files are formatted with the project's .clang-format (as check-format.sh
    wants); the same clang-format 14 turns the raw output into them."""
    exe = os.environ.get("CLANG_FORMAT", "clang-format-14")
    if subprocess.run(["which", exe], capture_output=True).returncode != 0:
        exe = "clang-format"
    r = subprocess.run([exe, "--assume-filename=" + os.path.join(ROOT, path)], input=text,
                       capture_output=True, text=True, cwd=ROOT)
    if r.returncode != 0:
        raise SystemExit("gen-wide: clang-format failed: " + r.stderr)
    return r.stdout


def coverage(api, lib):
    bad = []
    header = open(os.path.join(ROOT, OUT_H)).read()
    csrc = ""
    wdir = os.path.join(ROOT, "core/wide")
    for fn in sorted(os.listdir(wdir)):
        if fn.endswith(".c"):
            csrc += open(os.path.join(wdir, fn)).read()
    exported = None
    if lib:
        r = subprocess.run(["nm", "-D", "--defined-only", lib], capture_output=True, text=True)
        if r.returncode != 0:
            raise SystemExit("gen-wide: nm failed on " + lib)
        exported = {l.split()[-1] for l in r.stdout.splitlines() if l.strip()}
    count = 0
    for f in api.text_funcs():
        count += 1
        for sfx in ("A", "W"):
            n = f["name"] + sfx
            if not re.search(r"MAILWIRE_API [^;]*\b{}\(".format(n), header):
                bad.append("{}: not declared in {}".format(n, OUT_H))
            if not re.search(r"^[^\s/][^;]*\b{}\([^;]*\)\s*\{{".format(n), csrc, re.M):
                bad.append("{}: not defined in core/wide/".format(n))
            if exported is not None and n not in exported:
                bad.append("{}: not exported by {}".format(n, lib))
    for b in bad:
        print("gen-wide coverage: " + b)
    print("gen-wide coverage: {} text functions, {} problems".format(count, len(bad)))
    return 1 if bad else 0


def main(argv):
    api = Api()
    if len(argv) > 1 and argv[1] == "--coverage":
        return coverage(api, argv[2] if len(argv) > 2 else None)
    check = len(argv) > 1 and argv[1] == "--check"
    stale = []
    for path, text in outputs(api).items():
        text = clang_format(path, text)
        full = os.path.join(ROOT, path)
        old = open(full).read() if os.path.exists(full) else None
        if old != text:
            stale.append(path)
            if not check:
                os.makedirs(os.path.dirname(full), exist_ok=True)
                with open(full, "w") as fh:
                    fh.write(text)
    if check:
        for p in stale:
            print("gen-wide: {} is out of date: run scripts/gen-wide.py".format(p))
        return 1 if stale else 0
    for p in stale:
        print("gen-wide: wrote " + p)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
