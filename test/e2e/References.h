//===- References.h - hand-written float64 references of the examples -*- C++
//-*-===//
//
// Each example model written again, by hand, in plain C++ with doubles: the
// independent reference the end-to-end tests compare lds_solve against.
// Nothing here comes from the compiler.
//
//===----------------------------------------------------------------------===//

#ifndef LDS_TEST_E2E_REFERENCES_H
#define LDS_TEST_E2E_REFERENCES_H

#include <cmath>
#include <cstdint>
#include <vector>

namespace lds_test {

using Vec = std::vector<double>;

inline double sigmoid(double v) { return 1.0 / (1.0 + std::exp(-v)); }

/// y = M x for row-major M [rows][cols].
inline Vec matvec(const double *m, const double *x, int rows, int cols) {
  Vec y(rows, 0.0);
  for (int i = 0; i < rows; ++i)
    for (int j = 0; j < cols; ++j)
      y[i] += m[i * cols + j] * x[j];
  return y;
}

/// One step of each model: params in declaration order, u the step's inputs
/// (float inputs as doubles; integer inputs in `w`).
struct StepArgs {
  const std::vector<Vec> &params;
  const std::vector<const double *> &u;
  int32_t w;
};

inline Vec gruStep(const Vec &h, const StepArgs &a) {
  const Vec &Wi = a.params[0], &Wh = a.params[1], &bi = a.params[2],
            &bh = a.params[3];
  Vec gi = matvec(Wi.data(), a.u[0], 24, 8),
      gh = matvec(Wh.data(), h.data(), 24, 8);
  Vec out(8);
  for (int k = 0; k < 8; ++k) {
    double r = sigmoid(gi[k] + bi[k] + gh[k] + bh[k]);
    double z = sigmoid(gi[8 + k] + bi[8 + k] + gh[8 + k] + bh[8 + k]);
    double n =
        std::tanh(gi[16 + k] + bi[16 + k] + r * (gh[16 + k] + bh[16 + k]));
    out[k] = (1 - z) * n + z * h[k];
  }
  return out;
}

inline Vec lstmStep(const Vec &x, const StepArgs &a) {
  const Vec &W = a.params[0], &U = a.params[1], &b = a.params[2];
  const double *h = x.data(), *c = x.data() + 8;
  Vec wx = matvec(W.data(), a.u[0], 32, 8), uh = matvec(U.data(), h, 32, 8);
  Vec out(16);
  for (int k = 0; k < 8; ++k) {
    auto gate = [&](int g) {
      return wx[g * 8 + k] + uh[g * 8 + k] + b[g * 8 + k];
    };
    double i = sigmoid(gate(0)), f = sigmoid(gate(1)), g = std::tanh(gate(2)),
           o = sigmoid(gate(3));
    double cNew = f * c[k] + i * g;
    out[k] = o * std::tanh(cNew);
    out[8 + k] = cNew;
  }
  return out;
}

inline Vec s5Step(const Vec &x, const StepArgs &a) {
  return matvec(a.params[0].data() + 25 * a.w, x.data(), 5, 5);
}

inline Vec langevinStep(const Vec &x, const StepArgs &a, int d) {
  const Vec &mu1 = a.params[0], &mu2 = a.params[1], &L1 = a.params[2],
            &L2 = a.params[3];
  const double eps = 1e-5;
  Vec d1(d), d2(d);
  for (int k = 0; k < d; ++k) {
    d1[k] = x[k] - mu1[k];
    d2[k] = x[k] - mu2[k];
  }
  Vec l1d = matvec(L1.data(), d1.data(), d, d),
      l2d = matvec(L2.data(), d2.data(), d, d);
  double q1 = std::log(0.5), q2 = std::log(0.5);
  for (int k = 0; k < d; ++k) {
    q1 -= d1[k] * l1d[k];
    q2 -= d2[k] * l2d[k];
  }
  double m = std::max(q1, q2);
  double w1 = std::exp(q1 - m), w2 = std::exp(q2 - m), s = w1 + w2;
  w1 /= s;
  w2 /= s;
  // grad q_k = -(L_k + L_kᵀ) d_k
  Vec out(d);
  for (int i = 0; i < d; ++i) {
    double g1 = 0, g2 = 0;
    for (int j = 0; j < d; ++j) {
      g1 -= (L1[i * d + j] + L1[j * d + i]) * d1[j];
      g2 -= (L2[i * d + j] + L2[j * d + i]) * d2[j];
    }
    out[i] = x[i] + eps * (w1 * g1 + w2 * g2) + std::sqrt(2 * eps) * a.u[0][i];
  }
  return out;
}

inline Vec elementwiseStep(const Vec &h, const StepArgs &a) {
  const Vec &av = a.params[0], &w = a.params[1], &b = a.params[2];
  Vec out(64);
  for (int k = 0; k < 64; ++k)
    out[k] =
        av[k] * h[k] + (1 - av[k]) * std::tanh(w[k] * h[k] + a.u[0][k] + b[k]);
  return out;
}

/// examples/ssm.lds: a = sigmoid(Wa u + ba), h' = a h + (1 - a) (B u).
inline Vec ssmStep(const Vec &h, const StepArgs &a) {
  const Vec &wa = a.params[0], &ba = a.params[1], &bm = a.params[2];
  Vec gate = matvec(wa.data(), a.u[0], 64, 16);
  Vec drive = matvec(bm.data(), a.u[0], 64, 16);
  Vec out(64);
  for (int k = 0; k < 64; ++k) {
    double decay = sigmoid(gate[k] + ba[k]);
    out[k] = decay * h[k] + (1 - decay) * drive[k];
  }
  return out;
}

} // namespace lds_test

#endif // LDS_TEST_E2E_REFERENCES_H
