#!/usr/bin/env bash
# Installs the real legacy clients the tests run against, into .test-deps/ (git-ignored):
#   .test-deps/venv    Python: azure-servicemanagement-legacy 0.20.8, azure-common, pyOpenSSL<23.3
#                      (load_pkcs12, which the SDK's publish settings helper needs, left in 23.3)
#   .test-deps/azcli   Node: the classic xplat CLI azure-cli 0.10.20 (with the overrides that let
#                      it run on current Node.js)
#   .test-deps/node    Node: the ASM SDK packages (azure-asm-mgmt, -storage, -compute, -sql, -website, azure-common)
#   .test-deps/browser Node: playwright-core (no browser download), driving the system's
#                      Debian `chromium` (/usr/bin/chromium) in the portal's browser test
# Idempotent: a finished install leaves a stamp and is not repeated.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
deps="$root/.test-deps"
mkdir -p "$deps"

need() { command -v "$1" >/dev/null 2>&1 || { echo "test-deps: '$1' is required but not installed" >&2; exit 1; }; }
need python3
need node
need npm
need openssl

py_stamp="$deps/venv/.azmc-ok-1"
if [ ! -f "$py_stamp" ]; then
  rm -rf "$deps/venv"
  python3 -m venv "$deps/venv"
  "$deps/venv/bin/pip" install -q --disable-pip-version-check \
    'azure-servicemanagement-legacy==0.20.8' 'azure-common==1.1.28' 'pyopenssl<23.3' 'cryptography<42'
  "$deps/venv/bin/python" -c 'from OpenSSL import crypto; crypto.load_pkcs12; import azure.servicemanagement'
  touch "$py_stamp"
fi

az_stamp="$deps/azcli/.azmc-ok-1"
if [ ! -f "$az_stamp" ]; then
  rm -rf "$deps/azcli"
  mkdir -p "$deps/azcli"
  cat > "$deps/azcli/package.json" <<'JSON'
{"name":"azmc-test-azcli","private":true,"dependencies":{"azure-cli":"0.10.20"},
 "overrides":{"psl":"1.8.0","underscore":"1.12.1"}}
JSON
  (cd "$deps/azcli" && npm install --no-audit --no-fund --loglevel=error >/dev/null)
  NODE_NO_WARNINGS=1 "$deps/azcli/node_modules/.bin/azure" --version >/dev/null
  touch "$az_stamp"
fi
node_stamp="$deps/node/.azmc-ok-2"
if [ ! -f "$node_stamp" ]; then
  rm -rf "$deps/node"
  mkdir -p "$deps/node"
  cat > "$deps/node/package.json" <<'JSON'
{"name":"azmc-test-node-sdk","private":true,
 "dependencies":{"azure-asm-mgmt":"0.10.2","azure-asm-storage":"0.12.1","azure-asm-compute":"0.18.0",
   "azure-asm-sql":"0.10.3","azure-asm-website":"0.10.7","azure-common":"0.9.27"}}
JSON
  (cd "$deps/node" && npm install --no-audit --no-fund --loglevel=error >/dev/null)
  (cd "$deps/node" && node -e 'for (const m of ["azure-asm-mgmt","azure-asm-storage","azure-asm-compute","azure-asm-sql","azure-asm-website","azure-common"]) require(m)')
  touch "$node_stamp"
fi
# playwright-core 1.65 needs Node.js 20; Debian 12's Node.js 18 gets 1.58, the last for it.
if [ "$(node -p 'process.versions.node.split(".")[0]')" -ge 20 ]; then
  playwright=1.65.1
else
  playwright=1.58.2
fi
browser_stamp="$deps/browser/.azmc-ok-$playwright"
if [ ! -f "$browser_stamp" ]; then
  rm -rf "$deps/browser"
  mkdir -p "$deps/browser"
  cat > "$deps/browser/package.json" <<JSON
{"name":"azmc-test-browser","private":true,"dependencies":{"playwright-core":"$playwright"}}
JSON
  (cd "$deps/browser" && npm install --no-audit --no-fund --loglevel=error >/dev/null)
  (cd "$deps/browser" && node -e 'require("playwright-core")')
  touch "$browser_stamp"
fi
echo "test-deps: ready in $deps"
