#!/usr/bin/env python3
"""Compile the C and C++ code blocks of a Markdown file the way a user would paste them.

Usage: check_snippets.py FILE.md SOURCE_INCLUDE BUILD_INCLUDE WORKDIR

Every ```c block is compiled as C11 and as C++17 (a C snippet is pasted into C++ programs
too), every ```cpp block as C++17, with each of gcc/g++ and clang/clang++ that is installed,
at -Wall -Wextra -Werror (issue 15: the README's `SMTPMESSAGE msg = { sizeof msg };` warned
under -Wextra). A block is statements, as in the README: its #include lines go to the top of
the file and the rest into a function body. Compiling (-c) is enough: nothing is linked or run.
With CI set, a missing compiler is a failure; otherwise it is reported and skipped, and the
script fails when no compiler at all was found.
"""
import os
import re
import shutil
import subprocess
import sys

FLAGS = ["-Wall", "-Wextra", "-Werror"]


def blocks(text):
    """(language, first line number, code) of every fenced block tagged c or cpp."""
    out = []
    lines = text.split("\n")
    i = 0
    while i < len(lines):
        m = re.match(r"^```(\w+)\s*$", lines[i])
        if m:
            lang, start = m.group(1), i + 1
            j = start
            while j < len(lines) and not lines[j].startswith("```"):
                j += 1
            if lang in ("c", "cpp"):
                out.append((lang, start + 1, "\n".join(lines[start:j])))
            i = j + 1
            continue
        i += 1
    return out


def program(code, name, first_line, md):
    """The block as a compilable file; #line keeps diagnostics pointing into the Markdown."""
    head, body = [], []
    for k, line in enumerate(code.split("\n")):
        if line.startswith("#include"):
            head.append(line)
        else:
            body.append('#line %d "%s"\n%s' % (first_line + k, md, line) if not body else line)
    return "\n".join(head) + "\n\nvoid %s(void);\nvoid %s(void)\n{\n%s\n}\n" % (
        name, name, "\n".join(body))


def main():
    md, src_inc, build_inc, work = sys.argv[1:5]
    os.makedirs(work, exist_ok=True)
    with open(md, encoding="utf-8") as f:
        found = blocks(f.read())
    if not found:
        print("no c/cpp block in %s" % md)
        return 1
    ci = bool(os.environ.get("CI"))
    compilers = {"c": ["gcc", "clang"], "cpp": ["g++", "clang++"]}
    failures, compiled, missing = 0, 0, set()
    inc = ["-I" + src_inc, "-I" + build_inc,
           "-I" + os.path.join(os.path.dirname(src_inc), "wrapper")]
    for n, (lang, line, code) in enumerate(found):
        name = "readme_snippet_%d" % n
        text = program(code, name, line, os.path.abspath(md))
        # A C block is also pasted into C++ sources.
        langs = ["c", "cpp"] if lang == "c" else ["cpp"]
        for as_lang in langs:
            path = os.path.join(work, "%s.%s" % (name, "c" if as_lang == "c" else "cpp"))
            with open(path, "w", encoding="utf-8") as f:
                f.write(text)
            std = "-std=c11" if as_lang == "c" else "-std=c++17"
            for cc in compilers[as_lang]:
                if not shutil.which(cc):
                    missing.add(cc)
                    continue
                cmd = [cc, std] + FLAGS + inc + ["-c", path, "-o", os.devnull]
                r = subprocess.run(cmd, capture_output=True, text=True)
                compiled += 1
                if r.returncode != 0:
                    failures += 1
                    print("FAIL: %s block at %s:%d as %s with %s\n%s%s" % (
                        lang, md, line, as_lang, cc, r.stdout, r.stderr))
                else:
                    print("ok: %s block at %s:%d as %s with %s" % (lang, md, line, as_lang, cc))
    for cc in sorted(missing):
        print("%s: %s not installed" % ("FAIL" if ci else "skipped", cc))
    if ci and missing:
        return 1
    if compiled == 0:
        print("FAIL: no compiler found")
        return 1
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
