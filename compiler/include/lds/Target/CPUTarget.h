//===- CPUTarget.h - model objects for the host CPU -------------*- C++ -*-===//
//
// From a module holding lds.models and their generated kernels to LLVM IR
// with the runtime ABI of runtime/include/lds/model_abi.h (uniform kernel
// wrappers and a descriptor returned by `lds_model_<name>()`), to an x86-64
// object file, and the C header that declares it.
//
//===----------------------------------------------------------------------===//

#ifndef LDS_TARGET_CPUTARGET_H
#define LDS_TARGET_CPUTARGET_H

#include "lds/Target/ModelInfo.h"

#include "mlir/IR/BuiltinOps.h"
#include "llvm/Support/raw_ostream.h"

#include <memory>
#include <string>

namespace llvm {
class Function;
class LLVMContext;
class Module;
class TargetMachine;
} // namespace llvm

namespace lds {

struct CPUTargetOptions {
  std::string cpu = "x86-64-v2"; // "native": the host CPU
  unsigned optLevel = 3;
  /// The GPU lowering's in-place results (lds-lower-to-loops'
  /// store-results-in-place) in the CPU code too, which the GPU emulator
  /// runs: for tests of that code on a machine without a GPU (lds-run's
  /// hidden --store-results-in-place). Slower on the CPU.
  bool storeResultsInPlace = false;
};

/// The index of the `gpu` field among the lds_model descriptor's fields
/// (model_abi.h): addModelABI leaves it NULL, and addGPUModules sets it.
constexpr unsigned kDescriptorGPUField = 21;

/// Adds the ABI wrappers and the descriptor of each model in `infos` to
/// `module`, which holds the lowered kernels (@M_f, @M_newton_element, ...).
void addModelABI(llvm::Module &module, const std::vector<ModelInfo> &infos);

/// Lowers `module` (after the lds pipeline) to LLVM IR with the model ABI.
/// Returns null on failure, with a diagnostic. `notes`, if given, receives
/// a line per model on its sequential pass ("M: the sequential pass steps 8
/// sequences at once ...", or why one at a time), for --verbose.
std::unique_ptr<llvm::Module>
buildModelLLVMModule(mlir::ModuleOp module, llvm::LLVMContext &context,
                     const CPUTargetOptions &options = {},
                     std::vector<std::string> *notes = nullptr);

/// Removes the lds.* attributes of the LLVM-dialect functions in `module`,
/// which have no meaning in LLVM IR; `lds.scratch_bytes` becomes the LLVM
/// function attribute kScratchBytesAttr.
void stripLDSAttributes(mlir::ModuleOp module);

/// The LLVM function attribute holding the bytes of block scratch a
/// cooperative function takes as its last argument.
constexpr const char *kScratchBytesAttr = "lds-scratch-bytes";

/// kScratchBytesAttr of `f`, or 0 if it has none.
int64_t coopScratchBytes(const llvm::Function &f);

/// Bytes from the start of a cooperative chunk loop's block scratch to the
/// functions' own scratch: one step's element (A then b, `values` values
/// of `elementBytes` each), 64-byte aligned.
inline int64_t coopArenaOffset(int64_t values, int64_t elementBytes) {
  return (values * elementBytes + 63) / 64 * 64;
}

/// A target machine for the host's architecture; null with `error` set.
std::unique_ptr<llvm::TargetMachine>
createCPUTargetMachine(const CPUTargetOptions &options, std::string &error);

/// Optimises `module` and writes it as an object file to `os`.
bool emitObject(llvm::Module &module, llvm::TargetMachine &tm,
                unsigned optLevel, llvm::raw_pwrite_stream &os,
                std::string &error);

/// Optimises `module` in place (for --emit=llvm and the JIT).
bool optimizeModule(llvm::Module &module, llvm::TargetMachine &tm,
                    unsigned optLevel, std::string &error);

/// The C header declaring `lds_model_<name>()` for each model.
void emitHeader(const std::vector<ModelInfo> &infos, llvm::StringRef source,
                llvm::raw_ostream &os);

} // namespace lds

#endif // LDS_TARGET_CPUTARGET_H
