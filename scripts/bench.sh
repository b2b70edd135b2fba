#!/usr/bin/env bash
# scripts/bench.sh [--quick] [--reps N]
#
# mailwire's benchmark suite (issue 11): measures mailwire against other mail clients on
# loopback, against the fixture's real Postfix and Dovecot (tests/fixtures/servers.sh, started
# as the ctest fixture starts it) and Postfix's smtp-sink, and prints a markdown report on
# stdout: SMTP over one connection, many non-blocking SMTP sessions on one thread, IMAP full
# fetch and ENVELOPE fetch of a 10,000-message mailbox, each with wall time, client CPU and
# peak RSS, and the loopback ceilings measured in the same run. Figures are medians of 3
# repetitions; ratios are taken within a repetition, then the median.
# Not part of the test run: speed and memory are measured here, never asserted in tests.
#
#   --quick    one repetition, smaller counts and a 1,000-message mailbox (development)
#   --reps N   N repetitions (default 3)
#   --only P   run only these parts (comma-separated): raw (loopback ceilings), smtp1 (one
#              connection), smtpN (concurrent sessions), start (starting an 80 MiB send),
#              imap; the report shows "–" for what was not measured (development)
#
# Run as root on Debian 12 (it installs what is missing: the build dependencies, Postfix and
# Dovecot, isync for mbsync, curl). Progress goes to stderr. Environment:
#   MW_PORT_BASE     port base of the private servers (default 12000, away from the tests'
#                    10000); smtp-sink listens on MW_PORT_BASE+27
#   MW_BENCH_BUILD   build directory (default ${MW_BUILD_ROOT:-build}/bench, RelWithDebInfo)
#   MW_BENCH_STATE   fixture state directory (default /tmp/mailwire-bench-$MW_PORT_BASE)
#   MW_BENCH_CACHE   where the generated mailbox is kept between runs (/var/tmp/mailwire-bench)
#   MW_BENCH_OUT     where results.txt, meta.txt, report.md and bench.log go
#                    (default $MW_BENCH_BUILD/results)
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
t_start=$EPOCHREALTIME
quick=0
reps=3
only=raw,smtp1,smtpN,start,imap
usage() {
    sed -n '2,/^set -euo/p' "${BASH_SOURCE[0]}" | sed -e '$d' -e 's/^# \{0,1\}//' >&2
    exit 2
}
while (($#)); do
    case $1 in
    --quick) quick=1 reps=1 ;;
    --only)
        [[ ${2:-} =~ ^(raw|smtp1|smtpN|start|imap)(,(raw|smtp1|smtpN|start|imap))*$ ]] || usage
        only=$2
        shift
        ;;
    --reps)
        [[ ${2:-} =~ ^[1-9][0-9]*$ ]] || usage
        reps=$2
        shift
        ;;
    *) usage ;;
    esac
    shift
done
part() { [[ ,$only, == *,$1,* ]]; }

die() {
    echo "bench.sh: $*" >&2
    exit 1
}
elapsed() {
    awk -v a="$t_start" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.0f", b - a }'
}
log() {
    printf '[%4ss] %s\n' "$(elapsed)" "$*" >&2
}

[[ $(id -u) -eq 0 ]] || die "run as root: the Postfix and Dovecot fixtures and smtp-sink need it"

export MW_PORT_BASE=${MW_PORT_BASE:-12000}
[[ $MW_PORT_BASE =~ ^[0-9]+$ ]] || die "bad MW_PORT_BASE"
# The fixture adds an smtpd port without CHUNKING and lifts smtpd's process limit.
export MW_FIXTURE_BENCH=1
build=${MW_BENCH_BUILD:-${MW_BUILD_ROOT:-$root/build}/bench}
state=${MW_BENCH_STATE:-/tmp/mailwire-bench-$MW_PORT_BASE}
cache=${MW_BENCH_CACHE:-/var/tmp/mailwire-bench}
out=${MW_BENCH_OUT:-$build/results}
# Client output (fetched mail, mbsync's Maildir, configuration) goes to tmpfs, so the disk
# never enters a client's figures.
work=/dev/shm/mailwire-bench-$MW_PORT_BASE
sink_port=$((MW_PORT_BASE + 27))
PY=/usr/bin/python3 # Debian's, not whatever is first in PATH: the same start-up every run
size=4096
batch=100 # messages per SmtpSendMessages() call

if ((quick)); then
    sink_n=2000 pf_n=200 pf_budget=1 sess_sink_n=4000 sess_pf_n=1000
    tls_sessions=100 tls_sess_n=200 mbox_n=1000 mbox_large=1 rtt_n=5000 bulk_bytes=$((512 << 20))
else
    # Sizes chosen so that each run takes 1-4 s on a 2-core VM (except mailwire where the
    # CHUNKING stall makes it crawl: pf_budget bounds that) and the whole script stays under
    # 15 minutes.
    sink_n=10000 pf_n=1000 pf_budget=3 sess_sink_n=20000 sess_pf_n=5000
    tls_sessions=1000 tls_sess_n=5000 mbox_n=10000 mbox_large=8 rtt_n=20000
    bulk_bytes=$((2 << 30))
fi

# ---- dependencies, build -------------------------------------------------------------------
log "dependencies"
"$root/scripts/install-deps.sh" build
"$root/scripts/install-deps.sh" servers
bench_pkgs=()
for p in isync curl; do
    [[ $(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true) == "install ok installed" ]] ||
        bench_pkgs+=("$p")
done
if ((${#bench_pkgs[@]})); then
    log "installing ${bench_pkgs[*]}"
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends \
        "${bench_pkgs[@]}" >&2 ||
        { apt-get update -q >&2 && DEBIAN_FRONTEND=noninteractive apt-get install -y -q \
            --no-install-recommends "${bench_pkgs[@]}" >&2; }
fi
for t in smtp-source smtp-sink curl mbsync "$PY"; do
    command -v "$t" >/dev/null || die "$t is missing"
done

# 1,000 sessions need 1,000 descriptors in the client and twice that in smtp-sink.
ulimit -n 65536 2>/dev/null || ulimit -n "$(ulimit -Hn)"
(($(ulimit -n) >= 4096)) || die "cannot raise the open-file limit to 4096 (ulimit -n)"

log "build ($build)"
cmake -S "$root" -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DMAILWIRE_BUILD_SAMPLES=OFF \
    >"$work.cmake.log" 2>&1 || { cat "$work.cmake.log" >&2; die "cmake failed"; }
cmake --build "$build" -j "$(nproc)" --target mailwire_bench >>"$work.cmake.log" 2>&1 ||
    { tail -n 40 "$work.cmake.log" >&2; die "build failed"; }
rm -f "$work.cmake.log"
bin=$build/tests/bench
run=$bin/mw_bench_run
src=$root/tests/bench

# ---- servers -------------------------------------------------------------------------------
sink_pid=
cleanup() {
    local rc=$?
    if [[ -n $sink_pid ]]; then
        kill "$sink_pid" 2>/dev/null || true
        wait "$sink_pid" 2>/dev/null || true
    fi
    "$root/tests/integration/fixture.sh" stop "$state" >/dev/null 2>&1 || true
    rm -rf -- "$work"
    exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

rm -rf -- "$work"
mkdir -p "$work" "$out" "$cache"
[[ $(stat -f -c %T "$work") == tmpfs ]] || die "$work is not on tmpfs"
results=$out/results.txt
: >"$results"
: >"$out/bench.log"

log "fixture ($state, ports from $MW_PORT_BASE)"
"$root/tests/integration/fixture.sh" start "$state" >"$work/fixture.log" 2>&1 ||
    { cat "$work/fixture.log" >&2; die "the fixture did not start"; }
[[ ! -f $state/skip-reason ]] || die "fixture: $(cat "$state/skip-reason")"
# shellcheck disable=SC1091
. "$state/env.sh"
[[ -n ${MW_SMTP_NOCHUNKING_PORT:-} ]] || die "the fixture has no MW_SMTP_NOCHUNKING_PORT"
CA=$MW_CA_FILE
USER4=$MW_USER4 PASS4=$MW_PASS4 # dave: the fixture's bulk-mail user
queue_dir=$state/postfix/queue

if (exec 3<>"/dev/tcp/127.0.0.1/$sink_port") 2>/dev/null; then
    die "port $sink_port (smtp-sink) is in use"
fi
# -m: up to 2,100 connections at once (1,000 sessions and room to spare); backlog the same.
smtp-sink -u nobody -m 2100 "127.0.0.1:$sink_port" 2100 >"$work/sink.log" 2>&1 &
sink_pid=$!
for ((i = 0; i < 50; i++)); do
    (exec 3<>"/dev/tcp/127.0.0.1/$sink_port") 2>/dev/null && break
    sleep 0.1
done
kill -0 "$sink_pid" 2>/dev/null || die "smtp-sink did not start: $(cat "$work/sink.log")"

# ---- inputs --------------------------------------------------------------------------------
# One message for every SMTP client, exactly $size bytes on the wire: CRLF for mailwire,
# smtplib and curl, which send the file as it is; LF for smtp-source -F, which adds the CR.
msg=$work/msg.eml msg_lf=$work/msg-lf.eml
"$PY" - "$msg" "$msg_lf" "$size" <<'EOF'
import sys
path, path_lf, size = sys.argv[1], sys.argv[2], int(sys.argv[3])
text = ("From: Bench <bench@localhost>\r\nTo: <bench@example.org>\r\n"
        "Subject: mailwire benchmark message\r\nDate: Mon, 1 Jan 2024 00:00:00 +0000\r\n"
        "Message-ID: <bench@localhost>\r\n\r\n")
line = "The quick brown fox jumps over the lazy dog; 0123456789 abcdefghijklmnopqrstuvw"[:76]
while len(text) + 78 <= size:
    text += line + "\r\n"
if size - len(text) >= 3:
    text += line[: size - len(text) - 2] + "\r\n"
data = text.encode()
open(path, "wb").write(data)
open(path_lf, "wb").write(data.replace(b"\r\n", b"\n"))
EOF
# An 80 MiB message for the start-up time of a non-blocking send (issue 11, item 3).
big=$work/big.eml
"$PY" - "$big" <<'EOF'
import sys
head = b"From: <bench@localhost>\r\nTo: <bench@example.org>\r\nSubject: 80 MiB\r\n\r\n"
line = b"0123456789abcdefghijklmnopqrstuvwxyz" * 2 + b"0123\r\n"
with open(sys.argv[1], "wb") as f:
    f.write(head)
    f.write(line * ((80 << 20) // len(line)))
EOF

# curl sends one message per transfer; all transfers of one invocation come from a config
# file (curl -K), and curl may keep the connection between them.
curl_cfg() { # port tls count -> path of the config file
    local f=$work/curl-$1-$2-$3.cfg i
    if [[ ! -f $f ]]; then
        for ((i = 0; i < $3; i++)); do
            ((i == 0)) || echo "next"
            echo "url = \"smtp://127.0.0.1:$1/localhost\""
            echo 'mail-from = "bench@localhost"'
            echo 'mail-rcpt = "bench@example.org"'
            echo "upload-file = \"$msg\""
            if [[ $2 == 1 ]]; then
                echo "ssl-reqd"
                echo "cacert = \"$CA\""
            fi
        done >"$f"
    fi
    echo "$f"
}
curl_conns=$(curl -sS -v -K "$(curl_cfg "$sink_port" 0 3)" 2>&1 | grep -c '^\* Connected to' ||
    true)
if [[ $curl_conns == 1 ]]; then
    curl_note="a probe of 3 transfers used 1 connection, so curl's rows are one connection too"
    curl_note+=" (one curl per message would add a process and a connection per message)"
else
    curl_note="a probe of 3 transfers used $curl_conns connections: one per message"
fi

mbsync_rc() { # clear|tls
    local f=$work/mbsyncrc-$1
    {
        echo "FSync no"
        echo
        echo "IMAPAccount bench"
        if [[ $1 == tls ]]; then
            # mbsync checks the certificate's DNS names only, not its IP addresses.
            echo "Host localhost"
            echo "Port $MW_IMAPS_PORT"
            echo "SSLType IMAPS"
            echo "CertificateFile $CA"
        else
            echo "Host 127.0.0.1"
            echo "Port $MW_IMAP_PORT"
            echo "SSLType None"
        fi
        echo "User $USER4"
        echo "Pass $PASS4"
        echo "AuthMechs LOGIN"
        echo
        echo "IMAPStore remote"
        echo "Account bench"
        echo
        echo "MaildirStore local"
        echo "Path $work/mbsync/"
        echo "SubFolders Verbatim"
        echo
        echo "Channel bench"
        echo "Far :remote:bench"
        echo "Near :local:bench"
        echo "Sync Pull"
        echo "Create Near"
        echo "Expunge None"
        echo "SyncState *"
    } >"$f"
    echo "$f"
}

# The mailbox: generated once into the cache, copied into dave's Maildir as folder "bench".
mbox_cache=$cache/mailbox-$mbox_n-$mbox_large-v1
if [[ ! -f $mbox_cache/.done ]]; then
    log "generating the mailbox ($mbox_n messages) in $mbox_cache"
    rm -rf -- "$mbox_cache"
    "$PY" "$src/make_mailbox.py" "$mbox_cache" "$mbox_n" "$mbox_large" >&2
    touch "$mbox_cache/.done"
fi
maildir=$MW_MAILDIR_ROOT/$USER4/Maildir/.bench
rm -rf -- "$maildir"
mkdir -p "$maildir"
# Hard links when the cache is on the same file system (instant; the server never writes to
# message files), a copy otherwise.
cp -al "$mbox_cache/cur" "$maildir/" 2>/dev/null || cp -a "$mbox_cache/cur" "$maildir/"
mkdir -p "$maildir/new" "$maildir/tmp"
chown -R mwtest:mwtest "$maildir"

# This VM drops idle file pages within seconds: read the mailbox (and Dovecot's index) into
# the page cache right before each IMAP run, so every client finds it equally warm.
warm_mailbox() {
    find "$maildir" -type f -print0 | xargs -0 cat >/dev/null
}

# Postfix keeps delivering (to the discard transport) after a client is done; wait for the
# queue to empty so that one client's deliveries do not load the machine during the next.
drain_queue() {
    local i
    for ((i = 0; i < 300; i++)); do
        if [[ -z $(find "$queue_dir/maildrop" "$queue_dir/incoming" "$queue_dir/active" \
            -type f -print -quit 2>/dev/null) ]]; then
            return 0
        fi
        sleep 0.1
    done
    log "warning: the Postfix queue did not drain within 30 s"
}

# measure ID [key=value...] -- COMMAND...: runs COMMAND under mw_bench_run and appends one
# record: rep, id, the given pairs, the process figures and the client's last key=value line.
rep=0
measure() {
    local id=$1 meta=() status=0 limit=300
    shift
    while [[ $1 != -- ]]; do
        meta+=("$1")
        shift
    done
    shift
    [[ $id == smtpN.* ]] && limit=900
    "$run" -o "$work/rusage" -t "$limit" -- "$@" >"$work/out" 2>"$work/err" || status=$?
    local client
    client=$(grep '=' "$work/out" | tail -n 1 || true)
    echo "rep=$rep id=$id ${meta[*]} $(cat "$work/rusage") $client" >>"$results"
    {
        echo "== rep $rep $id: $*"
        cat "$work/rusage" "$work/out" "$work/err"
    } >>"$out/bench.log"
    local wall
    wall=$(sed -n 's/.*wall=\([0-9.]*\).*/\1/p' "$work/rusage")
    if ((status)); then
        log "  $id: FAILED (exit $status) after ${wall}s; see $out/bench.log"
        tail -n 3 "$work/err" | sed 's/^/      /' >&2
    else
        log "  $id: ${wall}s ${client}"
    fi
}

smtp_one() { # TARGET PORT TLS(0|1) CLIENT COUNT
    local t=$1 port=$2 tls=$3 c=$4 n=$5 id="smtp1.$1.$4" args=()
    ((tls)) && args=(-S -a "$CA")
    [[ $t == sink ]] || drain_queue
    case $c in
    mailwire | mailwire-single)
        # A time budget on the CHUNKING port: before issue 11 a stall made it crawl there; the
        # count actually sent is reported. mailwire: SmtpSendMessages() with $batch messages
        # per call (the next envelope pipelined behind each message's data); -single: one
        # SmtpSendMessage() per message, as before.
        [[ $t == pf || $t == pf-tls ]] && args+=(-T "$pf_budget")
        [[ $c == mailwire ]] && args+=(-B "$batch")
        measure "$id" -- "$bin/mw_bench_smtp" -p "$port" -F "$msg" -m "$n" "${args[@]}"
        ;;
    mailwire-nochunking)
        measure "$id" -- "$bin/mw_bench_smtp" -p "$port" -F "$msg" -m "$n" -C -B "$batch" \
            "${args[@]}"
        ;;
    smtp-source)
        measure "$id" count="$n" -- smtp-source -d -s 1 -m "$n" -F "$msg_lf" -M localhost \
            -f bench@localhost -t bench@example.org "127.0.0.1:$port"
        ;;
    smtplib)
        ((tls)) && args=(--starttls "$CA")
        measure "$id" count="$n" -- "$PY" "$src/smtplib_send.py" 127.0.0.1 "$port" "$msg" \
            "$n" "${args[@]}"
        ;;
    curl)
        measure "$id" count="$n" -- curl -sS -K "$(curl_cfg "$port" "$tls" "$n")"
        ;;
    esac
}

smtp_sessions() { # TARGET PORT TLS(0|1) CLIENT SESSIONS COUNT
    local t=$1 port=$2 tls=$3 c=$4 s=$5 n=$6 id="smtpN.$1.$4.$5" args=()
    ((tls)) && args=(-S -a "$CA")
    [[ $t == sink ]] || drain_queue
    if [[ $c == mailwire ]]; then
        # Each session takes its share in SmtpSendMessages() calls of up to 100 messages.
        local b=$((n / s))
        ((b < 1)) && b=1
        ((b > batch)) && b=$batch
        measure "$id" -- "$bin/mw_bench_smtp" -p "$port" -F "$msg" -m "$n" -s "$s" -B "$b" \
            "${args[@]}"
    else
        measure "$id" count="$n" -- smtp-source -d -s "$s" -m "$n" -F "$msg_lf" -M localhost \
            -f bench@localhost -t bench@example.org "127.0.0.1:$port"
    fi
}

imap_run() { # fetch|info clear|tls CLIENT
    local mode=$1 tr=$2 c=$3 id="imap.$1.$2.$3" port=$MW_IMAP_PORT tlsargs=() pyargs=()
    if [[ $tr == tls ]]; then
        port=$MW_IMAPS_PORT tlsargs=(-I -a "$CA") pyargs=(--tls "$CA")
    fi
    rm -rf -- "$work/fetched" "$work/mbsync"
    warm_mailbox
    case $c in
    mailwire)
        measure "$id" -- "$bin/mw_bench_imap" -p "$port" "${tlsargs[@]}" -u "$USER4" \
            -P "$PASS4" -b bench -M "$mode"
        ;;
    mailwire-files)
        mkdir -p "$work/fetched"
        measure "$id" -- "$bin/mw_bench_imap" -p "$port" "${tlsargs[@]}" -u "$USER4" \
            -P "$PASS4" -b bench -M "$mode" -o "$work/fetched"
        ;;
    imaplib)
        measure "$id" -- "$PY" "$src/imaplib_fetch.py" 127.0.0.1 "$port" "$USER4" "$PASS4" \
            bench "$mode" "${pyargs[@]}"
        ;;
    mbsync)
        mkdir -p "$work/mbsync"
        measure "$id" -- mbsync -c "$(mbsync_rc "$tr")" -q bench
        # mbsync prints no count: take it from the Maildir it wrote, into the same record.
        local got
        got=$(find "$work/mbsync/bench/cur" "$work/mbsync/bench/new" -type f 2>/dev/null |
            wc -l)
        sed -i "\$ s/\$/ messages=$got/" "$results"
        [[ $got == "$mbox_n" ]] || log "  $id: mbsync stored $got messages, not $mbox_n"
        ;;
    esac
    rm -rf -- "$work/fetched" "$work/mbsync"
}

# Dovecot builds its index and cache of the new folder on first use: one untimed pass of each
# kind, which also tells the size of the mailbox as served (CRLF line ends).
log "warming up Dovecot's index of the mailbox"
warm_mailbox
"$bin/mw_bench_imap" -p "$MW_IMAP_PORT" -u "$USER4" -P "$PASS4" -b bench -M info >/dev/null
mbox_line=$("$bin/mw_bench_imap" -p "$MW_IMAP_PORT" -u "$USER4" -P "$PASS4" -b bench)
mbox_bytes=$(sed -n 's/.* bytes=\([0-9]*\).*/\1/p' <<<"$mbox_line")
mbox_msgs=$(sed -n 's/^messages=\([0-9]*\).*/\1/p' <<<"$mbox_line")
[[ $mbox_msgs == "$mbox_n" ]] || die "the mailbox holds $mbox_msgs messages, not $mbox_n"

load_start=$(cut -d' ' -f1-3 /proc/loadavg)

# ---- the repetitions -----------------------------------------------------------------------
for ((rep = 1; rep <= reps; rep++)); do
    if part raw; then
        log "repetition $rep of $reps: loopback ceilings"
        measure raw.bulk -- "$bin/mw_bench_raw" bulk "$bulk_bytes"
        measure raw.rtt -- "$bin/mw_bench_raw" rtt "$size" "$rtt_n"
        measure raw.cipher -- "$bin/mw_bench_raw" cipher
    fi

    if part smtp1; then
        log "repetition $rep: SMTP, one connection"
        for c in mailwire mailwire-single smtp-source smtplib curl; do
            smtp_one sink "$sink_port" 0 "$c" "$sink_n"
        done
        for c in mailwire mailwire-single mailwire-nochunking smtp-source smtplib curl; do
            smtp_one pf "$MW_SMTP_PORT" 0 "$c" "$pf_n"
        done
        for c in mailwire mailwire-single mailwire-nochunking smtplib curl; do
            smtp_one pf-tls "$MW_SMTP_PORT" 1 "$c" "$pf_n"
        done
        for c in mailwire mailwire-single smtp-source smtplib curl; do
            smtp_one pfnc "$MW_SMTP_NOCHUNKING_PORT" 0 "$c" "$pf_n"
        done
        for c in mailwire mailwire-single smtplib curl; do
            smtp_one pfnc-tls "$MW_SMTP_NOCHUNKING_PORT" 1 "$c" "$pf_n"
        done
    fi

    if part smtpN; then
        log "repetition $rep: SMTP, concurrent sessions on one thread"
        for s in 10 100 1000; do
            smtp_sessions sink "$sink_port" 0 mailwire "$s" "$sess_sink_n"
        done
        for s in 10 100; do
            smtp_sessions sink "$sink_port" 0 smtp-source "$s" "$sess_sink_n"
        done
        smtp_sessions pf "$MW_SMTP_PORT" 0 mailwire 100 "$sess_pf_n"
        smtp_sessions pf "$MW_SMTP_PORT" 0 smtp-source 100 "$sess_pf_n"
        smtp_sessions pf-tls "$MW_SMTP_PORT" 1 mailwire "$tls_sessions" "$tls_sess_n"
    fi

    if part start; then
        log "repetition $rep: starting a non-blocking send of an 80 MiB message"
        measure start.sink.memory -- "$bin/mw_bench_smtp" -p "$sink_port" -F "$big" -m 3 -s 1
        measure start.sink.file -- "$bin/mw_bench_smtp" -p "$sink_port" -F "$big" -m 3 -s 1 -P
    fi

    if part imap; then
        log "repetition $rep: IMAP"
        for tr in clear tls; do
            for c in mailwire mailwire-files imaplib mbsync; do
                imap_run fetch "$tr" "$c"
            done
        done
        for c in mailwire imaplib; do
            imap_run info clear "$c"
        done
    fi
done

# ---- report --------------------------------------------------------------------------------
drain_queue
total=$(elapsed)
mw_version=$(sed -n 's/^project(mailwire VERSION \([0-9.]*\).*/\1/p' "$root/CMakeLists.txt")
{
    echo "date=$(date -u '+%Y-%m-%d %H:%M UTC')"
    echo "nproc=$(nproc)"
    echo "cpu=$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n 1)"
    echo "kernel=$(uname -r)"
    echo "memory=$(awk '/^MemTotal/ { printf "%.1f GiB", $2 / 1048576 }' /proc/meminfo)"
    echo "load_start=$load_start"
    echo "load_end=$(cut -d' ' -f1-3 /proc/loadavg)"
    echo "elapsed=$((total / 60)) min $((total % 60)) s"
    echo "mw_version=$mw_version"
    echo "git=$(git -C "$root" rev-parse --abbrev-ref HEAD 2>/dev/null || echo '?')@$(git -C \
        "$root" describe --always --dirty 2>/dev/null || echo '?')"
    echo "build_type=RelWithDebInfo"
    echo "postfix=$(postconf -dh mail_version)"
    echo "dovecot=$(dovecot --version | cut -d' ' -f1)"
    echo "gnutls=$(pkg-config --modversion gnutls)"
    echo "python=$("$PY" -c 'import platform; print(platform.python_version())')"
    echo "curl=$(curl -V | head -n 1 | cut -d' ' -f2)"
    echo "isync=$(mbsync --version 2>&1 | head -n 1 | sed 's/^isync //')"
    echo "msg_size=$size"
    echo "mailbox_messages=$mbox_msgs"
    echo "mailbox_bytes=$mbox_bytes"
    echo "reps=$reps"
    echo "quick=$quick"
    echo "only=$only"
    echo "pf_budget=$pf_budget"
    echo "curl_note=$curl_note"
} >"$out/meta.txt"
"$PY" "$src/report.py" "$results" "$out/meta.txt" | tee "$out/report.md"
log "done in ${total}s; records in $out"
