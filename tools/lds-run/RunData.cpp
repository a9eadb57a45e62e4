//===- RunData.cpp - params, inputs and x0 for lds-run --------------------===//
//
// Random data (--seed S, default 0) comes from std::mt19937_64 seeded with
// std::seed_seq{seed_lo, seed_hi, stream}: stream 1 draws the params, 2 the
// inputs and 3 x0, so that e.g. --T does not change the params. Both are
// specified exactly by the C++ standard, so a seed gives the same data on
// every platform. uniform(a, b) = a + (b - a) * (bits >> 11) * 2^-53;
// normal values come from the Box-Muller transform.
//
//   params [m, k]      uniform(-1/sqrt(k), 1/sqrt(k))  (PyTorch's RNN init)
//   params [n, k, k]   permutation matrices: all k! of them in lexicographic
//                      order when n == k! (the S5 word problem), else n
//                      random ones; P[i][perm[i]] = 1, so (P x)_i = x_perm[i]
//   params [n, m, k]   (m != k) uniform(-1/sqrt(k), 1/sqrt(k))
//   other params       uniform(-0.5, 0.5)
//   float inputs       N(0, 1)
//   i32 inputs         uniform integers in [0, index_range)
//   x0                 N(0, 0.5^2)
//
//===----------------------------------------------------------------------===//

#include "RunData.h"
#include "Npy.h"

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <numeric>
#include <random>

using namespace lds;
using namespace lds::run;
using npy::Array;
using npy::NamedArray;

namespace {

class Rng {
public:
  Rng(uint64_t seed, uint32_t stream) {
    std::seed_seq seq{static_cast<uint32_t>(seed),
                      static_cast<uint32_t>(seed >> 32), stream};
    gen.seed(seq);
  }
  /// In [0, 1).
  double uniform() { return static_cast<double>(gen() >> 11) * 0x1.0p-53; }
  double uniform(double a, double b) { return a + (b - a) * uniform(); }
  /// In [0, n), unbiased.
  uint64_t below(uint64_t n) {
    uint64_t limit = UINT64_MAX - UINT64_MAX % n;
    uint64_t v;
    do
      v = gen();
    while (v >= limit);
    return v % n;
  }
  double normal() {
    if (haveSpare) {
      haveSpare = false;
      return spare;
    }
    double u1 = 1.0 - uniform(); // (0, 1]
    double u2 = uniform();
    double r = std::sqrt(-2.0 * std::log(u1));
    spare = r * std::sin(2 * M_PI * u2);
    haveSpare = true;
    return r * std::cos(2 * M_PI * u2);
  }

private:
  std::mt19937_64 gen;
  double spare = 0;
  bool haveSpare = false;
};

std::string quote(const std::string &s) { return "'" + s + "'"; }

std::vector<int64_t> getShape(const lds_tensor_info &info) {
  return std::vector<int64_t>(info.shape, info.shape + info.rank);
}

/// The value of the model's float type nearest to `v`.
double roundTo(double v, lds_dtype dtype) {
  return dtype == LDS_DTYPE_F32 ? static_cast<double>(static_cast<float>(v))
                                : v;
}

npy::DType toNpy(lds_dtype dtype) {
  return dtype == LDS_DTYPE_F32   ? npy::DType::F32
         : dtype == LDS_DTYPE_F64 ? npy::DType::F64
                                  : npy::DType::I32;
}

/// "(0, 3, 2)": the multi-index of element `flat` of `shape`.
std::string formatIndex(int64_t flat, const std::vector<int64_t> &shape) {
  std::vector<int64_t> index(shape.size());
  for (size_t i = shape.size(); i-- > 0;) {
    index[i] = flat % shape[i];
    flat /= shape[i];
  }
  return npy::formatShape(index);
}

std::string listNames(const std::vector<std::string> &names) {
  if (names.empty())
    return "none";
  std::string s;
  for (size_t i = 0; i < names.size(); ++i)
    s += (i ? ", " : "") + names[i];
  return s;
}

/// The arrays of an .npz keyed by the model's declarations of one kind:
/// every declared name must be there, and nothing else.
bool matchArrays(const std::string &path, const char *kind,
                 const std::vector<const lds_tensor_info *> &decls,
                 std::vector<NamedArray> &arrays,
                 std::vector<const Array *> &matched, std::string &error) {
  std::vector<std::string> declNames, fileNames;
  for (const lds_tensor_info *d : decls)
    declNames.push_back(d->name);
  for (const NamedArray &a : arrays)
    fileNames.push_back(a.name);
  for (const NamedArray &a : arrays)
    if (std::find(declNames.begin(), declNames.end(), a.name) ==
        declNames.end()) {
      error = quote(path) + ": unexpected array " + quote(a.name) +
              ": the model has no " + kind + " " + quote(a.name) + " (" + kind +
              "s: " + listNames(declNames) + ")";
      return false;
    }
  matched.clear();
  for (const lds_tensor_info *d : decls) {
    auto it = std::find_if(arrays.begin(), arrays.end(),
                           [&](auto &a) { return a.name == d->name; });
    if (it == arrays.end()) {
      error = quote(path) + ": missing array " + quote(d->name) + " for " +
              kind + " " + quote(d->name) + " (" + describeTensor(*d) +
              "); the file has: " + listNames(fileNames);
      return false;
    }
    matched.push_back(&it->array);
  }
  return true;
}

/// How errors name an array: "'u.npz': array 'x'", or "'x0.npy'".
std::string arrayLabel(const std::string &path, const std::string &name) {
  return name.empty() ? quote(path) : quote(path) + ": array " + quote(name);
}

/// Checks that `a` (array `name` of `path`; "" for a .npy) holds floats that
/// can feed a model of `dtype`; records a conversion in `converted`.
bool checkFloatDType(const std::string &path, const std::string &name,
                     const std::string &what, const Array &a, lds_dtype dtype,
                     std::vector<std::string> &converted, std::string &error) {
  npy::DType want = toNpy(dtype);
  if (a.dtype == want)
    return true;
  if (a.dtype == npy::DType::F32 || a.dtype == npy::DType::F64) {
    converted.push_back(name);
    return true;
  }
  error = arrayLabel(path, name) + " is " + npy::getDTypeName(a.dtype) +
          " but " + what + " needs " + npy::getDTypeName(want);
  return false;
}

void noteConversions(const std::string &path,
                     const std::vector<std::string> &converted, lds_dtype dtype,
                     std::vector<std::string> &notes) {
  if (converted.empty())
    return;
  const char *to = dtype == LDS_DTYPE_F32 ? "float32" : "float64";
  const char *from = dtype == LDS_DTYPE_F32 ? "float64" : "float32";
  notes.push_back(quote(path) + ": converting " + from + " to " + to +
                  " (the model's float type): " + listNames(converted));
}

/// Float values of `a`, rounded to `dtype`. The first non-finite value, if
/// any, is described in `nonFinite` (left empty when all are finite).
void readFloats(const std::string &path, const std::string &name,
                const Array &a, lds_dtype dtype, std::vector<double> &out,
                std::string &nonFinite) {
  int64_t n = a.getNumElements();
  out.resize(n);
  nonFinite.clear();
  for (int64_t i = 0; i < n; ++i) {
    double v = roundTo(a.getDouble(i), dtype);
    if (!std::isfinite(v) && nonFinite.empty())
      nonFinite =
          arrayLabel(path, name) + " has a non-finite value at " +
          formatIndex(i, a.shape) +
          (std::isfinite(a.getDouble(i)) ? " (after conversion to float32)"
                                         : "");
    out[i] = v;
  }
}

/// readFloats where a non-finite value is an error.
bool readFiniteFloats(const std::string &path, const std::string &name,
                      const Array &a, lds_dtype dtype, std::vector<double> &out,
                      std::string &error) {
  readFloats(path, name, a, dtype, out, error);
  return error.empty();
}

//===----------------------------------------------------------------------===//
// Random data
//===----------------------------------------------------------------------===//

int64_t factorialOrZero(int64_t k) {
  int64_t f = 1;
  for (int64_t i = 2; i <= k; ++i) {
    if (f > INT64_MAX / i)
      return 0;
    f *= i;
  }
  return f;
}

std::vector<double> randomParam(const lds_tensor_info &info, lds_dtype dtype,
                                Rng &rng) {
  std::vector<double> v(info.size);
  if (info.rank == 3 && info.shape[1] == info.shape[2]) {
    int64_t n = info.shape[0], k = info.shape[1];
    bool all = factorialOrZero(k) == n;
    std::vector<int64_t> perm(k);
    std::iota(perm.begin(), perm.end(), 0);
    for (int64_t p = 0; p < n; ++p) {
      if (all) {
        if (p > 0)
          std::next_permutation(perm.begin(), perm.end());
      } else {
        std::iota(perm.begin(), perm.end(), 0);
        for (int64_t i = k - 1; i > 0; --i)
          std::swap(perm[i], perm[rng.below(uint64_t(i) + 1)]);
      }
      for (int64_t i = 0; i < k; ++i)
        v[(p * k + i) * k + perm[i]] = 1;
    }
    return v;
  }
  double bound = 0.5;
  if (info.rank >= 2)
    bound = 1.0 / std::sqrt(static_cast<double>(info.shape[info.rank - 1]));
  for (double &x : v)
    x = roundTo(rng.uniform(-bound, bound), dtype);
  return v;
}

//===----------------------------------------------------------------------===//
// Inputs from a file: shapes (T, *shape) or (batch, T, *shape)
//===----------------------------------------------------------------------===//

struct InputLayout {
  int64_t batch = 1, T = 0;
  bool hasBatch = false;
};

std::string expectedInputShapes(const lds_tensor_info &info, int64_t T,
                                int64_t batch) {
  std::vector<int64_t> shape = getShape(info);
  std::string tail;
  for (int64_t d : shape)
    tail += ", " + std::to_string(d);
  std::string t = T ? std::to_string(T) : "T";
  std::string b = batch ? std::to_string(batch) : "batch";
  std::string withBatch = "(" + b + ", " + t + tail + ")";
  if (batch > 1)
    return withBatch;
  std::string noBatch = "(" + t + tail + (shape.empty() ? ",)" : ")");
  return noBatch + " or " + withBatch;
}

} // namespace

std::string lds::run::describeTensor(const lds_tensor_info &info) {
  std::string s = lds_dtype_name(info.dtype);
  if (info.rank == 0)
    return s;
  s += "[";
  for (int32_t i = 0; i < info.rank; ++i)
    s += (i ? ", " : "") + std::to_string(info.shape[i]);
  return s + "]";
}

bool lds::run::prepareRunData(const lds_model *model,
                              const DataOptions &options, RunData &data,
                              std::string &error) {
  lds_dtype dtype = lds_model_dtype(model);
  int64_t d = lds_model_state_dim(model);
  data = RunData();
  data.stateDim = d;
  std::vector<const lds_tensor_info *> params, inputs;
  for (int32_t i = 0; i < lds_model_num_params(model); ++i)
    params.push_back(lds_model_param(model, i));
  for (int32_t i = 0; i < lds_model_num_inputs(model); ++i)
    inputs.push_back(lds_model_input(model, i));
  std::string randomFrom = "random (seed " + std::to_string(options.seed) + ")";

  // Sizes: --T and --batch, else what the files say.
  std::vector<NamedArray> inputArrays;
  std::vector<const Array *> inputMatched;
  std::vector<InputLayout> layouts;
  const std::string &inPath = options.inputsPath;
  int64_t fileT = 0, fileBatch = 0;
  std::string batchSource; // which file set the batch, for messages
  if (!inPath.empty()) {
    if (!npy::readNpz(inPath, inputArrays, error) ||
        !matchArrays(inPath, "input", inputs, inputArrays, inputMatched, error))
      return false;
    std::string firstName;
    for (size_t i = 0; i < inputs.size(); ++i) {
      const lds_tensor_info &info = *inputs[i];
      const Array &a = *inputMatched[i];
      std::vector<int64_t> shape = getShape(info);
      InputLayout layout;
      size_t r = shape.size();
      auto tailMatches = [&](size_t lead) {
        return a.shape.size() == r + lead &&
               std::equal(shape.begin(), shape.end(), a.shape.begin() + lead);
      };
      if (tailMatches(2)) {
        layout.hasBatch = true;
        layout.batch = a.shape[0];
        layout.T = a.shape[1];
      } else if (tailMatches(1)) {
        layout.T = a.shape[0];
      } else {
        error = quote(inPath) + ": array " + quote(info.name) + " has shape " +
                npy::formatShape(a.shape) + " but input " + quote(info.name) +
                " is " + describeTensor(info) + ": expected " +
                expectedInputShapes(info, options.T, options.batch);
        return false;
      }
      if (layout.T < 1 || layout.batch < 1) {
        error = quote(inPath) + ": array " + quote(info.name) + " has shape " +
                npy::formatShape(a.shape) +
                ": it needs at least one time step and one sequence";
        return false;
      }
      if (options.T && layout.T != options.T) {
        error = quote(inPath) + ": array " + quote(info.name) + " has shape " +
                npy::formatShape(a.shape) + " but --T is " +
                std::to_string(options.T) + ": expected " +
                expectedInputShapes(info, options.T, options.batch);
        return false;
      }
      if (options.batch && layout.batch != options.batch) {
        error = quote(inPath) + ": array " + quote(info.name) + " has shape " +
                npy::formatShape(a.shape) + " but --batch is " +
                std::to_string(options.batch) + ": expected " +
                expectedInputShapes(info, options.T, options.batch);
        return false;
      }
      if (i == 0) {
        fileT = layout.T;
        fileBatch = layout.batch;
        firstName = info.name;
      } else if (layout.T != fileT || layout.batch != fileBatch) {
        bool t = layout.T != fileT;
        error = quote(inPath) + ": array " + quote(info.name) + " has " +
                (t ? "T = " + std::to_string(layout.T)
                   : "batch " + std::to_string(layout.batch)) +
                " but array " + quote(firstName) + " has " +
                (t ? "T = " + std::to_string(fileT)
                   : "batch " + std::to_string(fileBatch));
        return false;
      }
      layouts.push_back(layout);
    }
    if (!inputs.empty())
      batchSource = quote(inPath);
  }

  Array x0Array;
  const std::string &x0Path = options.x0Path;
  std::string x0Expected =
      "(" + std::to_string(d) + ",) or (batch, " + std::to_string(d) + ")";
  std::string stateDesc =
      std::string(lds_dtype_name(dtype)) + "[" + std::to_string(d) + "]";
  if (!x0Path.empty()) {
    if (!npy::readNpy(x0Path, x0Array, error))
      return false;
    const std::vector<int64_t> &s = x0Array.shape;
    bool ok = (s.size() == 1 && s[0] == d) ||
              (s.size() == 2 && s[1] == d && s[0] >= 1);
    if (!ok) {
      error = quote(x0Path) + " has shape " + npy::formatShape(s) +
              " but the state is " + stateDesc + ": expected " + x0Expected;
      return false;
    }
    if (s.size() == 2) {
      int64_t b = s[0];
      if (options.batch && b != options.batch) {
        error = quote(x0Path) + " has shape " + npy::formatShape(s) +
                " but --batch is " + std::to_string(options.batch) +
                ": expected (" + std::to_string(d) + ",) or (" +
                std::to_string(options.batch) + ", " + std::to_string(d) + ")";
        return false;
      }
      if (!batchSource.empty() && b != fileBatch) {
        error = quote(x0Path) + " has shape " + npy::formatShape(s) +
                " but the inputs in " + batchSource + " have batch " +
                std::to_string(fileBatch);
        return false;
      }
      if (batchSource.empty()) {
        fileBatch = b;
        batchSource = quote(x0Path);
      }
    }
  }
  data.T = options.T ? options.T : fileT ? fileT : 1000;
  data.batch = options.batch ? options.batch : fileBatch ? fileBatch : 1;
  int64_t T = data.T, batch = data.batch;
  // lds-run keeps the states, the inputs and (for --check) the reference in
  // memory; refuse sizes that cannot fit rather than die allocating.
  int64_t perStep = d;
  for (const lds_tensor_info *info : inputs)
    perStep += info->size;
  constexpr int64_t kMaxValues = int64_t(1) << 36;
  if (T > kMaxValues / batch || T * batch > kMaxValues / perStep) {
    error = "T = " + std::to_string(T) + " and batch " + std::to_string(batch) +
            " need more than 2^36 values of states "
            "and inputs; use a smaller --T or --batch";
    return false;
  }
  // Within that, what this machine cannot give is refused here too: a
  // failed allocation of lds-run's buffers would abort (LLVM's new handler).
  // They take at most three copies of the values in doubles (the data, its
  // conversion to the model's dtype, and --check's reference); one block of
  // that size is asked for and given back, which maps no page.
  int64_t bytes = T * batch * perStep * 8 * 3;
  if (void *probe = std::malloc(size_t(bytes))) {
    std::free(probe);
  } else {
    error = "T = " + std::to_string(T) + " and batch " + std::to_string(batch) +
            " need about " + std::to_string(bytes >> 20) +
            " MiB for the states and inputs, more than this machine can "
            "allocate; use a smaller --T or --batch";
    return false;
  }

  // Params.
  if (options.paramsPath.empty()) {
    Rng rng(options.seed, 1);
    for (const lds_tensor_info *info : params)
      data.params.push_back(randomParam(*info, dtype, rng));
    data.paramsFrom = params.empty() ? "none" : randomFrom;
  } else {
    const std::string &path = options.paramsPath;
    std::vector<NamedArray> arrays;
    std::vector<const Array *> matched;
    if (!npy::readNpz(path, arrays, error) ||
        !matchArrays(path, "param", params, arrays, matched, error))
      return false;
    std::vector<std::string> converted;
    for (size_t i = 0; i < params.size(); ++i) {
      const lds_tensor_info &info = *params[i];
      const Array &a = *matched[i];
      std::string what = "param " + quote(info.name);
      if (a.shape != getShape(info)) {
        error = quote(path) + ": array " + quote(info.name) + " has shape " +
                npy::formatShape(a.shape) + " but " + what + " is " +
                describeTensor(info) + ": expected " +
                npy::formatShape(getShape(info));
        return false;
      }
      if (!checkFloatDType(path, info.name, what, a, dtype, converted, error))
        return false;
      data.params.emplace_back();
      // lds_solve does not check params (a trajectory that goes non-finite
      // is reported), so a non-finite one is named here, in a note.
      std::string nonFinite;
      readFloats(path, info.name, a, dtype, data.params.back(), nonFinite);
      if (!nonFinite.empty())
        data.notes.push_back(nonFinite + ": the trajectory will not be finite");
    }
    noteConversions(path, converted, dtype, data.notes);
    data.paramsFrom = path;
  }

  // Inputs.
  if (inPath.empty()) {
    Rng rng(options.seed, 2);
    for (const lds_tensor_info *info : inputs) {
      InputData in;
      in.size = info->size;
      in.isInt = info->dtype == LDS_DTYPE_I32;
      int64_t n = batch * T * in.size;
      if (in.isInt) {
        in.ints.resize(n);
        uint64_t range = info->index_range > 0 ? info->index_range : 1;
        for (int32_t &v : in.ints)
          v = static_cast<int32_t>(rng.below(range));
      } else {
        in.values.resize(n);
        for (double &v : in.values)
          v = roundTo(rng.normal(), dtype);
      }
      data.inputs.push_back(std::move(in));
    }
    data.inputsFrom = inputs.empty() ? "none" : randomFrom;
  } else {
    std::vector<std::string> converted;
    for (size_t i = 0; i < inputs.size(); ++i) {
      const lds_tensor_info &info = *inputs[i];
      const Array &a = *inputMatched[i];
      InputData in;
      in.size = info.size;
      in.isInt = info.dtype == LDS_DTYPE_I32;
      if (in.isInt) {
        if (a.dtype != npy::DType::I32 && a.dtype != npy::DType::I64) {
          error = quote(inPath) + ": array " + quote(info.name) + " is " +
                  npy::getDTypeName(a.dtype) + " but input " +
                  quote(info.name) + " is i32: expected int32 or int64";
          return false;
        }
        int64_t n = a.getNumElements();
        in.ints.resize(n);
        for (int64_t k = 0; k < n; ++k) {
          int64_t v = a.getInt(k);
          bool bad = info.index_range > 0 ? v < 0 || v >= info.index_range
                                          : v < INT32_MIN || v > INT32_MAX;
          if (bad) {
            error = quote(inPath) + ": array " + quote(info.name) +
                    " has value " + std::to_string(v) + " at " +
                    formatIndex(k, a.shape) + ", outside the range " +
                    (info.index_range > 0
                         ? "[0, " + std::to_string(info.index_range) +
                               ") of input " + quote(info.name)
                         : std::string("of int32"));
            return false;
          }
          in.ints[k] = static_cast<int32_t>(v);
        }
      } else {
        if (!checkFloatDType(inPath, info.name, "input " + quote(info.name), a,
                             dtype, converted, error) ||
            !readFiniteFloats(inPath, info.name, a, dtype, in.values, error))
          return false;
      }
      data.inputs.push_back(std::move(in));
    }
    noteConversions(inPath, converted, dtype, data.notes);
    data.inputsFrom = inPath;
  }

  // x0.
  if (x0Path.empty()) {
    Rng rng(options.seed, 3);
    data.x0.resize(batch * d);
    for (double &v : data.x0)
      v = roundTo(0.5 * rng.normal(), dtype);
    data.x0From = randomFrom;
  } else {
    std::vector<std::string> converted;
    std::vector<double> values;
    if (!checkFloatDType(x0Path, "", "the state", x0Array, dtype, converted,
                         error) ||
        !readFiniteFloats(x0Path, "", x0Array, dtype, values, error))
      return false;
    if (!converted.empty())
      data.notes.push_back(quote(x0Path) + ": converting " +
                           (dtype == LDS_DTYPE_F32 ? "float64 to float32"
                                                   : "float32 to float64") +
                           " (the model's float type)");
    if (x0Array.shape.size() == 1) {
      data.x0.resize(batch * d);
      for (int64_t b = 0; b < batch; ++b)
        std::copy(values.begin(), values.end(), data.x0.begin() + b * d);
      if (batch > 1)
        data.notes.push_back(quote(x0Path) + ": the same x0 for all " +
                             std::to_string(batch) + " sequences");
    } else {
      data.x0 = std::move(values);
    }
    data.x0From = x0Path;
  }
  return true;
}

//===----------------------------------------------------------------------===//
// Conversion and output
//===----------------------------------------------------------------------===//

static std::vector<char> toBytes(const std::vector<double> &values,
                                 lds_dtype dtype) {
  std::vector<char> out;
  if (dtype == LDS_DTYPE_F32) {
    out.resize(values.size() * sizeof(float));
    float *p = reinterpret_cast<float *>(out.data());
    for (size_t i = 0; i < values.size(); ++i)
      p[i] = static_cast<float>(values[i]);
  } else {
    out.resize(values.size() * sizeof(double));
    std::memcpy(out.data(), values.data(), out.size());
  }
  return out;
}

static std::vector<char> toBytes(const InputData &in, lds_dtype dtype) {
  if (!in.isInt)
    return toBytes(in.values, dtype);
  std::vector<char> out(in.ints.size() * sizeof(int32_t));
  std::memcpy(out.data(), in.ints.data(), out.size());
  return out;
}

TypedData lds::run::convertRunData(const RunData &data, lds_dtype dtype) {
  TypedData t;
  for (const std::vector<double> &p : data.params)
    t.params.push_back(toBytes(p, dtype));
  for (const InputData &in : data.inputs)
    t.inputs.push_back(toBytes(in, dtype));
  t.x0 = toBytes(data.x0, dtype);
  for (const std::vector<char> &p : t.params)
    t.paramPtrs.push_back(p.data());
  for (const std::vector<char> &in : t.inputs)
    t.inputPtrs.push_back(in.data());
  return t;
}

static Array makeArray(std::vector<char> bytes, npy::DType dtype,
                       std::vector<int64_t> shape) {
  Array a;
  a.dtype = dtype;
  a.shape = std::move(shape);
  a.data = std::move(bytes);
  return a;
}

bool lds::run::saveParams(const lds_model *model, const RunData &data,
                          lds_dtype dtype, const std::string &path,
                          std::string &error) {
  std::vector<NamedArray> arrays;
  for (size_t i = 0; i < data.params.size(); ++i) {
    const lds_tensor_info &info = *lds_model_param(model, int32_t(i));
    arrays.push_back({info.name, makeArray(toBytes(data.params[i], dtype),
                                           toNpy(dtype), getShape(info))});
  }
  return npy::writeNpz(path, arrays, error);
}

bool lds::run::saveInputs(const lds_model *model, const RunData &data,
                          lds_dtype dtype, const std::string &path,
                          std::string &error) {
  std::vector<NamedArray> arrays;
  for (size_t i = 0; i < data.inputs.size(); ++i) {
    const lds_tensor_info &info = *lds_model_input(model, int32_t(i));
    std::vector<int64_t> shape = {data.batch, data.T};
    for (int64_t s : getShape(info))
      shape.push_back(s);
    const InputData &in = data.inputs[i];
    arrays.push_back(
        {info.name,
         makeArray(toBytes(in, dtype),
                   in.isInt ? npy::DType::I32 : toNpy(dtype), shape)});
  }
  return npy::writeNpz(path, arrays, error);
}

bool lds::run::saveX0(const RunData &data, lds_dtype dtype,
                      const std::string &path, std::string &error) {
  return npy::writeNpy(path,
                       makeArray(toBytes(data.x0, dtype), toNpy(dtype),
                                 {data.batch, data.stateDim}),
                       error);
}

bool lds::run::saveStates(const void *states, const RunData &data,
                          lds_dtype dtype, const std::string &path,
                          std::string &error) {
  size_t bytes = size_t(data.batch * data.T * data.stateDim) *
                 (dtype == LDS_DTYPE_F32 ? 4 : 8);
  const char *p = static_cast<const char *>(states);
  return npy::writeNpy(path,
                       makeArray(std::vector<char>(p, p + bytes), toNpy(dtype),
                                 {data.batch, data.T, data.stateDim}),
                       error);
}

//===----------------------------------------------------------------------===//
// --check
//===----------------------------------------------------------------------===//

lds_status lds::run::evaluateSequential(const lds_model *reference,
                                        const RunData &data,
                                        std::vector<double> &out) {
  TypedData t = convertRunData(data, LDS_DTYPE_F64);
  int64_t T = data.T, d = data.stateDim;
  out.assign(size_t(data.batch * T * d), 0.0);
  std::vector<const void *> step(data.inputs.size());
  std::vector<double> x(d);
  for (int64_t b = 0; b < data.batch; ++b) {
    std::copy_n(data.x0.begin() + b * d, d, x.begin());
    for (int64_t s = 0; s < T; ++s) {
      for (size_t i = 0; i < data.inputs.size(); ++i) {
        size_t item = data.inputs[i].isInt ? sizeof(int32_t) : sizeof(double);
        step[i] = t.inputs[i].data() +
                  size_t((b * T + s) * data.inputs[i].size) * item;
      }
      double *next = out.data() + (b * T + s) * d;
      if (lds_status s = lds_step(reference, t.paramPtrs.data(), x.data(),
                                  step.data(), next))
        return s;
      std::copy_n(next, d, x.begin());
    }
  }
  return LDS_OK;
}

double lds::run::compareWithReference(const void *states, lds_dtype dtype,
                                      const std::vector<double> &reference) {
  double maxDiff = 0, maxRef = 0;
  bool finite = true;
  for (size_t i = 0; i < reference.size(); ++i) {
    double x = dtype == LDS_DTYPE_F32 ? static_cast<const float *>(states)[i]
                                      : static_cast<const double *>(states)[i];
    double r = reference[i];
    if (!std::isfinite(x) || !std::isfinite(r)) {
      finite = false;
      break;
    }
    maxDiff = std::max(maxDiff, std::abs(x - r));
    maxRef = std::max(maxRef, std::abs(r));
  }
  if (!finite)
    return std::nan("");
  return maxDiff / std::max(1.0, maxRef);
}
