#!/usr/bin/env bash
# Runs every fuzz test in the module (or those whose name matches the
# regular expression FUZZ) for FUZZTIME (default 20s), one go test per
# target as Go requires, and fails when one of them finds an input that
# breaks it. go test writes that input to the package's testdata/fuzz/NAME/;
# rerun it with `go test ./PKG -run NAME/FILE`, and commit it only with the
# fix, or plain go test fails from then on.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
fuzztime=${FUZZTIME:-20s}
only=${FUZZ:-.}
log=$(mktemp)
trap 'rm -f "$log"' EXIT

# inputs DIR NAME: how many failing inputs DIR holds for the target NAME.
inputs() { { find "$1/testdata/fuzz/$2" -type f 2>/dev/null || true; } | wc -l; }

failed=() flaked=()
for file in $(grep -rl --include='*_test.go' '^func Fuzz' internal cmd | sort); do
	dir=$(dirname "$file")
	for name in $(sed -n 's/^func \(Fuzz[A-Za-z0-9_]*\)(.*/\1/p' "$file"); do
		[[ $name =~ $only ]] || continue
		echo "--- $name in ./$dir for $fuzztime"
		before=$(inputs "$dir" "$name")
		status=0
		go test "./$dir" -run '^$' -fuzz "^$name\$" -fuzztime "$fuzztime" >"$log" 2>&1 || status=$?
		grep -v '^fuzz: elapsed' "$log" || true
		if [ "$status" -eq 0 ]; then
			continue
		fi
		# Go 1.26's fuzz coordinator can report its own -fuzztime deadline
		# as a failure, with no failing input (go.dev/issue/75804, fixed in
		# Go 1.27): that is not a finding.
		if [ "$(inputs "$dir" "$name")" -eq "$before" ] && tail -n 5 "$log" | grep -q 'context deadline exceeded'; then
			flaked+=("$name")
		else
			failed+=("$name")
		fi
	done
done
if [ ${#flaked[@]} -gt 0 ]; then
	echo "fuzz: ${flaked[*]} stopped on Go's fuzztime race (go.dev/issue/75804), no failing input" >&2
fi
if [ ${#failed[@]} -gt 0 ]; then
	echo "fuzz: failed: ${failed[*]}; the failing inputs are under testdata/fuzz/" >&2
	exit 1
fi
echo "fuzz: every target ran for $fuzztime without a failure"
