"""Checks manifests/gpurun.schema.json against the examples and against gpurun itself.

1. Every example manifest validates against the schema.
2. The schema and the loader accept the same keys: for every property the schema declares there is
   a sample value here, and gpurun accepts a manifest that uses it; an unknown key is rejected by
   both. A key added to one side only fails this test.
"""
import json, os, subprocess, sys, tempfile, glob
import jsonschema, yaml

gpurun, source = sys.argv[1], sys.argv[2]
schema = json.load(open(os.path.join(source, "manifests/gpurun.schema.json")))
jsonschema.Draft202012Validator.check_schema(schema)
validator = jsonschema.Draft202012Validator(schema)
failures = []

for path in sorted(glob.glob(os.path.join(source, "manifests/*.yaml"))):
    for doc in yaml.safe_load_all(open(path)):
        for error in validator.iter_errors(doc):
            failures.append(f"{path}: schema: {error.message}")

samples = {
    "top": {"app": "demo", "image": {"base": "debian-slim"}, "images": {"x": {"base": "host"}},
            "functions": {"f": {"command": ["true"]}}},
    "function": {"gpu": ["H100", "A100-40GB:2"], "command": ["python", "x.py"], "env": {"A": "1"},
                 "secrets": ["s"], "timeout": "90s", "retries": {"max": 2}, "cpu": 2, "memory": "1Gi",
                 "image": "x", "schedule": "0 6 * * *", "timezone": "UTC", "smoke": "quick"},
    "image": {"base": "debian-slim", "python": "3.11", "apt": ["curl"], "pip": ["torch"], "env": {"A": "1"},
              "run": ["echo hi"], "workdir": "/app", "copy": [{"src": "a.txt", "dst": "/a.txt"}]},
}
declared = {
    "top": set(schema["properties"]),
    "function": set(schema["$defs"]["function"]["properties"]),
    "image": set(schema["$defs"]["image"]["properties"]),
}
for level in samples:
    if set(samples[level]) != declared[level]:
        failures.append(f"{level} keys: schema has {sorted(declared[level])}, samples cover {sorted(samples[level])}")

def gpurun_accepts(doc):
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "m.yaml")
        with open(path, "w") as f:
            yaml.safe_dump(doc, f)
        result = subprocess.run([gpurun, "validate", path], capture_output=True, text=True)
        return result.returncode == 0, result.stderr

base_fn = {"command": ["true"]}
for key, value in samples["function"].items():
    doc = {"app": "demo", "images": {"x": {"base": "host"}}, "functions": {"f": dict(base_fn, **{key: value})}}
    if key == "timezone":
        doc["functions"]["f"]["schedule"] = "0 6 * * *"
    if key == "smoke":
        doc["functions"]["f"]["gpu"] = "T4"
    ok, err = gpurun_accepts(doc)
    if not ok:
        failures.append(f"function key {key}: gpurun rejects it: {err}")
    for error in validator.iter_errors(doc):
        failures.append(f"function key {key}: schema rejects the sample: {error.message}")
for key, value in samples["image"].items():
    doc = {"app": "demo", "image": {key: value}, "functions": {"f": base_fn}}
    ok, err = gpurun_accepts(doc)
    if not ok:
        failures.append(f"image key {key}: gpurun rejects it: {err}")
for bogus in ({"app": "a", "functions": {"f": dict(base_fn, bogus=1)}}, {"app": "a", "bogus": 1, "functions": {"f": base_fn}}):
    ok, _ = gpurun_accepts(bogus)
    if ok or validator.is_valid(bogus):
        failures.append(f"an unknown key is accepted: {bogus}")

for failure in failures:
    print("FAIL:", failure, file=sys.stderr)
print(f"{len(failures)} failure(s)")
sys.exit(1 if failures else 0)
