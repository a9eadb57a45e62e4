//===- NumericalFailureTest.cpp - solves of models that misbehave ---------===//
//
// Compiled models (Inputs/) whose trajectories are chaotic (Lorenz-96, a
// large-gain tanh RNN), explode to infinity, or pass through a singular
// point of f (log, 1/x) or of its derivative (sqrt at 0). Every solver must
// terminate within T iterations and return either the trajectory of a
// float64 sequential evaluation written here (independent of the compiler),
// or a status that says why not. No NaN may reach the states unless that
// evaluation produces it too, and then the status is LDS_ERR_NONFINITE.
// Chaotic trajectories are compared with the reference up to their
// predictability horizon and must be valid pseudo-orbits (small residual
// under the reference's f) beyond it.
//
//===----------------------------------------------------------------------===//

#include "lds/runtime.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <functional>
#include <random>
#include <string>
#include <utility>
#include <vector>

extern "C" {
const lds_model *lds_model_lorenz96(void);
const lds_model *lds_model_tanh_gain(void);
const lds_model *lds_model_explode(void);
const lds_model *lds_model_singular_log(void);
const lds_model *lds_model_singular_recip(void);
const lds_model *lds_model_singular_sqrt(void);
}

namespace {

using Vec = std::vector<double>;
/// One step of a model in float64: out = f(x, u) for one sequence.
using StepFn =
    std::function<void(const double *x, const double *u, double *out)>;

/// Every solver on one thread (an iteration is one pass) and on eight (the
/// window in chunks; the chunking, not the scheduling, decides the bits).
std::vector<std::pair<lds_solver, int>> runs() {
  std::vector<std::pair<lds_solver, int>> out;
  for (int threads : {1, 8})
    for (lds_solver s :
         {LDS_SOLVER_SEQUENTIAL, LDS_SOLVER_JACOBI, LDS_SOLVER_PICARD,
          LDS_SOLVER_QUASI_NEWTON, LDS_SOLVER_NEWTON, LDS_SOLVER_AUTO})
      out.push_back({s, threads});
  return out;
}
const std::vector<std::pair<lds_solver, int>> kRuns = runs();

/// The float64 sequential evaluation: [batch][T][D].
Vec reference(const StepFn &f, const Vec &x0, const Vec &u, int64_t T,
              int64_t batch, int64_t d, int64_t du) {
  Vec out(batch * T * d);
  for (int64_t b = 0; b < batch; ++b) {
    Vec prev(x0.begin() + b * d, x0.begin() + (b + 1) * d), next(d);
    for (int64_t t = 0; t < T; ++t) {
      f(prev.data(), du ? u.data() + (b * T + t) * du : nullptr, next.data());
      std::copy(next.begin(), next.end(), out.begin() + (b * T + t) * d);
      prev = next;
    }
  }
  return out;
}

/// The first step t (1-based) of sequence b whose reference row is not
/// finite, or -1.
int64_t firstNonfinite(const Vec &ref, int64_t b, int64_t T, int64_t d) {
  for (int64_t i = 0; i < T * d; ++i)
    if (!std::isfinite(ref[b * T * d + i]))
      return i / d + 1;
  return -1;
}

struct Outcome {
  lds_status status;
  std::string error;
  Vec states; // converted to double
  lds_stats stats;
};

/// Solves with `s` in the model's dtype (f32 data is rounded from `x0`,
/// `u` and `params`).
Outcome solve(const lds_model *m, const std::vector<Vec> &params, const Vec &x0,
              const Vec &u, int64_t T, int64_t batch, lds_solver s,
              int threads) {
  bool f32 = lds_model_dtype(m) == LDS_DTYPE_F32;
  auto store = [&](const Vec &v) {
    if (!f32)
      return std::vector<char>(reinterpret_cast<const char *>(v.data()),
                               reinterpret_cast<const char *>(v.data()) +
                                   v.size() * 8);
    std::vector<float> f(v.begin(), v.end());
    return std::vector<char>(reinterpret_cast<const char *>(f.data()),
                             reinterpret_cast<const char *>(f.data()) +
                                 f.size() * 4);
  };
  std::vector<std::vector<char>> p;
  std::vector<const void *> pp;
  for (const Vec &v : params)
    p.push_back(store(v));
  for (auto &v : p)
    pp.push_back(v.data());
  std::vector<char> x0s = store(x0), us = store(u);
  const void *inputs[1] = {us.data()};
  int64_t n = batch * T * lds_model_state_dim(m);
  std::vector<char> out(n * (f32 ? 4 : 8));
  lds_options o = lds_default_options();
  o.solver = s;
  o.num_threads = threads;
  Outcome r;
  r.status = lds_solve(m, pp.empty() ? nullptr : pp.data(), x0s.data(),
                       u.empty() ? nullptr : inputs, T, batch, out.data(), &o,
                       &r.stats);
  r.error = r.status == LDS_OK ? "" : lds_last_error();
  r.states.resize(n);
  for (int64_t i = 0; i < n; ++i)
    r.states[i] = f32 ? double(reinterpret_cast<float *>(out.data())[i])
                      : reinterpret_cast<double *>(out.data())[i];
  return r;
}

/// `got` agrees with `ref` elementwise: finite reference values within
/// tol * max(1, |ref|), non-finite ones of the same kind (NaN, +inf, -inf).
::testing::AssertionResult sameTrajectory(const Vec &got, const Vec &ref,
                                          double tol, int64_t begin = 0,
                                          int64_t end = -1) {
  if (end < 0)
    end = int64_t(ref.size());
  for (int64_t i = begin; i < end; ++i) {
    double g = got[i], r = ref[i];
    bool ok = std::isfinite(r)
                  ? std::fabs(g - r) <= tol * std::max(1.0, std::fabs(r))
                  : (std::isnan(r) ? std::isnan(g) : g == r);
    if (!ok)
      return ::testing::AssertionFailure()
             << "element " << i << ": " << g << ", reference " << r;
  }
  return ::testing::AssertionSuccess();
}

/// max over rows of |x_t - f(x_{t-1})| / max(1, |x_t|), f the reference's.
double residual(const StepFn &f, const Vec &states, const Vec &x0, const Vec &u,
                int64_t T, int64_t batch, int64_t d, int64_t du) {
  double worst = 0;
  Vec fx(d);
  for (int64_t b = 0; b < batch; ++b)
    for (int64_t t = 0; t < T; ++t) {
      const double *prev =
          t == 0 ? x0.data() + b * d : states.data() + (b * T + t - 1) * d;
      f(prev, du ? u.data() + (b * T + t) * du : nullptr, fx.data());
      for (int64_t k = 0; k < d; ++k) {
        double x = states[(b * T + t) * d + k];
        double r = std::fabs(x - fx[k]) / std::max(1.0, std::fabs(x));
        if (std::isnan(r))
          return NAN;
        worst = std::max(worst, r);
      }
    }
  return worst;
}

std::string trace(lds_solver s, int threads, const Outcome &r) {
  return std::string("solver ") + lds_solver_name(s) + ", " +
         std::to_string(threads) + " threads -> " +
         lds_solver_name(r.stats.solver) + ", " +
         std::to_string(r.stats.iterations) + " iterations, " +
         std::to_string(r.stats.fallbacks) + " fallbacks, status " +
         lds_status_string(r.status) + " " + r.error;
}

//===----------------------------------------------------------------------===//
// Chaos
//===----------------------------------------------------------------------===//

/// Solves a chaotic model with every solver: OK, converged, within T
/// iterations, all finite, equal to the reference for the first `horizon`
/// steps, a valid pseudo-orbit after.
void expectChaoticSolves(const lds_model *m, const StepFn &f,
                         const std::vector<Vec> &params, const Vec &x0,
                         const Vec &u, int64_t T, int64_t batch, int64_t du,
                         int64_t horizon, double horizonTol,
                         double residualTol) {
  int64_t d = lds_model_state_dim(m);
  Vec ref = reference(f, x0, u, T, batch, d, du);
  for (int64_t i = 0; i < int64_t(ref.size()); ++i)
    ASSERT_TRUE(std::isfinite(ref[i]));
  // The data as the model stores it, for the residual.
  bool f32 = lds_model_dtype(m) == LDS_DTYPE_F32;
  auto rounded = [&](Vec v) {
    if (f32)
      for (double &x : v)
        x = double(float(x));
    return v;
  };
  Vec x0r = rounded(x0), ur = rounded(u);
  for (auto [s, threads] : kRuns) {
    Outcome r = solve(m, params, x0, u, T, batch, s, threads);
    SCOPED_TRACE(trace(s, threads, r));
    ASSERT_EQ(r.status, LDS_OK);
    EXPECT_EQ(r.stats.converged, 1);
    EXPECT_GE(r.stats.iterations, 1);
    EXPECT_LE(r.stats.iterations, T);
    for (double v : r.states)
      ASSERT_TRUE(std::isfinite(v));
    for (int64_t b = 0; b < batch; ++b)
      EXPECT_TRUE(sameTrajectory(r.states, ref, horizonTol, b * T * d,
                                 (b * T + horizon) * d))
          << "sequence " << b;
    EXPECT_LE(residual(f, r.states, x0r, ur, T, batch, d, du), residualTol);
  }
}

TEST(NumericalChaos, Lorenz96) {
  const lds_model *m = lds_model_lorenz96();
  const int64_t d = 16, T = 3000, batch = 2;
  const double F = 8, dt = 0.01;
  StepFn f = [&](const double *x, const double *, double *out) {
    for (int64_t i = 0; i < d; ++i) {
      double xp1 = x[(i + 1) % d], xm1 = x[(i + d - 1) % d],
             xm2 = x[(i + d - 2) % d];
      out[i] = x[i] + dt * ((xp1 - xm2) * xm1 - x[i] + F);
    }
  };
  std::mt19937_64 rng(96);
  std::normal_distribution<double> normal;
  Vec x0(batch * d);
  for (double &v : x0)
    v = F + normal(rng);
  // The leading Lyapunov exponent at F = 8 is about 1.7 per time unit: 100
  // steps (1 time unit) amplify differences about 5-fold.
  expectChaoticSolves(m, f, {{F}}, x0, {}, T, batch, 0, 100, 1e-7, 1e-7);
}

TEST(NumericalChaos, LargeGainTanhRNN) {
  const lds_model *m = lds_model_tanh_gain();
  const int64_t d = 16, du = 4, T = 3000, batch = 3;
  std::mt19937_64 rng(3);
  std::normal_distribution<double> normal;
  Vec W(d * d), U(d * du), u(batch * T * du), x0(batch * d);
  for (double &w : W)
    w = double(float(3.0 * normal(rng) / std::sqrt(double(d)))); // gain 3
  for (double &v : U)
    v = double(float(0.5 * normal(rng)));
  for (double &v : u)
    v = double(float(normal(rng)));
  for (double &v : x0)
    v = double(float(0.5 * normal(rng)));
  StepFn f = [&](const double *h, const double *ut, double *out) {
    for (int64_t i = 0; i < d; ++i) {
      double z = 0;
      for (int64_t j = 0; j < d; ++j)
        z += W[i * d + j] * h[j];
      for (int64_t j = 0; j < du; ++j)
        z += U[i * du + j] * ut[j];
      out[i] = std::tanh(z);
    }
  };
  // f32: the horizon is a few steps; the residual is at the f32 tolerance.
  expectChaoticSolves(m, f, {W, U}, x0, u, T, batch, du, 3, 1e-4, 1e-3);
}

//===----------------------------------------------------------------------===//
// Overflow and singular points
//===----------------------------------------------------------------------===//

/// Every solver: status `expected` (LDS_ERR_NONFINITE: with the message
/// naming `badSequence` and the reference's first non-finite step), states
/// equal to the reference (non-finite values of the same kind), no NaN the
/// reference does not have, iterations within T, fallbacks reported when an
/// iterative solver had to give way.
void expectLikeReference(const lds_model *m, const StepFn &f, const Vec &x0,
                         const std::vector<Vec> &params, int64_t T,
                         int64_t batch, lds_status expected,
                         int64_t badSequence, bool iterativeMustFallBack) {
  int64_t d = lds_model_state_dim(m);
  Vec ref = reference(f, x0, {}, T, batch, d, 0);
  std::string message;
  if (expected == LDS_ERR_NONFINITE) {
    int64_t from = firstNonfinite(ref, badSequence, T, d);
    ASSERT_GT(from, 0);
    message = "lds_solve: the trajectory of sequence " +
              std::to_string(badSequence) +
              " is not finite from t = " + std::to_string(from) +
              " (f overflowed or produced NaN; states hold the sequential "
              "evaluation)";
  } else {
    for (double v : ref)
      ASSERT_TRUE(std::isfinite(v));
  }
  for (auto [s, threads] : kRuns) {
    if (!lds_model_has_solver(m, s))
      continue;
    Outcome r = solve(m, params, x0, {}, T, batch, s, threads);
    SCOPED_TRACE(trace(s, threads, r));
    ASSERT_EQ(r.status, expected);
    EXPECT_EQ(r.error, message);
    EXPECT_GE(r.stats.iterations, 1);
    EXPECT_LE(r.stats.iterations, T);
    EXPECT_TRUE(sameTrajectory(r.states, ref, 1e-9));
    if (expected == LDS_ERR_NONFINITE) {
      EXPECT_EQ(r.stats.converged, 0);
      EXPECT_EQ(r.stats.solver, LDS_SOLVER_SEQUENTIAL);
      EXPECT_TRUE(std::isnan(r.stats.max_residual));
    } else {
      EXPECT_EQ(r.stats.converged, 1);
      EXPECT_LE(r.stats.max_residual, 1e-9);
    }
    bool iterative = s != LDS_SOLVER_SEQUENTIAL && s != LDS_SOLVER_AUTO;
    if (iterative && iterativeMustFallBack) {
      EXPECT_GE(r.stats.fallbacks, 1);
    }
  }
}

// Sequence 0 starts above the unstable fixed point of its first coordinate
// and squares itself to +inf by t = 11; sequence 1 stays finite. No NaN.
TEST(NumericalOverflow, ExplodingModel) {
  const lds_model *m = lds_model_explode();
  Vec c = {-0.2, 0.1, -0.5, 0.25};
  StepFn f = [&](const double *x, const double *, double *out) {
    for (int k = 0; k < 4; ++k)
      out[k] = x[k] * x[k] + c[k];
  };
  Vec x0 = {1.5, 0.1, 0.3, 0.2, 0.5, 0.1, 0.3, 0.2};
  for (int64_t T : {100, 2000}) {
    SCOPED_TRACE("T " + std::to_string(T));
    expectLikeReference(m, f, x0, {c}, T, 2, LDS_ERR_NONFINITE, 0, true);
  }
}

// log hits 0 and then negative values: -inf and NaN from t = 2, produced by
// the sequential evaluation itself, and reported.
TEST(NumericalSingular, LogOfZero) {
  const lds_model *m = lds_model_singular_log();
  StepFn f = [](const double *x, const double *, double *out) {
    out[0] = std::log(x[0]);
    out[1] = std::log(x[1]);
  };
  Vec x0 = {1.0, 0.5};
  expectLikeReference(m, f, x0, {}, 300, 1, LDS_ERR_NONFINITE, 0, false);
}

// 1 / (x - 1) from x0 = 2 is infinite at t = 2 and finite again after: the
// states hold the whole sequential trajectory, tail included; sequence 1
// never meets the pole.
TEST(NumericalSingular, ReciprocalPole) {
  const lds_model *m = lds_model_singular_recip();
  StepFn f = [](const double *x, const double *, double *out) {
    out[0] = 1 / (x[0] - 1);
  };
  Vec x0 = {0.5, 2.0};
  expectLikeReference(m, f, x0, {}, 500, 2, LDS_ERR_NONFINITE, 1, false);
}

// sqrt(|x|) at 0: a finite trajectory with an infinite derivative. Newton
// linearises to non-finite values and must hand over to quasi-Newton, whose
// diagonal is not finite either, and then to sequential evaluation (two
// fallbacks; the cost guard alone would make one). The answer is the
// finite trajectory, status OK.
TEST(NumericalSingular, InfiniteDerivative) {
  const lds_model *m = lds_model_singular_sqrt();
  StepFn f = [](const double *x, const double *, double *out) {
    for (int k = 0; k < 3; ++k)
      out[k] = 0.5 * std::sqrt(std::fabs(x[k]));
  };
  Vec x0 = {0.0, 1.0, 0.04, 0.0, 0.0, 2.0};
  expectLikeReference(m, f, x0, {}, 500, 2, LDS_OK, -1, false);
  ASSERT_TRUE(lds_model_has_solver(m, LDS_SOLVER_NEWTON));
  ASSERT_TRUE(lds_model_has_solver(m, LDS_SOLVER_QUASI_NEWTON));
  for (int threads : {1, 8}) {
    Outcome r = solve(m, {}, x0, {}, 500, 2, LDS_SOLVER_NEWTON, threads);
    SCOPED_TRACE(trace(LDS_SOLVER_NEWTON, threads, r));
    EXPECT_EQ(r.stats.fallbacks, 2);
    EXPECT_EQ(r.stats.solver, LDS_SOLVER_SEQUENTIAL);
  }
}

} // namespace
