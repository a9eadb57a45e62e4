//===- Sema.h - name resolution, type/shape checks, folding -----*- C++ -*-===//

#ifndef LDS_FRONTEND_SEMA_H
#define LDS_FRONTEND_SEMA_H

#include "lds/Frontend/AST.h"

namespace lds {

/// Resolves names, checks types and shapes, folds constants and annotates
/// `module` in place. Returns false (with diagnostics) on any error. With
/// `promoteToF64`, every f32 declaration is checked (and lowered) as f64: the
/// float64 reference model of `lds-run --check`.
bool checkModule(Module &module, DiagnosticEngine &diags,
                 bool promoteToF64 = false);

} // namespace lds

#endif // LDS_FRONTEND_SEMA_H
