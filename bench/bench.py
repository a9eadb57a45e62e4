#!/usr/bin/env python3
# bench/bench.py - runs issue #6's measurements (bench/run.sh calls it).
#
# Every measurement is a subprocess of build-bench/bench/lds-bench,
# lds-compile or bench/torch_bench.py; each result is one JSON object
# appended to OUT/raw.jsonl together with the command that produced it.
# bench/report.py turns raw.jsonl into OUT/results.md and the plots.
import argparse
import json
import os
import subprocess
import sys
import tempfile
import time

EXAMPLES = ["gru", "lstm", "s5", "langevin", "elementwise", "ssm"]
SOLVERS = ["sequential", "auto", "jacobi", "picard", "quasi-newton", "newton"]
ITERATIVE = SOLVERS[2:]


class Runner:
    def __init__(self, out):
        self.raw = open(os.path.join(out, "raw.jsonl"), "w")
        self.failures = 0

    def emit(self, obj):
        self.raw.write(json.dumps(obj) + "\n")
        self.raw.flush()

    def run(self, cmd, timeout, env=None):
        """Runs cmd; emits and returns the JSON lines it prints."""
        shown = " ".join(cmd)
        t0 = time.time()
        try:
            p = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, env=env)
        except subprocess.TimeoutExpired:
            self.emit({"kind": "timeout", "command": shown, "timeout_s": timeout})
            print(f"  timeout after {timeout} s: {shown}", file=sys.stderr)
            return []
        if p.returncode != 0:
            self.failures += 1
            self.emit({"kind": "failed", "command": shown, "rc": p.returncode,
                       "stderr": p.stderr[-2000:]})
            print(f"  failed ({p.returncode}): {shown}\n{p.stderr[-2000:]}", file=sys.stderr)
        objs = []
        for line in p.stdout.splitlines():
            if line.startswith("{"):
                o = json.loads(line)
                o["command"] = shown
                o["wall_s"] = round(time.time() - t0, 3)
                self.emit(o)
                objs.append(o)
        return objs


def sh(cmd):
    return subprocess.run(cmd, shell=True, capture_output=True, text=True).stdout.strip()


def machine_info(args):
    lscpu = {}
    for line in sh("lscpu").splitlines():
        k, _, v = line.partition(":")
        lscpu[k.strip()] = v.strip()
    return {"kind": "machine", "model_name": lscpu.get("Model name"),
            "cpus": lscpu.get("CPU(s)"), "family": lscpu.get("CPU family"),
            "model": lscpu.get("Model"), "mhz": sh("grep -m1 MHz /proc/cpuinfo | cut -d: -f2"),
            "avx512f": "avx512f" in lscpu.get("Flags", ""),
            "mem": sh("free -g | awk '/Mem:/{print $2}'") + " GiB",
            "date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
            "commit": sh(f"git -C {args.root} describe --always --dirty"),
            "gxx": sh("g++ --version | head -1"), "quick": args.quick,
            "loadavg": os.getloadavg()}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--root", required=True)
    ap.add_argument("--build", required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--python", default="/usr/bin/python3")
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--skip", default="", help="comma-separated phases to skip")
    args = ap.parse_args()
    q = args.quick
    cfg = {"seq_T": 400 if q else 4000, "iter_T": 1000 if q else 4000,
           "Ts": [1000] if q else [1000, 10000, 100000], "mem_T": 2000 if q else 10000,
           "gb_reps": 1 if q else 5, "iter_reps": 1 if q else 3,
           "gb_min_time": 0.01 if q else 0.1, "reps": 1 if q else 5,
           "timeout": 30 if q else 40,
           "compile_models": ["gru", "s5", "elementwise"] if q else EXAMPLES + ["gru64"]}
    os.makedirs(args.out, exist_ok=True)
    r = Runner(args.out)
    r.emit(machine_info(args))
    r.emit({"kind": "config", **cfg})
    bench = os.path.join(args.build, "bench", "lds-bench")
    compile_ = os.path.join(args.build, "bin", "lds-compile")
    skip = set(args.skip.split(","))

    def phase(name):
        ok = name not in skip
        print(f"== {name} (load {os.getloadavg()[0]:.2f})" + ("" if ok else ": skipped"),
              file=sys.stderr)
        r.emit({"kind": "phase", "name": name, "loadavg": os.getloadavg(), "skipped": not ok})
        return ok

    if phase("peak"):
        r.run([bench, "peak", "--reps", "3", "--seconds", "0.3"], 60)

    data = tempfile.mkdtemp(prefix="lds-bench-")
    if phase("verify"):
        r.run([bench, "verify", "--T", str(cfg["seq_T"]), "--batch", "8", "--dump", data], 120)

    if phase("torch"):
        r.run([args.python, os.path.join(args.root, "bench", "torch_bench.py"), "--data", data,
               "--T", str(cfg["seq_T"]), "--check-batch", "8", "--reps", str(cfg["gb_reps"])],
              600)

    if phase("timings"):
        out = os.path.join(args.out, "timings.json")
        r.run([bench, "time", "--seq-T", str(cfg["seq_T"]), "--iter-T", str(cfg["iter_T"]),
               "--iter-reps", str(cfg["iter_reps"]),
               f"--benchmark_repetitions={cfg['gb_reps']}",
               f"--benchmark_min_time={cfg['gb_min_time']}",
               "--benchmark_report_aggregates_only=true",
               f"--benchmark_out={out}", "--benchmark_out_format=json"], 900)
        with open(out) as f:
            r.emit({"kind": "timings", "gb": json.load(f)})

    if phase("compile"):
        models = [os.path.join(args.root, "bench" if m == "gru64" else "", "models" if m ==
                               "gru64" else "examples", m + ".lds")
                  for m in cfg["compile_models"]]
        obj = os.path.join(data, "compiled.o")
        for path in models:
            cmd = [compile_, path, "-o", obj, "--target=cpu", "--cpu=native"]
            times, cpu = [], []  # repeated while the runs take < 10 s in all
            while len(times) < cfg["reps"] and sum(times) < 10:
                t0, c0 = time.perf_counter(), os.times()
                ok = subprocess.run(cmd, capture_output=True).returncode == 0
                c1 = os.times()
                times.append(time.perf_counter() - t0)
                cpu.append(c1.children_user + c1.children_system
                           - c0.children_user - c0.children_system)
            r.emit({"kind": "compile", "model": os.path.basename(path)[:-4], "ok": ok,
                    "times": sorted(times), "cpu_times": sorted(cpu),
                    "command": " ".join(cmd)})

    if phase("converge"):
        # A cell is not run at the next T (10x larger) when it timed out, or
        # took more than a tenth of the time limit, at this one: it is
        # listed as skipped with the reason.
        last = {}

        def cell(key, T, cmd):
            prev = last.get(key)
            if prev and (prev[1] is None or prev[1] > cfg["timeout"] / 10):
                why = ("timed out" if prev[1] is None else f"took {prev[1]:.1f} s") + \
                    f" at T = {prev[0]}"
                r.emit({"kind": "skipped", "command": " ".join(cmd), "why": why})
                return
            objs = r.run(cmd, cfg["timeout"])
            last[key] = (T, objs[0]["wall_s"] if objs else None)

        for m in EXAMPLES:
            for T in cfg["Ts"]:
                for s in ITERATIVE:
                    cap = min(T, max(50, 20_000_000 // T))
                    cell((m, s, "off"), T,
                         [bench, "converge", "--model", m, "--solver", s, "--T", str(T),
                          "--guard", "off", "--max-iters", str(cap), "--reps", "1"])
                for s in SOLVERS:
                    cell((m, s, "on"), T,
                         [bench, "converge", "--model", m, "--solver", s, "--T", str(T),
                          "--reps", str(cfg["reps"]), "--budget", "2"])

    if phase("memory"):
        for m in EXAMPLES:
            for s in SOLVERS:
                r.run([bench, "memory", "--model", m, "--solver", s, "--T", str(cfg["mem_T"])],
                      cfg["timeout"])
    r.emit({"kind": "done", "loadavg": os.getloadavg()})
    if r.failures:
        print(f"bench.py: {r.failures} command(s) failed (see bench/results/raw.jsonl)",
              file=sys.stderr)
        sys.exit(3)


if __name__ == "__main__":
    main()
