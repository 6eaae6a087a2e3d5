#!/usr/bin/env bash
# Installs what helpflow needs to build and test on Debian (12 or later): a C compiler, CMake,
# pkg-config, and the libraries it links: Lua 5.4, cJSON, zlib, libsodium (and cmocka for the
# tests). Runs apt-get as root, or through sudo.
set -euo pipefail
packages=(build-essential cmake pkg-config liblua5.4-dev libcjson-dev zlib1g-dev libsodium-dev
          libcmocka-dev
          graphviz # 'helpflow graph --format svg'; tests/cli/test_graph.sh checks dot output with it
          lua5.4 # tests/cli/test_editor_types.sh checks types/helpflow.lua against the compiler
          chromium) # renders 'helpflow report --html' pages in tests/cli/test_report_html.sh
# tests/cli/test_graph_mermaid.sh installs Mermaid from the npm registry with npm. A node that
# brings its own npm (NodeSource's nodejs, which conflicts with Debian's npm) is left alone.
command -v npm >/dev/null 2>&1 || packages+=(nodejs npm)
as_root=()
if [ "$(id -u)" -ne 0 ]; then
  as_root=(sudo)
fi
export DEBIAN_FRONTEND=noninteractive
"${as_root[@]}" apt-get update -qq
"${as_root[@]}" apt-get install -y -qq --no-install-recommends "${packages[@]}" >/dev/null
echo "installed: ${packages[*]}"
