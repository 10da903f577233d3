#!/usr/bin/env bash
# The manifest JSON Schema agrees with the examples and with the loader (see check_schema.py).
source "$(dirname "$0")/lib.bash"
/usr/bin/python3 -c 'import jsonschema, yaml' 2>/dev/null || { echo "skipped: python3-jsonschema or python3-yaml is not installed" >&2; exit 125; }
/usr/bin/python3 "$(dirname "$0")/check_schema.py" "$GPURUN" "$SOURCE_DIR" # not exec: the trap removes $TMP
