//===- Sema.h - name resolution, type/shape checks, folding -----*- C++ -*-===//

#ifndef LDS_FRONTEND_SEMA_H
#define LDS_FRONTEND_SEMA_H

#include "lds/Frontend/AST.h"

namespace lds {

/// Resolves names, checks types and shapes, folds constants and annotates
/// `module` in place. Returns false (with diagnostics) on any error.
bool checkModule(Module &module, DiagnosticEngine &diags);

} // namespace lds

#endif // LDS_FRONTEND_SEMA_H
