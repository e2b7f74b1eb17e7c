#!/bin/sh
# Run by `npm install` (the prepare script): links bin/permafrost into node_modules/.bin, so that
# `npx permafrost` runs this checkout's CLI at once. Without the link, npx would look for a
# package named permafrost (package.json has no "bin", because npm 11's npx installs a local
# package with a matching bin into its cache, copying and rebuilding the project on first use).
set -eu
cd "$(dirname "$0")/.."
mkdir -p node_modules/.bin
ln -sfn ../../bin/permafrost node_modules/.bin/permafrost
