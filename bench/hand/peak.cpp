//===- peak.cpp - the core's measured float32 FMA throughput --------------===//
//
// Twelve independent chains of 16-lane FMAs (x = x * m + c), enough to cover
// the FMA latency on both pipes, timed for a fixed wall time. The result is
// the single-thread peak the GFLOP/s figures are compared with.
//
//===----------------------------------------------------------------------===//

#include "hand.h"

#include <chrono>

using namespace lds_bench;

namespace {
typedef float v16 __attribute__((vector_size(64)));
constexpr int kChains = 12;
} // namespace

double lds_bench::measureFmaPeak(double seconds) {
  v16 m = v16{} + 0.999999f, c = v16{} + 1e-7f;
  v16 a0 = c, a1 = c * 2, a2 = c * 3, a3 = c * 4, a4 = c * 5, a5 = c * 6;
  v16 a6 = c * 7, a7 = c * 8, a8 = c * 9, a9 = c * 10, a10 = c * 11,
      a11 = c * 12;
  using Clock = std::chrono::steady_clock;
  auto start = Clock::now();
  double elapsed = 0, flops = 0;
  const long kInner = 1 << 20;
  while (elapsed < seconds) {
    for (long n = 0; n < kInner; ++n) {
      a0 = a0 * m + c, a1 = a1 * m + c, a2 = a2 * m + c, a3 = a3 * m + c;
      a4 = a4 * m + c, a5 = a5 * m + c, a6 = a6 * m + c, a7 = a7 * m + c;
      a8 = a8 * m + c, a9 = a9 * m + c, a10 = a10 * m + c, a11 = a11 * m + c;
      // Keep the chains in registers and the loop from being folded.
      asm volatile(""
                   : "+v"(a0), "+v"(a1), "+v"(a2), "+v"(a3), "+v"(a4),
                     "+v"(a5));
      asm volatile(""
                   : "+v"(a6), "+v"(a7), "+v"(a8), "+v"(a9), "+v"(a10),
                     "+v"(a11));
    }
    flops += 2.0 * 16 * kChains * kInner;
    elapsed = std::chrono::duration<double>(Clock::now() - start).count();
  }
  v16 sum = a0 + a1 + a2 + a3 + a4 + a5 + a6 + a7 + a8 + a9 + a10 + a11;
  asm volatile("" : : "v"(sum));
  return flops / elapsed;
}
