#!/usr/bin/env python3
"""One run of the JAX formulation (jax_fixed_point.py) for the GPU benchmark.

gpu-bundle/run.sh calls this with jax_fixed_point.py's own arguments; the
script (from ../shared/bench/, copied beside this file into gpu-bundle/ by
`ninja -C build gpu-bundle`) does the work. This wrapper adds what the
benchmark's report needs to its JSON line:

  - the elementwise model of examples/elementwise.lds (params a, w, b as in
    lds; a ~ U(0, 1), w ~ U(-1, 1), b ~ U(-0.5, 0.5), drive N(0, 1), x0 = 0,
    as lds-gpu-bench draws them), which jax_fixed_point.py does not have;
  - peak_bytes_in_use and bytes_limit of the device (jax memory_stats: the
    whole process, the sequential reference run included);
  - wall_seconds (compilation included) and argv;
  - error and message when the run raised before the script could print
    its line (an out-of-memory error outside its try block, say).

Always prints exactly one JSON line on stdout; exits 0.

  python3 jax_run.py --model gru --D 8 --T 100000 --batch 16 --solver newton
"""
import contextlib
import io
import json
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))


def add_elementwise(jfp, jax, jnp):
    def init(key, D):
        k = jax.random.split(key, 3)
        return dict(a=jax.random.uniform(k[0], (D,)),
                    w=jax.random.uniform(k[1], (D,), minval=-1.0, maxval=1.0),
                    b=jax.random.uniform(k[2], (D,), minval=-0.5, maxval=0.5))

    def f(p, h, x):
        return p["a"] * h + (1.0 - p["a"]) * jnp.tanh(p["w"] * h + x + p["b"])

    jfp.MODELS.setdefault("elementwise", dict(
        init=init, f=f,
        inputs=lambda k, T, B, D: jax.random.normal(k, (B, T, D)),
        x0=lambda B, D: jnp.zeros((B, D))))


def main():
    args = sys.argv[1:]
    start = time.perf_counter()
    row = {}
    error = None
    out = io.StringIO()
    try:
        import jax
        import jax.numpy as jnp
        import jax_fixed_point as jfp
        add_elementwise(jfp, jax, jnp)
        sys.argv = ["jax_fixed_point.py"] + args
        with contextlib.redirect_stdout(out):
            jfp.main()
    except SystemExit as e:  # argparse
        if e.code not in (0, None):
            error = ("SystemExit", "jax_fixed_point.py exited %s" % e.code)
    except BaseException as e:  # noqa: BLE001 - a result, not a crash
        text = str(e).strip().splitlines()
        error = (type(e).__name__, text[0][:300] if text else "")
    lines = [l for l in out.getvalue().splitlines() if l.startswith("{")]
    if lines:
        try:
            row = json.loads(lines[-1])
        except ValueError:
            row = {}
    if error and "error" not in row:
        row["error"], row["message"] = error
    try:
        import jax
        stats = jax.devices()[0].memory_stats() or {}
        row["peak_bytes_in_use"] = stats.get("peak_bytes_in_use")
        row["bytes_limit"] = stats.get("bytes_limit")
        row.setdefault("device", str(jax.devices()[0]))
    except Exception:  # noqa: BLE001 - no device or no stats
        pass
    row["wall_seconds"] = time.perf_counter() - start
    row["argv"] = " ".join(args)
    print(json.dumps(row), flush=True)


if __name__ == "__main__":
    main()
