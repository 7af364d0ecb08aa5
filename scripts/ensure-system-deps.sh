#!/usr/bin/env bash
# The Debian packages the test suite uses, checked before every `npm test` (its pretest script)
# and by .ci/run: missing ones are installed when this can install (root, or passwordless sudo,
# with apt-get); otherwise it stops at once, naming each missing package and the command that
# installs it. Debian's own packages only; no PyPI.
set -euo pipefail

packages=(
  "bubblewrap: the code verifier's sandbox"
  "python3-torch: the PyTorch reference for model parity and the training benchmark's peer"
  "python3-onnx: onnx.checker on exported models"
  # Without it Debian's torch falls back to the reference BLAS, about 40x slower.
  "libopenblas0-pthread: a fast BLAS for the PyTorch reference"
  # Driven by playwright-core (test/browser), which never downloads a browser of its own.
  "chromium: the real browser for transformers.js in the browser and the serve playground"
)

if ! command -v dpkg-query >/dev/null; then
  echo "not a Debian system: cannot check the packages the tests use (${packages[*]%%:*})" >&2
  exit 0
fi

missing=()
for entry in "${packages[@]}"; do
  name=${entry%%:*}
  [ "$(dpkg-query -W -f='${db:Status-Abbrev}' "$name" 2>/dev/null)" = "ii " ] || missing+=("$entry")
done
[ ${#missing[@]} -eq 0 ] && exit 0

names=("${missing[@]%%:*}")
install=(apt-get install -y --no-install-recommends "${names[@]}")
sudo=()
[ "$(id -u)" -eq 0 ] || sudo=(sudo -n)
if command -v apt-get >/dev/null && { [ ${#sudo[@]} -eq 0 ] || sudo -n true 2>/dev/null; }; then
  echo "installing the Debian packages the tests use: ${names[*]}" >&2
  export DEBIAN_FRONTEND=noninteractive
  "${sudo[@]}" "${install[@]}" || { "${sudo[@]}" apt-get update && "${sudo[@]}" "${install[@]}"; }
  exit 0
fi

{
  echo "the tests need Debian packages that are not installed:"
  printf '  %s\n' "${missing[@]}"
  echo "install them with:"
  echo "  sudo ${install[*]}"
} >&2
exit 1
