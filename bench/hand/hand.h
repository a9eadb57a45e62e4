//===- hand.h - hand-written loops the benchmark compares lds with --------===//
//
// What a performance engineer writes by hand for two models, compiled with
// g++ -O3 -march=native -ffast-math: the same equations as
// bench/models/gru64.lds and examples/elementwise.lds, the same data layout
// as lds_solve (params row-major, x0 [batch][D], inputs [batch][T][size],
// out [batch][T][D] with out[b][t-1] = x_t), float32.
//
//===----------------------------------------------------------------------===//

#ifndef LDS_BENCH_HAND_H
#define LDS_BENCH_HAND_H

#include <cstdint>

namespace lds_bench {

/// GRU with hidden size 64 and input size 32 (PyTorch gate order r, z, n):
/// Wi [192][32], Wh [192][64], bi [192], bh [192]. Sequences in blocks of
/// `block` (1, 2 or 4) share each weight load; blocks are spread over
/// `threads` threads.
void gruHand(const float *Wi, const float *Wh, const float *bi, const float *bh,
             const float *x0, const float *x, int64_t T, int64_t batch,
             float *out, int threads, int block);

/// h' = a h + (1 - a) tanh(w h + x + b) over 64 units; sequences are
/// spread over `threads` threads.
void elementwiseHand(const float *a, const float *w, const float *b,
                     const float *x0, const float *x, int64_t T, int64_t batch,
                     float *out, int threads);

/// The core's measured single-thread float32 FMA throughput in FLOP/s
/// (2 per FMA): independent AVX-512 FMA chains for about `seconds`.
double measureFmaPeak(double seconds);

} // namespace lds_bench

#endif // LDS_BENCH_HAND_H
