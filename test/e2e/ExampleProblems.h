//===- ExampleProblems.h - random problems and their float64 references --===//
//
// Shared by the end-to-end tests of the examples on the CPU (EndToEndTest)
// and on the GPU (test/gpu/GpuExamplesTest): random params, inputs and x0
// for a compiled model, kept in double (rounded to float first for f32
// models, so that the reference reads the values the solve gets), the
// sequential float64 reference over References.h's step functions, and the
// packing of values into the model's dtype.
//
//===----------------------------------------------------------------------===//

#ifndef LDS_TEST_E2E_EXAMPLEPROBLEMS_H
#define LDS_TEST_E2E_EXAMPLEPROBLEMS_H

#include "References.h"
#include "lds/model_abi.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <functional>
#include <random>
#include <vector>

namespace lds_test {

using StepFn = std::function<Vec(const Vec &, const StepArgs &)>;

/// Random data for one problem, kept in double; converted to the model's
/// dtype for lds_solve (and the reference uses the converted values).
struct Problem {
  std::vector<Vec> params;
  std::vector<Vec> inputs; // per input: [batch][T][size] (i32 as values)
  Vec x0;                  // [batch][D]
};

inline Vec permutationMatrices(int n) {
  std::vector<int> perm(n);
  for (int i = 0; i < n; ++i)
    perm[i] = i;
  Vec out;
  do {
    for (int i = 0; i < n; ++i)
      for (int j = 0; j < n; ++j)
        out.push_back(perm[i] == j ? 1.0 : 0.0);
  } while (std::next_permutation(perm.begin(), perm.end()));
  return out;
}

inline Problem makeProblem(const lds_model *m, int64_t T, int64_t batch,
                           bool isF32, uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::uniform_real_distribution<double> uniform(-1.0, 1.0);
  std::normal_distribution<double> normal(0.0, 1.0);
  auto round = [&](double v) { return isF32 ? double(float(v)) : v; };
  Problem p;
  for (int i = 0; i < m->num_params; ++i) {
    const lds_tensor_info &t = m->params[i];
    Vec v(t.size);
    if (t.rank == 3 && t.shape[1] == 5 && t.shape[2] == 5 && t.shape[0] == 120)
      v = permutationMatrices(5);
    else if (t.rank == 2)
      for (double &e : v)
        e = round(uniform(rng) / std::sqrt(double(t.shape[1])));
    else
      for (double &e : v)
        e = round(0.5 * uniform(rng));
    p.params.push_back(v);
  }
  for (int i = 0; i < m->num_inputs; ++i) {
    const lds_tensor_info &t = m->inputs[i];
    Vec v(batch * T * t.size);
    for (double &e : v)
      e = t.dtype == LDS_DTYPE_I32 ? double(rng() % t.index_range)
                                   : round(normal(rng));
    p.inputs.push_back(v);
  }
  p.x0.resize(batch * m->state_dim);
  for (double &e : p.x0)
    e = round(0.5 * normal(rng));
  return p;
}

/// The sequential float64 reference, [batch][T][D].
inline Vec reference(const StepFn &step, const lds_model *m, const Problem &p,
                     int64_t T, int64_t batch) {
  int64_t d = m->state_dim;
  Vec out(batch * T * d);
  for (int64_t b = 0; b < batch; ++b) {
    Vec x(p.x0.begin() + b * d, p.x0.begin() + (b + 1) * d);
    for (int64_t t = 0; t < T; ++t) {
      std::vector<const double *> u;
      int32_t w = 0;
      for (int i = 0; i < m->num_inputs; ++i) {
        const double *at = p.inputs[i].data() + (b * T + t) * m->inputs[i].size;
        u.push_back(at);
        if (m->inputs[i].dtype == LDS_DTYPE_I32)
          w = int32_t(*at);
      }
      x = step(x, StepArgs{p.params, u, w});
      std::copy(x.begin(), x.end(), out.begin() + (b * T + t) * d);
    }
  }
  return out;
}

/// `v` converted to T, as bytes.
template <typename T> std::vector<char> pack(const Vec &v) {
  std::vector<char> out(v.size() * sizeof(T));
  T *p = reinterpret_cast<T *>(out.data());
  for (size_t i = 0; i < v.size(); ++i)
    p[i] = T(v[i]);
  return out;
}

} // namespace lds_test

#endif // LDS_TEST_E2E_EXAMPLEPROBLEMS_H
