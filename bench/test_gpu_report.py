#!/usr/bin/env python3
"""Tests of bench/gpu_report.py on bench/testdata/gpu-results (synthetic numbers).

Run by ctest as `gpu-report`; standard library only.
"""
import io
import os
import shutil
import sys
import tempfile
import unittest
from contextlib import redirect_stderr, redirect_stdout

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import gpu_report  # noqa: E402

SAMPLE = os.path.join(HERE, "testdata", "gpu-results")


def target_rows(text):
    """{target text: (measured, state)} of the report's targets table."""
    section = text.split("## Targets (issue #5)", 1)[1].split("\n## ", 1)[0]
    rows = {}
    for line in section.splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split(" | ")]
        if len(cells) == 3 and cells[0] not in ("target", "---|---|---"):
            rows[cells[0]] = (cells[1], cells[2])
    return rows


def find(rows, prefix):
    hits = [v for k, v in rows.items() if k.startswith(prefix)]
    assert len(hits) == 1, (prefix, list(rows))
    return hits[0]


class SampleReport(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.text = gpu_report.report([SAMPLE])
        cls.targets = target_rows(cls.text)

    def test_speedup_over_the_sequential_kernel(self):
        measured, state = find(self.targets, "GRU D=8, T=100k, batch 16: ≥ 10× lds's")
        # newton 0.1 s against sequential 2 s; the fastest converged solver wins.
        self.assertIn("(newton, 5 iterations, ran newton)", measured)
        self.assertIn("20.00×", measured)
        self.assertEqual(state, "**met**")

    def test_speedup_over_jax(self):
        measured, state = find(self.targets, "GRU D=8, T=100k, batch 16: ≥ 10× the JAX")
        # JAX's best fixed-point run (newton, 1.5 s) against lds's fastest (0.1 s).
        self.assertIn("JAX 1.5 s (newton", measured)
        self.assertIn("15.00×", measured)
        self.assertEqual(state, "**met**")

    def test_iteration_roofline(self):
        measured, state = find(self.targets, "one Picard or quasi-Newton iteration, elementwise")
        self.assertIn("picard", measured)
        self.assertIn("60.0% of the measured 3000 GB/s", measured)
        self.assertEqual(state, "**met**")
        measured, state = find(self.targets, "one Picard or quasi-Newton iteration, gru64")
        self.assertIn("quasi-newton", measured)  # the better of the two
        self.assertIn("41.7% of the measured 60000 GFLOP/s", measured)
        self.assertEqual(state, "**missed**")

    def test_newton_memory_target_from_one_iteration(self):
        # The solve was skipped by the budget; its one iteration ran.
        measured, state = find(self.targets, "Newton on Langevin D=256")
        self.assertIn("one Newton iteration: peak", measured)
        self.assertIn("(5.9 GB)", measured)
        self.assertIn("the solve: skipped (predicted 60 s", measured)
        self.assertEqual(state, "**met**")
        measured, state = find(self.targets, "(reference) JAX Newton on Langevin")
        self.assertIn("RESOURCE_EXHAUSTED", measured)
        self.assertEqual(state, "out of memory, as expected")

    def test_tables(self):
        t = self.text
        self.assertIn("SYNTHETIC TEST DATA", t)
        # Measured and nominal roofline side by side.
        self.assertIn("| DRAM bandwidth, GB/s (read + write) | 3000 (memcpy 2900, copy kernel 3000;"
                      " read-only kernel 3100) | 3352 | 89.5% |", t)
        # An iterative solve: upper bounds against the roofline, speedup, memory.
        self.assertIn("| gru | 8 | 100000 | newton | newton | 5 | 0 | 100 ms | 20× | ≤ 8 (0.3%) |"
                      " ≤ 329 (0.5%) | 400 MiB | ok |", t)
        # One iteration: fractions of both roofline figures.
        self.assertIn("| elementwise | 64 | 1000000 | picard | 6.86 ms | 1800 | 60.0% | 2835 |"
                      " 4.7% | 12 GiB |", t)
        # JAX side by side: a speedup, an out-of-memory run, a timeout.
        self.assertIn("| gru | 8 | 100000 | newton | 1.5 s | 5 | 4 s | 2 GiB | 100 ms (newton) |"
                      " 15× |", t)
        self.assertIn("timeout: stopped at the limit of 150 s for a run", t)
        # ncu: usecond and Mbyte units, thousands separators; 810 MB in 2 ms.
        self.assertIn("| elementwise-picard | sweep | 2 ms | 20.5 | 25 |", t)
        self.assertIn("| 405 |", t)
        self.assertIn("| elementwise-picard | **all three** | 3.05 ms |", t)
        # Skipped runs are listed with their reason.
        self.assertIn("- solve gru64 T=1000000 jacobi: skipped: predicted 41 s", t)
        self.assertIn("phase jax: exit 0 after 300 s", t)
        self.assertNotIn("failed:", t)

    def test_ncu_units(self):
        self.assertAlmostEqual(gpu_report.base_value("1,000.5", "usecond"), 1.0005e-3)
        self.assertAlmostEqual(gpu_report.base_value("400", "Mbyte"), 4e8)
        self.assertAlmostEqual(gpu_report.base_value("12.5", "%"), 12.5)
        self.assertIsNone(gpu_report.base_value("n/a", "byte"))


class EmulatorResults(unittest.TestCase):
    def test_emulator_numbers_are_never_judged(self):
        tmp = tempfile.mkdtemp()
        try:
            d = os.path.join(tmp, "results")
            shutil.copytree(SAMPLE, d)
            path = os.path.join(d, "bench.csv")
            with open(path, encoding="utf-8") as f:
                text = f.read().replace("# backend: cuda",
                                        "# backend: emulator (LDS_GPU_EMULATE=1: not GPU measurements)")
            with open(path, "w", encoding="utf-8") as f:
                f.write(text)
            report = gpu_report.report([d])
        finally:
            shutil.rmtree(tmp)
        self.assertTrue(report.startswith("# GPU benchmark (issue #5) — GPU EMULATOR, NOT GPU NUMBERS"))
        states = [s for _, s in target_rows(report).values()]
        self.assertIn("n/a (emulator)", states)
        self.assertNotIn("**met**", report)
        self.assertNotIn("**missed**", report)

    def test_later_folders_add_to_earlier_ones(self):
        tmp = tempfile.mkdtemp()
        try:
            first, second = os.path.join(tmp, "a"), os.path.join(tmp, "b")
            os.makedirs(first)
            os.makedirs(second)
            for name in os.listdir(SAMPLE):
                target = first if name.startswith(("bench", "phase")) else second
                shutil.copy(os.path.join(SAMPLE, name), target)
            report = gpu_report.report([first, second])
        finally:
            shutil.rmtree(tmp)
        self.assertEqual(target_rows(report), target_rows(gpu_report.report([SAMPLE])))

    def test_empty_and_missing_folders(self):
        tmp = tempfile.mkdtemp()
        try:
            report = gpu_report.report([tmp])
            self.assertIn("No roofline.json", report)
            self.assertIn("not measured", report)
            err = io.StringIO()
            with redirect_stdout(io.StringIO()), redirect_stderr(err):
                self.assertEqual(gpu_report.main(["gpu_report.py", os.path.join(tmp, "nope")]), 1)
            self.assertIn("not a folder", err.getvalue())
        finally:
            shutil.rmtree(tmp)


if __name__ == "__main__":
    unittest.main()
