#!/usr/bin/env bash
# The Qt driver as an application gets it: installs this build into a scratch prefix, then
# compiles a program including <mailwire/adapters/qt.hpp> from there (Qt 6 Core through
# pkg-config, mailwire through its installed pkg-config file), and runs it: it drives a
# session from its event loop with no moc step anywhere.
# Usage: check_installed.sh BUILD_DIR WORK_DIR CXX
set -euo pipefail
build=$1 work=$2 cxx=$3
if ! pkg-config --exists Qt6Core; then
    echo "missing: Qt6Core (pkg-config; scripts/install-deps.sh gui)"
    [[ -n ${CI:-} ]] && { echo "FAIL: CI is set"; exit 1; }
    exit 77
fi
rm -rf "$work"
mkdir -p "$work"
cmake --install "$build" --prefix "$work/prefix" >"$work/install.log"
test -f "$work/prefix/include/mailwire/adapters/qt.hpp" || {
    echo "FAIL: adapters/qt.hpp was not installed"
    exit 1
}
cat >"$work/app.cpp" <<'CPP'
#include <mailwire/SmtpClient.hpp>
#include <mailwire/adapters/qt.hpp>

#include <QCoreApplication>
#include <QTimer>

#include <cstdio>

// A connect to a port nothing listens on, driven by the event loop until it completes.
int main(int argc, char **argv)
{
    QCoreApplication app(argc, argv);
    CSmtpClient smtp;
    mailwire::QtDriver driver;
    unsigned result = 0;
    smtp.OnComplete([&](unsigned err) {
        result = err;
        app.quit();
    });
    if (!smtp.AsyncConnect("127.0.0.1", 1, 5) || !driver.Drive(smtp))
        return 2;
    QTimer::singleShot(10000, &app, &QCoreApplication::quit);
    app.exec();
    std::printf("completed: %s\n", mailwire::GetErrorString(result).c_str());
    return result == ST_ERROR_CONNECT_REFUSED ? 0 : 1;
}
CPP
export PKG_CONFIG_PATH="$work/prefix/lib/pkgconfig:$work/prefix/lib/x86_64-linux-gnu/pkgconfig${PKG_CONFIG_PATH:+:$PKG_CONFIG_PATH}"
libdir=$(pkg-config --variable=libdir mailwire)
# shellcheck disable=SC2046 # word splitting of the flags is wanted
"$cxx" -std=c++17 -fPIC "$work/app.cpp" -o "$work/app" $(pkg-config --cflags --libs mailwire Qt6Core) \
    -Wl,-rpath,"$libdir"
"$work/app"
