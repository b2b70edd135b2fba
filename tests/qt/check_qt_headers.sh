#!/usr/bin/env bash
# Compiles <mailwire/adapters/qt.hpp> (alone, included twice, and next to the client classes it
# drives) with g++ and clang++ at -std=c++17 -Wall -Wextra -Wpedantic -Wshadow -Wconversion
# -Wsign-conversion -Werror, against Qt 6 and against Qt 5.15, with QT_NO_KEYWORDS and the
# QT_NO_CAST_* macros, and without moc. Qt's own headers are -isystem: their warnings are not
# ours. A missing compiler or Qt version is a failure with CI set, a skip (77) otherwise.
# Usage: check_qt_headers.sh SOURCE_DIR GENERATED_INCLUDE_DIR WORK_DIR
set -euo pipefail
src=$1 gen=$2 work=$3
mkdir -p "$work"
flags=(-std=c++17 -Wall -Wextra -Wpedantic -Wshadow -Wconversion -Wsign-conversion -Werror
       -fPIC -DQT_NO_KEYWORDS -DQT_NO_CAST_FROM_ASCII -DQT_NO_CAST_TO_ASCII
       -I"$src/include" -I"$gen" -I"$src/wrapper" -fsyntax-only)
status=0 missing=0
printf '#include <mailwire/adapters/qt.hpp>\n#include <mailwire/adapters/qt.hpp>\n' >"$work/alone.cpp"
cat >"$work/clients.cpp" <<'CPP'
#include <mailwire/ImapClient.hpp>
#include <mailwire/SmtpClient.hpp>
#include <mailwire/adapters/qt.hpp>
// Every constructor and Drive() form.
void drive(CSmtpClient &smtp, CImapClient &imap, HCLIENT h)
{
    mailwire::QtDriver a(smtp), b(imap), c(h), d;
    d.Drive(smtp);
    d.Drive(h);
    (void)a.IsDriving();
    (void)b.GetHandle();
    c.Stop();
}
CPP
for qt in Qt6Core Qt5Core; do
    if ! qtflags=$(pkg-config --cflags "$qt" 2>/dev/null); then
        echo "missing: $qt (pkg-config $qt; scripts/install-deps.sh gui)"
        missing=1
        continue
    fi
    # -I from pkg-config becomes -isystem.
    read -ra qtinc <<<"${qtflags//-I/-isystem }"
    for cxx in g++ clang++; do
        if ! command -v "$cxx" >/dev/null; then
            echo "missing: $cxx"
            missing=1
            continue
        fi
        for f in alone clients; do
            if ! "$cxx" "${flags[@]}" "${qtinc[@]}" "$work/$f.cpp"; then
                echo "FAIL: $cxx with $qt: $f.cpp"
                status=1
            fi
        done
        echo "$cxx with $qt: checked"
    done
done
if ((missing)); then
    if [[ -n ${CI:-} ]]; then
        echo "FAIL: something is missing and CI is set"
        status=1
    elif ((status == 0)); then
        exit 77
    fi
fi
exit $status
