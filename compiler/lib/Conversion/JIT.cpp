//===- JIT.cpp - run lowered lds functions in-process, for tests ----------===//

#include "lds/Conversion/JIT.h"

#include "mlir/ExecutionEngine/ExecutionEngine.h"
#include "mlir/ExecutionEngine/OptUtils.h"
#include "mlir/Target/LLVMIR/Dialect/Builtin/BuiltinToLLVMIRTranslation.h"
#include "mlir/Target/LLVMIR/Dialect/LLVMIR/LLVMToLLVMIRTranslation.h"
#include "llvm/Support/TargetSelect.h"

using namespace mlir;

lds::JIT::JIT(std::unique_ptr<ExecutionEngine> engine)
    : engine(std::move(engine)) {}

lds::JIT::~JIT() = default;

llvm::Expected<std::unique_ptr<lds::JIT>> lds::JIT::create(ModuleOp module,
                                                           unsigned optLevel) {
  // Idempotent, and needed once per process before any code generation.
  llvm::InitializeNativeTarget();
  llvm::InitializeNativeTargetAsmPrinter();

  DialectRegistry registry;
  registerBuiltinDialectTranslation(registry);
  registerLLVMDialectTranslation(registry);
  module->getContext()->appendDialectRegistry(registry);

  // The transformer runs the same LLVM optimisation pipeline a compiled
  // object gets, so the tests exercise optimised code (SROA over the stack
  // buffers, loop passes) rather than the naive IR only.
  auto transformer = makeOptimizingTransformer(optLevel, /*sizeLevel=*/0,
                                               /*targetMachine=*/nullptr);
  ExecutionEngineOptions options;
  options.transformer = transformer;
  // ExecutionEngine resolves undefined symbols against the current process,
  // where libm is loaded (the C++ runtime depends on it).
  auto engine = ExecutionEngine::create(module, options);
  if (!engine)
    return engine.takeError();
  return std::unique_ptr<JIT>(new JIT(std::move(*engine)));
}

llvm::Error lds::JIT::invoke(llvm::StringRef name,
                             std::vector<void *> pointerArgs) {
  // The packed wrapper `_mlir_<name>(void **)` that ExecutionEngine generates
  // reads each argument through one more indirection: it wants the address
  // of each pointer, not the pointer itself.
  std::vector<void *> packed;
  packed.reserve(pointerArgs.size());
  for (void *&pointer : pointerArgs)
    packed.push_back(&pointer);
  return engine->invokePacked(name, packed);
}
