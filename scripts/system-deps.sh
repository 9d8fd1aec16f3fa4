#!/usr/bin/env bash
# Install the Debian packages the test suite needs, only those missing.
# Runs non-interactively as root (CI and the development machines are root).
set -euo pipefail
need=()
command -v java >/dev/null 2>&1 || need+=(default-jre-headless)
command -v pdftoppm >/dev/null 2>&1 || need+=(poppler-utils)
# The site's browser tests drive Debian's Chromium (never a downloaded browser build).
[ -x /usr/bin/chromium ] || need+=(chromium)
# The site's database tests run on PostgreSQL too (scripts/postgres-test.sh).
ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || need+=(postgresql)
if [ ${#need[@]} -gt 0 ]; then
  if [ "$(id -u)" != 0 ]; then
    echo "system-deps: missing ${need[*]}; install them (apt-get install ${need[*]}) and re-run" >&2
    exit 1
  fi
  echo "system-deps: installing ${need[*]}"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}" >/dev/null
fi
