//===- elementwise.cpp - the hand-written elementwise RNN -----------------===//
//
// examples/elementwise.lds by hand: h' = a h + (1 - a) tanh(w h + x + b)
// over 64 units, one sequence after another, the unit loop vectorised
// (tanhf from glibc's libmvec under -ffast-math).
//
//===----------------------------------------------------------------------===//

#include "hand.h"

#include <cmath>
#include <thread>
#include <vector>

using namespace lds_bench;

namespace {
constexpr int D = 64;
} // namespace

void lds_bench::elementwiseHand(const float *a, const float *w, const float *b,
                                const float *x0, const float *x, int64_t T,
                                int64_t batch, float *out, int threads) {
  alignas(64) float oma[D];
  for (int d = 0; d < D; ++d)
    oma[d] = 1.0f - a[d];
  auto work = [&](int id) {
    for (int64_t s = id; s < batch; s += threads) {
      alignas(64) float h[D];
      for (int d = 0; d < D; ++d)
        h[d] = x0[s * D + d];
      for (int64_t t = 0; t < T; ++t) {
        const float *xt = x + (s * T + t) * D;
        float *o = out + (s * T + t) * D;
        for (int d = 0; d < D; ++d) {
          float hn =
              a[d] * h[d] + oma[d] * std::tanh(w[d] * h[d] + xt[d] + b[d]);
          h[d] = hn;
          o[d] = hn;
        }
      }
    }
  };
  std::vector<std::thread> pool;
  for (int i = 1; i < threads; ++i)
    pool.emplace_back(work, i);
  work(0);
  for (std::thread &t : pool)
    t.join();
}
