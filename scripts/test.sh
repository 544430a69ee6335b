#!/usr/bin/env bash
# The whole test suite, from a fresh machine: installs what the tests need (moto's server), then
# runs every test (unit, integration, property, CLI, moto-backed). Extra arguments go to cargo test.
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/install-test-deps.sh
cargo test --locked "$@"
