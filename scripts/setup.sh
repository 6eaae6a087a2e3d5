#!/usr/bin/env bash
# The first README command: install the dependencies, build, and play the card-declined flow in
# the terminal as a customer would (host actions are answered from its fixtures file).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build -j"$(nproc)" >/dev/null
echo "built: build/helpflow, build/libhelpflow.so, build/libhelpflow.a"
exec ./build/helpflow run flows/card_declined.lua
