//===- LDSOps.h - lds dialect operations ------------------------*- C++ -*-===//

#ifndef LDS_DIALECT_LDSOPS_H
#define LDS_DIALECT_LDSOPS_H

#include "lds/Dialect/LDSDialect.h"

#include "mlir/Bytecode/BytecodeOpInterface.h"
#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/BuiltinTypes.h"
#include "mlir/IR/OpDefinition.h"
#include "mlir/IR/OpImplementation.h"
#include "mlir/IR/SymbolTable.h"
#include "mlir/Interfaces/ControlFlowInterfaces.h"
#include "mlir/Interfaces/InferTypeOpInterface.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"

namespace lds {
class StateOp;
class InputOp;
class ParamOp;
class YieldOp;
} // namespace lds

#define GET_OP_CLASSES
#include "lds/Dialect/LDSOps.h.inc"

namespace lds {
/// The declarations of each kind in `model`, in declaration order.
llvm::SmallVector<StateOp> getStates(ModelOp model);
llvm::SmallVector<InputOp> getInputs(ModelOp model);
llvm::SmallVector<ParamOp> getParams(ModelOp model);
} // namespace lds

#endif // LDS_DIALECT_LDSOPS_H
