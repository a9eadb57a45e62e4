//===- Passes.h - lds transformation passes ---------------------*- C++ -*-===//

#ifndef LDS_TRANSFORMS_PASSES_H
#define LDS_TRANSFORMS_PASSES_H

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/Pass/Pass.h"

namespace lds {

#define GEN_PASS_DECL
#include "lds/Transforms/Passes.h.inc"

#define GEN_PASS_REGISTRATION
#include "lds/Transforms/Passes.h.inc"

} // namespace lds

#endif // LDS_TRANSFORMS_PASSES_H
