//===- AnalyzeStructure.cpp - classify a model's Jacobian -----------------===//
//
// Walks the primal dataflow graph of every lds.model (lds.grad included) and
// tracks, for every value and every one of its elements, which elements of
// the concatenated state x it depends on, whether it is a plain copy of a
// state element, and its polynomial degree in x. From the next-state values
// it derives the attributes described in lds/Transforms/Structure.h: the
// structure of J = df/dx, the per-state-piece dependency matrix, whether f is
// affine in x and whether f = x + c * g(x, u) for a constant c.
//
// The analysis is structural and conservative: an element "depends" on a
// state element when some path of the graph connects them, whatever the
// values (except for exact zeros of lds.constant matrices, which cut paths).
// `lds.grad %s wrt %w` depends on x through the Hessian of %s: it is
// independent of x when %s is affine, and otherwise element i depends on
// everything %s depends on (when %s depends on w_i at all).
//
//===----------------------------------------------------------------------===//

#include "lds/Dialect/LDSOps.h"
#include "lds/Transforms/Passes.h"
#include "lds/Transforms/Structure.h"

#include "mlir/IR/Builders.h"
#include "llvm/ADT/BitVector.h"
#include "llvm/ADT/DenseMap.h"
#include "llvm/ADT/SmallPtrSet.h"
#include "llvm/ADT/TypeSwitch.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <deque>

namespace lds {
#define GEN_PASS_DEF_ANALYZESTRUCTURE
#include "lds/Transforms/Passes.h.inc"
} // namespace lds

using namespace mlir;
using namespace lds;
using llvm::BitVector;

/// Polynomial degree in x, capped: anything beyond quadratic (and anything
/// not polynomial: tanh, max, select on x, ...) is kNonlinear.
enum : int { kConstant = 0, kAffine = 1, kQuadratic = 2, kNonlinear = 3 };

static int addDegrees(int a, int b) { return std::min(a + b, int(kNonlinear)); }

/// Above this many bits (elements x D), a value keeps one dependency set for
/// all of its elements: conservative, but bounded in memory.
constexpr int64_t kMaxDependencyBits = int64_t(1) << 24;

namespace {
/// What the analysis knows about one tensor value.
struct ValueInfo {
  int64_t numElements = 1;
  int degree = kConstant;
  /// deps[i]: the state elements element i depends on. Empty when the value
  /// depends on no state element; a single entry for all elements when
  /// `shared`.
  std::vector<BitVector> deps;
  bool shared = false;
  /// sel[i] = j >= 0 when element i is x[j] + r with r independent of x[j]
  /// (a copy of a state element, up to other terms). Empty when all -1.
  std::vector<int64_t> sel;

  bool dependsOnX() const { return !deps.empty(); }
  const BitVector *depsOf(int64_t i) const {
    if (deps.empty())
      return nullptr;
    return &deps[shared ? 0 : i];
  }
  int64_t selOf(int64_t i) const { return sel.empty() ? -1 : sel[i]; }
  /// Element i is exactly x[j] plus terms independent of x.
  bool isCopyOf(int64_t i, int64_t j) const {
    const BitVector *b = depsOf(i);
    return selOf(i) == j && b && b->count() == 1 && b->test(j);
  }
};

/// Builds the ValueInfo of an op's result element by element.
class InfoBuilder {
public:
  InfoBuilder(int64_t numElements, int64_t stateDim, bool dependent, int degree)
      : stateDim(stateDim) {
    info.numElements = numElements;
    info.degree = degree;
    if (!dependent)
      return;
    if (numElements * stateDim > kMaxDependencyBits) {
      info.shared = true;
      info.deps.assign(1, BitVector(stateDim));
    } else {
      info.deps.assign(numElements, BitVector(stateDim));
    }
  }

  /// Element r depends on whatever element s of `src` depends on.
  void use(int64_t r, const ValueInfo &src, int64_t s) {
    if (info.deps.empty())
      return;
    if (const BitVector *b = src.depsOf(s))
      slot(r) |= *b;
  }
  void use(int64_t r, const BitVector &b) {
    if (!info.deps.empty())
      slot(r) |= b;
  }
  /// Element r is element s of `src` (a data movement).
  void copy(int64_t r, const ValueInfo &src, int64_t s) {
    use(r, src, s);
    setSel(r, src.selOf(s));
  }
  void setSel(int64_t r, int64_t j) {
    if (j < 0)
      return;
    if (info.sel.empty())
      info.sel.assign(info.numElements, -1);
    info.sel[r] = j;
  }

  ValueInfo finish() {
    bool any =
        llvm::any_of(info.deps, [](const BitVector &b) { return b.any(); });
    if (!any) {
      info.deps.clear();
      info.sel.clear();
      info.degree = kConstant;
    }
    return std::move(info);
  }

private:
  BitVector &slot(int64_t r) { return info.deps[info.shared ? 0 : r]; }

  ValueInfo info;
  int64_t stateDim;
};

} // namespace

static int64_t numElements(Value v) {
  return cast<RankedTensorType>(v.getType()).getNumElements();
}

static ArrayRef<int64_t> shapeOf(Value v) {
  return cast<RankedTensorType>(v.getType()).getShape();
}

/// Elements of an lds.constant that are exactly zero (empty when none is or
/// `v` is no constant): they cut dependency paths through products.
static std::vector<bool> constantZeros(Value v) {
  std::vector<bool> zeros;
  auto c = v.getDefiningOp<ConstantOp>();
  if (!c)
    return zeros;
  auto dense = dyn_cast<DenseFPElementsAttr>(c.getValue());
  if (!dense || dense.isSplat())
    return zeros;
  zeros.reserve(dense.getNumElements());
  bool any = false;
  for (APFloat f : dense.getValues<APFloat>()) {
    zeros.push_back(f.isZero());
    any |= f.isZero();
  }
  if (!any)
    zeros.clear();
  return zeros;
}

/// `f` as a double, rounded to the shortest decimal that identifies it in
/// its own format (an f32 1e-5 gives 1e-5, not 9.99999974e-6).
static double shortestDouble(const APFloat &f) {
  double d = f.convertToDouble();
  if (&f.getSemantics() != &APFloat::IEEEsingle() || !std::isfinite(d))
    return d;
  for (int digits = 1; digits <= 9; ++digits) {
    char buf[32];
    std::snprintf(buf, sizeof(buf), "%.*g", digits, d);
    double shorter = std::strtod(buf, nullptr);
    if (float(shorter) == float(d))
      return shorter;
  }
  return d;
}

/// The value of a compile-time constant scale: a float lds.constant (the
/// element of largest magnitude when not a splat), possibly broadcast or
/// negated.
static std::optional<double> constantScale(Value v) {
  if (auto b = v.getDefiningOp<BroadcastOp>())
    return constantScale(b.getOperand());
  if (auto n = v.getDefiningOp<NegOp>()) {
    if (std::optional<double> c = constantScale(n.getOperand()))
      return -*c;
    return std::nullopt;
  }
  auto c = v.getDefiningOp<ConstantOp>();
  if (!c)
    return std::nullopt;
  auto dense = dyn_cast<DenseFPElementsAttr>(c.getValue());
  if (!dense || dense.empty())
    return std::nullopt;
  double best = 0;
  for (APFloat f : dense.getValues<APFloat>()) {
    double d = shortestDouble(f);
    if (std::fabs(d) > std::fabs(best) || best == 0)
      best = d;
  }
  return best;
}

/// Splits a sum `a + b - c ...` (through add, sub and neg) into signed terms.
static void collectTerms(Value v, double sign,
                         SmallVectorImpl<std::pair<Value, double>> &terms) {
  if (auto add = v.getDefiningOp<AddOp>()) {
    collectTerms(add.getLhs(), sign, terms);
    collectTerms(add.getRhs(), sign, terms);
  } else if (auto sub = v.getDefiningOp<SubOp>()) {
    collectTerms(sub.getLhs(), sign, terms);
    collectTerms(sub.getRhs(), -sign, terms);
  } else if (auto neg = v.getDefiningOp<NegOp>()) {
    collectTerms(neg.getOperand(), -sign, terms);
  } else {
    terms.push_back({v, sign});
  }
}

/// Peels constant factors off `v` (`c * g`, `g * c`, `g / c`, `-g`); returns
/// the product of the peeled constants, or nullopt when there was none.
static std::optional<double> peelScale(Value v) {
  std::optional<double> scale;
  auto times = [&](double c) { scale = scale.value_or(1.0) * c; };
  while (true) {
    if (auto mul = v.getDefiningOp<MulOp>()) {
      if (std::optional<double> c = constantScale(mul.getLhs())) {
        times(*c);
        v = mul.getRhs();
        continue;
      }
      if (std::optional<double> c = constantScale(mul.getRhs())) {
        times(*c);
        v = mul.getLhs();
        continue;
      }
    } else if (auto div = v.getDefiningOp<DivOp>()) {
      std::optional<double> c = constantScale(div.getRhs());
      if (c && *c != 0) {
        times(1.0 / *c);
        v = div.getLhs();
        continue;
      }
    } else if (auto neg = v.getDefiningOp<NegOp>()) {
      times(-1.0);
      v = neg.getOperand();
      continue;
    }
    return scale;
  }
}

namespace {

/// The dataflow analysis of one model.
class StructureAnalysis {
public:
  explicit StructureAnalysis(ModelOp model) : model(model) {
    int64_t offset = 0;
    for (StateOp s : getStates(model)) {
      int64_t n = s.getType().getNumElements();
      pieces.push_back({offset, n});
      stateOffset[s.getResult()] = offset;
      offset += n;
    }
    stateDim = offset;
  }

  ModelStructure run();

private:
  struct Piece {
    int64_t offset, size;
  };

  /// The info of `v` (references stay valid while the analysis runs).
  const ValueInfo &get(Value v) {
    auto it = index.find(v);
    if (it != index.end())
      return infos[it->second];
    // Values from outside the analysed block (none in a verified model):
    // independent of x.
    ValueInfo info;
    info.numElements = numElements(v);
    return set(v, std::move(info));
  }
  const ValueInfo &set(Value v, ValueInfo info) {
    index[v] = infos.size();
    infos.push_back(std::move(info));
    return infos.back();
  }

  void visit(Operation *op);
  ValueInfo visitElementwise(Operation *op);
  ValueInfo visitGrad(GradOp op);
  std::vector<BitVector> hessianPattern(Value value);
  ValueInfo visitMatmul(MatmulOp op);
  ValueInfo reduceAll(Operation *op, int degree);
  int degreeOf(Operation *op);
  BitVector unionOf(const ValueInfo &v);

  std::string classify(ArrayRef<Value> next);
  std::string blockDeps(Value next, const Piece &row, const Piece &col);
  bool isGathered(ArrayRef<Value> next);
  std::optional<double> identityPlusScaled(ArrayRef<Value> next);
  /// `v` is exactly the state piece `p` (element i is x[p.offset + i]).
  bool isStatePiece(Value v, const Piece &p) {
    const ValueInfo &info = get(v);
    if (info.numElements != p.size)
      return false;
    for (int64_t i = 0; i < p.size; ++i)
      if (!info.isCopyOf(i, p.offset + i))
        return false;
    return true;
  }

  ModelOp model;
  int64_t stateDim = 0;
  SmallVector<Piece> pieces;
  llvm::DenseMap<Value, int64_t> stateOffset;
  llvm::DenseMap<Value, size_t> index;
  std::deque<ValueInfo> infos;
};

} // namespace

BitVector StructureAnalysis::unionOf(const ValueInfo &v) {
  BitVector all(stateDim);
  if (v.shared)
    all |= v.deps[0];
  else
    for (const BitVector &b : v.deps)
      all |= b;
  return all;
}

int StructureAnalysis::degreeOf(Operation *op) {
  auto deg = [&](Value v) { return get(v).degree; };
  auto dependent = [&](Value v) { return get(v).dependsOnX(); };
  return llvm::TypeSwitch<Operation *, int>(op)
      // Linear in each operand.
      .Case<AddOp, SubOp>(
          [&](auto o) { return std::max(deg(o.getLhs()), deg(o.getRhs())); })
      .Case<NegOp, SumOp>([&](auto o) { return deg(o.getOperand()); })
      .Case<SliceOp, ExtractOp, BroadcastOp, TransposeOp, DiagOp, DiagPartOp>(
          [&](auto o) { return deg(o.getOperand()); })
      .Case<GatherOp>([&](GatherOp o) { return deg(o.getTable()); })
      .Case<ConcatOp>([&](ConcatOp o) {
        int d = kConstant;
        for (Value v : o.getOperands())
          d = std::max(d, deg(v));
        return d;
      })
      // Bilinear.
      .Case<MulOp, MatmulOp, DotOp>(
          [&](auto o) { return addDegrees(deg(o.getLhs()), deg(o.getRhs())); })
      .Case<DivOp>([&](DivOp o) {
        return dependent(o.getRhs()) ? int(kNonlinear) : deg(o.getLhs());
      })
      .Case<PowOp>([&](PowOp o) {
        if (!dependent(o.getLhs()) && !dependent(o.getRhs()))
          return int(kConstant);
        std::optional<double> e = constantScale(o.getRhs());
        if (dependent(o.getRhs()) || !e || *e < 0 || *e != std::floor(*e) ||
            *e > kNonlinear)
          return int(kNonlinear);
        int d = kConstant;
        for (int i = 0; i < int(*e); ++i)
          d = addDegrees(d, deg(o.getLhs()));
        return d;
      })
      // Piecewise: affine only when the condition does not depend on x.
      .Case<SelectOp>([&](SelectOp o) {
        if (dependent(o.getCond()))
          return int(kNonlinear);
        return std::max(deg(o.getTrueValue()), deg(o.getFalseValue()));
      })
      .Case<GradOp>([&](GradOp o) {
        int d = deg(o.getValue());
        return d == kNonlinear ? d : std::max(d - 1, int(kConstant));
      })
      // Everything else (tanh, exp, max, abs, cmp, logsumexp, ...) is
      // nonlinear in any operand that depends on x.
      .Default([&](Operation *o) {
        bool any = llvm::any_of(o->getOperands(), dependent);
        return any ? int(kNonlinear) : int(kConstant);
      });
}

ValueInfo StructureAnalysis::visitElementwise(Operation *op) {
  Value result = op->getResult(0);
  int64_t n = numElements(result);
  bool dependent = llvm::any_of(op->getOperands(),
                                [&](Value v) { return get(v).dependsOnX(); });
  InfoBuilder b(n, stateDim, dependent, degreeOf(op));
  for (Value operand : op->getOperands()) {
    const ValueInfo &in = get(operand);
    if (!in.dependsOnX())
      continue;
    for (int64_t r = 0; r < n; ++r)
      b.use(r, in, in.numElements == 1 ? 0 : r);
  }
  // x[j] + r and x[j] - r stay copies of x[j] when r does not involve x[j].
  if (isa<AddOp, SubOp>(op)) {
    const ValueInfo &lhs = get(op->getOperand(0));
    const ValueInfo &rhs = get(op->getOperand(1));
    for (int64_t r = 0; r < n; ++r) {
      int64_t j = lhs.selOf(r);
      const BitVector *other = rhs.depsOf(r);
      if (j >= 0 && !(other && other->test(j))) {
        b.setSel(r, j);
        continue;
      }
      j = rhs.selOf(r);
      other = lhs.depsOf(r);
      if (isa<AddOp>(op) && j >= 0 && !(other && other->test(j)))
        b.setSel(r, j);
    }
  }
  return b.finish();
}

ValueInfo StructureAnalysis::reduceAll(Operation *op, int degree) {
  BitVector all(stateDim);
  bool dependent = false;
  for (Value v : op->getOperands()) {
    const ValueInfo &in = get(v);
    if (in.dependsOnX()) {
      all |= unionOf(in);
      dependent = true;
    }
  }
  int64_t n = numElements(op->getResult(0));
  InfoBuilder b(n, stateDim, dependent, degree);
  for (int64_t r = 0; r < n; ++r)
    b.use(r, all);
  return b.finish();
}

ValueInfo StructureAnalysis::visitMatmul(MatmulOp op) {
  const ValueInfo &lhs = get(op.getLhs());
  const ValueInfo &rhs = get(op.getRhs());
  ArrayRef<int64_t> ls = shapeOf(op.getLhs());
  int64_t m = ls[0], k = ls[1];
  int64_t n = shapeOf(op.getRhs()).size() == 2 ? shapeOf(op.getRhs())[1] : 1;
  std::vector<bool> lhsZeros = constantZeros(op.getLhs());
  std::vector<bool> rhsZeros = constantZeros(op.getRhs());
  InfoBuilder b(m * n, stateDim, lhs.dependsOnX() || rhs.dependsOnX(),
                degreeOf(op));
  if (lhs.dependsOnX() || rhs.dependsOnX()) {
    for (int64_t i = 0; i < m; ++i)
      for (int64_t j = 0; j < n; ++j)
        for (int64_t kk = 0; kk < k; ++kk) {
          int64_t li = i * k + kk, ri = kk * n + j;
          // A product with an exact zero contributes nothing.
          if ((!lhsZeros.empty() && lhsZeros[li]) ||
              (!rhsZeros.empty() && rhsZeros[ri]))
            continue;
          b.use(i * n + j, lhs, li);
          b.use(i * n + j, rhs, ri);
        }
  }
  return b.finish();
}

/// Records that every element of `a` interacts nonlinearly with every
/// element of `b` (and the reverse): H_ij may be nonzero.
static void interact(std::vector<BitVector> &pairs, const BitVector &a,
                     const BitVector &b) {
  for (unsigned i : a.set_bits())
    pairs[i] |= b;
  for (unsigned j : b.set_bits())
    pairs[j] |= a;
}

/// Above this many (element, element) products a bilinear op's interactions
/// are taken from the operands' unions (conservative).
constexpr int64_t kMaxInteractionProducts = int64_t(1) << 20;

std::vector<BitVector> StructureAnalysis::hessianPattern(Value value) {
  // Nonlinear-interaction propagation (as for Hessian sparsity in AD tools):
  // every op of the slice computing `value` that is nonlinear in its
  // operands pairs up the state elements its operands depend on; linear ops
  // add nothing. H_ij can be nonzero only for recorded pairs (i, j).
  std::vector<BitVector> pairs(stateDim, BitVector(stateDim));
  llvm::SmallPtrSet<Operation *, 32> slice;
  SmallVector<Value> work{value};
  while (!work.empty()) {
    Operation *def = work.pop_back_val().getDefiningOp();
    if (def && def->getBlock() == &model.getBody().front() &&
        slice.insert(def).second)
      llvm::append_range(work, def->getOperands());
  }
  static const BitVector none;
  auto at = [&](Value v, int64_t i) -> const BitVector & {
    const ValueInfo &info = get(v);
    const BitVector *b = info.depsOf(info.numElements == 1 ? 0 : i);
    return b ? *b : none;
  };
  auto empty = BitVector(stateDim);
  auto self = [&](const BitVector &a) {
    if (a.any())
      interact(pairs, a, a);
  };
  auto cross = [&](const BitVector &a, const BitVector &b) {
    if (a.any() && b.any())
      interact(pairs, a, b);
  };
  for (Operation &op : model.getBody().front()) {
    if (!slice.contains(&op) || op.getNumResults() != 1)
      continue;
    if (llvm::none_of(op.getOperands(),
                      [&](Value v) { return get(v).dependsOnX(); }))
      continue;
    int64_t n = numElements(op.getResult(0));
    llvm::TypeSwitch<Operation *>(&op)
        // Linear in their operands: no interactions.
        .Case<StateOp, AddOp, SubOp, NegOp, SliceOp, ExtractOp, BroadcastOp,
              ConcatOp, TransposeOp, DiagOp, DiagPartOp, SumOp, GatherOp,
              CmpOp>([](auto) {})
        .Case<MulOp>([&](MulOp o) {
          for (int64_t i = 0; i < n; ++i)
            cross(at(o.getLhs(), i), at(o.getRhs(), i));
        })
        .Case<DivOp>([&](DivOp o) {
          for (int64_t i = 0; i < n; ++i) {
            cross(at(o.getLhs(), i), at(o.getRhs(), i));
            self(at(o.getRhs(), i));
          }
        })
        .Case<DotOp>([&](DotOp o) {
          for (int64_t i = 0, e = numElements(o.getLhs()); i < e; ++i)
            cross(at(o.getLhs(), i), at(o.getRhs(), i));
        })
        .Case<MatmulOp>([&](MatmulOp o) {
          const ValueInfo &lhs = get(o.getLhs()), &rhs = get(o.getRhs());
          if (!lhs.dependsOnX() || !rhs.dependsOnX())
            return;
          ArrayRef<int64_t> ls = shapeOf(o.getLhs());
          int64_t m = ls[0], k = ls[1], cols = n / m;
          if (m * k * cols > kMaxInteractionProducts) {
            cross(unionOf(lhs), unionOf(rhs));
            return;
          }
          for (int64_t i = 0; i < m; ++i)
            for (int64_t kk = 0; kk < k; ++kk)
              for (int64_t j = 0; j < cols; ++j)
                cross(at(o.getLhs(), i * k + kk),
                      at(o.getRhs(), kk * cols + j));
        })
        .Case<SelectOp>([&](SelectOp o) {
          // Piecewise: where the condition depends on x, pair it with
          // everything (conservative; H is zero almost everywhere there, but
          // the gradient is not constant in x).
          for (int64_t i = 0; i < n; ++i) {
            const BitVector &c = at(o.getCond(), i);
            if (c.none())
              continue;
            BitVector all = c;
            all |= at(o.getTrueValue(), i);
            all |= at(o.getFalseValue(), i);
            cross(c, all);
          }
        })
        .Case<ReduceMaxOp, ReduceMinOp, LogSumExpOp, GradOp>(
            [&](Operation *o) { self(unionOf(get(o->getOperand(0)))); })
        .Default([&](Operation *o) {
          // Elementwise nonlinear (tanh, exp, pow, max, ...): each element's
          // dependencies pair among themselves.
          if (o->hasTrait<OpTrait::Elementwise>()) {
            for (int64_t i = 0; i < n; ++i) {
              BitVector all = empty;
              for (Value v : o->getOperands())
                all |= at(v, i);
              self(all);
            }
            return;
          }
          BitVector all = empty;
          for (Value v : o->getOperands())
            all |= unionOf(get(v));
          self(all);
        });
  }
  return pairs;
}

ValueInfo StructureAnalysis::visitGrad(GradOp op) {
  int64_t n = numElements(op.getResult());
  int degree = degreeOf(op);
  auto it = stateOffset.find(op.getWrt());
  // The gradient of an affine function does not depend on x.
  if (degree == kConstant || it == stateOffset.end())
    return InfoBuilder(n, stateDim, false, kConstant).finish();
  // d value / d w_i depends on x_j where the Hessian's H_ij can be nonzero.
  std::vector<BitVector> pairs = hessianPattern(op.getValue());
  InfoBuilder b(n, stateDim, true, degree);
  for (int64_t i = 0; i < n; ++i)
    b.use(i, pairs[it->second + i]);
  return b.finish();
}

void StructureAnalysis::visit(Operation *op) {
  if (op->getNumResults() != 1)
    return;
  Value result = op->getResult(0);
  int64_t n = numElements(result);
  ValueInfo info =
      llvm::TypeSwitch<Operation *, ValueInfo>(op)
          .Case<StateOp>([&](StateOp s) {
            int64_t offset = stateOffset.lookup(s.getResult());
            InfoBuilder b(n, stateDim, true, kAffine);
            for (int64_t i = 0; i < n; ++i) {
              BitVector one(stateDim);
              one.set(offset + i);
              b.use(i, one);
              b.setSel(i, offset + i);
            }
            return b.finish();
          })
          .Case<InputOp, ParamOp, ConstantOp>([&](Operation *) {
            return InfoBuilder(n, stateDim, false, kConstant).finish();
          })
          .Case<BroadcastOp>([&](BroadcastOp o) {
            const ValueInfo &in = get(o.getOperand());
            int64_t trailing = n / in.numElements;
            InfoBuilder b(n, stateDim, in.dependsOnX(), degreeOf(op));
            for (int64_t r = 0; r < n; ++r)
              b.copy(r, in, r / trailing);
            return b.finish();
          })
          .Case<SliceOp>([&](SliceOp o) {
            const ValueInfo &in = get(o.getOperand());
            int64_t start = o.getStart(), end = o.getEnd();
            int64_t inner = n / (end - start);
            InfoBuilder b(n, stateDim, in.dependsOnX(), degreeOf(op));
            for (int64_t r = 0; r < n; ++r)
              b.copy(r, in, start * inner + r);
            return b.finish();
          })
          .Case<ExtractOp>([&](ExtractOp o) {
            const ValueInfo &in = get(o.getOperand());
            InfoBuilder b(n, stateDim, in.dependsOnX(), degreeOf(op));
            for (int64_t r = 0; r < n; ++r)
              b.copy(r, in, int64_t(o.getIndex()) * n + r);
            return b.finish();
          })
          .Case<GatherOp>([&](GatherOp o) {
            // The index is unknown at compile time: any row may be taken.
            const ValueInfo &in = get(o.getTable());
            int64_t rows = shapeOf(o.getTable())[0];
            InfoBuilder b(n, stateDim, in.dependsOnX(), degreeOf(op));
            for (int64_t r = 0; r < n; ++r)
              for (int64_t k = 0; k < rows; ++k)
                b.use(r, in, k * n + r);
            return b.finish();
          })
          .Case<ConcatOp>([&](ConcatOp o) {
            bool dependent = llvm::any_of(
                o.getOperands(), [&](Value v) { return get(v).dependsOnX(); });
            InfoBuilder b(n, stateDim, dependent, degreeOf(op));
            int64_t r = 0;
            for (Value v : o.getOperands()) {
              const ValueInfo &in = get(v);
              for (int64_t s = 0; s < in.numElements; ++s)
                b.copy(r++, in, s);
            }
            return b.finish();
          })
          .Case<TransposeOp>([&](TransposeOp o) {
            const ValueInfo &in = get(o.getOperand());
            ArrayRef<int64_t> s = shapeOf(o.getOperand());
            int64_t rows = s[0], cols = s[1];
            InfoBuilder b(n, stateDim, in.dependsOnX(), degreeOf(op));
            for (int64_t j = 0; j < cols; ++j)
              for (int64_t i = 0; i < rows; ++i)
                b.copy(j * rows + i, in, i * cols + j);
            return b.finish();
          })
          .Case<DiagOp>([&](DiagOp o) {
            // result[i, i] = operand[i], zeros elsewhere.
            const ValueInfo &in = get(o.getOperand());
            InfoBuilder b(n, stateDim, in.dependsOnX(), degreeOf(op));
            for (int64_t i = 0; i < in.numElements; ++i)
              b.copy(i * in.numElements + i, in, i);
            return b.finish();
          })
          .Case<DiagPartOp>([&](DiagPartOp o) {
            // result[i] = operand[i, i - offset] where that column exists.
            const ValueInfo &in = get(o.getOperand());
            ArrayRef<int64_t> s = shapeOf(o.getOperand());
            int64_t offset = o.getOffset();
            InfoBuilder b(n, stateDim, in.dependsOnX(), degreeOf(op));
            for (int64_t i = 0; i < n; ++i)
              if (i - offset >= 0 && i - offset < s[1])
                b.copy(i, in, i * s[1] + i - offset);
            return b.finish();
          })
          .Case<MatmulOp>([&](MatmulOp o) { return visitMatmul(o); })
          .Case<DotOp>([&](DotOp o) {
            // Exact zeros of a constant operand cut paths here as well.
            const ValueInfo &lhs = get(o.getLhs());
            const ValueInfo &rhs = get(o.getRhs());
            std::vector<bool> lz = constantZeros(o.getLhs());
            std::vector<bool> rz = constantZeros(o.getRhs());
            InfoBuilder b(1, stateDim, lhs.dependsOnX() || rhs.dependsOnX(),
                          degreeOf(op));
            for (int64_t i = 0; i < lhs.numElements; ++i) {
              if ((!lz.empty() && lz[i]) || (!rz.empty() && rz[i]))
                continue;
              b.use(0, lhs, i);
              b.use(0, rhs, i);
            }
            return b.finish();
          })
          .Case<SumOp, ReduceMaxOp, ReduceMinOp, LogSumExpOp>(
              [&](Operation *o) { return reduceAll(o, degreeOf(o)); })
          .Case<GradOp>([&](GradOp o) { return visitGrad(o); })
          .Default([&](Operation *o) {
            if (o->hasTrait<OpTrait::Elementwise>())
              return visitElementwise(o);
            // Unknown: every element depends on everything the operands do.
            return reduceAll(o, degreeOf(o));
          });
  set(result, std::move(info));
}

std::string StructureAnalysis::blockDeps(Value next, const Piece &row,
                                         const Piece &col) {
  const ValueInfo &info = get(next);
  bool any = false, diagonal = row.size == col.size, identity = diagonal;
  for (int64_t i = 0; i < row.size; ++i) {
    const BitVector *b = info.depsOf(i);
    int first = b ? b->find_first_in(col.offset, col.offset + col.size) : -1;
    if (first < 0) {
      identity = false;
      continue;
    }
    any = true;
    int last = b->find_last_in(col.offset, col.offset + col.size);
    bool onDiagonal = first == last && first == col.offset + i;
    diagonal &= onDiagonal;
    identity &= onDiagonal && info.selOf(i) == col.offset + i;
  }
  if (!any)
    return kDepNone.str();
  if (identity)
    return kDepIdentity.str();
  if (diagonal)
    return kDepDiagonal.str();
  return kDepDense.str();
}

bool StructureAnalysis::isGathered(ArrayRef<Value> next) {
  // f = table[w] @ x + (terms independent of x), one state.
  if (next.size() != 1)
    return false;
  SmallVector<std::pair<Value, double>> terms;
  collectTerms(next[0], 1.0, terms);
  Value gatheredTerm;
  for (auto [term, sign] : terms) {
    if (!get(term).dependsOnX())
      continue;
    if (gatheredTerm || sign != 1.0)
      return false;
    gatheredTerm = term;
  }
  auto matmul = gatheredTerm ? gatheredTerm.getDefiningOp<MatmulOp>() : nullptr;
  if (!matmul)
    return false;
  auto gather = matmul.getLhs().getDefiningOp<GatherOp>();
  return gather && !get(gather.getTable()).dependsOnX() &&
         isStatePiece(matmul.getRhs(), pieces[0]);
}

std::optional<double>
StructureAnalysis::identityPlusScaled(ArrayRef<Value> next) {
  // Every next state is x_k + sum_m c_m * g_m(x, u) + (terms independent of
  // x); the scale reported is the c_m of largest magnitude (the others are
  // folded into g).
  std::optional<double> scale;
  for (auto [k, v] : llvm::enumerate(next)) {
    SmallVector<std::pair<Value, double>> terms;
    collectTerms(v, 1.0, terms);
    bool sawState = false;
    for (auto [term, sign] : terms) {
      if (!get(term).dependsOnX())
        continue;
      if (sign == 1.0 && !sawState && isStatePiece(term, pieces[k])) {
        sawState = true;
        continue;
      }
      std::optional<double> c = peelScale(term);
      if (!c)
        return std::nullopt;
      double signedScale = sign * *c;
      if (!scale || std::fabs(signedScale) > std::fabs(*scale))
        scale = signedScale;
    }
    if (!sawState)
      return std::nullopt;
  }
  return scale;
}

std::string StructureAnalysis::classify(ArrayRef<Value> next) {
  bool zero = true, identity = true, diagonal = true;
  for (auto [k, v] : llvm::enumerate(next)) {
    const ValueInfo &info = get(v);
    const Piece &p = pieces[k];
    for (int64_t i = 0; i < p.size; ++i) {
      int64_t g = p.offset + i;
      const BitVector *b = info.depsOf(i);
      bool none = !b || b->none();
      zero &= none;
      identity &= info.isCopyOf(i, g);
      diagonal &= none || (b->count() == 1 && b->test(g));
    }
  }
  if (zero)
    return kJacZero.str();
  if (identity)
    return kJacIdentity.str();
  if (diagonal)
    return kJacDiagonal.str();
  if (isGathered(next))
    return kJacGathered.str();
  if (pieces.size() > 1) {
    bool blockDiagonal = true;
    for (auto [k, v] : llvm::enumerate(next))
      for (auto [l, col] : llvm::enumerate(pieces))
        if (k != l && blockDeps(v, pieces[k], col) != kDepNone)
          blockDiagonal = false;
    if (blockDiagonal)
      return kJacBlockDiagonal.str();
  }
  return kJacDense.str();
}

ModelStructure StructureAnalysis::run() {
  for (Operation &op : model.getBody().front())
    visit(&op);
  SmallVector<Value> next(model.getYield().getValues());

  ModelStructure s;
  s.jacobian = classify(next);
  for (auto [k, v] : llvm::enumerate(next)) {
    std::vector<std::string> row;
    for (const Piece &col : pieces)
      row.push_back(blockDeps(v, pieces[k], col));
    s.stateDeps.push_back(std::move(row));
  }
  s.affine =
      llvm::all_of(next, [&](Value v) { return get(v).degree <= kAffine; });
  if (s.jacobian != kJacIdentity && s.jacobian != kJacZero)
    s.identityPlusScaled = identityPlusScaled(next);
  return s;
}

ModelStructure lds::analyzeModelStructure(ModelOp model) {
  SmallVector<StateOp> states = getStates(model);
  int64_t stateDim = 0;
  for (StateOp s : states)
    stateDim += s.getType().getNumElements();
  if (stateDim <= kMaxAnalyzedStateDim)
    return StructureAnalysis(model).run();
  ModelStructure s;
  s.jacobian = kJacDense.str();
  s.stateDeps.assign(states.size(),
                     std::vector<std::string>(states.size(), kDepDense.str()));
  return s;
}

void lds::attachModelStructure(ModelOp model, const ModelStructure &s) {
  Builder b(model.getContext());
  model->setAttr(kJacobianAttr, b.getStringAttr(s.jacobian));
  SmallVector<Attribute> rows;
  for (const std::vector<std::string> &row : s.stateDeps) {
    SmallVector<Attribute> cells;
    for (const std::string &cell : row)
      cells.push_back(b.getStringAttr(cell));
    rows.push_back(b.getArrayAttr(cells));
  }
  model->setAttr(kStateDepsAttr, b.getArrayAttr(rows));
  if (s.affine)
    model->setAttr(kAffineAttr, b.getUnitAttr());
  else
    model->removeAttr(kAffineAttr);
  if (s.identityPlusScaled)
    model->setAttr(kIdentityPlusScaledAttr,
                   b.getF64FloatAttr(*s.identityPlusScaled));
  else
    model->removeAttr(kIdentityPlusScaledAttr);
}

namespace {
struct AnalyzeStructurePass
    : public lds::impl::AnalyzeStructureBase<AnalyzeStructurePass> {
  void runOnOperation() override {
    for (ModelOp model : getOperation().getOps<ModelOp>())
      attachModelStructure(model, analyzeModelStructure(model));
  }
};
} // namespace
