//===- LowerToLLVM.cpp - lds funcs to the LLVM dialect and LLVM IR --------===//
//
// The pass pipeline of the CPU backend, shared by lds-compile (through
// lowerToLLVMDialect), lds-opt (as `lds-lower-to-llvm`) and the JIT tests.
//
//===----------------------------------------------------------------------===//

#include "lds/Conversion/LowerToLLVM.h"
#include "lds/Conversion/Passes.h"

#include "mlir/Conversion/ArithToLLVM/ArithToLLVM.h"
#include "mlir/Conversion/ControlFlowToLLVM/ControlFlowToLLVM.h"
#include "mlir/Conversion/FuncToLLVM/ConvertFuncToLLVMPass.h"
#include "mlir/Conversion/MathToLLVM/MathToLLVM.h"
#include "mlir/Conversion/MathToLibm/MathToLibm.h"
#include "mlir/Conversion/MemRefToLLVM/MemRefToLLVM.h"
#include "mlir/Conversion/ReconcileUnrealizedCasts/ReconcileUnrealizedCasts.h"
#include "mlir/Conversion/SCFToControlFlow/SCFToControlFlow.h"
#include "mlir/Conversion/VectorToLLVM/ConvertVectorToLLVMPass.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/MemRef/Transforms/Passes.h"
#include "mlir/Interfaces/DataLayoutInterfaces.h"
#include "mlir/Pass/PassManager.h"
#include "mlir/Pass/PassRegistry.h"
#include "mlir/Target/LLVMIR/Dialect/Builtin/BuiltinToLLVMIRTranslation.h"
#include "mlir/Target/LLVMIR/Dialect/LLVMIR/LLVMToLLVMIRTranslation.h"
#include "mlir/Target/LLVMIR/Export.h"
#include "mlir/Transforms/Passes.h"
#include "llvm/IR/Module.h"

using namespace mlir;

namespace {
/// Gives every memref argument of a function `llvm.align`: its element
/// type's ABI alignment (4 for f32 and i32, 8 for f64), which every pointer
/// to an element has; at least 8 for the block scratch of the cooperative
/// functions (its callers pass it aligned to 64). Without it LLVM knows no
/// alignment for what the pointers reach, and memref.copy's memcpy (align
/// 1) becomes byte loads and stores where SROA splits it, which NVPTX must
/// emit as such (a float as four st.u8).
struct AnnotateArgumentAlignment
    : public PassWrapper<AnnotateArgumentAlignment, OperationPass<ModuleOp>> {
  MLIR_DEFINE_EXPLICIT_INTERNAL_INLINE_TYPE_ID(AnnotateArgumentAlignment)

  StringRef getArgument() const final {
    return "lds-annotate-argument-alignment";
  }
  void runOnOperation() override {
    ModuleOp module = getOperation();
    DataLayout layout(module);
    Builder builder(module.getContext());
    module.walk([&](func::FuncOp func) {
      for (unsigned i = 0, e = func.getNumArguments(); i < e; ++i) {
        auto type = dyn_cast<MemRefType>(func.getArgument(i).getType());
        if (!type || func.getArgAttr(i, LLVM::LLVMDialect::getAlignAttrName()))
          continue;
        uint64_t align = layout.getTypeABIAlignment(type.getElementType());
        auto kind = func.getArgAttrOfType<StringAttr>(i, "lds.kind");
        if (kind && kind.getValue() == "scratch")
          align = std::max<uint64_t>(align, 8);
        func.setArgAttr(i, LLVM::LLVMDialect::getAlignAttrName(),
                        builder.getI64IntegerAttr(align));
      }
    });
  }
};
} // namespace

void lds::buildLowerToLLVMPipeline(OpPassManager &pm,
                                   const LowerToLLVMOptions &options) {
  LDSLowerToLoopsOptions loops;
  loops.dropModels = true;
  loops.maxAllocaBytes = options.maxAllocaBytes;
  loops.shareBuffersFrom = options.shareBuffersFrom;
  loops.foldTransposes = options.foldTransposes;
  loops.productsByRows = options.productsByRows;
  loops.fuseLoopsFrom = options.fuseLoopsFrom;
  loops.storeResultsInPlace = options.storeResultsInPlace;
  pm.addPass(createLDSLowerToLoops(loops));
  if (options.distributeOverBlock)
    pm.addPass(createLDSDistributeOverBlock());
  pm.addPass(createCanonicalizerPass());
  pm.addPass(createCSEPass());
  if (options.laneBytes > 0) {
    LDSWidenLanesOptions lanes;
    lanes.laneBytes = options.laneBytes;
    pm.addPass(createLDSWidenLanes(lanes));
    pm.addPass(createCanonicalizerPass());
    pm.addPass(createCSEPass());
  }
  if (options.rowOrderTransposes)
    pm.addPass(createLDSRowOrderTransposes());
  if (options.maxStackBytes > 0) {
    LDSLimitStackOptions stack;
    stack.maxStackBytes = options.maxStackBytes;
    pm.addPass(createLDSLimitStack(stack));
  }
  pm.addPass(std::make_unique<AnnotateArgumentAlignment>());
  if (options.cpuFastMath)
    pm.addPass(createLDSCPUFastMath());
  pm.addPass(createConvertSCFToCFPass());
  // What lds-cpu-fast-math left of math (f64, and ops with no f32
  // approximation) goes to the C library first: math-to-libm turns tanh,
  // log1p, expm1, ... into calls (declared readnone), which math-to-llvm
  // would otherwise leave unlowered (tanh) or approximate (log1p). math-to-llvm
  // then takes what is left to LLVM intrinsics, which codegen also turns into
  // libm calls.
  pm.addPass(createConvertMathToLibmPass());
  pm.addPass(createConvertMathToLLVMPass());
  // The vector ops of lds-cpu-fast-math's dot products and of
  // lds-widen-lanes' lanes.
  if (options.cpuFastMath || options.laneBytes > 0) {
    ConvertVectorToLLVMPassOptions vector;
    vector.reassociateFPReductions = true;
    pm.addPass(createConvertVectorToLLVMPass(vector));
  }
  pm.addPass(createArithToLLVMConversionPass());
  pm.addPass(memref::createExpandStridedMetadataPass());
  pm.addPass(createFinalizeMemRefToLLVMConversionPass());
  pm.addPass(createConvertControlFlowToLLVMPass());
  ConvertFuncToLLVMPassOptions func;
  // Plain pointers rather than memref descriptors: the C ABI of the derived
  // functions that the runtime and the generated header rely on.
  func.useBarePtrCallConv = true;
  pm.addPass(createConvertFuncToLLVMPass(func));
  pm.addPass(createReconcileUnrealizedCastsPass());
}

LogicalResult lds::lowerToLLVMDialect(ModuleOp module,
                                      const LowerToLLVMOptions &options) {
  PassManager pm = PassManager::on<ModuleOp>(module->getContext());
  buildLowerToLLVMPipeline(pm, options);
  return pm.run(module);
}

std::unique_ptr<llvm::Module>
lds::translateToLLVMIR(ModuleOp module, llvm::LLVMContext &llvmContext) {
  // Translation interfaces are looked up on the dialects at translation time;
  // registering them here spares every caller from having to know which.
  DialectRegistry registry;
  registerBuiltinDialectTranslation(registry);
  registerLLVMDialectTranslation(registry);
  module->getContext()->appendDialectRegistry(registry);
  return translateModuleToLLVMIR(module, llvmContext);
}

namespace {
struct PipelineOptions : public PassPipelineOptions<PipelineOptions> {
  Option<int64_t> maxAllocaBytes{
      *this, "max-alloca-bytes",
      llvm::cl::desc("Buffers larger than this many bytes go to the heap "
                     "(0: all on the stack)"),
      llvm::cl::init(0)};
  Option<int64_t> maxStackBytes{
      *this, "max-stack-bytes",
      llvm::cl::desc("The largest stack buffers go to the heap until the rest "
                     "take at most this many bytes a function (0: no limit)"),
      llvm::cl::init(lds::LowerToLLVMOptions().maxStackBytes)};
  Option<int64_t> shareBuffersFrom{
      *this, "share-buffers-from",
      llvm::cl::desc("Stack buffers of at least this many bytes with disjoint "
                     "lifetimes share memory (0: never)"),
      llvm::cl::init(lds::LowerToLLVMOptions().shareBuffersFrom)};
  Option<bool> foldTransposes{
      *this, "fold-transposes",
      llvm::cl::desc("Matmuls read the transposes they are fed in place"),
      llvm::cl::init(lds::LowerToLLVMOptions().foldTransposes)};
  Option<bool> productsByRows{
      *this, "products-by-rows",
      llvm::cl::desc("Matrix-matrix products update rows of the result"),
      llvm::cl::init(lds::LowerToLLVMOptions().productsByRows)};
  Option<int64_t> fuseLoopsFrom{
      *this, "fuse-loops-from",
      llvm::cl::desc("Merge the loop nests of elementwise chains whose "
                     "innermost loop runs at least this many iterations "
                     "(0: never)"),
      llvm::cl::init(lds::LowerToLLVMOptions().fuseLoopsFrom)};
  Option<bool> storeResultsInPlace{
      *this, "store-results-in-place",
      llvm::cl::desc("The last merged nest stores the results into the "
                     "out-parameters"),
      llvm::cl::init(lds::LowerToLLVMOptions().storeResultsInPlace)};
  Option<bool> cpuFastMath{
      *this, "cpu-fast-math",
      llvm::cl::desc("Run lds-cpu-fast-math (the CPU backend's choice)"),
      llvm::cl::init(lds::LowerToLLVMOptions().cpuFastMath)};
  Option<int64_t> laneBytes{
      *this, "lane-bytes",
      llvm::cl::desc("Run lds-widen-lanes with vectors of this many bytes "
                     "(0: never)"),
      llvm::cl::init(lds::LowerToLLVMOptions().laneBytes)};
  Option<bool> rowOrderTransposes{
      *this, "row-order-transposes",
      llvm::cl::desc("Run lds-row-order-transposes (the CPU's choice)"),
      llvm::cl::init(lds::LowerToLLVMOptions().rowOrderTransposes)};
  Option<bool> distributeOverBlock{
      *this, "distribute-over-block",
      llvm::cl::desc("Run lds-distribute-over-block after lds-lower-to-loops "
                     "(the GPU pipeline's choice)"),
      llvm::cl::init(lds::LowerToLLVMOptions().distributeOverBlock)};
};
} // namespace

void lds::registerLowerToLLVMPipeline() {
  PassPipelineRegistration<PipelineOptions>(
      "lds-lower-to-llvm",
      "Lower the derived lds func.funcs to the LLVM dialect (CPU backend), "
      "with bare-pointer signatures; drops the lds.model ops",
      [](OpPassManager &pm, const PipelineOptions &pipelineOptions) {
        LowerToLLVMOptions options;
        options.maxAllocaBytes = pipelineOptions.maxAllocaBytes;
        options.maxStackBytes = pipelineOptions.maxStackBytes;
        options.shareBuffersFrom = pipelineOptions.shareBuffersFrom;
        options.foldTransposes = pipelineOptions.foldTransposes;
        options.productsByRows = pipelineOptions.productsByRows;
        options.fuseLoopsFrom = pipelineOptions.fuseLoopsFrom;
        options.storeResultsInPlace = pipelineOptions.storeResultsInPlace;
        options.cpuFastMath = pipelineOptions.cpuFastMath;
        options.distributeOverBlock = pipelineOptions.distributeOverBlock;
        options.laneBytes = pipelineOptions.laneBytes;
        options.rowOrderTransposes = pipelineOptions.rowOrderTransposes;
        buildLowerToLLVMPipeline(pm, options);
      });
}
