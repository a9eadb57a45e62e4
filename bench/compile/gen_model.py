#!/usr/bin/env python3
"""Models that stress lds-compile's compile time (docs/BENCHMARKS.md).

    gen_model.py chain N     N lets on f32[4], each tanh(w * previous + 0.1 * h)
    gen_model.py ring N      N states of f32[2], each coupled to the next
    gen_model.py wide D      one elementwise state of D values

The model goes to stdout: `gen_model.py chain 300 | lds-compile - -o m.o`.
"""
import sys


def chain(n):
    lines = ["model chain {", "  state h : f32[4]", "  param w : f32[4]",
             "  let a0 = tanh(w * h)"]
    lines += [f"  let a{i} = tanh(w * a{i - 1} + 0.1 * h)" for i in range(1, n + 1)]
    lines += [f"  h' = a{n}", "}"]
    return lines


def ring(n):
    lines = ["model ring {"]
    lines += [f"  state s{i} : f32[2]" for i in range(n)]
    lines += ["  param w : f32[2]"]
    lines += [f"  s{i}' = tanh(w * s{i} + 0.1 * s{(i + 1) % n})" for i in range(n)]
    return lines + ["}"]


def wide(d):
    return ["model wide {", f"  const D = {d}", "  state x : f32[D]",
            "  param w : f32[D]", "  x' = tanh(w * x) + 0.5 * x", "}"]


def main():
    if len(sys.argv) != 3 or sys.argv[1] not in ("chain", "ring", "wide"):
        sys.exit(__doc__)
    kind, size = sys.argv[1], int(sys.argv[2])
    print("\n".join({"chain": chain, "ring": ring, "wide": wide}[kind](size)))


if __name__ == "__main__":
    main()
