#!/usr/bin/env python3
"""Runs lds-compile on hostile inputs and checks each ends with diagnostics
and exit code 1: never a crash (signal), a hang (timeout) or success.

usage: hostile_inputs.py LDS_COMPILE WORKDIR
"""
import os
import random
import subprocess
import sys

compiler, workdir = sys.argv[1], sys.argv[2]
os.makedirs(workdir, exist_ok=True)
rng = random.Random(20261123)
failures = 0
count = 0

GRU = open(os.path.join(os.path.dirname(__file__), "..", "..", "..",
                        "examples", "gru.lds"), "rb").read()


def run(name, data, timeout=60):
    global failures, count
    count += 1
    path = os.path.join(workdir, name)
    with open(path, "wb") as f:
        f.write(data)
    try:
        p = subprocess.run([compiler, path, "--emit=mlir"], capture_output=True,
                           timeout=timeout)
    except subprocess.TimeoutExpired:
        print(f"FAIL {name}: timed out after {timeout} s")
        failures += 1
        return
    err = p.stderr.decode("utf-8", "replace")
    if p.returncode != 1 or "error:" not in err:
        print(f"FAIL {name}: exit code {p.returncode}, stderr: {err[:300]!r}")
        failures += 1
    os.remove(path)


# Random bytes of random lengths.
for i in range(150):
    n = rng.choice([0, 1, 2, 7, 64, 1000, 20000])
    run(f"random{i}.lds", bytes(rng.getrandbits(8) for _ in range(n)))

# Random printable ASCII and random tokens of the language.
tokens = [b"model", b"state", b"input", b"param", b"const", b"let", b"h'",
          b"x", b"f32", b"i32", b"[", b"]", b"(", b")", b"{", b"}", b",",
          b":", b"=", b"+", b"-", b"*", b"/", b"@", b"<", b"<=", b"==", b"1",
          b"2.5", b"1e", b"tanh", b"grad", b"#", b"/*", b"\n", b"'", b"\xff"]
for i in range(150):
    run(f"tokens{i}.lds",
        b" ".join(rng.choice(tokens) for _ in range(rng.randint(1, 300))))

# Mutations of a valid model: flip, delete or duplicate bytes.
for i in range(150):
    data = bytearray(GRU)
    for _ in range(rng.randint(1, 8)):
        pos = rng.randrange(len(data))
        op = rng.randrange(3)
        if op == 0:
            data[pos] = rng.getrandbits(8)
        elif op == 1:
            del data[pos]
        else:
            data[pos:pos] = data[pos:pos + rng.randint(1, 40)]
    path = os.path.join(workdir, f"mutant{i}.lds")
    # A mutant may still be a valid model: only crashes and hangs fail here.
    with open(path, "wb") as f:
        f.write(data)
    count += 1
    try:
        p = subprocess.run([compiler, path, "--emit=mlir"], capture_output=True,
                           timeout=60)
        if p.returncode not in (0, 1):
            print(f"FAIL mutant{i}: exit code {p.returncode}")
            failures += 1
    except subprocess.TimeoutExpired:
        print(f"FAIL mutant{i}: timed out")
        failures += 1
    os.remove(path)

print(f"{count} hostile inputs, {failures} failures")
sys.exit(1 if failures else 0)
