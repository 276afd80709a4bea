#!/usr/bin/env bash
# Makes a fresh Debian machine with Node 20 and npm ready to run strata and its
# tests: npm packages (pinned by package-lock.json) and the build. The system's
# FUSE library (packages fuse and libfuse2) is installed when missing, as root.
# Idempotent and quick when everything is already there.
set -euo pipefail
cd "$(dirname "$0")/.."

if ! { [ -e /usr/lib/x86_64-linux-gnu/libfuse.so.2 ] || ldconfig -p 2>/dev/null | grep -q 'libfuse.so.2'; } || ! command -v fusermount >/dev/null 2>&1; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "setup: installing fuse and libfuse2" >&2
    apt-get update -qq >/dev/null 2>&1 || true
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq fuse libfuse2 >/dev/null 2>&1 || echo "setup: could not install fuse/libfuse2 (FUSE tests will fail)" >&2
  else
    echo "setup: fuse and libfuse2 are missing; install them as root (apt-get install fuse libfuse2)" >&2
  fi
fi

# The mount(8) helper, so that `mount -t fuse.strata` and fstab lines work
# (README.md): /sbin/mount.fuse.strata, a link to scripts/mount.fuse.strata.
# Replaces a link to another checkout; leaves a file that is not a link alone.
helper="$(pwd)/scripts/mount.fuse.strata"
if [ "$(id -u)" = 0 ] && [ -d /sbin ]; then
  installed=/sbin/mount.fuse.strata
  if [ -L "$installed" ] || [ ! -e "$installed" ]; then
    if [ "$(readlink "$installed" || true)" != "$helper" ]; then
      ln -sfn "$helper" "$installed" && echo "setup: installed $installed -> $helper" >&2
    fi
  else
    echo "setup: $installed is not a link to $helper; left alone" >&2
  fi
fi

# npm ci when node_modules is missing or older than the lock file.
if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  npm ci --no-audit --no-fund
fi
npx tsc -p .
