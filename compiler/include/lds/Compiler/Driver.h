//===- Driver.h - the lds-compile pipeline ----------------------*- C++ -*-===//

#ifndef LDS_COMPILER_DRIVER_H
#define LDS_COMPILER_DRIVER_H

#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/IR/OwningOpRef.h"
#include "llvm/Support/SourceMgr.h"

#include <string>

namespace lds {

/// Model files larger than this are rejected before being read.
constexpr uint64_t kMaxSourceBytes = uint64_t(64) << 20;

/// The name diagnostics and banners give a model read from "-" (stdin).
constexpr llvm::StringLiteral kStdinName = "<stdin>";

/// `path` as the tools show it: kStdinName for "-".
inline llvm::StringRef sourceDisplayName(llvm::StringRef path) {
  return path == "-" ? llvm::StringRef(kStdinName) : path;
}

enum class EmitKind { AST, LDS, MLIR, LLVM, PTX, Obj, Header };

/// Reads `path` into `sourceMgr` (checking that it exists, is a regular file
/// and is at most kMaxSourceBytes). Errors are printed as
/// `<toolName>: error: ...`. Returns the buffer id, or 0 on failure.
unsigned loadSourceFile(llvm::StringRef path, llvm::SourceMgr &sourceMgr,
                        llvm::raw_ostream &errs,
                        llvm::StringRef toolName = "lds-compile");

/// Parses, checks and lowers the main buffer of `sourceMgr` to the lds
/// dialect, into `result`. Diagnostics go to `context`'s diagnostic engine as
/// FileLineColLocs. With `astOut`, the checked AST is printed there instead
/// of lowering it. With `promoteToF64`, every f32 in the source is treated
/// as f64 (the float64 reference of `lds-run --check`).
mlir::LogicalResult compileToDialect(llvm::SourceMgr &sourceMgr,
                                     mlir::MLIRContext &context,
                                     mlir::OwningOpRef<mlir::ModuleOp> &result,
                                     llvm::raw_ostream *astOut = nullptr,
                                     bool promoteToF64 = false);

} // namespace lds

#endif // LDS_COMPILER_DRIVER_H
