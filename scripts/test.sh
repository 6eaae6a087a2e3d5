#!/usr/bin/env bash
# The second README command: build with warnings as errors and run the whole test suite with
# ctest, then again in a build with AddressSanitizer and UndefinedBehaviorSanitizer.
set -euo pipefail
cd "$(dirname "$0")/.."
jobs=$(nproc)
for kind in plain asan; do
  dir=build-test-$kind
  opts=(-DCMAKE_BUILD_TYPE=RelWithDebInfo -DHF_WERROR=ON)
  [ "$kind" = asan ] && opts=(-DCMAKE_BUILD_TYPE=Debug -DHF_WERROR=ON -DHF_SANITIZE=ON)
  echo "== $kind build"
  cmake -S . -B "$dir" "${opts[@]}" >/dev/null
  if ! cmake --build "$dir" -j"$jobs" >"$dir/build.log" 2>&1; then
    cat "$dir/build.log"
    exit 1
  fi
  echo "== $kind tests"
  (cd "$dir" && ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 \
      UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
      ctest --output-on-failure -j"$jobs")
done
