#!/usr/bin/env bash
# The one test command (`npm run test:all`, also CI): install what is missing, build, lint, type-check, test.
set -euo pipefail
cd "$(dirname "$0")/.."

# Debian packages the tests start as real peers (softhsm2-util and its library, the openssl command and its
# PKCS#11 engine, initdb/pg_ctl, Debian's chromium for playwright-core), nothing else.
APT_PACKAGES=(softhsm2 openssl libengine-pkcs11-openssl postgresql chromium)
missing=()
for pkg in "${APT_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed' || missing+=("$pkg")
done
if ((${#missing[@]} > 0)); then
  echo "test:all: installing ${missing[*]}" >&2
  SUDO=""
  [ "$(id -u)" = 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq
  # One install, no recommends; unsafe-io skips dpkg's fsync per unpacked file (chromium has thousands): a
  # power cut mid-install would need a reinstall, which is all this machine would lose.
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends \
    -o Dpkg::Options::=--force-unsafe-io "${missing[@]}" >/dev/null
fi

# npm packages: a clean install when node_modules is missing or older than the lock file.
if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  npm ci --no-audit --no-fund
fi

# The build and the type check are two single-threaded tsc runs over mostly the same files: side by side
# they use both cores. Each one's output is shown when it is done, not interleaved.
logs="$(mktemp -d)"
npm run build >"$logs/build" 2>&1 &
build=$!
npm run typecheck >"$logs/typecheck" 2>&1 &
typecheck=$!
build_status=0
typecheck_status=0
wait "$build" || build_status=$?
cat "$logs/build"
wait "$typecheck" || typecheck_status=$?
cat "$logs/typecheck"
if ((build_status != 0 || typecheck_status != 0)); then exit 1; fi
npm run lint

report="$(mktemp -d)/vitest.json"
status=0
npx vitest run --reporter=default --reporter=json --outputFile.json="$report" || status=$?
if [ -f "$report" ]; then
  node -e '
    const r = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"));
    console.log(`vitest: ${r.numPassedTests} passed, ${r.numFailedTests} failed, ${r.numPendingTests + r.numTodoTests} skipped`);
  ' "$report"
fi
exit "$status"
