//===- LDSDialect.cpp - the lds dialect -----------------------------------===//

#include "lds/Dialect/LDSDialect.h"
#include "lds/Dialect/LDSOps.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/DialectImplementation.h"
#include "llvm/ADT/TypeSwitch.h"

using namespace mlir;
using namespace lds;

#include "lds/Dialect/LDSOpsDialect.cpp.inc"

#include "lds/Dialect/LDSEnums.cpp.inc"

void LDSDialect::initialize() {
  addOperations<
#define GET_OP_LIST
#include "lds/Dialect/LDSOps.cpp.inc"
      >();
}

Operation *LDSDialect::materializeConstant(OpBuilder &builder, Attribute value,
                                           Type type, Location loc) {
  auto elements = dyn_cast<ElementsAttr>(value);
  if (!elements || elements.getType() != type)
    return nullptr;
  return builder.create<ConstantOp>(loc, type, elements);
}
