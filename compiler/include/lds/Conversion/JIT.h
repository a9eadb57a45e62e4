//===- JIT.h - run lowered lds functions in-process, for tests --*- C++ -*-===//
//
// A thin wrapper over mlir::ExecutionEngine for unit tests: JIT-compiles a
// module already lowered to the LLVM dialect and calls its functions with the
// bare-pointer convention of lds-lower-to-llvm. Not used by the compiler.
//
//===----------------------------------------------------------------------===//

#ifndef LDS_CONVERSION_JIT_H
#define LDS_CONVERSION_JIT_H

#include "mlir/IR/BuiltinOps.h"
#include "llvm/ADT/StringRef.h"
#include "llvm/Support/Error.h"

#include <memory>
#include <vector>

namespace mlir {
class ExecutionEngine;
} // namespace mlir

namespace lds {

class JIT {
public:
  /// Compiles `module` (in the LLVM dialect) at LLVM optimisation level
  /// `optLevel`. Symbols the code calls but does not define (libm's tanh,
  /// log1p, ...) resolve against the running process.
  static llvm::Expected<std::unique_ptr<JIT>> create(mlir::ModuleOp module,
                                                     unsigned optLevel = 2);
  ~JIT();

  /// Calls `void name(T *arg0, T *arg1, ...)` with one pointer per argument,
  /// in order (inputs, then out-parameters).
  llvm::Error invoke(llvm::StringRef name, std::vector<void *> pointerArgs);

private:
  explicit JIT(std::unique_ptr<mlir::ExecutionEngine> engine);
  std::unique_ptr<mlir::ExecutionEngine> engine;
};

} // namespace lds

#endif // LDS_CONVERSION_JIT_H
