#!/usr/bin/env bash
# Builds schedulerd and runs every test, with the checks CI runs (format, nullness, banned APIs).
# Finds a JDK >= 21 itself; extra arguments go to Maven (e.g. ./test.sh -pl runtime).
set -euo pipefail
cd "$(dirname "$0")"
JAVA_HOME="$(.ci/find-jdk)"
export JAVA_HOME
# Maven's bundled Guava calls sun.misc.Unsafe, which JDK 24+ warns about on every run.
export MAVEN_OPTS="${MAVEN_OPTS:-} --sun-misc-unsafe-memory-access=allow"
exec mvn -B -ntp verify "$@"
