#!/usr/bin/env bash
# Builds schedulerd and runs every test, with the checks CI runs (format, nullness, banned APIs),
# then the end-to-end suite: the real jar driven by the official TypeScript MCP client (Node 20+).
# Finds a JDK >= 21 itself; extra arguments go to Maven (e.g. ./test.sh -pl runtime, which skips
# the end-to-end suite). SCHEDULERD_SKIP_E2E=1 skips it too.
set -euo pipefail
cd "$(dirname "$0")"
JAVA_HOME="$(.ci/find-jdk)"
export JAVA_HOME
# Maven's bundled Guava calls sun.misc.Unsafe, which JDK 24+ warns about on every run.
export MAVEN_OPTS="${MAVEN_OPTS:-} --sun-misc-unsafe-memory-access=allow"
mvn -B -ntp verify "$@"

if [[ $# -gt 0 || "${SCHEDULERD_SKIP_E2E:-}" == 1 ]]; then
  exit 0
fi
if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
  echo "test.sh: the end-to-end tests need Node 20+ and npm; install them, or set" \
    "SCHEDULERD_SKIP_E2E=1 to skip them" >&2
  exit 1
fi
cd e2e
if [[ ! -d node_modules || package-lock.json -nt node_modules ]]; then
  npm ci --no-audit --no-fund --loglevel=error >&2   # exactly the versions in package-lock.json
fi
node --test --test-concurrency=1 test/
