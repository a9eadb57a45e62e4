//===- TestModels.h - hand-written compiled models --------------*- C++ -*-===//
//
// Each model is a transition function f written by hand with its Jacobian
// derived by hand, and `Kernels` turns it into what lds-compile emits: a
// descriptor with step, Jacobian, check and per-solver element/combine/apply
// kernels (model_abi.h). The formulas are templated on the compute type S
// and the storage type T, so the tests also evaluate them in double as an
// independent sequential reference over the same data.
//
//===----------------------------------------------------------------------===//

#ifndef LDS_TEST_RUNTIME_TESTMODELS_H
#define LDS_TEST_RUNTIME_TESTMODELS_H

#include "lds/runtime.h"

#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <memory>
#include <mutex>
#include <random>
#include <string>
#include <type_traits>
#include <vector>

namespace lds_test {

/// A declared tensor; `isIndex` marks an i32 input, others take the
/// model's float type.
struct TensorSpec {
  const char *name;
  int rank;
  int64_t shape[3];
  bool isIndex = false;
  int64_t indexRange = 0;

  int64_t size() const {
    int64_t n = 1;
    for (int i = 0; i < rank; ++i)
      n *= shape[i];
    return n;
  }
};

/// Stores `v` into a C enum field as a C caller could (any int), without
/// forming an out-of-range enum value in C++.
template <class E> void setEnum(E &field, int v) {
  static_assert(sizeof(E) == sizeof(int), "C enums are int-sized");
  std::memcpy(&field, &v, sizeof(v));
}

template <class T> constexpr lds_dtype dtypeOf() {
  return sizeof(T) == 8 ? LDS_DTYPE_F64 : LDS_DTYPE_F32;
}

template <class T> const T *paramOf(const void *const *p, int i) {
  return static_cast<const T *>(p[i]);
}

//===----------------------------------------------------------------------===//
// The models
//===----------------------------------------------------------------------===//

/// x'_d = a_d x_d + u_d: affine and diagonal.
struct DiagLinear {
  static constexpr bool isAffine = true;
  static constexpr int32_t jacobianKind = 1; // lds_model.jacobian_kind
  static constexpr const char *name = "diag_linear";
  static constexpr int D = 4;
  static constexpr lds_solver defaultSolver = LDS_SOLVER_NEWTON;
  static std::vector<TensorSpec> states() { return {{"x", 1, {4}}}; }
  static std::vector<TensorSpec> inputs() { return {{"u", 1, {4}}}; }
  static std::vector<TensorSpec> params() { return {{"a", 1, {4}}}; }
  template <class S, class T>
  static void f(const S *x, const void *const *in, const void *const *p,
                S *out) {
    const T *u = static_cast<const T *>(in[0]);
    const T *a = paramOf<T>(p, 0);
    for (int d = 0; d < D; ++d)
      out[d] = S(a[d]) * x[d] + S(u[d]);
  }
  template <class S, class T>
  static void jac(const S *, const void *const *, const void *const *p, S *J) {
    const T *a = paramOf<T>(p, 0);
    for (int i = 0; i < D * D; ++i)
      J[i] = 0;
    for (int d = 0; d < D; ++d)
      J[d * D + d] = S(a[d]);
  }
  static void makeParams(std::vector<std::vector<double>> &p,
                         std::mt19937_64 &rng) {
    std::uniform_real_distribution<double> a(-0.95, 0.95);
    p = {std::vector<double>(D)};
    for (double &v : p[0])
      v = a(rng);
  }
  static double x0Value(std::mt19937_64 &rng) {
    return std::normal_distribution<double>()(rng);
  }
  static double inputValue(std::mt19937_64 &rng) {
    return std::normal_distribution<double>()(rng);
  }
  static double flops() { return 2 * D; }
};

/// x' = tanh(W x + U u + c): a dense 3-D RNN. The parameters' scale `gain`
/// (set by the test's data) makes it contractive (small) or chaotic (large).
struct TanhRNN {
  static constexpr bool isAffine = false;
  static constexpr int32_t jacobianKind = 0; // lds_model.jacobian_kind
  static constexpr const char *name = "tanh_rnn";
  static constexpr int D = 3;
  static constexpr lds_solver defaultSolver = LDS_SOLVER_NEWTON;
  static inline double gain = 0.6;
  static std::vector<TensorSpec> states() { return {{"h", 1, {3}}}; }
  static std::vector<TensorSpec> inputs() { return {{"u", 1, {2}}}; }
  static std::vector<TensorSpec> params() {
    return {{"W", 2, {3, 3}}, {"U", 2, {3, 2}}, {"c", 1, {3}}};
  }
  template <class S, class T>
  static void pre(const S *x, const void *const *in, const void *const *p,
                  S *z) {
    const T *u = static_cast<const T *>(in[0]);
    const T *W = paramOf<T>(p, 0), *U = paramOf<T>(p, 1), *c = paramOf<T>(p, 2);
    for (int i = 0; i < D; ++i) {
      S acc = S(c[i]);
      for (int j = 0; j < D; ++j)
        acc += S(W[i * D + j]) * x[j];
      for (int j = 0; j < 2; ++j)
        acc += S(U[i * 2 + j]) * S(u[j]);
      z[i] = acc;
    }
  }
  template <class S, class T>
  static void f(const S *x, const void *const *in, const void *const *p,
                S *out) {
    S z[D];
    pre<S, T>(x, in, p, z);
    for (int i = 0; i < D; ++i)
      out[i] = std::tanh(z[i]);
  }
  // J_ij = (1 - tanh(z_i)^2) W_ij
  template <class S, class T>
  static void jac(const S *x, const void *const *in, const void *const *p,
                  S *J) {
    S z[D];
    pre<S, T>(x, in, p, z);
    const T *W = paramOf<T>(p, 0);
    for (int i = 0; i < D; ++i) {
      S y = std::tanh(z[i]);
      for (int j = 0; j < D; ++j)
        J[i * D + j] = (S(1) - y * y) * S(W[i * D + j]);
    }
  }
  static void makeParams(std::vector<std::vector<double>> &p,
                         std::mt19937_64 &rng) {
    std::normal_distribution<double> n;
    p = {std::vector<double>(9), std::vector<double>(6),
         std::vector<double>(3)};
    // Entries ~ gain / sqrt(D): spectral radius about `gain`.
    for (double &v : p[0])
      v = n(rng) * gain / std::sqrt(double(D));
    for (double &v : p[1])
      v = n(rng) * 0.5;
    for (double &v : p[2])
      v = n(rng) * 0.1;
  }
  static double x0Value(std::mt19937_64 &rng) {
    return std::normal_distribution<double>()(rng) * 0.5;
  }
  static double inputValue(std::mt19937_64 &rng) {
    return std::normal_distribution<double>()(rng);
  }
  static double flops() { return 2 * 9 + 2 * 6 + 10 * 3; }
};

/// x' = P[w] x with an i32 input w indexing 6 permutation matrices of 5
/// elements: the S5 word problem in small (linear, a gathered Jacobian).
struct Permutations {
  static constexpr bool isAffine = true;
  static constexpr int32_t jacobianKind = 5; // lds_model.jacobian_kind
  static constexpr const char *name = "permutations";
  static constexpr int D = 5;
  static constexpr int kNumPerms = 6;
  static constexpr lds_solver defaultSolver = LDS_SOLVER_NEWTON;
  static std::vector<TensorSpec> states() { return {{"x", 1, {5}}}; }
  static std::vector<TensorSpec> inputs() {
    TensorSpec w{"w", 0, {}};
    w.isIndex = true;
    w.indexRange = kNumPerms;
    return {w};
  }
  static std::vector<TensorSpec> params() { return {{"P", 3, {6, 5, 5}}}; }
  template <class S, class T>
  static void f(const S *x, const void *const *in, const void *const *p,
                S *out) {
    int32_t w = *static_cast<const int32_t *>(in[0]);
    const T *P = paramOf<T>(p, 0) + w * D * D;
    S tmp[D];
    for (int i = 0; i < D; ++i) {
      S acc = 0;
      for (int j = 0; j < D; ++j)
        acc += S(P[i * D + j]) * x[j];
      tmp[i] = acc;
    }
    std::memcpy(out, tmp, sizeof(tmp));
  }
  template <class S, class T>
  static void jac(const S *, const void *const *in, const void *const *p,
                  S *J) {
    int32_t w = *static_cast<const int32_t *>(in[0]);
    const T *P = paramOf<T>(p, 0) + w * D * D;
    for (int i = 0; i < D * D; ++i)
      J[i] = S(P[i]);
  }
  static void makeParams(std::vector<std::vector<double>> &p,
                         std::mt19937_64 &rng) {
    p = {std::vector<double>(kNumPerms * D * D, 0.0)};
    for (int k = 0; k < kNumPerms; ++k) {
      int perm[D] = {0, 1, 2, 3, 4};
      std::shuffle(perm, perm + D, rng);
      for (int i = 0; i < D; ++i)
        p[0][k * D * D + i * D + perm[i]] = 1;
    }
  }
  static double x0Value(std::mt19937_64 &) {
    // x0 = (1..5) for every sequence: Data asks D values per sequence.
    static int next = 0;
    return 1 + (next++ % D);
  }
  static double inputValue(std::mt19937_64 &) { return 0; }
  static int32_t indexValue(std::mt19937_64 &rng) {
    return std::uniform_int_distribution<int32_t>(0, kNumPerms - 1)(rng);
  }
  static double flops() { return 2 * D * D; }
};

/// x' = tanh(4 x + 0.5 R x) with R a rotation: a finite, contracting orbit,
/// but a Jacobian near x0 of about 4, so a linearisation around the initial
/// guess grows like 4^t and overflows. No inputs, no params.
struct Overflow {
  static constexpr bool isAffine = false;
  static constexpr int32_t jacobianKind = 0; // lds_model.jacobian_kind
  static constexpr const char *name = "overflow";
  static constexpr int D = 2;
  static constexpr lds_solver defaultSolver = LDS_SOLVER_NEWTON;
  static std::vector<TensorSpec> states() { return {{"x", 1, {2}}}; }
  static std::vector<TensorSpec> inputs() { return {}; }
  static std::vector<TensorSpec> params() { return {}; }
  template <class S, class T>
  static void f(const S *x, const void *const *, const void *const *, S *out) {
    S a = std::tanh(S(4) * x[0] + S(0.5) * x[1]);
    S b = std::tanh(S(4) * x[1] - S(0.5) * x[0]);
    out[0] = a;
    out[1] = b;
  }
  template <class S, class T>
  static void jac(const S *x, const void *const *, const void *const *, S *J) {
    S a = std::tanh(S(4) * x[0] + S(0.5) * x[1]);
    S b = std::tanh(S(4) * x[1] - S(0.5) * x[0]);
    J[0] = (S(1) - a * a) * S(4);
    J[1] = (S(1) - a * a) * S(0.5);
    J[2] = (S(1) - b * b) * S(-0.5);
    J[3] = (S(1) - b * b) * S(4);
  }
  static void makeParams(std::vector<std::vector<double>> &p,
                         std::mt19937_64 &) {
    p.clear();
  }
  static double x0Value(std::mt19937_64 &) { return 0.05; }
  static double inputValue(std::mt19937_64 &) { return 0; }
  static double flops() { return 30; }
};

/// The logistic map x' = r x (1 - x), chaotic at r = 3.9.
struct Logistic {
  static constexpr bool isAffine = false;
  static constexpr int32_t jacobianKind = 0; // lds_model.jacobian_kind
  static constexpr const char *name = "logistic";
  static constexpr int D = 1;
  static constexpr lds_solver defaultSolver = LDS_SOLVER_NEWTON;
  static inline double x0 = 0.3;
  static std::vector<TensorSpec> states() { return {{"x", 0, {}}}; }
  static std::vector<TensorSpec> inputs() { return {}; }
  static std::vector<TensorSpec> params() { return {{"r", 0, {}}}; }
  template <class S, class T>
  static void f(const S *x, const void *const *, const void *const *p, S *out) {
    out[0] = S(*paramOf<T>(p, 0)) * x[0] * (S(1) - x[0]);
  }
  template <class S, class T>
  static void jac(const S *x, const void *const *, const void *const *p, S *J) {
    J[0] = S(*paramOf<T>(p, 0)) * (S(1) - S(2) * x[0]);
  }
  static void makeParams(std::vector<std::vector<double>> &p,
                         std::mt19937_64 &) {
    p = {{3.9}};
  }
  static double x0Value(std::mt19937_64 &) { return x0; }
  static double inputValue(std::mt19937_64 &) { return 0; }
  static double flops() { return 3; }
};

//===----------------------------------------------------------------------===//
// The kernels lds-compile would emit for a model
//===----------------------------------------------------------------------===//

/// The lanes of Kernels::sequentialLanes.
constexpr int kTestLanes = 4;

template <class M, class T> struct Kernels {
  static constexpr int D = M::D;
  using In = const void *const *;

  static void fOf(const void *x, In u, In p, T *out) {
    M::template f<T, T>(static_cast<const T *>(x), u, p, out);
  }
  static void step(const void *x, In u, In p, void *out) {
    T y[D];
    fOf(x, u, p, y);
    std::memcpy(out, y, sizeof(y));
  }
  /// A C++ lds_sequential_fn (buildModel leaves `sequential` NULL; tests
  /// set it to this to check the runtime's use of the compiled loop).
  static inline std::atomic<int64_t> sequentialCalls{0};
  static void sequential(const void *xPrev, In u, const int64_t *stepBytes,
                         In p, int64_t n, void *out) {
    ++sequentialCalls;
    size_t numInputs = M::inputs().size();
    std::vector<const void *> ut(numInputs);
    const void *prev = xPrev;
    for (int64_t t = 0; t < n; ++t) {
      for (size_t i = 0; i < numInputs; ++i)
        ut[i] = static_cast<const char *>(u[i]) + t * stepBytes[i];
      T *row = static_cast<T *>(out) + t * D;
      step(prev, ut.data(), p, row);
      prev = row;
    }
  }
  /// A C++ lds_sequential_lanes_fn of kTestLanes lanes, `sequential` lane
  /// by lane; it records each call's out pointers in lane order.
  static inline std::mutex lanesMutex;
  static inline std::vector<std::vector<void *>> lanesCalls;
  static void sequentialLanes(In xPrev, In u, const int64_t *stepBytes, In p,
                              int64_t n, void *const *out) {
    {
      std::lock_guard<std::mutex> lock(lanesMutex);
      lanesCalls.emplace_back(out, out + kTestLanes);
    }
    size_t numInputs = M::inputs().size();
    for (int l = 0; l < kTestLanes; ++l)
      sequential(xPrev[l], u + l * numInputs, stepBytes, p, n, out[l]);
  }
  static void jacobian(const void *x, In u, In p, void *out) {
    T J[D * D];
    M::template jac<T, T>(static_cast<const T *>(x), u, p, J);
    std::memcpy(out, J, sizeof(J));
  }
  static void jacobianDiag(const void *x, In u, In p, void *out) {
    T J[D * D], g[D];
    M::template jac<T, T>(static_cast<const T *>(x), u, p, J);
    for (int d = 0; d < D; ++d)
      g[d] = J[d * D + d];
    std::memcpy(out, g, sizeof(g));
  }
  static void check(const void *xNew, const void *xOld, const void *tol,
                    void *out) {
    const T *a = static_cast<const T *>(xNew),
            *b = static_cast<const T *>(xOld);
    const T *t = static_cast<const T *>(tol);
    T worst = -std::numeric_limits<T>::infinity();
    bool finite = true;
    for (int d = 0; d < D; ++d) {
      finite &= std::isfinite(a[d]) && std::isfinite(b[d]);
      T v = std::fabs(a[d] - b[d]) - (t[0] + t[1] * std::fabs(a[d]));
      worst = v > worst ? v : worst;
    }
    *static_cast<T *>(out) =
        finite ? worst : std::numeric_limits<T>::quiet_NaN();
  }

  // Newton: A = J(x_prev), b = f(x_prev) - A x_prev.
  static void newtonElement(const void *xp, In u, In p, void *a, void *b) {
    const T *x = static_cast<const T *>(xp);
    T J[D * D], fx[D], c[D];
    M::template jac<T, T>(x, u, p, J);
    fOf(xp, u, p, fx);
    for (int i = 0; i < D; ++i) {
      T acc = fx[i];
      for (int j = 0; j < D; ++j)
        acc -= J[i * D + j] * x[j];
      c[i] = acc;
    }
    std::memcpy(a, J, sizeof(J));
    std::memcpy(b, c, sizeof(c));
  }
  static void denseCombine(const void *a2p, const void *b2p, const void *a1p,
                           const void *b1p, void *ap, void *bp) {
    const T *a2 = static_cast<const T *>(a2p),
            *b2 = static_cast<const T *>(b2p);
    const T *a1 = static_cast<const T *>(a1p),
            *b1 = static_cast<const T *>(b1p);
    T A[D * D], c[D];
    for (int i = 0; i < D; ++i) {
      for (int j = 0; j < D; ++j) {
        T acc = 0;
        for (int k = 0; k < D; ++k)
          acc += a2[i * D + k] * a1[k * D + j];
        A[i * D + j] = acc;
      }
      T acc = b2[i];
      for (int k = 0; k < D; ++k)
        acc += a2[i * D + k] * b1[k];
      c[i] = acc;
    }
    std::memcpy(ap, A, sizeof(A));
    std::memcpy(bp, c, sizeof(c));
  }
  static void denseApply(const void *ap, const void *bp, const void *xp,
                         void *out) {
    const T *a = static_cast<const T *>(ap), *b = static_cast<const T *>(bp);
    const T *x = static_cast<const T *>(xp);
    T y[D];
    for (int i = 0; i < D; ++i) {
      T acc = b[i];
      for (int j = 0; j < D; ++j)
        acc += a[i * D + j] * x[j];
      y[i] = acc;
    }
    std::memcpy(out, y, sizeof(y));
  }

  // Quasi-Newton: A = diag J(x_prev), b = f(x_prev) - A x_prev.
  static void diagElement(const void *xp, In u, In p, void *a, void *b) {
    const T *x = static_cast<const T *>(xp);
    T g[D], fx[D], c[D];
    jacobianDiag(xp, u, p, g);
    fOf(xp, u, p, fx);
    for (int i = 0; i < D; ++i)
      c[i] = fx[i] - g[i] * x[i];
    std::memcpy(a, g, sizeof(g));
    std::memcpy(b, c, sizeof(c));
  }
  static void diagCombine(const void *a2p, const void *b2p, const void *a1p,
                          const void *b1p, void *ap, void *bp) {
    const T *a2 = static_cast<const T *>(a2p),
            *b2 = static_cast<const T *>(b2p);
    const T *a1 = static_cast<const T *>(a1p),
            *b1 = static_cast<const T *>(b1p);
    T A[D], c[D];
    for (int i = 0; i < D; ++i) {
      A[i] = a2[i] * a1[i];
      c[i] = a2[i] * b1[i] + b2[i];
    }
    std::memcpy(ap, A, sizeof(A));
    std::memcpy(bp, c, sizeof(c));
  }
  static void diagApply(const void *ap, const void *bp, const void *xp,
                        void *out) {
    const T *a = static_cast<const T *>(ap), *b = static_cast<const T *>(bp);
    const T *x = static_cast<const T *>(xp);
    T y[D];
    for (int i = 0; i < D; ++i)
      y[i] = a[i] * x[i] + b[i];
    std::memcpy(out, y, sizeof(y));
  }

  // Picard: A = I, b = f(x_prev) - x_prev.
  static void picardElement(const void *xp, In u, In p, void *, void *b) {
    const T *x = static_cast<const T *>(xp);
    T fx[D];
    fOf(xp, u, p, fx);
    for (int i = 0; i < D; ++i)
      fx[i] -= x[i];
    std::memcpy(b, fx, sizeof(fx));
  }
  static void picardCombine(const void *, const void *b2p, const void *,
                            const void *b1p, void *, void *bp) {
    const T *b2 = static_cast<const T *>(b2p),
            *b1 = static_cast<const T *>(b1p);
    T c[D];
    for (int i = 0; i < D; ++i)
      c[i] = b1[i] + b2[i];
    std::memcpy(bp, c, sizeof(c));
  }
  static void picardApply(const void *, const void *bp, const void *xp,
                          void *out) {
    const T *b = static_cast<const T *>(bp), *x = static_cast<const T *>(xp);
    T y[D];
    for (int i = 0; i < D; ++i)
      y[i] = x[i] + b[i];
    std::memcpy(out, y, sizeof(y));
  }

  // Jacobi: A = 0, b = f(x_prev).
  static void jacobiElement(const void *xp, In u, In p, void *, void *b) {
    step(xp, u, p, b);
  }
  static void jacobiCombine(const void *, const void *b2p, const void *,
                            const void *, void *, void *bp) {
    std::memmove(bp, b2p, sizeof(T) * D);
  }
  static void jacobiApply(const void *, const void *bp, const void *,
                          void *out) {
    std::memmove(out, bp, sizeof(T) * D);
  }
};

//===----------------------------------------------------------------------===//
// Descriptors
//===----------------------------------------------------------------------===//

/// Bit of a solver in a mask of compiled solvers.
constexpr unsigned bit(lds_solver s) { return 1u << s; }
constexpr unsigned kAllSolvers =
    bit(LDS_SOLVER_JACOBI) | bit(LDS_SOLVER_PICARD) |
    bit(LDS_SOLVER_QUASI_NEWTON) | bit(LDS_SOLVER_NEWTON);

/// A descriptor and the tables it points to.
struct BuiltModel {
  std::vector<lds_tensor_info> states, inputs, params;
  lds_model m;
};

inline std::vector<lds_tensor_info> infos(const std::vector<TensorSpec> &specs,
                                          lds_dtype dtype) {
  std::vector<lds_tensor_info> out;
  for (const TensorSpec &s : specs) {
    lds_tensor_info i{};
    i.name = s.name;
    i.dtype = s.isIndex ? LDS_DTYPE_I32 : dtype;
    i.rank = s.rank;
    for (int k = 0; k < s.rank; ++k)
      i.shape[k] = s.shape[k];
    i.size = s.size();
    i.index_range = s.indexRange;
    out.push_back(i);
  }
  return out;
}

template <class M, class T>
std::unique_ptr<BuiltModel>
buildModel(unsigned solvers = kAllSolvers,
           lds_solver defaultSolver = M::defaultSolver) {
  using K = Kernels<M, T>;
  constexpr int D = M::D;
  auto b = std::make_unique<BuiltModel>();
  lds_dtype dtype = dtypeOf<T>();
  b->states = infos(M::states(), dtype);
  b->inputs = infos(M::inputs(), dtype);
  b->params = infos(M::params(), dtype);
  lds_model &m = b->m;
  std::memset(&m, 0, sizeof(m));
  m.abi_version = LDS_ABI_VERSION;
  m.name = M::name;
  m.dtype = dtype;
  m.state_dim = D;
  m.num_states = int32_t(b->states.size());
  m.states = b->states.data();
  m.num_inputs = int32_t(b->inputs.size());
  m.inputs = b->inputs.empty() ? nullptr : b->inputs.data();
  m.num_params = int32_t(b->params.size());
  m.params = b->params.empty() ? nullptr : b->params.data();
  m.default_solver = defaultSolver;
  m.flops_per_step = M::flops();
  m.step = &K::step;
  m.jacobian = &K::jacobian;
  m.jacobian_diag = &K::jacobianDiag;
  m.check = &K::check;
  m.is_affine = M::isAffine;
  m.jacobian_kind = M::jacobianKind;
  double f = M::flops();
  auto set = [&](lds_solver s, lds_element_fn e, lds_combine_fn c,
                 lds_apply_fn a, lds_a_kind kind, int64_t size, double flops) {
    if (!(solvers & bit(s)))
      return;
    m.solvers[s] = {e, c, a, int32_t(kind), size, flops};
  };
  set(LDS_SOLVER_JACOBI, &K::jacobiElement, &K::jacobiCombine, &K::jacobiApply,
      LDS_A_NONE, 0, f);
  set(LDS_SOLVER_PICARD, &K::picardElement, &K::picardCombine, &K::picardApply,
      LDS_A_IDENTITY, 0, f + 2 * D);
  set(LDS_SOLVER_QUASI_NEWTON, &K::diagElement, &K::diagCombine, &K::diagApply,
      LDS_A_DIAGONAL, D, 3 * f + 5 * D);
  set(LDS_SOLVER_NEWTON, &K::newtonElement, &K::denseCombine, &K::denseApply,
      LDS_A_DENSE, D * D, f + D * f + 2.0 * D * D * D);
  return b;
}

//===----------------------------------------------------------------------===//
// Data and the sequential reference
//===----------------------------------------------------------------------===//

/// Params, x0 and inputs of one solve, in the model's storage type T.
template <class M, class T> struct Data {
  int64_t T_ = 0, batch = 0;
  std::vector<std::vector<T>> params;
  std::vector<std::vector<T>> floatInputs; // per input (empty for i32)
  std::vector<std::vector<int32_t>> indexInputs;
  std::vector<T> x0;
  std::vector<const void *> paramPtrs, inputPtrs;

  Data(int64_t steps, int64_t batch, uint64_t seed) : T_(steps), batch(batch) {
    std::mt19937_64 rng(seed);
    std::vector<std::vector<double>> p;
    M::makeParams(p, rng);
    for (auto &v : p)
      params.emplace_back(v.begin(), v.end());
    for (auto &v : params)
      paramPtrs.push_back(v.data());
    x0.resize(batch * M::D);
    for (T &v : x0)
      v = T(M::x0Value(rng));
    std::vector<TensorSpec> in = M::inputs();
    floatInputs.resize(in.size());
    indexInputs.resize(in.size());
    for (size_t i = 0; i < in.size(); ++i) {
      int64_t n = batch * steps * in[i].size();
      if (in[i].isIndex) {
        indexInputs[i].resize(n);
        for (auto &v : indexInputs[i])
          v = indexOf(rng);
        inputPtrs.push_back(indexInputs[i].data());
      } else {
        floatInputs[i].resize(n);
        for (auto &v : floatInputs[i])
          v = T(M::inputValue(rng));
        inputPtrs.push_back(floatInputs[i].data());
      }
    }
  }

  static int32_t indexOf(std::mt19937_64 &rng) {
    if constexpr (std::is_same_v<M, Permutations>)
      return M::indexValue(rng);
    return 0;
  }

  const void *const *paramArg() const {
    return paramPtrs.empty() ? nullptr : paramPtrs.data();
  }
  const void *const *inputArg() const {
    return inputPtrs.empty() ? nullptr : inputPtrs.data();
  }

  /// Pointers to input values of sequence b at row i (u_{i+1}).
  std::vector<const void *> stepInputs(int64_t b, int64_t i) const {
    std::vector<const void *> u;
    std::vector<TensorSpec> in = M::inputs();
    for (size_t k = 0; k < in.size(); ++k) {
      int64_t off = (b * T_ + i) * in[k].size();
      if (in[k].isIndex)
        u.push_back(indexInputs[k].data() + off);
      else
        u.push_back(floatInputs[k].data() + off);
    }
    return u;
  }

  /// The sequential reference, a plain loop over M's formula in S
  /// (double: the reference; T: the same rounding as the kernels).
  template <class S> std::vector<S> sequential() const {
    std::vector<S> out(batch * T_ * M::D);
    for (int64_t b = 0; b < batch; ++b) {
      S prev[M::D];
      for (int d = 0; d < M::D; ++d)
        prev[d] = S(x0[b * M::D + d]);
      for (int64_t i = 0; i < T_; ++i) {
        std::vector<const void *> u = stepInputs(b, i);
        S *row = out.data() + (b * T_ + i) * M::D;
        M::template f<S, T>(prev, u.data(), paramArg(), row);
        std::memcpy(prev, row, sizeof(prev));
      }
    }
    return out;
  }

  /// max_t,d |x_t - f(x_{t-1})| of `states`, evaluated in T.
  double residual(const std::vector<T> &states) const {
    double worst = 0;
    for (int64_t b = 0; b < batch; ++b)
      for (int64_t i = 0; i < T_; ++i) {
        const T *prev = i == 0 ? x0.data() + b * M::D
                               : states.data() + (b * T_ + i - 1) * M::D;
        const T *row = states.data() + (b * T_ + i) * M::D;
        std::vector<const void *> u = stepInputs(b, i);
        T fx[M::D];
        M::template f<T, T>(prev, u.data(), paramArg(), fx);
        for (int d = 0; d < M::D; ++d) {
          double r = std::fabs(double(row[d]) - double(fx[d]));
          if (std::isnan(r))
            return NAN;
          worst = r > worst ? r : worst;
        }
      }
    return worst;
  }
};

/// max |x - ref| / max(1, max |ref|) per sequence, the largest over the batch.
template <class T>
double relativeError(const std::vector<T> &x, const std::vector<double> &ref,
                     int64_t batch) {
  int64_t per = int64_t(ref.size()) / batch;
  double worst = 0;
  for (int64_t b = 0; b < batch; ++b) {
    double err = 0, scale = 1;
    for (int64_t i = b * per; i < (b + 1) * per; ++i) {
      double e = std::fabs(double(x[i]) - ref[i]);
      if (std::isnan(e))
        return NAN;
      err = e > err ? e : err;
      scale = std::fabs(ref[i]) > scale ? std::fabs(ref[i]) : scale;
    }
    worst = err / scale > worst ? err / scale : worst;
  }
  return worst;
}

} // namespace lds_test

#endif // LDS_TEST_RUNTIME_TESTMODELS_H
