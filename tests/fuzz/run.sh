#!/usr/bin/env bash
# Run the libFuzzer harnesses one after the other (these machines are
# shared: one core each, never in parallel), each for SECONDS (600).
#
#   tests/fuzz/run.sh [SECONDS] [NAME...]
#
# The harnesses are built by ./dev build fuzz (configure --enable-fuzz
# CC=clang in .run/build-fuzz).  Each starts from its committed seeds, copied into
# .run/fuzz/corpus-NAME (which keeps what earlier runs found), so the
# repository is not touched; crashes go to .run/fuzz/artifacts/NAME/.
# The log of each run is .run/fuzz/NAME.log, and one line per harness
# (executions, time, coverage, crashes) is appended to
# .run/fuzz/summary.txt and printed.  To keep a new input as a
# regression case, minimise it (./fuzz_NAME -minimize_crash=1 ... or
# -merge=1) and copy it under tests/fuzz/corpus/NAME/.
set -u
set -o pipefail

TOP=$(cd "$(dirname "$0")/../.." && pwd)
OUT=${FUZZ_OUT:-$TOP/.run/fuzz}
SECS=${1:-600}
[ $# -gt 0 ] && shift
NAMES=${*:-fuzz_json fuzz_conf fuzz_form fuzz_url fuzz_ingest fuzz_redirect fuzz_schema}

BIN=$("$TOP/dev" build fuzz) || exit 1
mkdir -p "$OUT"

rc=0
for n in $NAMES; do
	corpus="$OUT/corpus-$n"
	art="$OUT/artifacts/$n"
	mkdir -p "$corpus" "$art"
	cp "$TOP/tests/fuzz/corpus/$n/"* "$corpus/" 2>/dev/null
	dict=()
	[ -f "$TOP/tests/fuzz/$n.dict" ] && dict=(-dict="$TOP/tests/fuzz/$n.dict")
	case $n in
	fuzz_json|fuzz_ingest|fuzz_schema) maxlen=16384 ;;
	*) maxlen=4096 ;;
	esac
	before=$(ls "$art" | wc -l)
	start=$(date +%s)
	printf '==> %s for %ss (log %s)\n' "$n" "$SECS" "$OUT/$n.log"
	# -fork/-jobs stay unset: one process, one core.  Leaks are
	# crashes too (detect_leaks is on in libFuzzer by default).
	(cd "$OUT" && ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1} \
	    UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1} \
	    nice -n 10 "$BIN/tests/fuzz/$n" "${dict[@]}" -max_total_time="$SECS" \
	    -max_len="$maxlen" -timeout=10 -rss_limit_mb=2048 \
	    -print_final_stats=1 -artifact_prefix="$art/" "$corpus") \
	    >"$OUT/$n.log" 2>&1
	status=$?
	end=$(date +%s)
	execs=$(grep -a 'stat::number_of_executed_units' "$OUT/$n.log" | awk '{print $2}')
	last=$(grep -a -E '^#[0-9]+' "$OUT/$n.log" | tail -1)
	cov=$(echo "$last" | grep -o 'cov: [0-9]*' | awk '{print $2}')
	ft=$(echo "$last" | grep -o 'ft: [0-9]*' | awk '{print $2}')
	crashes=$(( $(ls "$art" | wc -l) - before ))
	line=$(printf '%s %s: execs=%s time=%ss cov=%s ft=%s corpus=%s crashes=%s exit=%s' \
	    "$(date -u +%Y-%m-%dT%H:%MZ)" "$n" "${execs:-?}" "$((end - start))" \
	    "${cov:-?}" "${ft:-?}" "$(ls "$corpus" | wc -l)" "$crashes" "$status")
	echo "$line" | tee -a "$OUT/summary.txt"
	if [ "$status" -ne 0 ] || [ "$crashes" -gt 0 ]; then
		rc=1
		grep -a -E 'invariant failed|ERROR: |SUMMARY: |runtime error' \
		    "$OUT/$n.log" | head -5 | sed 's/^/    /'
	fi
done
exit $rc
