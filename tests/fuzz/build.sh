#!/usr/bin/env bash
# Build the libFuzzer harnesses of tests/fuzz/ with clang, ASan and UBSan,
# straight from the sources (no configure, no Makefile.am), into
# .run/fuzz/.  Objects are rebuilt only when a source or a header changed.
#
#   tests/fuzz/build.sh            all harnesses
#   tests/fuzz/build.sh NAME...    some (fuzz_json fuzz_conf fuzz_form
#                                  fuzz_url fuzz_ingest)
#
# Needs clang and its fuzzer runtime (Debian: clang libclang-rt-14-dev),
# libfcgi-dev, libssl-dev, libcurl4-openssl-dev and libjsmn-dev.
set -eu
set -o pipefail

TOP=$(cd "$(dirname "$0")/../.." && pwd)
OUT=${FUZZ_OUT:-$TOP/.run/fuzz}
JOBS=${JOBS:-2}

if [ -n "${CC:-}" ] && "$CC" --version 2>/dev/null | grep -q clang; then
	:
elif command -v clang >/dev/null 2>&1; then
	CC=clang
elif command -v clang-14 >/dev/null 2>&1; then
	CC=clang-14
else
	echo "build.sh: clang not found (Debian: apt-get install clang libclang-rt-14-dev)" >&2
	exit 2
fi

# Which source files each harness links, besides its own.
declare -A SRCS=(
	[fuzz_json]="src/core/json.c src/core/utf8.c src/core/jsonw.c src/core/buf.c"
	[fuzz_conf]="src/core/conf.c src/core/log.c src/core/util.c src/core/buf.c"
	[fuzz_form]="src/fcgi/req.c src/core/jsonw.c src/core/log.c src/core/util.c src/core/conf.c src/core/buf.c src/core/dbres.c tests/fuzz/fake_db.c"
	[fuzz_url]="src/core/url.c src/core/netguard.c src/core/buf.c"
	[fuzz_ingest]="src/fcgi/api_events.c src/fcgi/auth_api.c src/fcgi/req.c src/core/apikey.c src/core/emit.c src/core/wake.c src/core/catalog.c src/core/json.c src/core/utf8.c src/core/jsonw.c src/core/crypto.c src/core/log.c src/core/util.c src/core/conf.c src/core/buf.c src/core/dbres.c tests/fuzz/fake_db.c"
)
declare -A LIBS=(
	[fuzz_json]=""
	[fuzz_conf]="-lcrypto"
	[fuzz_form]="-lfcgi -lcrypto"
	[fuzz_url]="-lcurl"
	[fuzz_ingest]="-lfcgi -lcrypto"
)
ALL="fuzz_json fuzz_conf fuzz_form fuzz_url fuzz_ingest"
NAMES=${*:-$ALL}

SAN="-fsanitize=address,undefined -fno-sanitize-recover=all"
CFLAGS="-std=c11 -g -O1 -fno-omit-frame-pointer $SAN -fsanitize=fuzzer-no-link
	-Wall -Wextra -Wformat=2 -Wshadow -Wno-missing-field-initializers
	-I$OUT/include -I$TOP/src/core -I$TOP/src/fcgi -I$TOP/tests/fuzz
	-DSYSCONFDIR=\"/etc\" -DPKGDATADIR=\"$TOP\"
	-DFUZZ_CATALOG=\"$TOP/sql/catalog.json\"
	$(pkg-config --cflags libcurl openssl 2>/dev/null || true)"

mkdir -p "$OUT/obj" "$OUT/include"
# One build at a time in OUT: ./dev test and a fuzzing session may share
# it.
exec 9>"$OUT/.build.lock"
flock 9
# A standalone config.h: what autoconf would define that the sources use.
cfg="$OUT/include/config.h"
cat >"$cfg.tmp" <<-'EOF'
	/* Written by tests/fuzz/build.sh. */
	#define PACKAGE_VERSION "0.1.0"
	#define _GNU_SOURCE 1
EOF
if cmp -s "$cfg.tmp" "$cfg"; then rm -f "$cfg.tmp"; else mv "$cfg.tmp" "$cfg"; fi

# Does the fuzzer runtime exist?  A missing libclang-rt shows up here as
# one clear message instead of a link error per harness.
probe="$OUT/obj/probe"
if [ ! -x "$probe" ]; then
	printf '#include <stddef.h>\n#include <stdint.h>\nint LLVMFuzzerTestOneInput(const uint8_t *d, size_t n) { (void)d; (void)n; return 0; }\n' >"$probe.c"
	"$CC" -fsanitize=fuzzer,address,undefined "$probe.c" -o "$probe" 2>"$probe.err" || {
		cat "$probe.err" >&2
		echo "build.sh: $CC cannot link -fsanitize=fuzzer (Debian: apt-get install libclang-rt-14-dev)" >&2
		exit 2
	}
fi

# Newest header: an object older than it is rebuilt.
newest_h=$cfg
for h in "$TOP"/src/*/*.h "$TOP"/tests/fuzz/*.h; do
	[ "$h" -nt "$newest_h" ] && newest_h=$h
done

# Sets OBJ to the object file of source $1 (no subshells: this runs
# on every ./dev test).
objname() { OBJ=${1//\//_}; OBJ="$OUT/obj/${OBJ%.c}.o"; }

stale() {	# stale SRC: does its object need compiling?
	objname "$1"
	! { [ -f "$OBJ" ] && [ "$OBJ" -nt "$TOP/$1" ] &&
	    [ "$OBJ" -nt "$newest_h" ] && [ "$OBJ" -nt "$0" ]; }
}

compile() {	# compile SRC
	objname "$1"
	# shellcheck disable=SC2086
	"$CC" $CFLAGS -c "$TOP/$1" -o "$OBJ.tmp" && mv "$OBJ.tmp" "$OBJ"
}

declare -A seen=()
todo=()
for n in $NAMES; do
	[ -n "${SRCS[$n]+x}" ] || { echo "build.sh: no harness $n" >&2; exit 2; }
	for src in "tests/fuzz/$n.c" ${SRCS[$n]}; do
		[ -n "${seen[$src]+x}" ] && continue
		seen[$src]=1
		stale "$src" && todo+=("$src")
	done
done
# JOBS at a time.
failed=0
pids=()
for src in "${todo[@]}"; do
	compile "$src" &
	pids+=($!)
	if [ ${#pids[@]} -ge "$JOBS" ]; then
		wait "${pids[0]}" || failed=1
		pids=("${pids[@]:1}")
	fi
done
for p in "${pids[@]}"; do wait "$p" || failed=1; done
[ "$failed" -eq 0 ] || { echo "build.sh: compilation failed" >&2; exit 1; }

for n in $NAMES; do
	objs=""
	newer=0
	[ -x "$OUT/$n" ] || newer=1
	for src in "tests/fuzz/$n.c" ${SRCS[$n]}; do
		objname "$src"
		objs="$objs $OBJ"
		[ "$OBJ" -nt "$OUT/$n" ] && newer=1
	done
	if [ "$newer" -eq 1 ]; then
		# shellcheck disable=SC2086
		"$CC" -fsanitize=fuzzer $SAN $objs ${LIBS[$n]} -o "$OUT/$n.tmp"
		mv "$OUT/$n.tmp" "$OUT/$n"
		echo "built $OUT/$n"
	fi
done
