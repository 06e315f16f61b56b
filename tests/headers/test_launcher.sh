#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Unit test of tools/ose's pure functions (sourced: nothing runs, nothing is
# installed): deb-src derivation from deb822 and one-line apt sources, the
# packages.txt reader, and the test-summary line.
# test_launcher.sh SOURCE_ROOT FIXTURE_DIR
set -euo pipefail
root=$1 fx=$2
# shellcheck source=/dev/null
source "$root/tools/ose"
set +e
fails=0
check() { # name expected actual
	if [ "$2" != "$3" ]; then
		printf 'FAIL %s\n--- want\n%s\n--- got\n%s\n' "$1" "$2" "$3"
		fails=$((fails + 1))
	else
		printf 'ok   %s\n' "$1"
	fi
}

check deb822 "Types: deb-src
URIs: http://deb.debian.org/debian
Suites: bookworm bookworm-updates
Components: main contrib
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg" "$(deb822_to_src "$fx/apt.sources")"

check classic "deb-src http://deb.debian.org/debian bookworm main contrib
deb-src [arch=amd64 signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] http://security.debian.org/debian-security bookworm-security main" \
	"$(classic_to_src "$fx/apt.list")"

# The real packages.txt: no comment, blank or padded line comes through,
# and the packages the bootstrap itself needs are listed.
pk=$(read_packages)
check packages-clean "" "$(printf '%s\n' "$pk" | grep -E '^$|#|[[:space:]]' || true)"
for p in meson ninja-build libwolfssl-dev libcriterion-dev dpkg-dev autoconf automake libtool; do
	check "packages-has-$p" "$p" "$(printf '%s\n' "$pk" | grep -x "$p" || true)"
done

tmp=$(mktemp -d)
mkdir -p "$tmp/meson-logs"
printf '%s\n' '{"name": "a", "result": "OK"}' '{"name": "b", "result": "FAIL"}' \
	'{"name": "c", "result": "SKIP"}' '{"name": "d", "result": "TIMEOUT"}' \
	'{"name": "e", "result": "OK"}' >"$tmp/meson-logs/testlog-asan.json"
check summary "Ok: 2 Expected Fail: 0 Fail: 1 Unexpected Pass: 0 Skipped: 1 Timeout: 1
2 passed, 2 failed, 1 skipped" "$(report_tests "$tmp")"
rm -rf "$tmp"

[ $fails -eq 0 ]
