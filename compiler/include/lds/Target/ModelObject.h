//===- ModelObject.h - a model's object: CPU code, GPU images ---*- C++ -*-===//
//
// What lds-compile writes and lds-run loads, built in one place: from a
// module after the lds pipeline, the LLVM module with the CPU code and the
// model ABI and, for target cuda or all, each model's lds_gpu_module (a
// cubin per --gpu-arch from ptxas, the PTX, the host-emulation image);
// optimised and written as an object file or as LLVM IR.
//
//===----------------------------------------------------------------------===//

#ifndef LDS_TARGET_MODELOBJECT_H
#define LDS_TARGET_MODELOBJECT_H

#include "lds/Target/CPUTarget.h"
#include "lds/Target/GPUTarget.h"

#include "llvm/ADT/StringRef.h"

#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace lds {

/// Parses a comma-separated --gpu-arch list ("sm_80,sm_90") into `archs`:
/// each architecture once, in the order given. False with `error` set
/// ("--gpu-arch: unknown GPU architecture 'sm_75' (supported: ...)").
bool parseGPUArchs(llvm::StringRef list, std::vector<std::string> &archs,
                   std::string &error);

/// Receives notes on what the build did (for --verbose): each stage's time,
/// the ptxas used for each cubin, or why there is none.
using ModelObjectLog = std::function<void(const std::string &note)>;

/// The images to embed for `build`: a cubin per `options.archs` when the
/// toolkit has a ptxas (none without one, with a note), then the PTX
/// (compute_80). False with `error` set when ptxas fails.
bool buildGPUImages(const GPUBuild &build, const GPUTargetOptions &options,
                    std::vector<GPUImage> &images, const ModelObjectLog &log,
                    std::string &error);

struct ModelObjectOptions {
  /// Target cuda or all: add the GPU kernels (cpu: the CPU code only).
  bool withGPU = false;
  GPUTargetOptions gpu;
  CPUTargetOptions cpu;
  /// May be empty.
  ModelObjectLog log;
};

/// The object's LLVM module: the CPU code with the model ABI of each model
/// in `infos` and, with `options.withGPU`, their GPU modules. `module` is
/// the module after the lds pipeline; the GPU kernels are built from a
/// clone, the CPU lowering changes it in place. Null on failure, with
/// `error` set, or empty when a diagnostic was emitted instead.
std::unique_ptr<llvm::Module>
buildModelObjectModule(mlir::ModuleOp module,
                       const std::vector<ModelInfo> &infos,
                       const ModelObjectOptions &options,
                       llvm::LLVMContext &context, std::string &error);

enum class ModelObjectFormat { Object, LLVMIR };

/// buildModelObjectModule, optimised for `options.cpu` and written to `os`
/// as an object file or as (optimised) LLVM IR. False as
/// buildModelObjectModule fails.
bool emitModelObject(mlir::ModuleOp module, const std::vector<ModelInfo> &infos,
                     const ModelObjectOptions &options,
                     ModelObjectFormat format, llvm::raw_pwrite_stream &os,
                     std::string &error);

} // namespace lds

#endif // LDS_TARGET_MODELOBJECT_H
