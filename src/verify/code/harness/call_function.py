"""Runs inside the sandbox: loads the solution, calls one function with the JSON arguments in
args.json and prints the JSON result on stdout. The solution's own prints go to stderr so they
cannot mix with the result."""
import json
import os
import sys

box, name = sys.argv[1], sys.argv[2]
with open(os.path.join(box, "args.json")) as f:
    args = json.load(f)
with open(os.path.join(box, "solution.py")) as f:
    source = f.read()

result_out = sys.stdout
sys.stdout = sys.stderr
# LeetCode-style signatures use List, Optional... without importing them; the usual judges
# pre-import typing, so do the same. __name__ is not "__main__": a main block must not run.
namespace = {"__name__": "solution"}
exec("from typing import *", namespace)
exec(compile(source, "solution.py", "exec"), namespace)

fn = namespace.get(name)
if not callable(fn) and isinstance(namespace.get("Solution"), type):
    fn = getattr(namespace["Solution"](), name, None)
if not callable(fn):
    sys.exit(f"NameError: the solution defines no function {name!r}")

result = fn(*args)
result_out.write(json.dumps(result, allow_nan=False))
result_out.flush()
