//===- LDSDialect.h - the lds dialect ---------------------------*- C++ -*-===//

#ifndef LDS_DIALECT_LDSDIALECT_H
#define LDS_DIALECT_LDSDIALECT_H

#include "mlir/IR/BuiltinTypes.h"
#include "mlir/IR/Dialect.h"

#include "lds/Dialect/LDSOpsDialect.h.inc"

#include "lds/Dialect/LDSEnums.h.inc"

#endif // LDS_DIALECT_LDSDIALECT_H
