#!/usr/bin/env bash
# Tandem's test run (the README's test command): builds every module and runs all its tests,
# including those on the real JD sample (TANDEM_JD_SAMPLE, or ../shared/jd-sample).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
exec mvn -B -ntp verify "$@"
