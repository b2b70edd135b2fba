#!/usr/bin/env python3
"""Compile every C and C++ code block of the documentation (docs/*.md and README.md).

Convention for the fenced blocks of those files (docs/index.md says the same to writers):
  ```c  / ```cpp           a complete source file: compiled as it is.
  ```c fragment / ```cpp fragment
                           statements: compiled as the body of a function, after a prelude
                           that includes the mailwire headers and the usual standard headers
                           (PRELUDE_C / PRELUDE_CPP below). A fragment declares every variable
                           it uses.
  ```cpp qt               a complete C++ file using Qt (the Qt driver): compiled with the Qt 6
                           flags given by --qt-flag (a missing Qt is a failure, not a skip).
Any other word after c/cpp is an error, so a block cannot be skipped by a typo; blocks in other
languages (sh, cmake, text...) are not compiled and are listed as such.

Every block is compiled (not linked) with -Wall -Wextra -Werror, C as -std=c11 and C++ as
-std=c++17, against the headers of the source tree and the build tree's generated version.h.

usage: check_samples.py --cc CC --cxx CXX --include DIR... --work DIR FILE|FOLDER...
Exit status: 0 when every block compiled, 1 otherwise (each failure printed with its
compiler output), 2 on a usage error or a malformed block.
"""
import argparse
import concurrent.futures
import os
import re
import subprocess
import sys

PRELUDE_C = """#include <mailwire/mailwire.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
"""
PRELUDE_CPP = """#include <mailwire/ImapClient.hpp>
#include <mailwire/MailMessage.hpp>
#include <mailwire/Mailwire.hpp>
#include <mailwire/SmtpClient.hpp>
#include <mailwire/mailwire.h>
#include <cstdint>
#include <cstdio>
#include <iostream>
#include <string>
#include <vector>
"""
LANGS = {"c": "c", "cpp": "cpp", "c++": "cpp"}
FENCE = re.compile(r"^(\s*)(```+|~~~+)\s*([^`\s]*)\s*(.*?)\s*$")


def blocks(path):
    """Yield (line, info-language, modifiers, text) for every fenced block of a Markdown file."""
    with open(path, encoding="utf-8") as f:
        lines = f.read().split("\n")
    i = 0
    while i < len(lines):
        m = FENCE.match(lines[i])
        if not m:
            i += 1
            continue
        indent, fence, lang, mods = m.groups()
        start = i + 1
        body = []
        i += 1
        while i < len(lines) and not lines[i].strip().startswith(fence):
            line = lines[i]
            body.append(line[len(indent):] if line.startswith(indent) else line)
            i += 1
        if i == len(lines):
            raise SystemExit(f"{path}:{start}: unterminated code block")
        i += 1
        yield start, lang.lower(), mods.split(), "\n".join(body) + "\n"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--cc", required=True)
    ap.add_argument("--cxx", required=True)
    ap.add_argument("--include", action="append", default=[])
    ap.add_argument("--work", required=True)
    ap.add_argument("--qt-flag", action="append", default=[],
                    help="compiler flag for 'cpp qt' blocks (include folders, -fPIC)")
    ap.add_argument("files", nargs="+")
    a = ap.parse_args()
    os.makedirs(a.work, exist_ok=True)
    incs = [f"-I{d}" for d in a.include]
    files = []
    for p in a.files:  # a folder stands for its *.md files, read at test time
        if os.path.isdir(p):
            files += sorted(os.path.join(p, n) for n in os.listdir(p) if n.endswith(".md"))
        else:
            files.append(p)
    jobs = []  # (where, label, command) of every block to compile
    other = 0
    for path in files:
        name = os.path.basename(path).replace(".", "_")
        for line, lang, mods, text in blocks(path):
            where = f"{path}:{line}"
            if lang not in LANGS:
                other += 1
                print(f"-- {where}: {lang or 'plain'} block, not C/C++")
                continue
            kind = LANGS[lang]
            if mods not in ([], ["fragment"]) and not (kind == "cpp" and mods == ["qt"]):
                print(f"{where}: unknown block modifier {' '.join(mods)!r} "
                      "(only 'fragment', and 'qt' for C++, are known)", file=sys.stderr)
                return 2
            if mods == ["qt"] and not a.qt_flag:
                print(f"{where}: a Qt block, and no Qt flags given (is Qt 6 installed?)",
                      file=sys.stderr)
                return 2
            if mods == ["fragment"]:
                body = "".join("    " + l + "\n" if l else "\n" for l in text.split("\n")[:-1])
                if kind == "c":
                    src = PRELUDE_C + f"\nvoid mw_doc_fragment(void);\nvoid mw_doc_fragment(void)\n{{\n{body}}}\n"
                else:
                    src = PRELUDE_CPP + f"\nvoid mw_doc_fragment();\nvoid mw_doc_fragment()\n{{\n{body}}}\n"
                # Diagnostics name the block; line numbers count from the generated prelude.
                src = f'#line 1 "{where} (fragment, generated)"\n' + src
            else:
                # #line makes the diagnostics point into the Markdown file.
                src = f'#line {line + 1} "{path}"\n' + text
            ext = ".c" if kind == "c" else ".cpp"
            fn = os.path.join(a.work, f"{name}_{line}{ext}")
            with open(fn, "w", encoding="utf-8") as f:
                f.write(src)
            cmd = [a.cc, "-std=c11"] if kind == "c" else [a.cxx, "-std=c++17"]
            cmd += ["-Wall", "-Wextra", "-Werror", *incs]
            if mods == ["qt"]:
                cmd += a.qt_flag
            cmd += ["-c", fn, "-o", fn + ".o"]
            jobs.append((where, kind + (" " + " ".join(mods) if mods else ""), cmd))

    def run(job):
        return job, subprocess.run(job[2], capture_output=True, text=True)

    compiled = len(jobs)
    failed = 0
    with concurrent.futures.ThreadPoolExecutor(max_workers=os.cpu_count() or 2) as pool:
        for (where, label, cmd), r in pool.map(run, jobs):
            if r.returncode != 0:
                failed += 1
                print(f"FAIL {where} ({label}): {' '.join(cmd)}\n{r.stdout}{r.stderr}")
            else:
                print(f"ok   {where} ({label})")
    print(f"{compiled} C/C++ blocks compiled, {failed} failed; {other} blocks in other languages")
    if compiled == 0:
        print("no C/C++ block found: wrong file list?", file=sys.stderr)
        return 2
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
