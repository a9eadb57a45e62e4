//===- LDSOps.cpp - lds dialect operations: verifiers and helpers ---------===//

#include "lds/Dialect/LDSOps.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/OpImplementation.h"
#include "mlir/IR/TypeUtilities.h"
#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/StringMap.h"

using namespace mlir;
using namespace lds;

static RankedTensorType tensorType(Value v) {
  return cast<RankedTensorType>(v.getType());
}

/// Checks that `a` and `b` (described as `aWhat` and `bWhat` in the message)
/// have one element type.
static LogicalResult checkSameElementType(Operation *op, Value a,
                                          StringRef aWhat, Value b,
                                          StringRef bWhat) {
  if (tensorType(a).getElementType() != tensorType(b).getElementType())
    return op->emitOpError()
           << aWhat << " and " << bWhat
           << " element types differ: " << a.getType() << " vs " << b.getType();
  return success();
}

static LogicalResult checkResultType(Operation *op, Type expected) {
  Type actual = op->getResult(0).getType();
  if (actual != expected)
    return op->emitOpError("result type ")
           << actual << " should be " << expected;
  return success();
}

/// "1 state", "2 states".
static std::string plural(size_t n, StringRef noun) {
  return (Twine(n) + " " + noun + (n == 1 ? "" : "s")).str();
}

//===----------------------------------------------------------------------===//
// ModelOp
//===----------------------------------------------------------------------===//

template <typename OpT> static SmallVector<OpT> collect(ModelOp model) {
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
  // SizedRegion<1> has already checked that the body is one block.
  Block &body = getBody().front();
  if (!body.empty() && isa<YieldOp>(body.back()))
    return success();
  // A yield that is not the last op is a misplaced terminator, reported here
  // because the model is verified before its body.
  for (Operation &op : body)
    if (isa<YieldOp>(op))
      return op.emitOpError("must be the last operation of the model body");
  return emitOpError("body must end with 'lds.yield'");
}

LogicalResult ModelOp::verifyRegions() {
  SmallVector<StateOp> states = lds::getStates(*this);
  if (states.empty())
    return emitOpError("declares no state: a model needs at least one "
                       "'lds.state'");
  YieldOp yield = getYield();
  if (yield.getValues().size() != states.size())
    return yield.emitOpError("yields ")
           << plural(yield.getValues().size(), "value")
           << " but the model declares " << plural(states.size(), "state");
  for (auto [i, state, value] : llvm::enumerate(states, yield.getValues())) {
    if (value.getType() != state.getType())
      return yield.emitOpError("value #")
             << i << " has type " << value.getType() << " but state '"
             << state.getName() << "' has type " << state.getType();
  }

  // One float type per model, set by the first state; declaration names are
  // unique across states, inputs and params.
  StateOp first = states.front();
  Type floatType = getFloatType();
  llvm::StringMap<Operation *> decls;
  for (Operation &op : getBody().front()) {
    if (isa<StateOp, InputOp, ParamOp>(op)) {
      StringRef name = op.getAttrOfType<StringAttr>("name").getValue();
      auto [it, inserted] = decls.try_emplace(name, &op);
      if (!inserted) {
        InFlightDiagnostic diag = op.emitOpError("redeclares '") << name << "'";
        diag.attachNote(it->second->getLoc()) << "previously declared here";
        return diag;
      }
    }
    for (Type t : op.getResultTypes()) {
      Type elem = getElementTypeOrSelf(t);
      if (isa<FloatType>(elem) && elem != floatType)
        return op.emitOpError("uses ")
               << elem << " in a model whose float type is " << floatType
               << " (the element type of its first state '" << first.getName()
               << "')";
    }
  }
  return success();
}

//===----------------------------------------------------------------------===//
// Declarations
//===----------------------------------------------------------------------===//

/// `allowed` describes the ranks up to `maxRank` in messages ("a scalar or a
/// vector").
static LogicalResult verifyDecl(Operation *op, StringRef name, int64_t maxRank,
                                StringRef allowed) {
  if (name.empty())
    return op->emitOpError("needs a non-empty name");
  auto type = cast<RankedTensorType>(op->getResult(0).getType());
  if (type.getRank() > maxRank)
    return op->emitOpError("'")
           << name << "' must be " << allowed << ", got " << type;
  if (type.getNumElements() == 0)
    return op->emitOpError("'") << name << "' has no elements: " << type;
  return success();
}

LogicalResult StateOp::verify() {
  return verifyDecl(*this, getName(), 1, "a scalar or a vector");
}
LogicalResult InputOp::verify() {
  return verifyDecl(*this, getName(), 1, "a scalar or a vector");
}
LogicalResult ParamOp::verify() {
  return verifyDecl(*this, getName(), 3, "of rank at most 3");
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

OpFoldResult TransposeOp::fold(FoldAdaptor) {
  if (auto inner = getOperand().getDefiningOp<TransposeOp>())
    return inner.getOperand();
  return {};
}

OpFoldResult DiagPartOp::fold(FoldAdaptor) {
  // The main diagonal of a square matrix is that of its transpose: read the
  // matrix itself (an in-place fold), so the transpose may go.
  auto transpose = getOperand().getDefiningOp<TransposeOp>();
  if (!transpose || getOffset() != 0)
    return {};
  ArrayRef<int64_t> shape = transpose.getOperand().getType().getShape();
  if (shape[0] != shape[1])
    return {};
  getOperandMutable().assign(transpose.getOperand());
  return getResult();
}

LogicalResult BroadcastOp::verify() {
  ArrayRef<int64_t> in = getOperand().getType().getShape();
  ArrayRef<int64_t> out = getResult().getType().getShape();
  if (in.size() > out.size() || out.take_front(in.size()) != in)
    return emitOpError("operand shape must be a prefix of the result shape, "
                       "got ")
           << getOperand().getType() << " and " << getResult().getType();
  return checkSameElementType(*this, getOperand(), "operand", getResult(),
                              "result");
}

LogicalResult SliceOp::verify() {
  RankedTensorType in = getOperand().getType();
  if (in.getRank() < 1)
    return emitOpError("cannot slice a scalar");
  int64_t start = getStart(), end = getEnd(), dim = in.getDimSize(0);
  if (start < 0 || end > dim || start >= end)
    return emitOpError("range [")
           << start << ":" << end
           << "] is not a non-empty range within [0:" << dim << "]";
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
      *this,
      RankedTensorType::get(in.getShape().drop_front(), in.getElementType()));
}

LogicalResult GatherOp::verify() {
  RankedTensorType table = getTable().getType();
  if (table.getRank() < 1)
    return emitOpError("cannot index a scalar");
  return checkResultType(*this,
                         RankedTensorType::get(table.getShape().drop_front(),
                                               table.getElementType()));
}

LogicalResult ConcatOp::verify() {
  if (getOperands().empty())
    return emitOpError("needs at least one operand");
  RankedTensorType first = tensorType(getOperands().front());
  if (first.getRank() < 1)
    return emitOpError("cannot concatenate scalars; broadcast them to "
                       "tensor<1x...> first");
  Type elem = getResult().getType().getElementType();
  int64_t total = 0;
  for (Value v : getOperands()) {
    RankedTensorType t = tensorType(v);
    if (t.getElementType() != elem)
      return emitOpError("operand type ")
             << v.getType() << " does not match the result's element type "
             << elem;
    if (t.getRank() != first.getRank() ||
        t.getShape().drop_front() != first.getShape().drop_front())
      return emitOpError("operands ")
             << first << " and " << t
             << " differ in rank or trailing dimensions";
    total += t.getDimSize(0);
  }
  SmallVector<int64_t> shape(first.getShape());
  shape[0] = total;
  return checkResultType(*this, RankedTensorType::get(shape, elem));
}

LogicalResult DiagOp::verify() {
  RankedTensorType in = getOperand().getType();
  int64_t n = in.getDimSize(0);
  return checkResultType(*this,
                         RankedTensorType::get({n, n}, in.getElementType()));
}

LogicalResult DiagPartOp::verify() {
  RankedTensorType in = getOperand().getType();
  return checkResultType(
      *this, RankedTensorType::get({in.getDimSize(0)}, in.getElementType()));
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
  if (failed(checkSameElementType(*this, getLhs(), "lhs", getRhs(), "rhs")))
    return failure();
  if (rhs.getRank() != 1 && rhs.getRank() != 2)
    return emitOpError("right operand must be a vector or a matrix, got ")
           << rhs;
  if (lhs.getDimSize(1) != rhs.getDimSize(0))
    return emitOpError("inner dimensions differ: lhs ")
           << lhs << " has " << lhs.getDimSize(1) << " columns but rhs " << rhs
           << " has " << rhs.getDimSize(0) << " rows";
  SmallVector<int64_t> shape{lhs.getDimSize(0)};
  if (rhs.getRank() == 2)
    shape.push_back(rhs.getDimSize(1));
  return checkResultType(*this,
                         RankedTensorType::get(shape, lhs.getElementType()));
}

LogicalResult DotOp::verify() {
  return checkSameElementType(*this, getLhs(), "operand", getResult(),
                              "result");
}

static LogicalResult verifyReduction(Operation *op) {
  return checkSameElementType(op, op->getOperand(0), "operand",
                              op->getResult(0), "result");
}
LogicalResult SumOp::verify() { return verifyReduction(*this); }
LogicalResult ReduceMaxOp::verify() { return verifyReduction(*this); }
LogicalResult ReduceMinOp::verify() { return verifyReduction(*this); }
LogicalResult LogSumExpOp::verify() { return verifyReduction(*this); }

//===----------------------------------------------------------------------===//
// Comparison and select
//===----------------------------------------------------------------------===//

// lds.cmp and lds.select need no verifier of their own: the Elementwise trait
// checks that all their operands and results have one shape, and the ODS
// constraints check the element types.

//===----------------------------------------------------------------------===//
// Differentiation
//===----------------------------------------------------------------------===//

LogicalResult GradOp::verify() {
  // Inside a model, gradients are taken with respect to a declared state;
  // in an outlined step function, with respect to the state's value there.
  if ((*this)->getParentOfType<ModelOp>() &&
      !getWrt().getDefiningOp<StateOp>()) {
    InFlightDiagnostic diag = emitOpError(
        "can only differentiate with respect to a state ('lds.state' result)");
    if (Operation *def = getWrt().getDefiningOp())
      diag << ", but wrt is defined by '" << def->getName() << "'";
    return diag;
  }
  return checkSameElementType(*this, getValue(), "value", getWrt(), "wrt");
}

#define GET_OP_CLASSES
#include "lds/Dialect/LDSOps.cpp.inc"
