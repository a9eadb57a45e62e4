//===- LDSOps.cpp - lds dialect operations: verifiers and helpers ---------===//

#include "lds/Dialect/LDSOps.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/OpImplementation.h"
#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/StringSet.h"

using namespace mlir;
using namespace lds;

static RankedTensorType tensorType(Value v) {
  return cast<RankedTensorType>(v.getType());
}

/// "tensor<3x4xf32>" as printed by MLIR, for messages.
static std::string typeStr(Type t) {
  std::string s;
  llvm::raw_string_ostream os(s);
  os << t;
  return s;
}

static LogicalResult checkSameElementType(Operation *op, Value a, Value b) {
  if (tensorType(a).getElementType() != tensorType(b).getElementType())
    return op->emitOpError("element types differ: ")
           << tensorType(a) << " vs " << tensorType(b);
  return success();
}

static LogicalResult checkResultType(Operation *op, Type expected) {
  Type actual = op->getResult(0).getType();
  if (actual != expected)
    return op->emitOpError("result type ")
           << actual << " should be " << typeStr(expected);
  return success();
}

//===----------------------------------------------------------------------===//
// ModelOp
//===----------------------------------------------------------------------===//

template <typename OpT>
static SmallVector<OpT> collect(ModelOp model) {
  SmallVector<OpT> ops;
  for (Operation &op : model.getBody().front())
    if (auto typed = dyn_cast<OpT>(op))
      ops.push_back(typed);
  return ops;
}

SmallVector<StateOp> lds::getStates(ModelOp model) {
  return collect<StateOp>(model);
}
SmallVector<InputOp> lds::getInputs(ModelOp model) {
  return collect<InputOp>(model);
}
SmallVector<ParamOp> lds::getParams(ModelOp model) {
  return collect<ParamOp>(model);
}

YieldOp ModelOp::getYield() {
  return dyn_cast<YieldOp>(getBody().front().getTerminator());
}

Type ModelOp::getFloatType() {
  SmallVector<StateOp> states = lds::getStates(*this);
  if (states.empty())
    return {};
  return states.front().getType().getElementType();
}

int64_t ModelOp::getStateDim() {
  int64_t d = 0;
  for (StateOp s : lds::getStates(*this))
    d += s.getType().getNumElements();
  return d;
}

LogicalResult ModelOp::verify() {
  if (getBody().empty() || getBody().front().empty() ||
      !isa<YieldOp>(getBody().front().back()))
    return emitOpError("body must end with 'lds.yield'");
  return success();
}

LogicalResult ModelOp::verifyRegions() {
  SmallVector<StateOp> states = lds::getStates(*this);
  if (states.empty())
    return emitOpError("declares no state");
  YieldOp yield = getYield();
  if (yield.getValues().size() != states.size())
    return yield.emitOpError("yields ")
           << yield.getValues().size() << " values but the model declares "
           << states.size() << " states";
  for (auto [i, state, value] :
       llvm::enumerate(states, yield.getValues())) {
    if (value.getType() != state.getType())
      return yield.emitOpError("value #")
             << i << " has type " << value.getType() << " but state '"
             << state.getName() << "' has type " << state.getType();
  }

  // One float type per model; declaration names unique.
  Type floatType = getFloatType();
  llvm::StringSet<> names;
  for (Operation &op : getBody().front()) {
    auto name = op.getAttrOfType<StringAttr>("name");
    if (name && isa<StateOp, InputOp, ParamOp>(op) &&
        !names.insert(name.getValue()).second)
      return op.emitOpError("redeclares '") << name.getValue() << "'";
    for (Type t : op.getResultTypes()) {
      Type elem = cast<ShapedType>(t).getElementType();
      if (isa<FloatType>(elem) && elem != floatType)
        return op.emitOpError("uses ")
               << elem << " in a model whose float type is " << floatType;
    }
  }
  return success();
}

//===----------------------------------------------------------------------===//
// Declarations
//===----------------------------------------------------------------------===//

static LogicalResult verifyDecl(Operation *op, StringRef name, int64_t maxRank,
                                StringRef what) {
  if (name.empty())
    return op->emitOpError("needs a non-empty name");
  auto type = cast<RankedTensorType>(op->getResult(0).getType());
  if (type.getRank() > maxRank)
    return op->emitOpError("a ") << what << " has rank at most " << maxRank
                                 << ", got " << type;
  if (type.getNumElements() == 0)
    return op->emitOpError("has no elements: ") << type;
  return success();
}

LogicalResult StateOp::verify() {
  return verifyDecl(*this, getName(), 1, "state");
}
LogicalResult InputOp::verify() {
  return verifyDecl(*this, getName(), 1, "input");
}
LogicalResult ParamOp::verify() {
  return verifyDecl(*this, getName(), 3, "param");
}

void StateOp::getAsmResultNames(OpAsmSetValueNameFn setNameFn) {
  setNameFn(getResult(), getName());
}
void InputOp::getAsmResultNames(OpAsmSetValueNameFn setNameFn) {
  setNameFn(getResult(), getName());
}
void ParamOp::getAsmResultNames(OpAsmSetValueNameFn setNameFn) {
  setNameFn(getResult(), getName());
}

//===----------------------------------------------------------------------===//
// Constants and shape ops
//===----------------------------------------------------------------------===//

OpFoldResult ConstantOp::fold(FoldAdaptor) { return getValue(); }

LogicalResult ConstantOp::verify() {
  if (!isa<DenseElementsAttr>(getValue()))
    return emitOpError("value must be a dense elements attribute");
  return success();
}

LogicalResult BroadcastOp::verify() {
  return checkSameElementType(*this, getOperand(), getResult());
}

LogicalResult SliceOp::verify() {
  RankedTensorType in = getOperand().getType();
  if (in.getRank() < 1)
    return emitOpError("cannot slice a scalar");
  int64_t start = getStart(), end = getEnd(), dim = in.getDimSize(0);
  if (start < 0 || end > dim || start >= end)
    return emitOpError("range [")
           << start << ":" << end << "] is not a non-empty range within [0:"
           << dim << "]";
  SmallVector<int64_t> shape(in.getShape());
  shape[0] = end - start;
  return checkResultType(*this,
                         RankedTensorType::get(shape, in.getElementType()));
}

LogicalResult ExtractOp::verify() {
  RankedTensorType in = getOperand().getType();
  if (in.getRank() < 1)
    return emitOpError("cannot index a scalar");
  int64_t index = getIndex(), dim = in.getDimSize(0);
  if (index < 0 || index >= dim)
    return emitOpError("index ") << index << " is outside [0, " << dim << ")";
  return checkResultType(
      *this, RankedTensorType::get(in.getShape().drop_front(),
                                   in.getElementType()));
}

LogicalResult GatherOp::verify() {
  RankedTensorType table = getTable().getType();
  if (table.getRank() < 1)
    return emitOpError("cannot index a scalar");
  return checkResultType(
      *this, RankedTensorType::get(table.getShape().drop_front(),
                                   table.getElementType()));
}

LogicalResult ConcatOp::verify() {
  if (getOperands().empty())
    return emitOpError("needs at least one operand");
  Type elem = getResult().getType().getElementType();
  int64_t total = 0;
  for (Value v : getOperands()) {
    if (tensorType(v).getElementType() != elem)
      return emitOpError("operand type ")
             << v.getType() << " does not match the result's element type "
             << elem;
    total += tensorType(v).getDimSize(0);
  }
  return checkResultType(*this, RankedTensorType::get({total}, elem));
}

LogicalResult TransposeOp::verify() {
  RankedTensorType in = getOperand().getType();
  return checkResultType(
      *this, RankedTensorType::get({in.getDimSize(1), in.getDimSize(0)},
                                   in.getElementType()));
}

//===----------------------------------------------------------------------===//
// Linear algebra and reductions
//===----------------------------------------------------------------------===//

LogicalResult MatmulOp::verify() {
  RankedTensorType lhs = getLhs().getType(), rhs = getRhs().getType();
  if (failed(checkSameElementType(*this, getLhs(), getRhs())))
    return failure();
  if (rhs.getRank() != 1 && rhs.getRank() != 2)
    return emitOpError("right operand must be a vector or a matrix, got ")
           << rhs;
  if (lhs.getDimSize(1) != rhs.getDimSize(0))
    return emitOpError("inner dimensions differ: ")
           << lhs << " and " << rhs;
  SmallVector<int64_t> shape{lhs.getDimSize(0)};
  if (rhs.getRank() == 2)
    shape.push_back(rhs.getDimSize(1));
  return checkResultType(*this,
                         RankedTensorType::get(shape, lhs.getElementType()));
}

LogicalResult DotOp::verify() {
  return checkSameElementType(*this, getLhs(), getResult());
}

static LogicalResult verifyReduction(Operation *op) {
  return checkSameElementType(op, op->getOperand(0), op->getResult(0));
}
LogicalResult SumOp::verify() { return verifyReduction(*this); }
LogicalResult ReduceMaxOp::verify() { return verifyReduction(*this); }
LogicalResult ReduceMinOp::verify() { return verifyReduction(*this); }
LogicalResult LogSumExpOp::verify() { return verifyReduction(*this); }

//===----------------------------------------------------------------------===//
// Comparison, select, grad
//===----------------------------------------------------------------------===//

LogicalResult CmpOp::verify() {
  return checkResultType(
      *this, RankedTensorType::get(getLhs().getType().getShape(),
                                   IntegerType::get(getContext(), 1)));
}

LogicalResult SelectOp::verify() {
  if (getCond().getType().getShape() != getResult().getType().getShape())
    return emitOpError("condition shape ")
           << getCond().getType() << " does not match the value type "
           << getResult().getType();
  return success();
}

LogicalResult GradOp::verify() {
  if (!getWrt().getDefiningOp<StateOp>())
    return emitOpError("can only differentiate with respect to a state "
                       "('lds.state' result)");
  return checkSameElementType(*this, getValue(), getWrt());
}

#define GET_OP_CLASSES
#include "lds/Dialect/LDSOps.cpp.inc"
