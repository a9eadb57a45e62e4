//===- ModelObject.cpp - a model file's object: CPU code, GPU images ------===//
//
// The build lds-compile and lds-run share: GPU kernels first, from a clone
// of the module (the CPU lowering changes it), their images, then the CPU
// code and the lds_gpu_module of each model, then optimisation and code
// generation for the host CPU.
//
//===----------------------------------------------------------------------===//

#include "lds/Target/ModelObject.h"
#include "lds/Transforms/SliceChannels.h"

#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/IR/LLVMContext.h"
#include "llvm/IR/Module.h"
#include "llvm/Target/TargetMachine.h"

#include <chrono>
#include <cstdio>

using namespace lds;

namespace {

/// Times a stage for the log: "took(start)" is " in 0.12 s".
class Stopwatch {
public:
  Stopwatch() : start(std::chrono::steady_clock::now()) {}
  std::string took() const {
    double s =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start)
            .count();
    char buf[32];
    std::snprintf(buf, sizeof(buf), " in %.2f s", s);
    return buf;
  }

private:
  std::chrono::steady_clock::time_point start;
};

void note(const ModelObjectLog &log, const std::string &message) {
  if (log)
    log(message);
}

} // namespace

bool lds::parseGPUArchs(llvm::StringRef list, std::vector<std::string> &archs,
                        std::string &error) {
  archs.clear();
  for (llvm::StringRef arch : llvm::split(list, ',')) {
    arch = arch.trim();
    if (!llvm::is_contained(supportedGPUArchs(), arch)) {
      error = "--gpu-arch: unknown GPU architecture '" + arch.str() +
              "' (supported: " + llvm::join(supportedGPUArchs(), ", ") + ")";
      return false;
    }
    if (!llvm::is_contained(archs, arch))
      archs.push_back(arch.str());
  }
  return true;
}

bool lds::buildGPUImages(const GPUBuild &build, const GPUTargetOptions &options,
                         std::vector<GPUImage> &images,
                         const ModelObjectLog &log, std::string &error) {
  images.clear();
  std::string ptxas = findPtxas(options);
  if (ptxas.empty())
    note(log, "no ptxas found: the object holds PTX only, for the driver to "
              "compile");
  if (!ptxas.empty() && !options.archs.empty()) {
    Stopwatch watch;
    std::vector<std::string> cubins;
    if (!runPtxas(ptxas, build.ptx, options.archs, cubins, error))
      return false;
    std::string sizes;
    for (auto [arch, cubin] : llvm::zip_equal(options.archs, cubins)) {
      sizes += (sizes.empty() ? "" : ", ") + std::to_string(cubin.size()) +
               " bytes of cubin for " + arch;
      images.push_back(GPUImage{arch, 0, std::move(cubin)});
    }
    note(log, ptxas + ": " + sizes + watch.took());
  }
  images.push_back(GPUImage{"compute_80", 1, build.ptx});
  return true;
}

std::unique_ptr<llvm::Module>
lds::buildModelObjectModule(mlir::ModuleOp module,
                            const std::vector<ModelInfo> &infos,
                            const ModelObjectOptions &options,
                            llvm::LLVMContext &context, std::string &error) {
  GPUBuild gpuBuild;
  std::vector<GPUImage> images;
  std::vector<ModelInfo> gpuInfos = infos;
  if (options.withGPU) {
    Stopwatch watch;
    // In both modules: the emulator's kernels are built with the CPU code.
    addCooperativeNewton(module, infos, options.gpu);
    sliceChannels(module);
    readChannelStrides(module, gpuInfos);
    mlir::OwningOpRef<mlir::ModuleOp> gpuModule = module.clone();
    if (!buildGPUKernels(*gpuModule, infos, options.gpu, gpuBuild, error))
      return nullptr;
    note(options.log, "GPU kernels: " + std::to_string(gpuBuild.ptx.size()) +
                          " bytes of PTX" + watch.took());
    for (const std::string &line : gpuBuild.notes)
      note(options.log, line);
    if (!buildGPUImages(gpuBuild, options.gpu, images, options.log, error))
      return nullptr;
  }
  Stopwatch watch;
  std::vector<std::string> cpuNotes;
  std::unique_ptr<llvm::Module> llvmModule =
      buildModelLLVMModule(module, context, options.cpu, &cpuNotes);
  if (!llvmModule)
    return nullptr;
  for (const std::string &line : cpuNotes)
    note(options.log, line);
  if (options.withGPU &&
      !addGPUModules(*llvmModule, gpuInfos, gpuBuild, images, error))
    return nullptr;
  note(options.log, "lowering to LLVM IR" + watch.took());
  return llvmModule;
}

bool lds::emitModelObject(mlir::ModuleOp module,
                          const std::vector<ModelInfo> &infos,
                          const ModelObjectOptions &options,
                          ModelObjectFormat format, llvm::raw_pwrite_stream &os,
                          std::string &error) {
  std::unique_ptr<llvm::TargetMachine> tm =
      createCPUTargetMachine(options.cpu, error);
  if (!tm)
    return false;
  llvm::LLVMContext context;
  std::unique_ptr<llvm::Module> llvmModule =
      buildModelObjectModule(module, infos, options, context, error);
  if (!llvmModule)
    return false;
  Stopwatch watch;
  unsigned level = options.cpu.optLevel;
  if (format == ModelObjectFormat::LLVMIR) {
    if (!optimizeModule(*llvmModule, *tm, level, error))
      return false;
    llvmModule->print(os, nullptr);
    note(options.log, "optimised LLVM IR" + watch.took());
    return true;
  }
  if (!emitObject(*llvmModule, *tm, level, os, error))
    return false;
  note(options.log, "optimised CPU object" + watch.took());
  return true;
}
