//===- GPUTarget.h - CUDA kernels: PTX, cubins, embedded images -*- C++ -*-===//
//
// From a module holding lds.models and their generated kernels to the GPU
// kernels of runtime/include/lds/model_abi.h: PTX from LLVM's NVPTX backend
// with libdevice linked in, cubins from the CUDA toolkit's ptxas, and the
// lds_gpu_module of each model (images plus the same kernels built for the
// host emulator) added to the CPU object's LLVM module.
//
//===----------------------------------------------------------------------===//

#ifndef LDS_TARGET_GPUTARGET_H
#define LDS_TARGET_GPUTARGET_H

#include "lds/Target/ModelInfo.h"

#include "mlir/IR/BuiltinOps.h"
#include "llvm/ADT/ArrayRef.h"
#include "llvm/ADT/StringRef.h"

#include <string>
#include <vector>

namespace llvm {
class Module;
} // namespace llvm

namespace lds {

struct GPUTargetOptions {
  /// Architectures to build cubins for (sm_80, sm_90, ...).
  std::vector<std::string> archs = {"sm_80", "sm_90"};
  /// The CUDA toolkit (bin/ptxas, nvvm/libdevice); empty: $CUDA_HOME, then
  /// /usr/local/cuda, then the toolkit of the ptxas on PATH.
  std::string cudaPath;
  /// Newton's kernels are block-cooperative (addCooperativeNewton) for
  /// models with at least this state dimension; below it each GPU thread
  /// runs a chunk with its own dense D x D maps. The default is the first D
  /// past the per-thread limit (kGPUMaxNewtonDim); tests lower it to run
  /// the cooperative kernels on small models.
  int64_t cooperativeNewtonFrom = 33;
};

/// The PTX's target: its kernels run on every architecture from here on.
constexpr const char *kPTXArch = "sm_80";

/// Architectures --gpu-arch accepts (those ptxas can build from sm_80 PTX).
llvm::ArrayRef<llvm::StringRef> supportedGPUArchs();

/// What the GPU build produced for one model.
struct GPUModelKernels {
  std::string model;
  std::vector<std::string> kernels;
  int32_t scanBlock = 0;
  int32_t hasSolver[6] = {0, 0, 0, 0, 0, 0};
  int32_t iterateBlock[6] = {0, 0, 0, 0, 0, 0};
  /// lds_gpu_module.coop_block and coop_scratch (GPU ABI 3).
  int32_t coopBlock[6] = {0, 0, 0, 0, 0, 0};
  int64_t coopScratch[6] = {0, 0, 0, 0, 0, 0};
  /// lds_gpu_module.channels and channel_iterate_block (GPU ABI 4; 2 =
  /// channel kernels only, GPU ABI 5).
  int32_t channels[6] = {0, 0, 0, 0, 0, 0};
  int32_t channelIterateBlock[6] = {0, 0, 0, 0, 0, 0};
  /// GPUKernelSet::rowsTooLarge.
  std::vector<SolverId> rowsTooLarge;
};

struct GPUBuild {
  std::string ptx; // without a trailing NUL
  std::vector<GPUModelKernels> models;
  /// What the build left out and why ("gru64: newton's iterate kernel needs
  /// ..."), for lds-compile --verbose.
  std::vector<std::string> notes;
};

/// Lowers `module` (after the lds pipeline; changed in place, so pass a
/// clone when the CPU code is built from it too) to the GPU kernels of
/// every model in `infos`, links libdevice, optimises for NVPTX and writes
/// PTX. Kernels that need more than 64 KiB of local memory per thread (their
/// allocas after O3) are left out: a solver's iterate kernel alone (its
/// other kernels serve), its row kernels (its channel kernels serve alone:
/// channels = kGPUChannelsOnly), or the solver (hasSolver 0); each with a
/// note in `build.notes`.
/// False with `error` set on failure.
bool buildGPUKernels(mlir::ModuleOp module, const std::vector<ModelInfo> &infos,
                     const GPUTargetOptions &options, GPUBuild &build,
                     std::string &error);

/// Adds block-cooperative copies of Newton's element, combine and apply
/// (`@M_newton_coop_element`, ... tagged `lds.cooperative`, which
/// lds-distribute-over-block splits over a thread block) for each model of
/// `infos` whose state dimension is at least
/// options.cooperativeNewtonFrom. The GPU build then makes Newton's kernels
/// from them; the CPU module needs them too, for the emulator's kernels.
void addCooperativeNewton(mlir::ModuleOp module,
                          const std::vector<ModelInfo> &infos,
                          const GPUTargetOptions &options);

/// The help of the tools' --cuda-path (GPUTargetOptions::cudaPath): where
/// the toolkit is looked for.
constexpr const char *kCudaPathHelp =
    "The CUDA toolkit (bin/ptxas, nvvm/libdevice); default: $CUDA_HOME, "
    "/usr/local/cuda, or the ptxas on PATH";

/// The toolkit's ptxas, or "" when there is none.
std::string findPtxas(const GPUTargetOptions &options);

/// Assembles `ptx` for each of `archs` with `ptxas`, the archs in parallel,
/// into `cubins` (one per arch); on failure `error` holds the first failing
/// arch's ptxas message.
bool runPtxas(llvm::StringRef ptxas, llvm::StringRef ptx,
              llvm::ArrayRef<std::string> archs,
              std::vector<std::string> &cubins, std::string &error);

/// One embedded image: format 0 cubin, 1 PTX.
struct GPUImage {
  std::string arch;
  int32_t format = 1;
  std::string data;
};

/// Adds each model's lds_gpu_module to `module` (the CPU code, after
/// addModelABI): `images`, then a host emulation image of the same kernels
/// (format 2), and points the model's descriptor at it. False with `error`
/// set if the host kernels differ from the GPU build's.
bool addGPUModules(llvm::Module &module, const std::vector<ModelInfo> &infos,
                   const GPUBuild &build, llvm::ArrayRef<GPUImage> images,
                   std::string &error);

} // namespace lds

#endif // LDS_TARGET_GPUTARGET_H
