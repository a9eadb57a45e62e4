//===- LowerLDSToLoops.cpp - lds compute ops to scalar loops on memrefs ---===//
//
// The core of the CPU backend: rewrites the derived step functions (func.funcs
// whose bodies hold lds compute ops on static tensors) into scf.for nests of
// arith/math ops on memref buffers, ready for the standard MLIR lowering to
// the LLVM dialect.
//
// Every tensor value becomes one stack buffer (memref.alloca) that the op
// defining it fills with a loop nest; SSA semantics make each buffer
// write-once (a matrix-matrix product with products-by-rows zeroes its own
// fresh buffer and then accumulates into it), so no op ever needs to copy
// its operands defensively. Tensor
// results become trailing out-parameters that are filled by a copy just before
// returning, which keeps an out-parameter that aliases an input correct.
//
// Op families share one pattern each and are described by tables: elementwise
// ops (unary, binary, cmp, select) by the scalar op they compute, data
// movement (broadcast, slice, extract, gather, transpose, diag, diag_part) by
// the source index each result element reads, reductions by the scalar fold
// they perform.
//
//===----------------------------------------------------------------------===//

#include "lds/Conversion/Passes.h"
#include "lds/Dialect/LDSDialect.h"
#include "lds/Dialect/LDSOps.h"

#include "FuseLoops.h"
#include "ShareBuffers.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/SymbolTable.h"
#include "mlir/Transforms/DialectConversion.h"
#include "llvm/ADT/DenseMap.h"

#include <limits>

namespace lds {
#define GEN_PASS_DEF_LDSLOWERTOLOOPS
#include "lds/Conversion/Passes.h.inc"
} // namespace lds

using namespace mlir;
using namespace lds;

//===----------------------------------------------------------------------===//
// Types and small builders
//===----------------------------------------------------------------------===//

namespace {
/// Static tensors become memrefs of the same shape with the identity layout:
/// the only layout the bare-pointer calling convention accepts, and the one
/// that keeps every buffer contiguous so copies become memcpy.
class TensorToBufferTypeConverter : public TypeConverter {
public:
  TensorToBufferTypeConverter() {
    addConversion([](Type type) { return type; });
    addConversion([](RankedTensorType type) -> Type {
      // A null type marks the conversion as failed: lds only has static
      // shapes, so a dynamic one is a bug upstream, not something to lower.
      if (!type.hasStaticShape())
        return nullptr;
      return MemRefType::get(type.getShape(), type.getElementType());
    });
    // Every lds op is converted in one go, so these casts only bridge values
    // between patterns and fold away; one left over means an op that did not
    // lower, and the conversion fails on it.
    auto bridge = [](OpBuilder &builder, Type type, ValueRange inputs,
                     Location loc) -> Value {
      return builder.create<UnrealizedConversionCastOp>(loc, type, inputs)
          .getResult(0);
    };
    addSourceMaterialization(bridge);
    addTargetMaterialization(bridge);
    addArgumentMaterialization(bridge);
  }
};
} // namespace

static Value indexConstant(OpBuilder &b, Location loc, int64_t value) {
  return b.create<arith::ConstantIndexOp>(loc, value);
}

static Value floatConstant(OpBuilder &b, Location loc, Type type,
                           double value) {
  return b.create<arith::ConstantOp>(loc, type, b.getFloatAttr(type, value));
}

constexpr double kInf = std::numeric_limits<double>::infinity();

namespace {
/// Bounds of a loop nest that visits every index of a static `shape`; empty
/// for rank 0, where buildLoopNest then emits the body once without a loop.
struct LoopBounds {
  SmallVector<Value> lbs, ubs, steps;
};
} // namespace

static LoopBounds boundsOf(OpBuilder &b, Location loc,
                           ArrayRef<int64_t> shape) {
  LoopBounds bounds;
  if (shape.empty())
    return bounds;
  Value zero = indexConstant(b, loc, 0), one = indexConstant(b, loc, 1);
  for (int64_t dim : shape) {
    bounds.lbs.push_back(zero);
    bounds.ubs.push_back(indexConstant(b, loc, dim));
    bounds.steps.push_back(one);
  }
  return bounds;
}

/// Calls `body` once per element of a static `shape`, with the element's
/// indices, inside a perfect scf.for nest (row-major order).
static void
forEachIndex(OpBuilder &b, Location loc, ArrayRef<int64_t> shape,
             function_ref<void(OpBuilder &, Location, ValueRange)> body) {
  LoopBounds bounds = boundsOf(b, loc, shape);
  scf::buildLoopNest(b, loc, bounds.lbs, bounds.ubs, bounds.steps, body);
}

/// Stores `value` into every element of `buffer`.
static void fillBuffer(OpBuilder &b, Location loc, Value buffer, Value value) {
  forEachIndex(b, loc, cast<MemRefType>(buffer.getType()).getShape(),
               [&](OpBuilder &fb, Location floc, ValueRange ivs) {
                 fb.create<memref::StoreOp>(floc, value, buffer, ivs);
               });
}

/// Folds `combine(acc, element)` over every element of `buffer` starting from
/// `init`, in row-major order, and returns the final accumulator.
static Value
foldElements(OpBuilder &b, Location loc, Value buffer, Value init,
             function_ref<Value(OpBuilder &, Location, Value, Value)> combine) {
  LoopBounds bounds =
      boundsOf(b, loc, cast<MemRefType>(buffer.getType()).getShape());
  scf::LoopNest nest =
      scf::buildLoopNest(b, loc, bounds.lbs, bounds.ubs, bounds.steps, init,
                         [&](OpBuilder &nb, Location nloc, ValueRange ivs,
                             ValueRange acc) -> scf::ValueVector {
                           Value element =
                               nb.create<memref::LoadOp>(nloc, buffer, ivs);
                           return {combine(nb, nloc, acc.front(), element)};
                         });
  return nest.results.front();
}

/// The buffer that holds the value of `op`'s single tensor result.
static FailureOr<Value> allocateResult(ConversionPatternRewriter &rewriter,
                                       const TypeConverter &converter,
                                       Operation *op) {
  auto type = converter.convertType<MemRefType>(op->getResult(0).getType());
  if (!type)
    return rewriter.notifyMatchFailure(op, "result is not a static tensor");
  // Allocas are created where the op is and hoisted into the entry block once
  // the whole function is lowered (see placeBuffers).
  return rewriter.create<memref::AllocaOp>(op->getLoc(), type).getResult();
}

//===----------------------------------------------------------------------===//
// Elementwise ops: unary, binary, cmp, select
//===----------------------------------------------------------------------===//

/// Computes one result element of `op` from the operands' elements at the
/// same position.
using ScalarFn = Value (*)(OpBuilder &, Location, Operation *op,
                           ValueRange args);

template <typename ScalarOp>
static Value unary(OpBuilder &b, Location loc, Operation *, ValueRange args) {
  return b.create<ScalarOp>(loc, args[0]);
}

template <typename ScalarOp>
static Value binary(OpBuilder &b, Location loc, Operation *, ValueRange args) {
  return b.create<ScalarOp>(loc, args[0], args[1]);
}

static Value sigmoid(OpBuilder &b, Location loc, Operation *, ValueRange args) {
  // 1 / (1 + exp(-x)): exp overflows to +inf for very negative x and the
  // quotient then correctly underflows to 0, so no branch is needed.
  Value x = args[0];
  Value one = floatConstant(b, loc, x.getType(), 1.0);
  Value e = b.create<math::ExpOp>(loc, b.create<arith::NegFOp>(loc, x));
  return b.create<arith::DivFOp>(loc, one,
                                 b.create<arith::AddFOp>(loc, one, e));
}

static Value softplus(OpBuilder &b, Location loc, Operation *,
                      ValueRange args) {
  // log(1 + exp(x)) = max(x, 0) + log1p(exp(-|x|)): exp never overflows, and
  // log1p keeps the small tail accurate for very negative x.
  Value x = args[0];
  Value zero = floatConstant(b, loc, x.getType(), 0.0);
  Value pos = b.create<arith::MaximumFOp>(loc, x, zero);
  Value negAbs = b.create<arith::NegFOp>(loc, b.create<math::AbsFOp>(loc, x));
  Value tail = b.create<math::Log1pOp>(loc, b.create<math::ExpOp>(loc, negAbs));
  return b.create<arith::AddFOp>(loc, pos, tail);
}

static Value relu(OpBuilder &b, Location loc, Operation *, ValueRange args) {
  // x < 0 ? 0 : x with an ordered compare, so that NaN passes through to the
  // runtime's non-finite check instead of being hidden as 0.
  Value x = args[0];
  Value zero = floatConstant(b, loc, x.getType(), 0.0);
  Value negative =
      b.create<arith::CmpFOp>(loc, arith::CmpFPredicate::OLT, x, zero);
  return b.create<arith::SelectOp>(loc, negative, zero, x);
}

static arith::CmpFPredicate toArith(CmpPredicate predicate) {
  switch (predicate) {
  case CmpPredicate::lt:
    return arith::CmpFPredicate::OLT;
  case CmpPredicate::le:
    return arith::CmpFPredicate::OLE;
  case CmpPredicate::gt:
    return arith::CmpFPredicate::OGT;
  case CmpPredicate::ge:
    return arith::CmpFPredicate::OGE;
  case CmpPredicate::eq:
    return arith::CmpFPredicate::OEQ;
  case CmpPredicate::ne:
    return arith::CmpFPredicate::ONE;
  }
  llvm_unreachable("unknown lds.cmp predicate");
}

static Value compare(OpBuilder &b, Location loc, Operation *op,
                     ValueRange args) {
  return b.create<arith::CmpFOp>(loc, toArith(cast<CmpOp>(op).getPredicate()),
                                 args[0], args[1]);
}

static Value choose(OpBuilder &b, Location loc, Operation *, ValueRange args) {
  return b.create<arith::SelectOp>(loc, args[0], args[1], args[2]);
}

namespace {
struct ElementwiseRule {
  StringRef opName;
  ScalarFn fn;
};
} // namespace

const ElementwiseRule kElementwiseRules[] = {
    {NegOp::getOperationName(), unary<arith::NegFOp>},
    {TanhOp::getOperationName(), unary<math::TanhOp>},
    {SigmoidOp::getOperationName(), sigmoid},
    {ExpOp::getOperationName(), unary<math::ExpOp>},
    {LogOp::getOperationName(), unary<math::LogOp>},
    {Log1pOp::getOperationName(), unary<math::Log1pOp>},
    {SoftplusOp::getOperationName(), softplus},
    {ReluOp::getOperationName(), relu},
    {SqrtOp::getOperationName(), unary<math::SqrtOp>},
    {AbsOp::getOperationName(), unary<math::AbsFOp>},
    {SinOp::getOperationName(), unary<math::SinOp>},
    {CosOp::getOperationName(), unary<math::CosOp>},
    {AddOp::getOperationName(), binary<arith::AddFOp>},
    {SubOp::getOperationName(), binary<arith::SubFOp>},
    {MulOp::getOperationName(), binary<arith::MulFOp>},
    {DivOp::getOperationName(), binary<arith::DivFOp>},
    // maximumf/minimumf rather than maxnumf/minnumf: a NaN operand must
    // reach the runtime's non-finite detection, not be silently dropped.
    {MaxOp::getOperationName(), binary<arith::MaximumFOp>},
    {MinOp::getOperationName(), binary<arith::MinimumFOp>},
    {PowOp::getOperationName(), binary<math::PowFOp>},
    {CmpOp::getOperationName(), compare},
    {SelectOp::getOperationName(), choose},
};

namespace {
/// One loop nest over the result's shape that loads every operand at the
/// same indices, applies the rule's scalar function and stores the result.
class ElementwiseLowering : public ConversionPattern {
public:
  ElementwiseLowering(const TypeConverter &converter, MLIRContext *context,
                      const ElementwiseRule &rule)
      : ConversionPattern(converter, rule.opName, /*benefit=*/1, context),
        fn(rule.fn) {}

  LogicalResult
  matchAndRewrite(Operation *op, ArrayRef<Value> operands,
                  ConversionPatternRewriter &rewriter) const override {
    FailureOr<Value> result = allocateResult(rewriter, *getTypeConverter(), op);
    if (failed(result))
      return failure();
    auto type = cast<MemRefType>(result->getType());
    forEachIndex(
        rewriter, op->getLoc(), type.getShape(),
        [&](OpBuilder &b, Location loc, ValueRange ivs) {
          SmallVector<Value> args;
          for (Value operand : operands)
            args.push_back(b.create<memref::LoadOp>(loc, operand, ivs));
          b.create<memref::StoreOp>(loc, fn(b, loc, op, args), *result, ivs);
        });
    rewriter.replaceOp(op, *result);
    return success();
  }

private:
  ScalarFn fn;
};
} // namespace

//===----------------------------------------------------------------------===//
// Data movement: broadcast, slice, extract, gather, transpose, diag, diag_part
//===----------------------------------------------------------------------===//

/// The indices into operand 0 that the result element at `ivs` is read from.
/// They must be in bounds even where the rule's mask is false.
using SourceIndexFn = SmallVector<Value> (*)(OpBuilder &, Location,
                                             Operation *op, ValueRange operands,
                                             ValueRange ivs);
/// Whether the result element at `ivs` is the source element (i1) rather
/// than zero; rules without a mask always read.
using MaskFn = Value (*)(OpBuilder &, Location, Operation *op,
                         ValueRange operands, ValueRange ivs);

static SmallVector<Value> broadcastSource(OpBuilder &, Location, Operation *,
                                          ValueRange operands, ValueRange ivs) {
  // The operand's shape is a prefix of the result's: drop the trailing,
  // replicated dimensions.
  int64_t rank = cast<MemRefType>(operands[0].getType()).getRank();
  return SmallVector<Value>(ivs.take_front(rank));
}

static SmallVector<Value> sliceSource(OpBuilder &b, Location loc, Operation *op,
                                      ValueRange, ValueRange ivs) {
  SmallVector<Value> indices(ivs);
  Value start = indexConstant(b, loc, cast<SliceOp>(op).getStart());
  indices[0] = b.create<arith::AddIOp>(loc, indices[0], start);
  return indices;
}

static SmallVector<Value> extractSource(OpBuilder &b, Location loc,
                                        Operation *op, ValueRange,
                                        ValueRange ivs) {
  SmallVector<Value> indices{
      indexConstant(b, loc, cast<ExtractOp>(op).getIndex())};
  llvm::append_range(indices, ivs);
  return indices;
}

/// Clamps an index to [0, size).
static Value clampIndex(OpBuilder &b, Location loc, Value index, int64_t size) {
  index = b.create<arith::MaxSIOp>(loc, index, indexConstant(b, loc, 0));
  return b.create<arith::MinSIOp>(loc, index, indexConstant(b, loc, size - 1));
}

static SmallVector<Value> gatherSource(OpBuilder &b, Location loc, Operation *,
                                       ValueRange operands, ValueRange ivs) {
  // The index is read inside the loop for simplicity; it is loop-invariant
  // and LLVM hoists it. Clamping keeps a bad integer input from reading
  // outside the table (the runtime validates inputs, this is the backstop).
  Value table = operands[0];
  int64_t rows = cast<MemRefType>(table.getType()).getDimSize(0);
  Value raw = b.create<memref::LoadOp>(loc, operands[1], ValueRange{});
  Value index = b.create<arith::IndexCastOp>(loc, b.getIndexType(), raw);
  SmallVector<Value> indices{clampIndex(b, loc, index, rows)};
  llvm::append_range(indices, ivs);
  return indices;
}

static SmallVector<Value> transposeSource(OpBuilder &, Location, Operation *,
                                          ValueRange, ValueRange ivs) {
  return {ivs[1], ivs[0]};
}

// lds.diag: result[i, j] = i == j ? operand[i] : 0.
static SmallVector<Value> diagSource(OpBuilder &, Location, Operation *,
                                     ValueRange, ValueRange ivs) {
  return {ivs[0]};
}

static Value diagMask(OpBuilder &b, Location loc, Operation *, ValueRange,
                      ValueRange ivs) {
  return b.create<arith::CmpIOp>(loc, arith::CmpIPredicate::eq, ivs[0], ivs[1]);
}

// lds.diag_part: result[i] = operand[i, i - offset], 0 where that column does
// not exist. The column is clamped for the load and masked afterwards.
static Value diagPartColumn(OpBuilder &b, Location loc, Operation *op,
                            Value row) {
  auto offset = static_cast<int64_t>(cast<DiagPartOp>(op).getOffset());
  return b.create<arith::SubIOp>(loc, row, indexConstant(b, loc, offset));
}

static SmallVector<Value> diagPartSource(OpBuilder &b, Location loc,
                                         Operation *op, ValueRange operands,
                                         ValueRange ivs) {
  int64_t columns = cast<MemRefType>(operands[0].getType()).getDimSize(1);
  Value column = diagPartColumn(b, loc, op, ivs[0]);
  return {ivs[0], clampIndex(b, loc, column, columns)};
}

static Value diagPartMask(OpBuilder &b, Location loc, Operation *op,
                          ValueRange operands, ValueRange ivs) {
  int64_t columns = cast<MemRefType>(operands[0].getType()).getDimSize(1);
  Value column = diagPartColumn(b, loc, op, ivs[0]);
  Value notBefore = b.create<arith::CmpIOp>(loc, arith::CmpIPredicate::sge,
                                            column, indexConstant(b, loc, 0));
  Value notAfter = b.create<arith::CmpIOp>(
      loc, arith::CmpIPredicate::slt, column, indexConstant(b, loc, columns));
  return b.create<arith::AndIOp>(loc, notBefore, notAfter);
}

namespace {
struct DataMovementRule {
  StringRef opName;
  SourceIndexFn source;
  MaskFn mask = nullptr;
};
} // namespace

const DataMovementRule kDataMovementRules[] = {
    {BroadcastOp::getOperationName(), broadcastSource},
    {SliceOp::getOperationName(), sliceSource},
    {ExtractOp::getOperationName(), extractSource},
    {GatherOp::getOperationName(), gatherSource},
    {TransposeOp::getOperationName(), transposeSource},
    {DiagOp::getOperationName(), diagSource, diagMask},
    {DiagPartOp::getOperationName(), diagPartSource, diagPartMask},
};

namespace {
/// One loop nest over the result's shape that copies each element from the
/// position of operand 0 given by the rule (or writes 0 where its mask is
/// false).
class DataMovementLowering : public ConversionPattern {
public:
  DataMovementLowering(const TypeConverter &converter, MLIRContext *context,
                       const DataMovementRule &rule)
      : ConversionPattern(converter, rule.opName, /*benefit=*/1, context),
        source(rule.source), mask(rule.mask) {}

  LogicalResult
  matchAndRewrite(Operation *op, ArrayRef<Value> operands,
                  ConversionPatternRewriter &rewriter) const override {
    FailureOr<Value> result = allocateResult(rewriter, *getTypeConverter(), op);
    if (failed(result))
      return failure();
    auto type = cast<MemRefType>(result->getType());
    forEachIndex(rewriter, op->getLoc(), type.getShape(),
                 [&](OpBuilder &b, Location loc, ValueRange ivs) {
                   SmallVector<Value> from = source(b, loc, op, operands, ivs);
                   Value element =
                       b.create<memref::LoadOp>(loc, operands[0], from);
                   if (mask) {
                     Value zero =
                         floatConstant(b, loc, type.getElementType(), 0.0);
                     element = b.create<arith::SelectOp>(
                         loc, mask(b, loc, op, operands, ivs), element, zero);
                   }
                   b.create<memref::StoreOp>(loc, element, *result, ivs);
                 });
    rewriter.replaceOp(op, *result);
    return success();
  }

private:
  SourceIndexFn source;
  MaskFn mask;
};

/// Copies each operand into its range of the result's leading dimension, one
/// loop nest per operand (operands of any rank >= 1 with equal trailing
/// dimensions: vectors, or rows of a Jacobian).
class ConcatLowering : public OpConversionPattern<ConcatOp> {
public:
  using OpConversionPattern::OpConversionPattern;

  LogicalResult
  matchAndRewrite(ConcatOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    FailureOr<Value> result = allocateResult(rewriter, *getTypeConverter(), op);
    if (failed(result))
      return failure();
    int64_t offset = 0;
    for (Value operand : adaptor.getOperands()) {
      auto type = cast<MemRefType>(operand.getType());
      forEachIndex(rewriter, op.getLoc(), type.getShape(),
                   [&](OpBuilder &b, Location loc, ValueRange ivs) {
                     Value element =
                         b.create<memref::LoadOp>(loc, operand, ivs);
                     SmallVector<Value> to(ivs);
                     to[0] = b.create<arith::AddIOp>(
                         loc, ivs[0], indexConstant(b, loc, offset));
                     b.create<memref::StoreOp>(loc, element, *result, to);
                   });
      offset += type.getDimSize(0);
    }
    rewriter.replaceOp(op, *result);
    return success();
  }
};
} // namespace

//===----------------------------------------------------------------------===//
// Contractions: matmul (matrix-vector, matrix-matrix) and dot
//===----------------------------------------------------------------------===//

namespace {
/// Both ops contract the last dimension of lhs with the first of rhs:
/// `result[i..., j...] = sum_k lhs[i..., k] * rhs[k, j...]`, where lhs
/// contributes its leading dimensions (none for dot) and rhs its trailing ones
/// (none for dot and matrix-vector). One pattern covers all three forms.
template <typename OpT>
class ContractionLowering : public OpConversionPattern<OpT> {
public:
  using OpAdaptor = typename OpConversionPattern<OpT>::OpAdaptor;

  ContractionLowering(const TypeConverter &converter, MLIRContext *context,
                      bool foldTransposes, bool productsByRows)
      : OpConversionPattern<OpT>(converter, context),
        foldTransposes(foldTransposes), productsByRows(productsByRows) {}

  LogicalResult
  matchAndRewrite(OpT op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    FailureOr<Value> result =
        allocateResult(rewriter, *this->getTypeConverter(), op);
    if (failed(result))
      return failure();
    Value lhs = adaptor.getLhs(), rhs = adaptor.getRhs();
    auto lhsType = cast<MemRefType>(lhs.getType());
    // transpose(M) @ v reads M[k][i] for lhs[i][k]: no D x D copy.
    bool transposed = false;
    if (foldTransposes)
      if (auto transpose = op.getLhs().template getDefiningOp<TransposeOp>())
        if (Value source = rewriter.getRemappedValue(transpose.getOperand())) {
          lhs = source;
          transposed = true;
        }
    int64_t lhsOuter = lhsType.getRank() - 1;
    int64_t depth = lhsType.getShape().back();
    Type elementType = lhsType.getElementType();
    auto resultType = cast<MemRefType>(result->getType());
    auto rhsType = cast<MemRefType>(rhs.getType());
    auto func = op->template getParentOfType<func::FuncOp>();
    if (productsByRows && !transposed && lhsOuter > 0 &&
        rhsType.getRank() > 1 && func && !func->hasAttr("lds.cooperative")) {
      emitProductByRows(rewriter, op.getLoc(), lhs, rhs, *result);
      rewriter.replaceOp(op, *result);
      return success();
    }
    forEachIndex(
        rewriter, op.getLoc(), resultType.getShape(),
        [&](OpBuilder &b, Location loc, ValueRange ivs) {
          Value zero = floatConstant(b, loc, elementType, 0.0);
          Value sum =
              b.create<scf::ForOp>(
                   loc, indexConstant(b, loc, 0), indexConstant(b, loc, depth),
                   indexConstant(b, loc, 1), ValueRange{zero},
                   [&](OpBuilder &kb, Location kloc, Value k, ValueRange acc) {
                     SmallVector<Value> lhsIndices(ivs.take_front(lhsOuter));
                     lhsIndices.push_back(k);
                     if (transposed)
                       std::swap(lhsIndices[0], lhsIndices[1]);
                     SmallVector<Value> rhsIndices{k};
                     llvm::append_range(rhsIndices, ivs.drop_front(lhsOuter));
                     Value l = kb.create<memref::LoadOp>(kloc, lhs, lhsIndices);
                     Value r = kb.create<memref::LoadOp>(kloc, rhs, rhsIndices);
                     Value product = kb.create<arith::MulFOp>(kloc, l, r);
                     Value next =
                         kb.create<arith::AddFOp>(kloc, acc.front(), product);
                     kb.create<scf::YieldOp>(kloc, next);
                   })
                  .getResult(0);
          b.create<memref::StoreOp>(loc, sum, *result, ivs);
        });
    rewriter.replaceOp(op, *result);
    return success();
  }

private:
  /// A matrix-matrix product as rows of updates: result = 0, then for each
  /// row i and each k, result[i, :] += lhs[i, k] * rhs[k, :]. The inner loop
  /// runs along contiguous rows of rhs and the result (vectorisable without
  /// reassociation), where one dot product per element reads rhs by
  /// columns. Each element still sums its products from 0 in the order of
  /// k, as a dot product would.
  static void emitProductByRows(OpBuilder &b, Location loc, Value lhs,
                                Value rhs, Value result) {
    auto lhsType = cast<MemRefType>(lhs.getType());
    auto rhsType = cast<MemRefType>(rhs.getType());
    Type elementType = cast<MemRefType>(result.getType()).getElementType();
    fillBuffer(b, loc, result, floatConstant(b, loc, elementType, 0.0));
    ArrayRef<int64_t> outer = lhsType.getShape().drop_back();
    ArrayRef<int64_t> inner = rhsType.getShape().drop_front();
    int64_t depth = lhsType.getShape().back();
    forEachIndex(
        b, loc, outer, [&](OpBuilder &ib, Location iloc, ValueRange rows) {
          ib.create<scf::ForOp>(
              iloc, indexConstant(ib, iloc, 0), indexConstant(ib, iloc, depth),
              indexConstant(ib, iloc, 1), std::nullopt,
              [&](OpBuilder &kb, Location kloc, Value k, ValueRange) {
                SmallVector<Value> lhsIndices(rows);
                lhsIndices.push_back(k);
                Value l = kb.create<memref::LoadOp>(kloc, lhs, lhsIndices);
                forEachIndex(
                    kb, kloc, inner,
                    [&](OpBuilder &jb, Location jloc, ValueRange columns) {
                      SmallVector<Value> rhsIndices{k};
                      llvm::append_range(rhsIndices, columns);
                      SmallVector<Value> resultIndices(rows);
                      llvm::append_range(resultIndices, columns);
                      Value r =
                          jb.create<memref::LoadOp>(jloc, rhs, rhsIndices);
                      Value acc = jb.create<memref::LoadOp>(jloc, result,
                                                            resultIndices);
                      Value product = jb.create<arith::MulFOp>(jloc, l, r);
                      Value next = jb.create<arith::AddFOp>(jloc, acc, product);
                      jb.create<memref::StoreOp>(jloc, next, result,
                                                 resultIndices);
                    });
                kb.create<scf::YieldOp>(kloc);
              });
        });
  }

  bool foldTransposes;
  bool productsByRows;
};
} // namespace

//===----------------------------------------------------------------------===//
// Reductions over all elements: sum, reduce_max, reduce_min, logsumexp
//===----------------------------------------------------------------------===//

/// Reduces every element of `buffer` (element type `type`) to one scalar.
using ReduceFn = Value (*)(OpBuilder &, Location, Value buffer, Type type);

static Value reduceSum(OpBuilder &b, Location loc, Value buffer, Type type) {
  return foldElements(
      b, loc, buffer, floatConstant(b, loc, type, 0.0),
      [](OpBuilder &fb, Location floc, Value acc, Value x) {
        return fb.create<arith::AddFOp>(floc, acc, x).getResult();
      });
}

// -inf / +inf are the identities of maximumf / minimumf, and those propagate
// NaN, which the runtime's non-finite detection relies on.
static Value reduceMax(OpBuilder &b, Location loc, Value buffer, Type type) {
  return foldElements(
      b, loc, buffer, floatConstant(b, loc, type, -kInf),
      [](OpBuilder &fb, Location floc, Value acc, Value x) {
        return fb.create<arith::MaximumFOp>(floc, acc, x).getResult();
      });
}

static Value reduceMin(OpBuilder &b, Location loc, Value buffer, Type type) {
  return foldElements(
      b, loc, buffer, floatConstant(b, loc, type, kInf),
      [](OpBuilder &fb, Location floc, Value acc, Value x) {
        return fb.create<arith::MinimumFOp>(floc, acc, x).getResult();
      });
}

static Value reduceLogSumExp(OpBuilder &b, Location loc, Value buffer,
                             Type type) {
  // m + log(sum(exp(x - m))) with m = max(x): no exp overflows and the
  // largest term is exactly 1. When m is infinite the shifted terms are NaN
  // (inf - inf), but the answer is m itself: -inf when every element is -inf
  // (log of an empty sum), +inf when one element is +inf.
  Value max = reduceMax(b, loc, buffer, type);
  Value sum = foldElements(
      b, loc, buffer, floatConstant(b, loc, type, 0.0),
      [&](OpBuilder &fb, Location floc, Value acc, Value x) {
        Value shifted = fb.create<arith::SubFOp>(floc, x, max);
        Value term = fb.create<math::ExpOp>(floc, shifted);
        return fb.create<arith::AddFOp>(floc, acc, term).getResult();
      });
  Value stable =
      b.create<arith::AddFOp>(loc, max, b.create<math::LogOp>(loc, sum));
  Value infinite = b.create<arith::CmpFOp>(loc, arith::CmpFPredicate::OEQ,
                                           b.create<math::AbsFOp>(loc, max),
                                           floatConstant(b, loc, type, kInf));
  return b.create<arith::SelectOp>(loc, infinite, max, stable);
}

namespace {
struct ReductionRule {
  StringRef opName;
  ReduceFn fn;
};
} // namespace

const ReductionRule kReductionRules[] = {
    {SumOp::getOperationName(), reduceSum},
    {ReduceMaxOp::getOperationName(), reduceMax},
    {ReduceMinOp::getOperationName(), reduceMin},
    {LogSumExpOp::getOperationName(), reduceLogSumExp},
};

namespace {
/// Stores the rule's reduction of the operand into a rank-0 result buffer.
class ReductionLowering : public ConversionPattern {
public:
  ReductionLowering(const TypeConverter &converter, MLIRContext *context,
                    const ReductionRule &rule)
      : ConversionPattern(converter, rule.opName, /*benefit=*/1, context),
        fn(rule.fn) {}

  LogicalResult
  matchAndRewrite(Operation *op, ArrayRef<Value> operands,
                  ConversionPatternRewriter &rewriter) const override {
    FailureOr<Value> result = allocateResult(rewriter, *getTypeConverter(), op);
    if (failed(result))
      return failure();
    Location loc = op->getLoc();
    Type elementType = cast<MemRefType>(result->getType()).getElementType();
    Value value = fn(rewriter, loc, operands[0], elementType);
    rewriter.create<memref::StoreOp>(loc, value, *result, ValueRange{});
    rewriter.replaceOp(op, *result);
    return success();
  }

private:
  ReduceFn fn;
};
} // namespace

//===----------------------------------------------------------------------===//
// Constants
//===----------------------------------------------------------------------===//

namespace {
/// Module-level globals created for non-splat constants, shared by all
/// functions so that one constant used in @M_f and @M_jac is emitted once.
struct ConstantPool {
  ModuleOp module;
  llvm::DenseMap<Attribute, memref::GlobalOp> globals;
  unsigned counter = 0;
};

/// A splat (the usual case: 1.0, 0.5, a zero tensor) is filled with a loop,
/// which LLVM folds into the loads that follow; any other constant becomes a
/// read-only memref.global, as a table of numbers belongs in .rodata.
class ConstantLowering : public OpConversionPattern<ConstantOp> {
public:
  ConstantLowering(const TypeConverter &converter, MLIRContext *context,
                   ConstantPool &pool)
      : OpConversionPattern(converter, context), pool(pool) {}

  LogicalResult
  matchAndRewrite(ConstantOp op, OpAdaptor,
                  ConversionPatternRewriter &rewriter) const override {
    auto value = dyn_cast<DenseElementsAttr>(op.getValue());
    auto type = getTypeConverter()->convertType<MemRefType>(op.getType());
    if (!value || !type)
      return rewriter.notifyMatchFailure(op, "not a static dense constant");
    Location loc = op.getLoc();

    if (value.isSplat()) {
      Value buffer = rewriter.create<memref::AllocaOp>(loc, type);
      fillBuffer(rewriter, loc, buffer,
                 rewriter.create<arith::ConstantOp>(
                     loc, value.getSplatValue<TypedAttr>()));
      rewriter.replaceOp(op, buffer);
      return success();
    }

    memref::GlobalOp &global = pool.globals[value];
    if (!global) {
      std::string name;
      do {
        name = "__lds_constant_" + std::to_string(pool.counter++);
      } while (SymbolTable::lookupSymbolIn(pool.module, name));
      OpBuilder::InsertionGuard guard(rewriter);
      rewriter.setInsertionPointToStart(pool.module.getBody());
      global = rewriter.create<memref::GlobalOp>(
          loc, name, /*sym_visibility=*/rewriter.getStringAttr("private"), type,
          value, /*constant=*/true, /*alignment=*/IntegerAttr());
    }
    rewriter.replaceOpWithNewOp<memref::GetGlobalOp>(op, type,
                                                     global.getSymName());
    return success();
  }

private:
  ConstantPool &pool;
};
} // namespace

//===----------------------------------------------------------------------===//
// Function boundary: signature and return
//===----------------------------------------------------------------------===//

static bool isTensor(Type type) { return isa<RankedTensorType>(type); }

namespace {
/// Tensor arguments become memrefs of the same shape; tensor results become
/// trailing out-parameter memrefs (tagged `lds.kind = "out"`), so the function
/// returns nothing and lowers to `void f(const F *in..., F *out...)`.
class FuncLowering : public OpConversionPattern<func::FuncOp> {
public:
  using OpConversionPattern::OpConversionPattern;

  LogicalResult
  matchAndRewrite(func::FuncOp func, OpAdaptor,
                  ConversionPatternRewriter &rewriter) const override {
    const TypeConverter &converter = *getTypeConverter();
    MLIRContext *context = func.getContext();
    FunctionType type = func.getFunctionType();

    TypeConverter::SignatureConversion signature(type.getNumInputs());
    for (auto [i, input] : llvm::enumerate(type.getInputs())) {
      Type converted = converter.convertType(input);
      if (!converted)
        return rewriter.notifyMatchFailure(func, "unsupported argument type");
      signature.addInputs(i, converted);
    }
    SmallVector<DictionaryAttr> argAttrs;
    func.getAllArgAttrs(argAttrs);

    SmallVector<Type> outParams, keptResults;
    SmallVector<DictionaryAttr> keptResultAttrs;
    unsigned numTensorResults = llvm::count_if(type.getResults(), isTensor);
    for (auto [i, result] : llvm::enumerate(type.getResults())) {
      if (!isTensor(result)) {
        keptResults.push_back(result);
        keptResultAttrs.push_back(func.getResultAttrDict(i));
        continue;
      }
      Type converted = converter.convertType(result);
      if (!converted)
        return rewriter.notifyMatchFailure(func, "unsupported result type");
      std::string name = numTensorResults == 1
                             ? std::string("out")
                             : "out" + std::to_string(outParams.size());
      NamedAttribute attrs[] = {
          rewriter.getNamedAttr("lds.kind", rewriter.getStringAttr("out")),
          rewriter.getNamedAttr("lds.name", rewriter.getStringAttr(name))};
      argAttrs.push_back(DictionaryAttr::get(context, attrs));
      outParams.push_back(converted);
    }
    signature.addInputs(outParams);

    if (!func.isExternal() && failed(rewriter.convertRegionTypes(
                                  &func.getBody(), converter, &signature)))
      return failure();
    rewriter.modifyOpInPlace(func, [&] {
      func.setType(FunctionType::get(context, signature.getConvertedTypes(),
                                     keptResults));
      func.setAllArgAttrs(argAttrs);
      func.setAllResultAttrs(keptResultAttrs);
    });
    return success();
  }
};

/// Copies each tensor operand of func.return into its out-parameter (the
/// trailing entry-block arguments added by FuncLowering). Copying last, rather
/// than computing into the out-parameter directly, keeps the function correct
/// when the caller passes an out-parameter that aliases an input, as an
/// in-place step `f(x, ..., x)` does.
class ReturnLowering : public OpConversionPattern<func::ReturnOp> {
public:
  using OpConversionPattern::OpConversionPattern;

  LogicalResult
  matchAndRewrite(func::ReturnOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    unsigned numOut = llvm::count_if(op.getOperandTypes(), isTensor);
    // The return's block is the function's entry block, whose arguments were
    // already rewritten by FuncLowering (functions are converted before the
    // ops they hold).
    ValueRange outParams = op->getBlock()->getArguments().take_back(numOut);
    SmallVector<Value> kept;
    unsigned next = 0;
    for (auto [original, converted] :
         llvm::zip_equal(op.getOperands(), adaptor.getOperands())) {
      if (!isTensor(original.getType())) {
        kept.push_back(converted);
        continue;
      }
      rewriter.create<memref::CopyOp>(op.getLoc(), converted,
                                      outParams[next++]);
    }
    rewriter.replaceOpWithNewOp<func::ReturnOp>(op, kept);
    return success();
  }
};
} // namespace

//===----------------------------------------------------------------------===//
// The pass
//===----------------------------------------------------------------------===//

static void populateLowerToLoopsPatterns(const TypeConverter &converter,
                                         ConstantPool &pool,
                                         bool foldTransposes,
                                         bool productsByRows,
                                         RewritePatternSet &patterns) {
  MLIRContext *context = patterns.getContext();
  for (const ElementwiseRule &rule : kElementwiseRules)
    patterns.add<ElementwiseLowering>(converter, context, rule);
  for (const DataMovementRule &rule : kDataMovementRules)
    patterns.add<DataMovementLowering>(converter, context, rule);
  for (const ReductionRule &rule : kReductionRules)
    patterns.add<ReductionLowering>(converter, context, rule);
  patterns.add<ConcatLowering, FuncLowering, ReturnLowering>(converter,
                                                             context);
  patterns.add<ContractionLowering<MatmulOp>, ContractionLowering<DotOp>>(
      converter, context, foldTransposes, productsByRows);
  patterns.add<ConstantLowering>(converter, context, pool);
}

/// Whether `func` is something this pass lowers: it holds lds ops or has
/// tensors in its signature (a derived function that only returns an
/// argument still needs the out-parameter convention).
static bool needsLowering(func::FuncOp func) {
  auto hasTensor = [](TypeRange types) {
    return llvm::any_of(types, isTensor);
  };
  FunctionType type = func.getFunctionType();
  if (hasTensor(type.getInputs()) || hasTensor(type.getResults()))
    return true;
  WalkResult found = func.walk([](Operation *op) {
    return isa<LDSDialect>(op->getDialect()) ? WalkResult::interrupt()
                                             : WalkResult::advance();
  });
  return found.wasInterrupted();
}

/// Places the buffers once the whole function is lowered. Patterns create
/// allocas where the op was, but once scf-to-cf splits the body into blocks,
/// an alloca outside the entry block is a dynamic stack allocation to LLVM,
/// which blocks SROA/mem2reg; so every alloca moves to the top of the entry
/// block. When `maxAllocaBytes` is positive, a buffer larger than that goes to
/// the heap instead (memref.alloc, freed before each return): large Jacobians
/// (D = 256 in f64 is 512 KiB each) would otherwise overflow the small stacks
/// of worker threads.
static void placeBuffers(func::FuncOp func, int64_t maxAllocaBytes) {
  if (func.isExternal())
    return;
  Block &entry = func.getBody().front();
  SmallVector<memref::AllocaOp> allocas;
  func.walk([&](memref::AllocaOp alloca) { allocas.push_back(alloca); });
  OpBuilder builder(func.getContext());
  SmallVector<Value> heapBuffers;
  for (memref::AllocaOp alloca : llvm::reverse(allocas)) {
    alloca->moveBefore(&entry, entry.begin());
    MemRefType type = alloca.getType();
    if (maxAllocaBytes <= 0 || bufferBytes(type) <= maxAllocaBytes)
      continue;
    builder.setInsertionPoint(alloca);
    Value heap = builder.create<memref::AllocOp>(alloca.getLoc(), type);
    alloca.replaceAllUsesWith(heap);
    alloca.erase();
    heapBuffers.push_back(heap);
  }
  if (heapBuffers.empty())
    return;
  // After the copies into the out-parameters, which ReturnLowering put just
  // before the return.
  func.walk([&](func::ReturnOp ret) {
    builder.setInsertionPoint(ret);
    for (Value buffer : heapBuffers)
      builder.create<memref::DeallocOp>(ret.getLoc(), buffer);
  });
}

/// Erases the buffers that are written and never read (a transpose whose
/// every reader was folded into a matmul), with their stores; the
/// canonicalizer then removes the loops that only loaded for them.
static void eraseWriteOnlyBuffers(func::FuncOp func) {
  SmallVector<memref::AllocaOp> dead;
  func.walk([&](memref::AllocaOp alloca) {
    bool writeOnly = !alloca->use_empty() &&
                     llvm::all_of(alloca->getUses(), [](OpOperand &use) {
                       auto store = dyn_cast<memref::StoreOp>(use.getOwner());
                       return store && store.getMemRef() == use.get() &&
                              store.getValueToStore() != use.get();
                     });
    if (writeOnly)
      dead.push_back(alloca);
  });
  for (memref::AllocaOp alloca : dead) {
    for (Operation *store : llvm::make_early_inc_range(alloca->getUsers()))
      store->erase();
    alloca.erase();
  }
}

namespace {
struct LDSLowerToLoopsPass
    : public lds::impl::LDSLowerToLoopsBase<LDSLowerToLoopsPass> {
  using LDSLowerToLoopsBase::LDSLowerToLoopsBase;

  void runOnOperation() override {
    ModuleOp module = getOperation();
    MLIRContext *context = &getContext();

    SmallVector<Operation *> funcs;
    for (func::FuncOp func : module.getOps<func::FuncOp>())
      if (needsLowering(func))
        funcs.push_back(func);

    if (!funcs.empty()) {
      TensorToBufferTypeConverter converter;
      ConversionTarget target(*context);
      target.addIllegalDialect<LDSDialect>();
      target.addLegalDialect<arith::ArithDialect, math::MathDialect,
                             memref::MemRefDialect, scf::SCFDialect>();
      target.addDynamicallyLegalOp<func::FuncOp>([&](func::FuncOp func) {
        return converter.isSignatureLegal(func.getFunctionType()) &&
               converter.isLegal(&func.getBody());
      });
      target.addDynamicallyLegalOp<func::ReturnOp, func::CallOp>(
          [&](Operation *op) { return converter.isLegal(op); });

      ConstantPool pool;
      pool.module = module;
      RewritePatternSet patterns(context);
      populateLowerToLoopsPatterns(converter, pool, foldTransposes,
                                   productsByRows, patterns);
      if (failed(applyPartialConversion(funcs, target, std::move(patterns))))
        return signalPassFailure();
      for (Operation *op : funcs) {
        auto func = cast<func::FuncOp>(op);
        eraseWriteOnlyBuffers(func);
        placeBuffers(func, maxAllocaBytes);
        if (fuseLoopsFrom > 0 &&
            fuseLoopNests(func, fuseLoopsFrom, storeResultsInPlace))
          eraseWriteOnlyBuffers(func);
        shareStackBuffers(func, shareBuffersFrom);
      }
    }

    // lds.model holds declarations and a yield, which have no executable
    // meaning; a pipeline to LLVM must remove them before conversion.
    if (dropModels)
      for (ModelOp model : llvm::make_early_inc_range(module.getOps<ModelOp>()))
        model.erase();
  }
};
} // namespace
