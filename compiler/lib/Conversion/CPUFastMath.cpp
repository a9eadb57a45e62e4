//===- CPUFastMath.cpp - vectorisable math for the CPU backend ------------===//
//
// The scalar loops of lds-lower-to-loops call the C library for tanh, exp,
// ... and accumulate sums strictly in order; both stop LLVM's vectorisers.
// This pass swaps f32 math for MLIR's polynomial approximations and marks
// float arithmetic `contract`, and loop-carried folds also `reassoc`, which
// is what a hand-written loop gets from -ffast-math short of assuming that
// no value is NaN or Inf. See Passes.td.
//
//===----------------------------------------------------------------------===//

#include "lds/Conversion/Passes.h"

#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/Math/Transforms/Passes.h"
#include "mlir/Dialect/SCF/Utils/Utils.h"
#include "mlir/Dialect/Utils/StaticValueUtils.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

namespace lds {
#define GEN_PASS_DEF_LDSCPUFASTMATH
#include "lds/Conversion/Passes.h.inc"
} // namespace lds

using namespace mlir;

namespace {

/// Whether `op` folds a value carried around an enclosing scf.for: one of
/// its operands is the loop's iter_arg and its result is what the loop
/// yields for it.
bool foldsLoopCarriedValue(Operation *op) {
  auto loop = op->getParentOfType<scf::ForOp>();
  if (!loop || op->getParentOp() != loop)
    return false;
  auto yield = cast<scf::YieldOp>(loop.getBody()->getTerminator());
  for (auto [arg, yielded] :
       llvm::zip(loop.getRegionIterArgs(), yield.getOperands()))
    if (yielded == op->getResult(0) &&
        llvm::is_contained(op->getOperands(), arg))
      return true;
  return false;
}

/// The shape `lds-lower-to-loops` gives a contraction over contiguous
/// memory (a mat-vec row, a dot product): `scf.for %k = 0 to N step 1
/// iter_args(%acc = %init)` whose body is `%l = load A[..., %k]; %r = load
/// B[..., %k]; %p = mulf %l, %r; %n = addf %acc, %p; yield %n`, with %k the
/// last index of both loads and the other indices defined outside the loop.
struct ContiguousDot {
  memref::LoadOp lhs, rhs;
  int64_t depth;
};

bool isContiguousIn(memref::LoadOp load, scf::ForOp loop) {
  auto type = cast<MemRefType>(load.getMemRef().getType());
  ValueRange indices = load.getIndices();
  return type.getLayout().isIdentity() && !indices.empty() &&
         indices.back() == loop.getInductionVar() &&
         llvm::all_of(indices.drop_back(), [&](Value index) {
           return loop.isDefinedOutsideOfLoop(index);
         });
}

std::optional<ContiguousDot> matchContiguousDot(scf::ForOp loop) {
  std::optional<int64_t> lb = getConstantIntValue(loop.getLowerBound());
  std::optional<int64_t> ub = getConstantIntValue(loop.getUpperBound());
  std::optional<int64_t> step = getConstantIntValue(loop.getStep());
  if (!lb || !ub || !step || *lb != 0 || *step != 1 ||
      loop.getNumRegionIterArgs() != 1 ||
      !isa<FloatType>(loop.getRegionIterArgs()[0].getType()) ||
      loop.getBody()->getOperations().size() != 5)
    return std::nullopt;
  auto yield = cast<scf::YieldOp>(loop.getBody()->getTerminator());
  auto add = yield.getOperand(0).getDefiningOp<arith::AddFOp>();
  if (!add || add.getLhs() != loop.getRegionIterArgs()[0])
    return std::nullopt;
  auto mul = add.getRhs().getDefiningOp<arith::MulFOp>();
  if (!mul)
    return std::nullopt;
  auto l = mul.getLhs().getDefiningOp<memref::LoadOp>();
  auto r = mul.getRhs().getDefiningOp<memref::LoadOp>();
  if (!l || !r || !isContiguousIn(l, loop) || !isContiguousIn(r, loop))
    return std::nullopt;
  return ContiguousDot{l, r, *ub};
}

/// Vector loops of a dot product up to this many steps are unrolled.
constexpr int64_t kMaxUnrolledVectorSteps = 16;

/// Lanes of the vector a dot product of `depth` terms is split over: 16 f32
/// or 8 f64 values (one AVX-512 register, two AVX2 ones), fewer for short
/// products; 0 if too short to pay.
int64_t dotLanes(FloatType type, int64_t depth) {
  int64_t lanes = type.getWidth() == 32 ? 16 : 8;
  while (lanes > depth)
    lanes /= 2;
  return lanes >= 4 ? lanes : 0;
}

/// Splits a contiguous dot loop into a vector loop over the first
/// depth - depth % lanes terms (lanes partial sums, then one reduction) and
/// the original loop over the rest, which starts from that sum.
void vectorizeDot(scf::ForOp loop, const ContiguousDot &dot) {
  auto type = cast<FloatType>(loop.getRegionIterArgs()[0].getType());
  int64_t lanes = dotLanes(type, dot.depth);
  if (!lanes)
    return;
  int64_t main = dot.depth - dot.depth % lanes;
  OpBuilder b(loop);
  Location loc = loop.getLoc();
  auto vectorType = VectorType::get({lanes}, type);
  auto flags = arith::FastMathFlagsAttr::get(
      b.getContext(),
      arith::FastMathFlags::reassoc | arith::FastMathFlags::contract);
  Value zero = b.create<arith::ConstantOp>(
      loc, DenseElementsAttr::get(vectorType, b.getFloatAttr(type, 0.0)));
  auto vectorLoop = b.create<scf::ForOp>(
      loc, b.create<arith::ConstantIndexOp>(loc, 0),
      b.create<arith::ConstantIndexOp>(loc, main),
      b.create<arith::ConstantIndexOp>(loc, lanes), ValueRange{zero},
      [&](OpBuilder &vb, Location vloc, Value k, ValueRange acc) {
        auto load = [&](memref::LoadOp scalar) -> Value {
          SmallVector<Value> indices(scalar.getIndices().drop_back());
          indices.push_back(k);
          return vb.create<vector::LoadOp>(vloc, vectorType, scalar.getMemRef(),
                                           indices);
        };
        Value product =
            vb.create<arith::MulFOp>(vloc, load(dot.lhs), load(dot.rhs), flags);
        vb.create<scf::YieldOp>(
            vloc, vb.create<arith::AddFOp>(vloc, acc.front(), product, flags)
                      .getResult());
      });
  Value sum = b.create<vector::ReductionOp>(
      loc, vector::CombiningKind::ADD, vectorLoop.getResult(0),
      loop.getInitArgs()[0], arith::FastMathFlags::reassoc);
  loop.getInitArgsMutable()[0].set(sum);
  // A handful of vector steps, unrolled here: the row loops around them then
  // run straight-line bodies whatever LLVM's unroller decides.
  if (main / lanes <= kMaxUnrolledVectorSteps)
    (void)loopUnrollByFactor(vectorLoop, main / lanes);
  loop.getLowerBoundMutable().assign(
      b.create<arith::ConstantIndexOp>(loc, main));
}

/// A math op with an exact LLVM intrinsic, replaced by it.
template <typename MathOp, typename IntrinsicOp>
struct ToIntrinsic : public OpRewritePattern<MathOp> {
  using OpRewritePattern<MathOp>::OpRewritePattern;
  LogicalResult matchAndRewrite(MathOp op,
                                PatternRewriter &rewriter) const override {
    rewriter.replaceOpWithNewOp<IntrinsicOp>(op, op->getResultTypes(),
                                             op->getOperands());
    return success();
  }
};

struct CPUFastMathPass : public lds::impl::LDSCPUFastMathBase<CPUFastMathPass> {
  void runOnOperation() override {
    SmallVector<std::pair<scf::ForOp, ContiguousDot>> dots;
    getOperation().walk([&](scf::ForOp loop) {
      if (std::optional<ContiguousDot> dot = matchContiguousDot(loop))
        dots.push_back({loop, *dot});
    });
    for (auto &[loop, dot] : dots)
      vectorizeDot(loop, dot);

    RewritePatternSet patterns(&getContext());
    populateMathPolynomialApproximationPatterns(patterns);
    // The approximations use fma, floor, ... which math-to-libm would turn
    // into calls (fmaf, floorf): take them to LLVM's intrinsics directly.
    patterns.add<ToIntrinsic<math::FmaOp, LLVM::FMAOp>,
                 ToIntrinsic<math::FloorOp, LLVM::FFloorOp>,
                 ToIntrinsic<math::CeilOp, LLVM::FCeilOp>,
                 ToIntrinsic<math::CopySignOp, LLVM::CopySignOp>,
                 ToIntrinsic<math::AbsFOp, LLVM::FAbsOp>,
                 ToIntrinsic<math::SqrtOp, LLVM::SqrtOp>>(&getContext());
    if (failed(
            applyPatternsAndFoldGreedily(getOperation(), std::move(patterns))))
      return signalPassFailure();

    getOperation().walk([](arith::ArithFastMathInterface op) {
      Operation *operation = op.getOperation();
      auto flags = arith::FastMathFlags::contract;
      if (isa<arith::AddFOp, arith::MulFOp>(operation) &&
          foldsLoopCarriedValue(operation))
        flags = flags | arith::FastMathFlags::reassoc;
      operation->setAttr(op.getFastMathAttrName(),
                         arith::FastMathFlagsAttr::get(
                             operation->getContext(),
                             op.getFastMathFlagsAttr().getValue() | flags));
    });
  }
};

} // namespace
