#!/usr/bin/env bash
# sample-win32.sh WINE PREFIX EXE READBACK_EXE OUTDIR: the Win32 dialog sample (samples/win32,
# ANSI or UNICODE build) sends a message with an attachment through the fixture's Postfix
# (STARTTLS, AUTH) under Wine on a virtual X display, with a screenshot of its window taken
# while the progress bar stood strictly between 0 and 100 %; then the message is read back
# from Dovecot over IMAP (samples/c/imap_readback under Wine).
#
# Unlike wine-run.sh (which runs every other test without a display) the sample needs one:
# this runs its own Xvfb through xvfb-run -a (a free display number), and wine-run.sh keeps
# DISPLAY for it (MW_WINE_KEEP_DISPLAY). Kept in OUTDIR: <name>-midsend.png (the screenshot),
# <name>.report, <name>.wine.log.
#
# Without Wine, xvfb-run/Xvfb or ImageMagick's convert: exit 77 (skipped), or 1 when CI is
# set (a missing tool is an error there).
set -uo pipefail
wine=$1 prefix=$2 exe=$3 readback=$4 outdir=$5
here=$(dirname "$(readlink -f "$0")")
name=$(basename "$exe" .exe)

missing=
for tool in "$wine" xvfb-run Xvfb xauth convert; do
    command -v "$tool" >/dev/null 2>&1 || missing+=" $tool"
done
if [[ -n $missing ]]; then
    echo "sample-win32: missing:$missing (scripts/install-deps.sh windows)" >&2
    [[ -n ${CI:-} ]] && exit 1
    exit 77
fi

# shellcheck disable=SC1091
source "$MW_FIXTURE_STATE/env.sh" || { echo "sample-win32: no fixture environment" >&2; exit 1; }
mkdir -p "$outdir"
att="$outdir/$name-attachment.txt"
# 12 MB of text: long enough for PROGRESS messages to reach the window mid-send.
head -c 9000000 /dev/urandom | base64 >"$att"
subject="win32-sample-$name-$$-$(date +%s%N)"
shot="$outdir/$name-midsend.bmp" png="$outdir/$name-midsend.png" report="$outdir/$name.report"
rm -f "$shot" "$png" "$report"

# The window's pixels are read back from the screen: a 24-bit screen.
MW_WINE_KEEP_DISPLAY=1 timeout 240 xvfb-run -a -s "-screen 0 1024x768x24" \
    "$here/wine-run.sh" "$wine" "$prefix" "$exe" --autosend \
    --host localhost --port "$MW_SUBMISSION_PORT" --user "$MW_USER1" --pass "$MW_PASS1" \
    --ca "$MW_CA_FILE" --from "alice@localhost" --to "$MW_USER1@$MW_DOMAIN" \
    --subject "$subject" --body "Sent by the Win32 sample ($name)." --attach "$att" \
    --screenshot "$shot" --report "$report" >"$outdir/$name.wine.log" 2>&1
rc=$?
echo "sample exit status: $rc"
cat "$report" 2>/dev/null
status=0
if [[ $rc -ne 0 ]]; then
    echo "FAIL: the sample's send failed (exit status = mw_error $rc); log:" >&2
    tail -20 "$outdir/$name.wine.log" >&2
    status=1
fi
progress=$(tr -d '\r' <"$report" 2>/dev/null | sed -n 's/^screenshot_progress=//p')
if [[ -z $progress || $progress -le 0 || $progress -ge 100 ]]; then
    echo "FAIL: no screenshot with the progress bar strictly between 0 and 100 (got '${progress}')" >&2
    status=1
fi
if [[ -s $shot ]] && convert "$shot" "$png" && [[ -s $png ]]; then
    echo "screenshot: $png (progress bar at $progress %)"
    rm -f "$shot"
else
    echo "FAIL: no screenshot could be converted to PNG" >&2
    status=1
fi
rm -f "$att"
[[ $status -eq 0 ]] || exit 1

# Read back over IMAP (STARTTLS, login) from Dovecot: the subject and the attachment's name.
# imap_readback finds libmailwire.dll beside the sample (its own directory has none).
out=$(WINEPATH="Z:$(dirname "$(readlink -f "$exe")")" "$here/wine-run.sh" "$wine" "$prefix" "$readback" localhost "$MW_IMAP_PORT" "$MW_USER1" \
    "$MW_PASS1" "$subject" "$MW_CA_FILE" 30 2>&1)
rc=$?
if [[ $rc -ne 0 || $out != *"$subject"* || $out != *"$name-attachment.txt"* ]]; then
    echo "FAIL: not read back from Dovecot (status $rc):" >&2
    echo "$out" >&2
    exit 1
fi
echo "read back from Dovecot: $subject with $name-attachment.txt"
