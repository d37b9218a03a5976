#!/usr/bin/env bash
# Every committed fuzz input (tests/fuzz/corpus/NAME/: seeds and the
# crash-* inputs of fixed bugs) runs clean through its libFuzzer harness,
# built with ASan and UBSan, so a fixed crash stays fixed.  The harnesses
# are built by ./dev build fuzz (configure --enable-fuzz CC=clang, in
# .run/build-fuzz; make rebuilds what changed); each runs its inputs
# once, no fuzzing, in .run/fuzz.
set -u
TOP=${WH_TOP:-$(cd "$(dirname "$0")/../.." && pwd)}
OUT=${FUZZ_OUT:-$TOP/.run/fuzz}
NAMES="fuzz_json fuzz_conf fuzz_form fuzz_url fuzz_ingest fuzz_redirect fuzz_schema"

mkdir -p "$OUT"
log=$(mktemp)
trap 'rm -f "$log"' EXIT
if ! BIN=$("$TOP/dev" build fuzz 2>"$log"); then
	if grep -q 'clang not found\|cannot link -fsanitize=fuzzer' "$log"; then
		echo "not ok - fuzz harnesses need clang with libFuzzer" \
		    "(Debian: clang libclang-rt-14-dev)"
	else
		echo "not ok - fuzz harnesses build (./dev build fuzz)"
	fi
	sed 's/^/# /' "$log" | tail -20
	exit 1
fi

fail=0
for n in $NAMES; do
	files=("$TOP/tests/fuzz/corpus/$n/"*)
	if [ ! -e "${files[0]}" ]; then
		echo "not ok - $n has a committed corpus"
		fail=1
		continue
	fi
	ncrash=$(ls "$TOP/tests/fuzz/corpus/$n" | grep -c '^crash-')
	# Files, not the directory: libFuzzer then runs each once and
	# writes nothing back into the repository.
	if (cd "$OUT" && ASAN_OPTIONS=detect_leaks=1 \
	    UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
	    "$BIN/tests/fuzz/$n" -timeout=10 -rss_limit_mb=2048 "${files[@]}") >"$log" 2>&1; then
		echo "ok - $n: ${#files[@]} corpus inputs ($ncrash past crashes) run clean"
	else
		echo "not ok - $n: a corpus input fails"
		grep -a -E 'Running:|invariant failed|ERROR: |SUMMARY: |runtime error' \
		    "$log" | tail -6 | sed 's/^/# /'
		fail=1
	fi
done
exit $fail
