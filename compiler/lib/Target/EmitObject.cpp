//===- EmitObject.cpp - LLVM IR with the model ABI, to an object file -----===//

#include "lds/Conversion/LowerToLLVM.h"
#include "lds/Target/CPUTarget.h"

#include "mlir/Dialect/LLVMIR/LLVMDialect.h"

#include "mlir/ExecutionEngine/OptUtils.h"
#include "llvm/Analysis/LoopInfo.h"
#include "llvm/IR/Dominators.h"
#include "llvm/IR/LegacyPassManager.h"
#include "llvm/IR/Module.h"
#include "llvm/IR/Verifier.h"
#include "llvm/MC/MCSubtargetInfo.h"
#include "llvm/MC/TargetRegistry.h"
#include "llvm/Passes/PassBuilder.h"
#include "llvm/Passes/StandardInstrumentations.h"
#include "llvm/Support/TargetSelect.h"
#include "llvm/Target/TargetMachine.h"
#include "llvm/TargetParser/Host.h"
#include "llvm/TargetParser/Triple.h"
#include "llvm/Transforms/Utils/LoopUtils.h"

using namespace lds;

std::unique_ptr<llvm::Module>
lds::buildModelLLVMModule(mlir::ModuleOp module, llvm::LLVMContext &context,
                          const CPUTargetOptions &cpuOptions,
                          std::vector<std::string> *notes) {
  std::vector<ModelInfo> infos = collectModelInfo(module);
  // The cooperative functions (addCooperativeNewton, GPU builds only) are
  // the emulator's: split over a block as on the GPU.
  LowerToLLVMOptions options;
  options.distributeOverBlock = true;
  options.storeResultsInPlace = cpuOptions.storeResultsInPlace;
  if (mlir::failed(lowerToLLVMDialect(module, options)))
    return nullptr;
  // What lds-widen-lanes made of each step function.
  if (notes)
    module.walk([&](mlir::LLVM::LLVMFuncOp func) {
      auto model = func->getAttrOfType<mlir::FlatSymbolRefAttr>("lds.model");
      if (auto note = func->getAttrOfType<mlir::StringAttr>("lds.lanes_note"))
        notes->push_back((model ? model.getValue().str() + ": " : "") +
                         note.getValue().str());
    });
  stripLDSAttributes(module);
  std::unique_ptr<llvm::Module> llvmModule = translateToLLVMIR(module, context);
  if (!llvmModule)
    return nullptr;
  addModelABI(*llvmModule, infos);
  if (llvm::verifyModule(*llvmModule, &llvm::errs())) {
    llvm::errs() << "internal error: lds-compile built invalid LLVM IR\n";
    return nullptr;
  }
  return llvmModule;
}

int64_t lds::coopScratchBytes(const llvm::Function &f) {
  int64_t bytes = 0;
  if (llvm::Attribute a = f.getFnAttribute(kScratchBytesAttr); a.isValid())
    if (a.getValueAsString().getAsInteger(10, bytes))
      bytes = 0;
  return bytes;
}

void lds::stripLDSAttributes(mlir::ModuleOp module) {
  // The lds.* tags on functions and arguments have no meaning in LLVM IR,
  // but for the block scratch a cooperative function needs
  // (lds-distribute-over-block), which its callers size: it becomes the
  // function attribute "lds-scratch-bytes" (coopScratchBytes).
  module.walk([](mlir::LLVM::LLVMFuncOp func) {
    if (auto bytes =
            func->getAttrOfType<mlir::IntegerAttr>("lds.scratch_bytes")) {
      mlir::Builder b(func.getContext());
      llvm::SmallVector<mlir::Attribute> passthrough;
      if (std::optional<mlir::ArrayAttr> old = func.getPassthrough())
        passthrough.append(old->begin(), old->end());
      passthrough.push_back(b.getStrArrayAttr(
          {kScratchBytesAttr, std::to_string(bytes.getInt())}));
      func.setPassthroughAttr(b.getArrayAttr(passthrough));
    }
    auto iface = mlir::cast<mlir::FunctionOpInterface>(func.getOperation());
    for (unsigned i = 0; i < func.getNumArguments(); ++i)
      for (mlir::NamedAttribute attr : llvm::to_vector(iface.getArgAttrs(i)))
        if (attr.getName().strref().starts_with("lds."))
          iface.removeArgAttr(i, attr.getName());
    for (mlir::NamedAttribute attr :
         llvm::to_vector(func->getDiscardableAttrs()))
      if (attr.getName().strref().starts_with("lds."))
        func->removeDiscardableAttr(attr.getName());
  });
}

std::unique_ptr<llvm::TargetMachine>
lds::createCPUTargetMachine(const CPUTargetOptions &options,
                            std::string &error) {
  llvm::InitializeNativeTarget();
  llvm::InitializeNativeTargetAsmPrinter();
  std::string triple = llvm::sys::getDefaultTargetTriple();
  const llvm::Target *target =
      llvm::TargetRegistry::lookupTarget(triple, error);
  if (!target)
    return nullptr;
  std::string cpu = options.cpu;
  std::string features;
  if (cpu != "native") {
    // LLVM aborts on an unknown CPU name; check it first.
    std::unique_ptr<llvm::MCSubtargetInfo> sti(
        target->createMCSubtargetInfo(triple, "", ""));
    if (sti && !sti->isCPUStringValid(cpu)) {
      error = "unknown CPU '" + cpu + "' for " + triple +
              " (try x86-64, x86-64-v2, x86-64-v3 or native)";
      return nullptr;
    }
    // ... and on a 32-bit x86 CPU (i386, pentium) for an x86-64 triple.
    if (llvm::Triple(triple).getArch() == llvm::Triple::x86_64) {
      std::unique_ptr<llvm::MCSubtargetInfo> chosen(
          target->createMCSubtargetInfo(triple, cpu, ""));
      if (chosen && !chosen->checkFeatures("+64bit")) {
        error = "CPU '" + cpu + "' cannot run " + triple +
                " code: it is a 32-bit CPU (try x86-64, x86-64-v2, "
                "x86-64-v3 or native)";
        return nullptr;
      }
    }
  }
  if (cpu == "native") {
    cpu = llvm::sys::getHostCPUName().str();
    llvm::StringMap<bool> hostFeatures = llvm::sys::getHostCPUFeatures();
    for (auto &f : hostFeatures)
      features += (f.second ? "+" : "-") + f.first().str() + ",";
  }
  llvm::TargetOptions targetOptions;
  auto level = options.optLevel >= 3   ? llvm::CodeGenOptLevel::Aggressive
               : options.optLevel == 0 ? llvm::CodeGenOptLevel::None
                                       : llvm::CodeGenOptLevel::Default;
  std::unique_ptr<llvm::TargetMachine> tm(
      target->createTargetMachine(triple, cpu, features, targetOptions,
                                  llvm::Reloc::PIC_, std::nullopt, level));
  if (!tm)
    error = "cannot create a target machine for " + triple + " (" + cpu + ")";
  return tm;
}

/// Functions above this many instructions (before optimisation) keep their
/// loops rolled: unrolling the many small loops of a large derived kernel
/// (Langevin's Hessian diagonal) multiplied LLVM's time on it by two to
/// three for no measurable speed, while small kernels (a step of a GRU)
/// gain from it (docs/BENCHMARKS.md).
constexpr unsigned kUnrollLimit = 1500;

static void disableUnrollingInLargeFunctions(llvm::Module &module) {
  llvm::LLVMContext &ctx = module.getContext();
  for (llvm::Function &f : module) {
    if (f.isDeclaration() || f.getInstructionCount() <= kUnrollLimit)
      continue;
    llvm::DominatorTree dom(f);
    llvm::LoopInfo loops(dom);
    for (llvm::Loop *loop : loops.getLoopsInPreorder()) {
      llvm::MDNode *disable = llvm::MDNode::get(
          ctx, llvm::MDString::get(ctx, "llvm.loop.unroll.disable"));
      llvm::MDNode *id = llvm::makePostTransformationMetadata(
          ctx, loop->getLoopID(), {}, {disable});
      loop->setLoopID(id);
    }
  }
}

bool lds::optimizeModule(llvm::Module &module, llvm::TargetMachine &tm,
                         unsigned optLevel, std::string &error) {
  module.setDataLayout(tm.createDataLayout());
  module.setTargetTriple(tm.getTargetTriple().str());
  disableUnrollingInLargeFunctions(module);
  llvm::PipelineTuningOptions tuning;
  tuning.LoopVectorization = optLevel > 1;
  tuning.SLPVectorization = optLevel > 1;
  llvm::LoopAnalysisManager lam;
  llvm::FunctionAnalysisManager fam;
  llvm::CGSCCAnalysisManager cgam;
  llvm::ModuleAnalysisManager mam;
  // The standard instrumentation makes LLVM's -time-passes and -print-after
  // options, which lds-compile accepts as hidden flags, see these passes.
  llvm::PassInstrumentationCallbacks pic;
  llvm::StandardInstrumentations instrumentation(module.getContext(),
                                                 /*DebugLogging=*/false);
  instrumentation.registerCallbacks(pic, &mam);
  llvm::PassBuilder pb(&tm, tuning, std::nullopt, &pic);
  pb.registerModuleAnalyses(mam);
  pb.registerCGSCCAnalyses(cgam);
  pb.registerFunctionAnalyses(fam);
  pb.registerLoopAnalyses(lam);
  pb.crossRegisterProxies(lam, fam, cgam, mam);
  llvm::OptimizationLevel level = optLevel >= 3   ? llvm::OptimizationLevel::O3
                                  : optLevel == 2 ? llvm::OptimizationLevel::O2
                                  : optLevel == 1 ? llvm::OptimizationLevel::O1
                                                  : llvm::OptimizationLevel::O0;
  llvm::ModulePassManager mpm = level == llvm::OptimizationLevel::O0
                                    ? pb.buildO0DefaultPipeline(level)
                                    : pb.buildPerModuleDefaultPipeline(level);
  mpm.run(module, mam);
  (void)error;
  return true;
}

bool lds::emitObject(llvm::Module &module, llvm::TargetMachine &tm,
                     unsigned optLevel, llvm::raw_pwrite_stream &os,
                     std::string &error) {
  if (!optimizeModule(module, tm, optLevel, error))
    return false;
  llvm::legacy::PassManager pm;
  if (tm.addPassesToEmitFile(pm, os, nullptr,
                             llvm::CodeGenFileType::ObjectFile)) {
    error = "the target cannot emit object files";
    return false;
  }
  pm.run(module);
  return true;
}
