#!/usr/bin/env bash
# A compile error must fail scripts/build, never leave the modules of an
# earlier build in place to be tested as if they were new.
#
# Copies the tree, builds it once, breaks one module source, and expects
# scripts/build to fail and say so.  TAP output, for prove.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
work=$(mktemp -d "${TMPDIR:-/tmp}/sio-stale.XXXXXX")
trap 'rm -rf "$work"' EXIT

echo "1..4"
tar -C "$root" --exclude=./build --exclude=./build-asan --exclude=node_modules \
    --exclude=./t/logs --exclude=./fuzz/build -cf - . | tar -C "$work" -xf -
if BUILD_DIR="$work/build" "$work/scripts/build" >"$work/first.log" 2>&1; then
    echo "ok 1 - a clean tree builds"
else
    echo "not ok 1 - a clean tree builds"; sed 's/^/# /' "$work/first.log"
fi
before=$(stat -c %Y "$work/build/.libs/mod_socketio_auth.so" 2>/dev/null || echo none)
echo 'this is not C;' >>"$work/mod_socketio_auth.c"
sleep 1
if BUILD_DIR="$work/build" "$work/scripts/build" >"$work/second.log" 2>&1; then
    echo "not ok 2 - a compile error fails the build"
else
    echo "ok 2 - a compile error fails the build"
fi
if grep -q "build: make failed" "$work/second.log"; then
    echo "ok 3 - and says so"
else
    echo "not ok 3 - and says so"; sed 's/^/# /' "$work/second.log"
fi
if grep -q "build: modules in" "$work/second.log"; then
    echo "not ok 4 - no 'modules in' line after a failure"
else
    echo "ok 4 - no 'modules in' line after a failure (old .so: $before)"
fi
