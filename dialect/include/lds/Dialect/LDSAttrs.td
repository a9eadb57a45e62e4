//===- LDSAttrs.td - lds dialect attributes ----------------*- tablegen -*-===//

#ifndef LDS_DIALECT_LDSATTRS_TD
#define LDS_DIALECT_LDSATTRS_TD

include "lds/Dialect/LDSDialect.td"
include "mlir/IR/AttrTypeBase.td"
include "mlir/IR/EnumAttr.td"

def LDS_CmpPredicate : I32EnumAttr<"CmpPredicate",
    "comparison predicate of lds.cmp", [
      I32EnumAttrCase<"lt", 0>, I32EnumAttrCase<"le", 1>,
      I32EnumAttrCase<"gt", 2>, I32EnumAttrCase<"ge", 3>,
      I32EnumAttrCase<"eq", 4>, I32EnumAttrCase<"ne", 5>]> {
  let cppNamespace = "::lds";
}

#endif // LDS_DIALECT_LDSATTRS_TD
