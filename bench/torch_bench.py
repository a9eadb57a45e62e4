#!/usr/bin/env python3
# bench/torch_bench.py - PyTorch baselines for bench/run.sh (issue #6).
#
# torch.nn.GRU (input 32, hidden 64, batch_first) with the weights of
# bench/models/gru64.lds and the elementwise model as an eager loop of torch
# ops, on the CPU with torch.set_num_threads(k). Reads the float32 data that
# `lds-bench verify --dump DIR` writes, checks torch's result against the
# hand loop's (max abs diff), then times inference (no_grad) on data of the
# requested batch sizes. Prints one JSON object a line.
import argparse
import json
import os
import sys
import time

import numpy as np
import torch


def load(d, name, shape):
    return torch.from_numpy(np.fromfile(os.path.join(d, name), dtype=np.float32).reshape(shape))


def gru_module(d):
    g = torch.nn.GRU(32, 64, batch_first=True)
    with torch.no_grad():
        g.weight_ih_l0.copy_(load(d, "gru64.param.Wi.f32", (192, 32)))
        g.weight_hh_l0.copy_(load(d, "gru64.param.Wh.f32", (192, 64)))
        g.bias_ih_l0.copy_(load(d, "gru64.param.bi.f32", (192,)))
        g.bias_hh_l0.copy_(load(d, "gru64.param.bh.f32", (192,)))
    return g.eval()


def elementwise(params, x0, x):
    a, w, b = params
    h, oma, outs = x0, 1 - a, []
    for t in range(x.shape[1]):
        h = a * h + oma * torch.tanh(w * h + x[:, t] + b)
        outs.append(h)
    return torch.stack(outs, 1)


def timed(fn, reps, budget):
    """Sorted wall times and process CPU times of up to `reps` calls."""
    times, cpu, start = [], [], time.perf_counter()
    while len(times) < reps and (not times or time.perf_counter() - start < budget):
        t0, c0 = time.perf_counter(), time.process_time()
        fn()
        times.append(time.perf_counter() - t0)
        cpu.append(time.process_time() - c0)
    return sorted(times), sorted(cpu)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--data", required=True)
    ap.add_argument("--T", type=int, required=True)
    ap.add_argument("--check-batch", type=int, required=True)
    ap.add_argument("--batches", default="8,16")
    ap.add_argument("--threads", default="1,2")
    ap.add_argument("--reps", type=int, default=5)
    ap.add_argument("--budget", type=float, default=5.0)
    ap.add_argument("--tol", type=float, default=1e-4)
    a = ap.parse_args()
    d, T, B = a.data, a.T, a.check_batch
    torch.manual_seed(0)
    print(json.dumps({"kind": "torch_info", "version": torch.__version__,
                      "config": torch.__config__.show().strip().splitlines()[-1][:200]}))
    with torch.no_grad():
        gru = gru_module(d)
        x = load(d, "gru64.input.f32", (B, T, 32))
        x0 = load(d, "gru64.x0.f32", (1, B, 64))
        hand = load(d, "gru64.hand.f32", (B, T, 64))
        out, _ = gru(x, x0)
        diffs = {"gru64": float((out - hand).abs().max())}
        print(json.dumps({"kind": "torch_check", "model": "gru64", "batch": B, "T": T,
                          "max_abs_diff_torch_vs_hand": diffs["gru64"]}))
        ep = [load(d, f"elementwise.param.{n}.f32", (64,)) for n in "awb"]
        ex = load(d, "elementwise.input.f32", (B, T, 64))
        ex0 = load(d, "elementwise.x0.f32", (B, 64))
        ehand = load(d, "elementwise.hand.f32", (B, T, 64))
        eout = elementwise(ep, ex0, ex)
        diffs["elementwise"] = float((eout - ehand).abs().max())
        print(json.dumps({"kind": "torch_check", "model": "elementwise", "batch": B, "T": T,
                          "max_abs_diff_torch_vs_hand": diffs["elementwise"]}))
        bad = {m: d for m, d in diffs.items() if not d <= a.tol}
        if bad:
            sys.exit(f"torch_bench.py: torch and the hand loops differ: {bad} (tolerance {a.tol})")
        for k in [int(v) for v in a.threads.split(",")]:
            torch.set_num_threads(k)
            for b in [int(v) for v in a.batches.split(",")]:
                xb = torch.randn(b, T, 32)
                hb = torch.randn(1, b, 64) * 0.5
                gru(xb, hb)  # warm-up
                ts, cs = timed(lambda: gru(xb, hb), a.reps, a.budget)
                print(json.dumps({"kind": "torch", "model": "gru64", "impl": "torch.nn.GRU",
                                  "batch": b, "threads": k, "T": T, "times": ts,
                                  "cpu_times": cs}))
                eb = torch.randn(b, T, 64)
                e0 = torch.randn(b, 64) * 0.5
                ts, cs = timed(lambda: elementwise(ep, e0, eb), max(1, a.reps // 2), a.budget)
                print(json.dumps({"kind": "torch", "model": "elementwise",
                                  "impl": "torch eager loop", "batch": b, "threads": k,
                                  "T": T, "times": ts, "cpu_times": cs}))


if __name__ == "__main__":
    main()
