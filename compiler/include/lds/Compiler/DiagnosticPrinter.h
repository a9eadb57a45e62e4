//===- DiagnosticPrinter.h - file:line:col diagnostics with a caret -*- C++
//-*-===//
//
// Prints MLIR diagnostics as `file:line:col: error: message`, the source line
// and a caret under the column. Unlike llvm::SourceMgr's printer it shows at
// most a window of a very long line (a 10 MB line prints ~160 characters).
//
//===----------------------------------------------------------------------===//

#ifndef LDS_COMPILER_DIAGNOSTICPRINTER_H
#define LDS_COMPILER_DIAGNOSTICPRINTER_H

#include "mlir/IR/Diagnostics.h"
#include "llvm/Support/SourceMgr.h"

namespace lds {

class CaretDiagnosticHandler {
public:
  /// Installs itself on `context` for its lifetime.
  CaretDiagnosticHandler(llvm::SourceMgr &sourceMgr, mlir::MLIRContext *context,
                         llvm::raw_ostream &os);
  ~CaretDiagnosticHandler();

  /// The longest source excerpt printed under a diagnostic.
  static constexpr size_t kMaxExcerpt = 160;

private:
  void print(mlir::Diagnostic &diag);

  llvm::SourceMgr &sourceMgr;
  mlir::MLIRContext *context;
  llvm::raw_ostream &os;
  mlir::DiagnosticEngine::HandlerID id;
};

} // namespace lds

#endif // LDS_COMPILER_DIAGNOSTICPRINTER_H
