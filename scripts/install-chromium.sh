#!/usr/bin/env bash
# Installs Debian's chromium for the browser tests (npm run test:browser) when it is missing.
# Playwright never downloads a browser here: the tests launch /usr/bin/chromium (CHROMIUM_PATH overrides).
set -euo pipefail
CHROMIUM="${CHROMIUM_PATH:-/usr/bin/chromium}"
if [ -x "$CHROMIUM" ]; then
  echo "chromium present: $("$CHROMIUM" --version 2>/dev/null || echo "$CHROMIUM")"
  exit 0
fi
SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq chromium >/dev/null
echo "chromium installed: $(chromium --version)"
