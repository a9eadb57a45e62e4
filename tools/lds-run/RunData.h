//===- RunData.h - params, inputs and x0 for lds-run ------------*- C++ -*-===//
//
// What lds-run feeds lds_solve: the model's params, its inputs for t = 1..T
// and x0, each read from a NumPy file (--params p.npz, --inputs u.npz,
// --x0 x0.npy) or drawn from a seeded random generator, and the sequential
// float64 evaluation behind --check. Values are kept as double (i32 inputs
// as int32) and converted to the model's float type on demand, so the
// float64 reference sees exactly the values the solve saw.
//
//===----------------------------------------------------------------------===//

#ifndef LDS_TOOLS_LDSRUN_RUNDATA_H
#define LDS_TOOLS_LDSRUN_RUNDATA_H

#include "lds/runtime.h"

#include <cstdint>
#include <string>
#include <vector>

namespace lds {
namespace run {

struct DataOptions {
  int64_t T = 0;     // 0: from --inputs, else 1000
  int64_t batch = 0; // 0: from --inputs or --x0, else 1
  uint64_t seed = 0;
  std::string paramsPath, inputsPath, x0Path; // "" : random
};

struct InputData {
  bool isInt = false;
  int64_t size = 1;           // elements per step
  std::vector<double> values; // float inputs: [batch][T][size]
  std::vector<int32_t> ints;  // i32 inputs: [batch][T][size]
};

struct RunData {
  int64_t T = 0, batch = 0, stateDim = 0;
  std::vector<std::vector<double>> params; // declaration order
  std::vector<InputData> inputs;           // declaration order
  std::vector<double> x0;                  // [batch][D]
  /// Where each came from, for the summary: "random (seed 0)", "p.npz".
  std::string paramsFrom, inputsFrom, x0From;
  /// Remarks for the user (dtype conversions, broadcasts).
  std::vector<std::string> notes;
};

/// Reads or draws the data of `model`. Returns false with `error` set
/// (naming the file, the array, and the expected and actual shape or dtype).
bool prepareRunData(const lds_model *model, const DataOptions &options,
                    RunData &data, std::string &error);

/// `data` converted to one float type, with the pointer tables lds_solve
/// takes.
struct TypedData {
  std::vector<std::vector<char>> params, inputs;
  std::vector<char> x0;
  std::vector<const void *> paramPtrs, inputPtrs;
};
TypedData convertRunData(const RunData &data, lds_dtype dtype);

/// Writes `data`'s params (an .npz with one array per param), inputs (an
/// .npz with one [batch, T, *shape] array per input) or x0 (a [batch, D]
/// .npy) in `dtype`, in the form --params/--inputs/--x0 read back.
bool saveParams(const lds_model *model, const RunData &data, lds_dtype dtype,
                const std::string &path, std::string &error);
bool saveInputs(const lds_model *model, const RunData &data, lds_dtype dtype,
                const std::string &path, std::string &error);
bool saveX0(const RunData &data, lds_dtype dtype, const std::string &path,
            std::string &error);

/// Writes `states` ([batch][T][D] of `dtype`) as a [batch, T, D] .npy.
bool saveStates(const void *states, const RunData &data, lds_dtype dtype,
                const std::string &path, std::string &error);

/// x_t = f(x_{t-1}, u_t) for t = 1..T, one step after another, with
/// lds_step on `reference` (an f64 model with `model`'s signature). Writes
/// [batch][T][D] doubles to `out`; a failed step's status (lds_last_error()
/// says why), or LDS_OK.
lds_status evaluateSequential(const lds_model *reference, const RunData &data,
                              std::vector<double> &out);

/// max |x - x_ref| / max(1, max |x_ref|) over everything; `states` are
/// [batch][T][D] values of `dtype`. NaN if either holds a non-finite value.
double compareWithReference(const void *states, lds_dtype dtype,
                            const std::vector<double> &reference);

/// "f32[24, 8]", "i32", "f64".
std::string describeTensor(const lds_tensor_info &info);

} // namespace run
} // namespace lds

#endif // LDS_TOOLS_LDSRUN_RUNDATA_H
