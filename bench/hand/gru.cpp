//===- gru.cpp - a hand-written GRU (hidden 64, input 32) -----------------===//
//
// The loop a performance engineer writes for bench/models/gru64.lds: the
// weights transposed once into one [x; h] x 256 table (columns r|z gates of
// Wi and Wh summed, then Wi's n gate, then Wh's n gate), each step's
// mat-vecs register-blocked over 64 outputs and `NB` sequences, so a block
// of sequences shares every weight load; the gates' exp and tanh vectorised
// by -ffast-math (glibc's libmvec).
//
//===----------------------------------------------------------------------===//

#include "hand.h"

#include <cmath>
#include <cstdlib>
#include <cstring>
#include <thread>
#include <vector>

using namespace lds_bench;

namespace {

constexpr int D = 64, I = 32, K = I + D, G = 3 * D, C = 4 * D;

typedef float v16 __attribute__((vector_size(64)));

/// acc[b][col..col+64) = sum over k in [k0, k1) of W[k][col..] * v[b][k].
template <int NB>
inline void tile(const float *W, int k0, int k1, int col, const float (*v)[K],
                 float (*acc)[C]) {
  v16 s[NB][4] = {};
  for (int k = k0; k < k1; ++k) {
    const v16 *w = reinterpret_cast<const v16 *>(W + k * C + col);
    v16 w0 = w[0], w1 = w[1], w2 = w[2], w3 = w[3];
    for (int b = 0; b < NB; ++b) {
      float x = v[b][k];
      s[b][0] += w0 * x;
      s[b][1] += w1 * x;
      s[b][2] += w2 * x;
      s[b][3] += w3 * x;
    }
  }
  for (int b = 0; b < NB; ++b)
    std::memcpy(&acc[b][col], s[b], sizeof(s[b]));
}

struct Weights {
  float *W; // [K][C]
  float brz[2 * D], bin[D], bhn[D];
};

template <int NB>
void runBlock(const Weights &w, const float *x0, const float *x, int64_t T,
              float *out) {
  alignas(64) float v[NB][K];
  alignas(64) float acc[NB][C];
  for (int b = 0; b < NB; ++b)
    std::memcpy(&v[b][I], x0 + b * D, D * sizeof(float));
  for (int64_t t = 0; t < T; ++t) {
    for (int b = 0; b < NB; ++b)
      std::memcpy(&v[b][0], x + (b * T + t) * I, I * sizeof(float));
    tile<NB>(w.W, 0, K, 0, v, acc);
    tile<NB>(w.W, 0, K, D, v, acc);
    tile<NB>(w.W, 0, I, 2 * D, v, acc);
    tile<NB>(w.W, I, K, 3 * D, v, acc);
    for (int b = 0; b < NB; ++b) {
      float *h = &v[b][I], *o = out + (b * T + t) * D;
      const float *g = acc[b];
      for (int d = 0; d < D; ++d) {
        float r = 1.0f / (1.0f + std::exp(-(g[d] + w.brz[d])));
        float z = 1.0f / (1.0f + std::exp(-(g[D + d] + w.brz[D + d])));
        float n =
            std::tanh(g[2 * D + d] + w.bin[d] + r * (g[3 * D + d] + w.bhn[d]));
        float hn = (1.0f - z) * n + z * h[d];
        h[d] = hn;
        o[d] = hn;
      }
    }
  }
}

} // namespace

void lds_bench::gruHand(const float *Wi, const float *Wh, const float *bi,
                        const float *bh, const float *x0, const float *x,
                        int64_t T, int64_t batch, float *out, int threads,
                        int block) {
  Weights w;
  w.W = static_cast<float *>(std::aligned_alloc(64, K * C * sizeof(float)));
  std::memset(w.W, 0, K * C * sizeof(float));
  for (int j = 0; j < 2 * D; ++j) {
    for (int k = 0; k < I; ++k)
      w.W[k * C + j] = Wi[j * I + k];
    for (int k = 0; k < D; ++k)
      w.W[(I + k) * C + j] = Wh[j * D + k];
    w.brz[j] = bi[j] + bh[j];
  }
  for (int j = 0; j < D; ++j) {
    for (int k = 0; k < I; ++k)
      w.W[k * C + 2 * D + j] = Wi[(2 * D + j) * I + k];
    for (int k = 0; k < D; ++k)
      w.W[(I + k) * C + 3 * D + j] = Wh[(2 * D + j) * D + k];
    w.bin[j] = bi[2 * D + j];
    w.bhn[j] = bh[2 * D + j];
  }
  // Blocks of `block` sequences, then single ones for the remainder.
  std::vector<std::pair<int64_t, int>> units;
  int64_t b = 0;
  for (; block > 1 && b + block <= batch; b += block)
    units.push_back({b, block});
  for (; b < batch; ++b)
    units.push_back({b, 1});
  auto work = [&](int id) {
    for (size_t u = id; u < units.size(); u += threads) {
      int64_t s = units[u].first;
      const float *xs = x + s * T * I;
      float *os = out + s * T * D;
      const float *x0s = x0 + s * D;
      if (units[u].second == 4)
        runBlock<4>(w, x0s, xs, T, os);
      else if (units[u].second == 2)
        runBlock<2>(w, x0s, xs, T, os);
      else
        runBlock<1>(w, x0s, xs, T, os);
    }
  };
  std::vector<std::thread> pool;
  for (int i = 1; i < threads; ++i)
    pool.emplace_back(work, i);
  work(0);
  for (std::thread &t : pool)
    t.join();
  std::free(w.W);
}
