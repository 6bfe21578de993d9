#!/usr/bin/env bash
# Builds the playground's assets into ../assets/ from the npm registry: npm ci
# (package-lock.json), then build.mjs bundles playground.jsx with esbuild into
# one minified playground.js and one playground.css, without source maps.
# The output depends only on the lock file and these sources: running it
# twice gives the same bytes. Commit ../assets/ after running it.
set -euo pipefail
cd "$(dirname "$0")"

npm ci --no-audit --no-fund --loglevel=error
node build.mjs
ls -l ../assets
