#!/usr/bin/env bash
# `cmake --install` and the .deb put the binary, the generated man page and the completion
# scripts where users' tools look for them; the installed binary runs.
source "$(dirname "$0")/lib.bash"
build=$(dirname "$GPURUN")
[[ -f $build/CPackConfig.cmake ]] || { echo "skipped: $build is not a CMake build folder" >&2; exit 125; }

cmake --install "$build" --prefix "$TMP/prefix" >/dev/null || fail "cmake --install"
for f in bin/gpurun share/man/man1/gpurun.1 share/bash-completion/completions/gpurun \
         share/zsh/vendor-completions/_gpurun share/fish/vendor_completions.d/gpurun.fish; do
  [[ -f $TMP/prefix/$f ]] || fail "cmake --install: missing $f"
done
"$TMP/prefix/bin/gpurun" --version >/dev/null || fail "installed binary does not run"
if command -v man >/dev/null; then
  page=$(MANWIDTH=100 man -l "$TMP/prefix/share/man/man1/gpurun.1" 2>&1)
  expect_contains "$page" "gpurun - validate, plan, deploy and run GPU functions" "man page NAME"
  expect_contains "$page" "EXIT STATUS" "man page exit status"
  expect_contains "$page" "--inventory" "man page options"
fi

(cd "$TMP" && cpack --config "$build/CPackConfig.cmake" -B "$TMP/pkg" >"$TMP/cpack.log" 2>&1) || { cat "$TMP/cpack.log" >&2; fail "cpack"; }
deb=$(ls "$TMP"/pkg/gpurun_*.deb 2>/dev/null | head -1)
[[ -n $deb ]] || { fail "no .deb produced"; finish; }
contents=$(dpkg-deb -c "$deb")
for f in ./usr/bin/gpurun ./usr/share/man/man1/gpurun.1 ./usr/share/bash-completion/completions/gpurun \
         ./usr/share/zsh/vendor-completions/_gpurun ./usr/share/fish/vendor_completions.d/gpurun.fish; do
  expect_contains "$contents" "$f" ".deb contents"
done
expect_contains "$(dpkg-deb -f "$deb" Depends)" "libyaml-cpp" ".deb runtime dependencies"

# Installing for real needs root and a machine where gpurun is not installed already.
if [[ $(id -u) == 0 ]] && ! dpkg -s gpurun >/dev/null 2>&1; then
  dpkg -i "$deb" >"$TMP/dpkg.log" 2>&1 || { cat "$TMP/dpkg.log" >&2; fail "dpkg -i"; }
  out=$(/usr/bin/gpurun --version 2>&1) || fail "installed /usr/bin/gpurun does not run"
  expect_contains "$out" "gpurun " "installed --version"
  /usr/bin/gpurun validate "$SOURCE_DIR/manifests/training.yaml" >/dev/null || fail "installed gpurun validate"
  dpkg -r gpurun >/dev/null 2>&1 || fail "dpkg -r"
else
  echo "note: not root or gpurun already installed: the .deb was built and inspected, not installed" >&2
fi
finish
