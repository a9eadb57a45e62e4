//===- GPUTarget.cpp - the models' CUDA kernels as PTX --------------------===//
//
// The GPU build: the derived kernels through the NVVM lowering pipeline, the
// same wrappers and chunk loops as the CPU object (addModelABI, whose
// descriptors are then dropped), the kernel entry points (GPUKernels.cpp),
// libdevice for the math functions, O3 for NVPTX, and PTX.
//
//===----------------------------------------------------------------------===//

#include "lds/Target/GPUTarget.h"
#include "lds/Conversion/LowerToLLVM.h"
#include "lds/Conversion/LowerToNVVM.h"
#include "lds/Target/CPUTarget.h"
#include "lds/Target/GPUKernels.h"
#include "lds/Transforms/SliceChannels.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/Builders.h"
#include "llvm/ADT/StringSet.h"
#include "llvm/ADT/StringSwitch.h"
#include "llvm/Analysis/LoopInfo.h"
#include "llvm/IR/Dominators.h"
#include "llvm/IR/IRBuilder.h"
#include "llvm/IR/InstIterator.h"
#include "llvm/IR/Instructions.h"
#include "llvm/IR/IntrinsicInst.h"
#include "llvm/IR/LLVMContext.h"
#include "llvm/IR/LegacyPassManager.h"
#include "llvm/IR/Module.h"
#include "llvm/IRReader/IRReader.h"
#include "llvm/Linker/Linker.h"
#include "llvm/MC/TargetRegistry.h"
#include "llvm/Passes/PassBuilder.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/Process.h"
#include "llvm/Support/Program.h"
#include "llvm/Support/SourceMgr.h"
#include "llvm/Support/TargetSelect.h"
#include "llvm/Target/TargetMachine.h"
#include "llvm/Transforms/IPO/Internalize.h"

using namespace lds;
using namespace llvm;

static constexpr const char *kTriple = "nvptx64-nvidia-cuda";

/// A solver whose kernels need more local memory (per thread) than this is
/// left out on the GPU: the driver reserves it for every resident thread.
static constexpr int64_t kMaxLocalBytes = 64 * 1024;

ArrayRef<StringRef> lds::supportedGPUArchs() {
  static const StringRef archs[] = {"sm_80",  "sm_86",  "sm_87",  "sm_88",
                                    "sm_89",  "sm_90",  "sm_100", "sm_103",
                                    "sm_110", "sm_120", "sm_121"};
  return archs;
}

/// The CUDA toolkit directories to look in, in order.
static std::vector<std::string> toolkitDirs(const GPUTargetOptions &options) {
  std::vector<std::string> dirs;
  if (!options.cudaPath.empty())
    return {options.cudaPath};
  if (std::optional<std::string> home = sys::Process::GetEnv("CUDA_HOME"))
    dirs.push_back(*home);
  dirs.push_back("/usr/local/cuda");
  if (ErrorOr<std::string> ptxas = sys::findProgramByName("ptxas"))
    dirs.push_back(
        sys::path::parent_path(sys::path::parent_path(*ptxas)).str());
  return dirs;
}

std::string lds::findPtxas(const GPUTargetOptions &options) {
  for (const std::string &dir : toolkitDirs(options)) {
    SmallString<256> path(dir);
    sys::path::append(path, "bin", "ptxas");
    if (sys::fs::can_execute(path))
      return path.str().str();
  }
  return "";
}

static std::string findLibdevice(const GPUTargetOptions &options) {
  for (const std::string &dir : toolkitDirs(options)) {
    SmallString<256> path(dir);
    sys::path::append(path, "nvvm", "libdevice", "libdevice.10.bc");
    if (sys::fs::exists(path))
      return path.str().str();
  }
  return "";
}

/// The libm-named function an intrinsic stands for (NVPTX cannot select
/// these), or "".
static std::string libmNameOf(Intrinsic::ID id) {
  switch (id) {
  case Intrinsic::exp:
    return "exp";
  case Intrinsic::exp2:
    return "exp2";
  case Intrinsic::exp10:
    return "exp10";
  case Intrinsic::log:
    return "log";
  case Intrinsic::log2:
    return "log2";
  case Intrinsic::log10:
    return "log10";
  case Intrinsic::sin:
    return "sin";
  case Intrinsic::cos:
    return "cos";
  case Intrinsic::tan:
    return "tan";
  case Intrinsic::pow:
    return "pow";
  default:
    return "";
  }
}

/// The intrinsic NVPTX selects as one instruction for the libm function
/// `name` of type `ty` (fabsf for float, fabs for double, ...), or
/// not_intrinsic.
static Intrinsic::ID intrinsicOf(StringRef name, Type *ty) {
  if (ty->isFloatTy() && !name.consume_back("f"))
    return Intrinsic::not_intrinsic;
  if (!ty->isFloatTy() && !ty->isDoubleTy())
    return Intrinsic::not_intrinsic;
  return StringSwitch<Intrinsic::ID>(name)
      .Case("fabs", Intrinsic::fabs)
      .Case("sqrt", Intrinsic::sqrt)
      .Case("fma", Intrinsic::fma)
      .Case("floor", Intrinsic::floor)
      .Case("ceil", Intrinsic::ceil)
      .Case("trunc", Intrinsic::trunc)
      .Case("copysign", Intrinsic::copysign)
      .Case("fmin", Intrinsic::minnum)
      .Case("fmax", Intrinsic::maxnum)
      .Default(Intrinsic::not_intrinsic);
}

/// Replaces the math functions `m` calls (libm names, LLVM intrinsics) by
/// libdevice's and links the libdevice functions used.
static bool linkLibdevice(Module &m, const GPUTargetOptions &options,
                          std::string &error) {
  // fabsf and friends as the instructions they are.
  for (Function &f : llvm::make_early_inc_range(m.functions())) {
    if (!f.isDeclaration() || f.isIntrinsic())
      continue;
    Type *ty = f.getReturnType();
    Intrinsic::ID id = intrinsicOf(f.getName(), ty);
    if (id == Intrinsic::not_intrinsic)
      continue;
    Function *intrinsic = Intrinsic::getDeclaration(&m, id, {ty});
    if (intrinsic->getFunctionType() != f.getFunctionType())
      continue;
    f.replaceAllUsesWith(intrinsic);
    f.eraseFromParent();
  }
  SmallVector<std::pair<Function *, std::string>> uses;
  for (Function &f : m.functions()) {
    if (!f.isDeclaration() || f.use_empty())
      continue;
    std::string name;
    if (f.isIntrinsic()) {
      Type *ty = f.getReturnType();
      std::string base = libmNameOf(f.getIntrinsicID());
      if (base.empty() || !(ty->isFloatTy() || ty->isDoubleTy()))
        continue;
      name = "__nv_" + base + (ty->isFloatTy() ? "f" : "");
    } else if (!f.getName().starts_with("__nv_")) {
      name = ("__nv_" + f.getName()).str();
    } else {
      name = f.getName().str();
    }
    uses.emplace_back(&f, name);
  }
  if (uses.empty())
    return true;
  std::string path = findLibdevice(options);
  if (path.empty()) {
    error = "the GPU kernels call math functions, and libdevice.10.bc was not "
            "found (set CUDA_HOME or --cuda-path)";
    return false;
  }
  SMDiagnostic diag;
  std::unique_ptr<Module> lib = parseIRFile(path, diag, m.getContext());
  if (!lib) {
    error = "cannot read " + path + ": " + diag.getMessage().str();
    return false;
  }
  lib->setTargetTriple(m.getTargetTriple());
  lib->setDataLayout(m.getDataLayout());
  for (auto &[f, name] : uses) {
    Function *def = lib->getFunction(name);
    if (!def || def->getFunctionType() != f->getFunctionType()) {
      error = "the GPU kernels call '" + f->getName().str() +
              "', which has no libdevice version";
      return false;
    }
    Function *decl = cast<Function>(
        m.getOrInsertFunction(name, f->getFunctionType()).getCallee());
    if (decl == f)
      continue;
    f->replaceAllUsesWith(decl);
  }
  for (auto &[f, name] : uses)
    if (f->getName() != name)
      f->eraseFromParent();
  if (Linker::linkModules(m, std::move(lib), Linker::Flags::LinkOnlyNeeded)) {
    error = "linking libdevice failed";
    return false;
  }
  return true;
}

static std::unique_ptr<TargetMachine>
createNVPTXTargetMachine(std::string &error) {
  LLVMInitializeNVPTXTargetInfo();
  LLVMInitializeNVPTXTarget();
  LLVMInitializeNVPTXTargetMC();
  LLVMInitializeNVPTXAsmPrinter();
  const Target *target = TargetRegistry::lookupTarget(kTriple, error);
  if (!target)
    return nullptr;
  // PTX ISA 7.0 is the first with sm_80, and every later ptxas reads it.
  std::unique_ptr<TargetMachine> tm(target->createTargetMachine(
      kTriple, kPTXArch, "+ptx70", TargetOptions(), std::nullopt, std::nullopt,
      CodeGenOptLevel::Aggressive));
  if (!tm)
    error = std::string("cannot create a target machine for ") + kTriple;
  return tm;
}

/// O3 with NVPTX's additions (nvvm-reflect resolves libdevice's
/// __nvvm_reflect queries).
static void optimize(Module &m, TargetMachine &tm) {
  LoopAnalysisManager lam;
  FunctionAnalysisManager fam;
  CGSCCAnalysisManager cgam;
  ModuleAnalysisManager mam;
  PassBuilder pb(&tm);
  pb.registerModuleAnalyses(mam);
  pb.registerCGSCCAnalyses(cgam);
  pb.registerFunctionAnalyses(fam);
  pb.registerLoopAnalyses(lam);
  pb.crossRegisterProxies(lam, fam, cgam, mam);
  pb.buildPerModuleDefaultPipeline(OptimizationLevel::O3).run(m, mam);
}

/// Bytes of the allocas of `f` and of the functions it calls: after O3,
/// the local memory a thread of kernel `f` needs (besides spills).
static int64_t localBytes(const Function &f, const DataLayout &dl) {
  int64_t own = 0, callees = 0;
  for (const Instruction &inst : instructions(f)) {
    if (auto *alloca = dyn_cast<AllocaInst>(&inst)) {
      if (std::optional<TypeSize> size = alloca->getAllocationSize(dl))
        own += size->getFixedValue();
    } else if (auto *call = dyn_cast<CallBase>(&inst)) {
      if (const Function *callee = call->getCalledFunction())
        if (!callee->isDeclaration() && callee != &f)
          callees = std::max(callees, localBytes(*callee, dl));
    }
  }
  return own + callees;
}

/// Marks the functions that reach a barrier of the cooperative functions
/// (lds_coop_barrier) convergent, as CUDA's front ends mark device code: no
/// transformation may make such a call depend on more values than it does.
static void markConvergent(Module &m) {
  Function *barrier = m.getFunction("lds_coop_barrier");
  if (!barrier)
    return;
  SmallVector<Function *> work{barrier};
  while (!work.empty()) {
    Function *f = work.pop_back_val();
    f->addFnAttr(Attribute::Convergent);
    for (User *u : f->users())
      if (auto *call = dyn_cast<CallBase>(u)) {
        Function *caller = call->getFunction();
        if (!caller->hasFnAttribute(Attribute::Convergent))
          work.push_back(caller);
      }
  }
}

/// Asks ptxas not to unroll the loops of the cooperative code (the
/// functions marked by markConvergent): at D = 256 its O3 unrolled their
/// constant-trip inner loops for minutes (Langevin's Newton reduce kernel:
/// 84 s against 0.6 s at -O1); LLVM has already unrolled what pays.
static void keepCoopLoopsRolled(Module &m) {
  LLVMContext &ctx = m.getContext();
  for (Function &f : m.functions()) {
    if (f.isDeclaration() || !f.hasFnAttribute(Attribute::Convergent))
      continue;
    DominatorTree dt(f);
    LoopInfo li(dt);
    for (Loop *loop : li.getLoopsInPreorder()) {
      SmallVector<BasicBlock *, 2> latches;
      loop->getLoopLatches(latches);
      MDNode *disable =
          MDNode::get(ctx, MDString::get(ctx, "llvm.loop.unroll.disable"));
      for (BasicBlock *latch : latches) {
        Instruction *term = latch->getTerminator();
        SmallVector<Metadata *, 4> ops{nullptr};
        if (MDNode *old = term->getMetadata(LLVMContext::MD_loop))
          for (unsigned i = 1; i < old->getNumOperands(); ++i)
            ops.push_back(old->getOperand(i));
        ops.push_back(disable);
        MDNode *md = MDNode::getDistinct(ctx, ops);
        md->replaceOperandWith(0, md);
        term->setMetadata(LLVMContext::MD_loop, md);
      }
    }
  }
}

/// NVPTX lowers every memcpy to a loop of byte loads and stores, whatever
/// its alignment (its TTI keeps the default i8 loop type), so memref.copy's
/// copies of rows and maps would move each float as four bytes. A copy of a
/// constant length whose pointers are known 4- or 8-byte aligned becomes a
/// loop of 4- or 8-byte loads and stores here instead.
static void widenMemCopies(Module &m) {
  SmallVector<MemCpyInst *> copies;
  for (Function &f : m)
    for (Instruction &inst : instructions(f))
      if (auto *copy = dyn_cast<MemCpyInst>(&inst))
        copies.push_back(copy);
  LLVMContext &ctx = m.getContext();
  Type *i64 = Type::getInt64Ty(ctx);
  for (MemCpyInst *copy : copies) {
    auto *length = dyn_cast<ConstantInt>(copy->getLength());
    if (!length || copy->isVolatile())
      continue;
    uint64_t bytes = length->getZExtValue();
    uint64_t align = std::min(copy->getDestAlign().valueOrOne().value(),
                              copy->getSourceAlign().valueOrOne().value());
    uint64_t width = align >= 8 && bytes % 8 == 0   ? 8
                     : align >= 4 && bytes % 4 == 0 ? 4
                                                    : 0;
    if (!width || bytes == 0)
      continue;
    BasicBlock *before = copy->getParent();
    BasicBlock *after = before->splitBasicBlock(copy, "copy.done");
    BasicBlock *body =
        BasicBlock::Create(ctx, "copy.body", before->getParent(), after);
    before->getTerminator()->setSuccessor(0, body);
    IRBuilder<> b(body);
    PHINode *i = b.CreatePHI(i64, 2, "copy.i");
    i->addIncoming(ConstantInt::get(i64, 0), before);
    Type *word = b.getIntNTy(8 * width);
    Value *from = b.CreateInBoundsGEP(word, copy->getSource(), i);
    Value *to = b.CreateInBoundsGEP(word, copy->getDest(), i);
    b.CreateAlignedStore(b.CreateAlignedLoad(word, from, Align(width)), to,
                         Align(width));
    Value *next = b.CreateAdd(i, ConstantInt::get(i64, 1), "", true, true);
    i->addIncoming(next, body);
    b.CreateCondBr(b.CreateICmpULT(next, ConstantInt::get(i64, bytes / width)),
                   body, after);
    copy->eraseFromParent();
  }
}

/// Drops the kernels that need more than kMaxLocalBytes of local memory per
/// thread, and what only they used. A solver keeps its reduce, scan and
/// sweep kernels where only its iterate kernel is too large (the three
/// launches serve), and keeps its channel kernels (a thread per state
/// channel: no D-vectors in local memory) where its row kernels are too
/// large (channels = kGPUChannelsOnly); it goes only when neither fits.
static void dropHeavySolvers(Module &m, GPUBuild &build, StringSet<> &kernels) {
  bool dropped = false;
  // The most local memory a thread of one of `names` needs.
  auto most = [&](ArrayRef<std::string> names) {
    int64_t bytes = 0;
    for (const std::string &name : names)
      if (Function *f = m.getFunction(name))
        bytes = std::max(bytes, localBytes(*f, m.getDataLayout()));
    return bytes;
  };
  for (GPUModelKernels &model : build.models)
    for (SolverId s : {SolverId::Jacobi, SolverId::Picard,
                       SolverId::QuasiNewton, SolverId::Newton}) {
      int i = int(s);
      if (!model.hasSolver[i])
        continue;
      std::string prefix =
          "lds_gpu_" + model.model + "_" + getSolverSymbol(s).str() + "_";
      auto kernelsOf = [&](StringRef suffix) {
        SmallVector<std::string, 3> names;
        for (const char *phase : {"reduce", "scan", "sweep"})
          names.push_back(prefix + phase + suffix.str());
        return names;
      };
      SmallVector<std::string, 3> rows = kernelsOf(""),
                                  channels = kernelsOf("_ch");
      std::string rowIterate = prefix + "iterate",
                  channelIterate = prefix + "iterate_ch";
      SmallVector<std::string, 8> drop;
      auto leaveOut = [&](ArrayRef<std::string> names, StringRef which,
                          int64_t bytes, StringRef instead) {
        drop.append(names.begin(), names.end());
        build.notes.push_back(
            model.model + ": " + getSolverName(s).str() + "'s " + which.str() +
            " " + std::to_string(bytes) +
            " bytes of local memory a thread (at most " +
            std::to_string(kMaxLocalBytes) + "): " + instead.str());
      };
      bool rowsExist = model.channels[i] != kGPUChannelsOnly;
      if (int64_t bytes = most(channels); bytes > kMaxLocalBytes) {
        leaveOut(channels, "channel kernels need", bytes,
                 rowsExist ? "its row kernels serve alone"
                           : "it has no GPU kernels");
        drop.push_back(channelIterate);
        model.channels[i] = model.channelIterateBlock[i] = 0;
        if (!rowsExist)
          model.hasSolver[i] = 0;
      } else if (int64_t bytes = most(channelIterate); bytes > kMaxLocalBytes) {
        leaveOut(channelIterate, "channel iterate kernel needs", bytes,
                 "its reduce_ch, scan_ch and sweep_ch launches serve");
        model.channelIterateBlock[i] = 0;
      }
      if (int64_t bytes = most(rows); bytes > kMaxLocalBytes) {
        leaveOut(rows, "row kernels need", bytes,
                 model.channels[i] ? "its channel kernels serve alone"
                                   : "it has no GPU kernels");
        drop.push_back(rowIterate);
        model.iterateBlock[i] = 0;
        if (model.channels[i])
          model.channels[i] = kGPUChannelsOnly;
        else
          model.hasSolver[i] = model.coopBlock[i] = model.coopScratch[i] = 0;
      } else if (int64_t bytes = most(rowIterate); bytes > kMaxLocalBytes) {
        leaveOut(rowIterate, "iterate kernel needs", bytes,
                 "its reduce, scan and sweep launches serve");
        model.iterateBlock[i] = 0;
      }
      for (const std::string &name : drop) {
        llvm::erase(model.kernels, name);
        kernels.erase(name);
        if (Function *f = m.getFunction(name)) {
          f->replaceAllUsesWith(PoisonValue::get(f->getType()));
          f->eraseFromParent();
          dropped = true;
        }
      }
    }
  if (!dropped)
    return;
  // nvvm.annotations of the kernels left, and no unused internal code.
  if (NamedMDNode *annotations = m.getNamedMetadata("nvvm.annotations")) {
    SmallVector<MDNode *> keep;
    for (MDNode *node : annotations->operands())
      if (node->getNumOperands() && node->getOperand(0))
        if (auto *v = dyn_cast<ValueAsMetadata>(node->getOperand(0)))
          if (isa<Function>(v->getValue()))
            keep.push_back(node);
    annotations->clearOperands();
    for (MDNode *node : keep)
      annotations->addOperand(node);
  }
  for (bool changed = true; changed;) {
    changed = false;
    for (Function &f : llvm::make_early_inc_range(m.functions()))
      if (f.hasLocalLinkage() && f.use_empty()) {
        f.eraseFromParent();
        changed = true;
      }
  }
  // The dropped scans' shared memory.
  for (GlobalVariable &g : llvm::make_early_inc_range(m.globals())) {
    g.removeDeadConstantUsers();
    if (g.hasLocalLinkage() && g.use_empty())
      g.eraseFromParent();
  }
}

void lds::addCooperativeNewton(mlir::ModuleOp module,
                               const std::vector<ModelInfo> &infos,
                               const GPUTargetOptions &options) {
  mlir::OpBuilder b(module.getContext());
  b.setInsertionPointToEnd(module.getBody());
  for (const ModelInfo &info : infos) {
    if (info.stateDim < options.cooperativeNewtonFrom)
      continue;
    for (const char *kind : {"element", "combine", "apply"}) {
      auto f = module.lookupSymbol<mlir::func::FuncOp>(info.name + "_newton_" +
                                                       kind);
      if (!f || module.lookupSymbol(info.name + "_newton_coop_" + kind))
        break;
      auto copy = mlir::cast<mlir::func::FuncOp>(b.clone(*f));
      copy.setSymName(info.name + "_newton_coop_" + kind);
      copy->setAttr("lds.derived",
                    b.getStringAttr(std::string("newton_coop_") + kind));
      copy->setAttr("lds.cooperative", b.getUnitAttr());
    }
  }
}

bool lds::buildGPUKernels(mlir::ModuleOp module,
                          const std::vector<ModelInfo> &modelInfos,
                          const GPUTargetOptions &options, GPUBuild &build,
                          std::string &error) {
  std::unique_ptr<TargetMachine> tm = createNVPTXTargetMachine(error);
  if (!tm)
    return false;
  addCooperativeNewton(module, modelInfos, options);
  sliceChannels(module);
  // How the channel kernels address each input and param.
  std::vector<ModelInfo> infos = modelInfos;
  readChannelStrides(module, infos);
  if (mlir::failed(lowerToNVVMDialect(module))) {
    error = "lowering the kernels for the GPU failed";
    return false;
  }
  stripLDSAttributes(module);
  LLVMContext context;
  std::unique_ptr<Module> m = translateToLLVMIR(module, context);
  if (!m) {
    error = "translating the GPU kernels to LLVM IR failed";
    return false;
  }
  m->setTargetTriple(kTriple);
  m->setDataLayout(tm->createDataLayout());
  // The same wrappers and chunk loops as the CPU object; the descriptors
  // and their accessors are host-only.
  addModelABI(*m, infos);
  for (const ModelInfo &info : infos)
    if (Function *accessor = m->getFunction("lds_model_" + info.name))
      accessor->eraseFromParent();

  std::unique_ptr<GPUIntrinsics> intrinsics = createNVVMIntrinsics(*m);
  StringSet<> kernels;
  for (const ModelInfo &info : infos) {
    GPUKernelSet set = addGPUKernels(*m, info, *intrinsics);
    GPUModelKernels summary;
    summary.model = info.name;
    summary.scanBlock = set.scanBlock;
    std::copy(std::begin(set.hasSolver), std::end(set.hasSolver),
              summary.hasSolver);
    std::copy(std::begin(set.iterateBlock), std::end(set.iterateBlock),
              summary.iterateBlock);
    std::copy(std::begin(set.coopBlock), std::end(set.coopBlock),
              summary.coopBlock);
    std::copy(std::begin(set.coopScratch), std::end(set.coopScratch),
              summary.coopScratch);
    std::copy(std::begin(set.channels), std::end(set.channels),
              summary.channels);
    std::copy(std::begin(set.channelIterateBlock),
              std::end(set.channelIterateBlock), summary.channelIterateBlock);
    for (auto &[name, f] : set.kernels) {
      summary.kernels.push_back(name);
      kernels.insert(name);
    }
    summary.rowsTooLarge = set.rowsTooLarge;
    build.models.push_back(std::move(summary));
  }
  markConvergent(*m);
  if (!linkLibdevice(*m, options, error))
    return false;
  internalizeModule(*m, [&](const GlobalValue &gv) {
    return kernels.contains(gv.getName());
  });
  optimize(*m, *tm);
  widenMemCopies(*m);
  keepCoopLoopsRolled(*m);
  dropHeavySolvers(*m, build, kernels);
  for (auto [info, model] : llvm::zip_equal(infos, build.models))
    for (SolverId s : model.rowsTooLarge)
      build.notes.push_back(info.name + ": " + getSolverName(s).str() +
                            "'s row kernels do not fit a thread block at D = " +
                            std::to_string(info.stateDim) + ": " +
                            (model.channels[int(s)]
                                 ? "its channel kernels serve alone"
                                 : "it has no GPU kernels"));
  for (Function &f : m->functions())
    if (f.isDeclaration() && !f.isIntrinsic() && !f.use_empty()) {
      error = "the GPU kernels call '" + f.getName().str() +
              "', which the device does not have";
      return false;
    }

  SmallString<0> ptx;
  raw_svector_ostream os(ptx);
  legacy::PassManager pm;
  if (tm->addPassesToEmitFile(pm, os, nullptr, CodeGenFileType::AssemblyFile)) {
    error = "the NVPTX target cannot emit PTX";
    return false;
  }
  pm.run(*m);
  build.ptx = ptx.str().str();

  return true;
}
