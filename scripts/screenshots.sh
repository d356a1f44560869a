#!/usr/bin/env bash
# Regenerates screenshots/*.png from a fictional demo store: the screens are
# drawn on ratatui's TestBackend (examples/screenshots.rs), written as SVG,
# and converted with rsvg-convert (Debian's librsvg2-bin, installed if
# missing). Run it whenever what a user sees changes.
set -euo pipefail
cd "$(dirname "$0")/.."
if ! command -v rsvg-convert >/dev/null 2>&1; then
  sudo=""; [ "$(id -u)" -eq 0 ] || sudo="sudo"
  $sudo apt-get update -qq && $sudo apt-get install -y -qq librsvg2-bin fonts-dejavu-core >/dev/null
fi
svg_dir=$(mktemp -d)
trap 'rm -rf "$svg_dir"' EXIT
cargo run --quiet --example screenshots -- "$svg_dir"
mkdir -p screenshots
for svg in "$svg_dir"/*.svg; do
  name=$(basename "$svg" .svg)
  rsvg-convert "$svg" -o "screenshots/$name.png"
  echo "screenshots/$name.png"
done
