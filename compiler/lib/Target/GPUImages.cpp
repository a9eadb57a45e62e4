//===- GPUImages.cpp - lds_gpu_module of each model in the CPU object -----===//
//
// Embeds the cubins and the PTX as constants, builds the same kernels for
// the host (the emulator's format-2 image: a table of name and function),
// and fills lds_gpu_module and the descriptor's `gpu` field. The struct
// types below mirror model_abi.h's C layout.
//
//===----------------------------------------------------------------------===//

#include "lds/Target/CPUTarget.h"
#include "lds/Target/GPUKernels.h"
#include "lds/Target/GPUTarget.h"

#include "llvm/IR/Constants.h"
#include "llvm/IR/Module.h"

#include <algorithm>

using namespace lds;
using namespace llvm;

/// model_abi.h's LDS_GPU_ABI_VERSION.
static constexpr int32_t kGPUABIVersion = 5;

namespace {

class GPUModuleBuilder {
public:
  explicit GPUModuleBuilder(Module &m) : m(m), ctx(m.getContext()) {
    ptr = PointerType::getUnqual(ctx);
    i32 = Type::getInt32Ty(ctx);
    i64 = Type::getInt64Ty(ctx);
    // lds_gpu_image {arch, format, data, size}
    imageTy = StructType::create(ctx, {ptr, i32, ptr, i64}, "lds_gpu_image");
    // lds_gpu_host_kernel {name, fn}
    hostKernelTy = StructType::create(ctx, {ptr, ptr}, "lds_gpu_host_kernel");
    // lds_gpu_module {abi_version, num_images, images, scan_block,
    // has_solver[6], iterate_block[6], coop_block[6], coop_scratch[6],
    // channels[6], channel_iterate_block[6]}
    moduleTy = StructType::create(
        ctx,
        {i32, i32, ptr, i32, ArrayType::get(i32, 6), ArrayType::get(i32, 6),
         ArrayType::get(i32, 6), ArrayType::get(i64, 6), ArrayType::get(i32, 6),
         ArrayType::get(i32, 6)},
        "lds_gpu_module");
  }

  /// The images shared by every model of the object.
  void addImages(ArrayRef<GPUImage> images) {
    for (auto [i, image] : llvm::enumerate(images)) {
      // PTX keeps its terminating NUL, counted in `size`.
      StringRef data = image.data;
      Constant *bytes =
          ConstantDataArray::getString(ctx, data,
                                       /*AddNull=*/image.format == 1);
      auto *g = new GlobalVariable(m, bytes->getType(), true,
                                   GlobalValue::PrivateLinkage, bytes,
                                   "lds.gpu.image" + Twine(i));
      g->setAlignment(Align(16));
      shared.push_back(ConstantStruct::get(
          imageTy,
          {string(image.arch, "lds.gpu.arch" + Twine(i)),
           ConstantInt::get(i32, image.format), g,
           ConstantInt::get(i64, bytes->getType()->getArrayNumElements())}));
    }
  }

  /// `info`'s lds_gpu_module with the host kernels `set`; null if it has no
  /// GPU kernels.
  Constant *add(const ModelInfo &info, const GPUKernelSet &set) {
    SmallVector<Constant *> table;
    for (auto &[name, f] : set.kernels)
      table.push_back(ConstantStruct::get(
          hostKernelTy, {string(name, "lds.gpu.name." + name), f}));
    auto *tableTy = ArrayType::get(hostKernelTy, table.size());
    auto *tableVar = new GlobalVariable(
        m, tableTy, true, GlobalValue::PrivateLinkage,
        ConstantArray::get(tableTy, table), "lds." + info.name + ".gpu.host");
    SmallVector<Constant *> images(shared.begin(), shared.end());
    images.push_back(ConstantStruct::get(
        imageTy, {string("host", "lds.gpu.arch.host"), ConstantInt::get(i32, 2),
                  tableVar, ConstantInt::get(i64, table.size())}));
    auto *imagesTy = ArrayType::get(imageTy, images.size());
    auto *imagesVar =
        new GlobalVariable(m, imagesTy, true, GlobalValue::PrivateLinkage,
                           ConstantArray::get(imagesTy, images),
                           "lds." + info.name + ".gpu.images");
    auto array6 = [&](Type *ty, auto &values) {
      SmallVector<Constant *, 6> elements;
      for (int64_t v : values)
        elements.push_back(ConstantInt::get(ty, v));
      return ConstantArray::get(ArrayType::get(ty, 6), elements);
    };
    Constant *module = ConstantStruct::get(
        moduleTy,
        {ConstantInt::get(i32, kGPUABIVersion),
         ConstantInt::get(i32, images.size()), imagesVar,
         ConstantInt::get(i32, set.scanBlock), array6(i32, set.hasSolver),
         array6(i32, set.iterateBlock), array6(i32, set.coopBlock),
         array6(i64, set.coopScratch), array6(i32, set.channels),
         array6(i32, set.channelIterateBlock)});
    return new GlobalVariable(m, moduleTy, true, GlobalValue::PrivateLinkage,
                              module, "lds." + info.name + ".gpu");
  }

private:
  Constant *string(StringRef s, const Twine &name) {
    if (Constant *c = strings.lookup(s))
      return c;
    Constant *data = ConstantDataArray::getString(ctx, s);
    auto *g = new GlobalVariable(m, data->getType(), true,
                                 GlobalValue::PrivateLinkage, data, name);
    g->setUnnamedAddr(GlobalValue::UnnamedAddr::Global);
    strings[s] = g;
    return g;
  }

  Module &m;
  LLVMContext &ctx;
  Type *ptr, *i32, *i64;
  StructType *imageTy, *hostKernelTy, *moduleTy;
  SmallVector<Constant *> shared;
  StringMap<Constant *> strings;
};

} // namespace

bool lds::addGPUModules(Module &module, const std::vector<ModelInfo> &infos,
                        const GPUBuild &build, ArrayRef<GPUImage> images,
                        std::string &error) {
  GPUModuleBuilder builder(module);
  builder.addImages(images);
  std::unique_ptr<GPUIntrinsics> hooks = createEmulatorIntrinsics(module);
  for (auto [i, info] : llvm::enumerate(infos)) {
    GlobalVariable *descriptor =
        module.getGlobalVariable("lds." + info.name + ".model", true);
    if (!descriptor) {
      error = "no descriptor for model '" + info.name + "'";
      return false;
    }
    GPUKernelSet set = addGPUKernels(module, info, *hooks);
    // The host image holds the very kernels of the GPU images: those of the
    // solvers the GPU build left out (too much local memory) go.
    const GPUModelKernels &gpu = build.models[i];
    std::vector<std::string> names;
    for (auto &[name, f] : llvm::make_early_inc_range(set.kernels))
      if (!llvm::is_contained(gpu.kernels, name))
        f->eraseFromParent();
    llvm::erase_if(set.kernels, [&](const auto &kernel) {
      return !llvm::is_contained(gpu.kernels, kernel.first);
    });
    for (auto &[name, f] : set.kernels)
      names.push_back(name);
    // (A cooperative solver the GPU build left out has coop_block 0.)
    bool coopAgrees = true;
    for (int s = 0; s < 6; ++s)
      coopAgrees &= !gpu.coopBlock[s] || gpu.coopBlock[s] == set.coopBlock[s];
    if (gpu.model != info.name || gpu.kernels != names ||
        gpu.scanBlock != set.scanBlock || !coopAgrees) {
      error = "internal error: the host and GPU kernels of model '" +
              info.name + "' differ";
      return false;
    }
    if (set.kernels.empty())
      continue;
    // The GPU build may have left out a solver whose kernels need too much
    // local memory; the host image follows it.
    std::copy(std::begin(gpu.hasSolver), std::end(gpu.hasSolver),
              set.hasSolver);
    std::copy(std::begin(gpu.iterateBlock), std::end(gpu.iterateBlock),
              set.iterateBlock);
    std::copy(std::begin(gpu.channels), std::end(gpu.channels), set.channels);
    std::copy(std::begin(gpu.coopBlock), std::end(gpu.coopBlock),
              set.coopBlock);
    std::copy(std::begin(gpu.channelIterateBlock),
              std::end(gpu.channelIterateBlock), set.channelIterateBlock);
    // One size serves both images: the host's buffers are laid out by the
    // CPU lowering, which may pack them differently.
    for (int s = 0; s < 6; ++s)
      set.coopScratch[s] =
          gpu.coopBlock[s] ? std::max(set.coopScratch[s], gpu.coopScratch[s])
                           : 0;
    Constant *gpuModule = builder.add(info, set);
    auto *init = cast<ConstantStruct>(descriptor->getInitializer());
    SmallVector<Constant *> fields;
    for (unsigned f = 0; f < init->getNumOperands(); ++f)
      fields.push_back(init->getOperand(f));
    fields[kDescriptorGPUField] = gpuModule;
    descriptor->setInitializer(ConstantStruct::get(init->getType(), fields));
  }
  return true;
}
