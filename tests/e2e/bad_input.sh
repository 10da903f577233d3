#!/usr/bin/env bash
# Hostile files: every one gets exit 2 and a clear message, never a crash, a hang or unbounded
# memory (the address space is capped at 1 GiB, so runaway allocation would crash instead).
source "$(dirname "$0")/lib.bash"
# Under a sanitizer the address space cannot be capped (it maps terabytes of shadow memory): its
# own limit on resident memory stands in.
limit_memory() {
  if [[ -n ${GPURUN_SANITIZED:-} ]]; then export ASAN_OPTIONS="${ASAN_OPTIONS:-}:hard_rss_limit_mb=2048"; else ulimit -v 1048576; fi
}

check_bad() { # FILE EXPECTED-MESSAGE-PART
  ( limit_memory; timeout 20 "$GPURUN" validate "$1" >"$TMP/out" 2>"$TMP/err" ); rc=$?
  err=$(cat "$TMP/err")
  expect_rc 2 "validate $(basename "$1")"
  expect_contains "$err" "$2" "message for $(basename "$1")"
}

: >"$TMP/empty.yaml"
check_bad "$TMP/empty.yaml" "the manifest is empty"

head -c 4096 /dev/urandom >"$TMP/binary.yaml"
printf 'app: x\0' >>"$TMP/binary.yaml"
check_bad "$TMP/binary.yaml" "error: "

# yaml-cpp alone would make empty documents of this until memory ran out (found by fuzzing).
printf ',' >"$TMP/comma.yaml"
check_bad "$TMP/comma.yaml" "invalid YAML: a document cannot start with ','"

printf 'app: x\0functions: {}\n' >"$TMP/nul.yaml"
check_bad "$TMP/nul.yaml" "not a text file: NUL byte at offset 6"

/usr/bin/python3 - "$TMP/bomb.yaml" <<'PY'
import sys
s = "a: &a [x, x, x, x, x, x, x, x, x, x]\n"
prev = "a"
for c in "bcdefghijk":
    s += f"{c}: &{c} [" + ", ".join(["*" + prev] * 10) + "]\n"
    prev = c
open(sys.argv[1], "w").write(s)
PY
check_bad "$TMP/bomb.yaml" "document too large: more than 1000000 nodes once aliases are expanded"

/usr/bin/python3 -c "print('app: ' + '[' * 50000 + ']' * 50000)" >"$TMP/deep.yaml"
check_bad "$TMP/deep.yaml" "invalid YAML"
/usr/bin/python3 -c "print('app: ' + '[' * 100 + ']' * 100)" >"$TMP/deep2.yaml"
check_bad "$TMP/deep2.yaml" "nesting deeper than 64 levels"

/usr/bin/python3 -c "
import sys
with open('$TMP/huge.yaml', 'w') as f:
    f.write('app: huge\nfunctions:\n')
    line = '  # ' + 'x' * 1000 + '\n'
    f.write(line * 70000)
"
check_bad "$TMP/huge.yaml" "file too large"

check_bad "$TMP" "cannot read: is a directory"
check_bad /dev/null "the manifest is empty"

/usr/bin/python3 -c "print('app: ' + 'x' * 1000000)" >"$TMP/longname.yaml"
check_bad "$TMP/longname.yaml" "app name"

printf 'app: x\nfunctions:\n  f: {command: [x], gpu: "%s"}\n' "$(head -c 100000 /dev/zero | tr '\0' 'A')" >"$TMP/longspec.yaml"
check_bad "$TMP/longspec.yaml" "unknown GPU type"

# Hostile inventories behave the same.
( limit_memory; timeout 20 "$GPURUN" plan "$SOURCE_DIR/manifests/fallback.yaml" --inventory "$TMP/bomb.yaml" >/dev/null 2>"$TMP/err" ); rc=$?
expect_rc 2 "bomb inventory"

finish
