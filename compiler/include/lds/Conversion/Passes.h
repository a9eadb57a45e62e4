//===- Passes.h - lds conversion passes -------------------------*- C++ -*-===//
//
// Declarations of the passes that lower the lds dialect towards executable
// code; see Passes.td for what each one does.
//
//===----------------------------------------------------------------------===//

#ifndef LDS_CONVERSION_PASSES_H
#define LDS_CONVERSION_PASSES_H

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/Pass/Pass.h"

namespace lds {

#define GEN_PASS_DECL
#include "lds/Conversion/Passes.h.inc"

/// Registers the conversion passes (`registerLDSConversionPasses()`) with the
/// global pass registry, for lds-opt.
#define GEN_PASS_REGISTRATION
#include "lds/Conversion/Passes.h.inc"

} // namespace lds

#endif // LDS_CONVERSION_PASSES_H
