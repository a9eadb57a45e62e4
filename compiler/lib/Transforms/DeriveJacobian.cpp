//===- DeriveJacobian.cpp - Jacobian, its diagonal and a JVP of a step ----===//
//
// Forward-mode differentiation of @M_f with symbolic tangents. The tangent of
// a value y (a scalar or vector) with respect to the state x is a sum of
// terms; each term is a chain of linear factors applied to a selection of x:
//
//   dy = sum_t  F_k ∘ ... ∘ F_1 ∘ x[off : off + n]
//
// with factors Diag(d) (elementwise scaling), Mat(M) (matrix product),
// Slice, Extract, Broadcast, Sum, Dot(a) and Place (embedding in a longer
// vector). Keeping the chain symbolic lets one walk of the step produce
//  - the dense Jacobian, materialising each chain (M ∘ x-selection is just
//    M's columns, not a product with an identity);
//  - the exact diagonal, peeling factors from the output side: the diagonal
//    of Diag(d) ∘ C is d ⊙ diag(C), and of M ∘ C the row-wise dot products of
//    M and Cᵀ, O(m k n) for the C factor instead of forming M C.
// Tangents with too many terms are collapsed into one dense term.
//
//===----------------------------------------------------------------------===//

#include "lds/Transforms/DerivativeRules.h"
#include "lds/Transforms/Emitter.h"
#include "lds/Transforms/ForwardMode.h"
#include "lds/Transforms/Passes.h"
#include "lds/Transforms/StepFunctions.h"

#include "mlir/IR/IRMapping.h"
#include "llvm/ADT/TypeSwitch.h"

namespace lds {
#define GEN_PASS_DEF_DERIVEJACOBIAN
#include "lds/Transforms/Passes.h.inc"
} // namespace lds

using namespace mlir;
using namespace lds;

namespace {

/// Tangents with more terms than this are collapsed into one dense term.
constexpr size_t kMaxTerms = 48;

/// The largest state for which a Jacobian is formed column by column.
constexpr int64_t kMaxColumnwiseDim = 128;

struct Factor {
  enum Kind { Diag, Mat, Slice, Extract, Broadcast, Sum, Dot, Place } kind;
  Value value;          // Diag: scale; Mat: matrix; Dot: the other vector
  int64_t a = 0, b = 0; // Slice [a, b); Extract a; Broadcast a; Place a, b
};

/// F_k ∘ ... ∘ F_1 ∘ x[off : off + n].
struct Term {
  int64_t off = 0, n = 0;
  SmallVector<Factor, 4> factors;
};

using Tangent = SmallVector<Term, 2>; // empty: zero

/// Output shape of `factors` applied to a vector of `n` elements: the
/// element count, or -1 for a scalar.
int64_t outputSize(int64_t n, ArrayRef<Factor> factors) {
  int64_t size = n;
  for (const Factor &f : factors) {
    switch (f.kind) {
    case Factor::Diag:
      break;
    case Factor::Mat:
      size = Emitter::shape(f.value)[0];
      break;
    case Factor::Slice:
      size = f.b - f.a;
      break;
    case Factor::Extract:
    case Factor::Sum:
    case Factor::Dot:
      size = -1;
      break;
    case Factor::Broadcast:
      size = f.a;
      break;
    case Factor::Place:
      size = f.b;
      break;
    }
  }
  return size;
}

class Differentiator {
public:
  Differentiator(Emitter &e, int64_t stateDim) : e(e), stateDim(stateDim) {}

  /// Computes the tangents of every op in `body` (before its terminator),
  /// with `x` the state. Fails on an op without a rule.
  LogicalResult run(Block &body, Value x);
  const Tangent &tangentOf(Value v) { return tangents[v]; }

  Value materializeJacobian(const Tangent &t);
  Value diagonal(const Tangent &t);

private:
  LogicalResult visit(Operation *op);
  // Term algebra.
  Tangent compose(const Tangent &t, Factor f);
  Tangent scaled(const Tangent &t, Value d) {
    return compose(t, {Factor::Diag, d});
  }
  Tangent plus(Tangent a, const Tangent &b);
  Tangent collapse(const Tangent &t);
  bool depends(Value v) { return tangents.count(v) && !tangents[v].empty(); }

  // Interpreters of a chain.
  /// A chain applied to the identity, kept unformed where it is cheaper:
  /// the matrix `x`; or, never formed, diag(`scale`) while it is diagonal
  /// (M diag(s) is M with scaled columns: O(D^2), not O(D^3)), or the outer
  /// product `u` gᵀ while it has rank one (a functional g broadcast into
  /// rows: M u gᵀ is a mat-vec); or the identity (all null).
  struct Partial {
    Value x, scale, u, g;
  };
  Partial apply(int64_t n, ArrayRef<Factor> factors);
  Value form(int64_t n, Partial &p);
  Value materialize(int64_t n, ArrayRef<Factor> factors);
  Value widenColumns(Value c, int64_t at, int64_t width);
  struct Piece {
    int64_t lo;
    Value value;
  };
  Value assemble(SmallVector<Piece> pieces, int64_t total);
  Value materializeSum(const Tangent &t);
  Value offDiagonal(int64_t n, ArrayRef<Factor> factors, int64_t shift);
  Value identity(int64_t n);
  Value shiftRows(Value m, int64_t shift, int64_t rows);

  Emitter &e;
  int64_t stateDim;
  llvm::DenseMap<Value, Tangent> tangents;
};

} // namespace

//===----------------------------------------------------------------------===//
// Term algebra
//===----------------------------------------------------------------------===//

Tangent Differentiator::compose(const Tangent &t, Factor f) {
  Tangent out;
  for (Term term : t) {
    SmallVector<Factor, 4> &fs = term.factors;
    bool keep = true;
    if (f.kind == Factor::Slice && fs.empty()) {
      // A slice of the state selection is a narrower selection.
      term.off += f.a;
      term.n = f.b - f.a;
    } else if (f.kind == Factor::Slice && !fs.empty() &&
               fs.back().kind == Factor::Place) {
      // Slicing a placed block: keep only the overlap.
      Factor place = fs.back();
      int64_t inner = outputSize(term.n, ArrayRef(fs).drop_back());
      if (f.b <= place.a || f.a >= place.a + inner) {
        keep = false;
      } else if (f.a >= place.a && f.b <= place.a + inner) {
        fs.pop_back();
        if (f.a - place.a != 0 || f.b - place.a != inner)
          fs.push_back({Factor::Slice, {}, f.a - place.a, f.b - place.a});
      } else {
        fs.push_back(f);
      }
    } else if (f.kind == Factor::Diag && !fs.empty() &&
               fs.back().kind == Factor::Diag) {
      fs.back().value = e.mul(fs.back().value, f.value);
    } else if (f.kind == Factor::Diag && Emitter::isSplat(f.value, 0)) {
      keep = false;
    } else if (!(f.kind == Factor::Diag && Emitter::isSplat(f.value, 1))) {
      fs.push_back(f);
    }
    if (keep)
      out.push_back(std::move(term));
  }
  return out.size() > kMaxTerms ? collapse(out) : out;
}

/// Whether two factors are the same linear map.
static bool sameFactor(const Factor &f, const Factor &g) {
  return f.kind == g.kind && f.value == g.value && f.a == g.a && f.b == g.b;
}

/// The factors of `t` below a final Diag, if it has one.
static ArrayRef<Factor> belowDiag(const Term &t) {
  ArrayRef<Factor> fs = t.factors;
  return !fs.empty() && fs.back().kind == Factor::Diag ? fs.drop_back() : fs;
}

/// Sums the terms of `a` and `b`. Terms that differ only in a final Diag are
/// merged, d1 ⊙ C + d2 ⊙ C = (d1 + d2) ⊙ C (no Diag counts as d = 1): a
/// value reached along several paths of equal structure, as in a chain of
/// lets that each reuse the state, keeps one term rather than one per path,
/// which would make the derivative code quadratic in the chain's length.
Tangent Differentiator::plus(Tangent a, const Tangent &b) {
  for (const Term &term : b) {
    ArrayRef<Factor> chain = belowDiag(term);
    auto same = llvm::find_if(a, [&](const Term &other) {
      ArrayRef<Factor> otherChain = belowDiag(other);
      return other.off == term.off && other.n == term.n &&
             otherChain.size() == chain.size() &&
             llvm::all_of(llvm::zip_equal(otherChain, chain), [](auto pair) {
               return sameFactor(std::get<0>(pair), std::get<1>(pair));
             });
    });
    if (same == a.end()) {
      a.push_back(term);
      continue;
    }
    auto scale = [&](const Term &t) {
      return t.factors.size() > chain.size() ? t.factors.back().value
                                             : e.ones({});
    };
    Value sum = e.add(scale(*same), scale(term));
    same->factors.truncate(chain.size());
    if (Emitter::isSplat(sum, 0))
      a.erase(same);
    else if (!Emitter::isSplat(sum, 1))
      same->factors.push_back({Factor::Diag, sum});
  }
  return a;
}

Tangent Differentiator::collapse(const Tangent &t) {
  // Sum the terms' full Jacobians into one dense block: a matrix for a
  // vector value, a gradient vector for a scalar.
  Value dense = materializeSum(t);
  Term term{0, stateDim, {}};
  if (Emitter::rank(dense) == 2)
    term.factors.push_back({Factor::Mat, dense});
  else
    term.factors.push_back({Factor::Dot, dense});
  return {term};
}

//===----------------------------------------------------------------------===//
// Forward-mode rules
//===----------------------------------------------------------------------===//

LogicalResult Differentiator::run(Block &body, Value x) {
  tangents[x] = {Term{0, stateDim, {}}};
  // Derivative code is emitted into the same block: visit only the ops of
  // the step itself.
  SmallVector<Operation *> primal;
  for (Operation &op : body.without_terminator())
    primal.push_back(&op);
  for (Operation *op : primal)
    if (failed(visit(op)))
      return failure();
  return success();
}

LogicalResult Differentiator::visit(Operation *op) {
  if (op->getNumResults() != 1 ||
      llvm::none_of(op->getOperands(), [&](Value v) { return depends(v); }))
    return success();
  Value y = op->getResult(0);
  // State-dependent matrices are left to the plain forward mode.
  if (Emitter::rank(y) > 1 && !isa<CmpOp>(op))
    return failure();
  auto arg = [&](unsigned i) { return op->getOperand(i); };
  auto t = [&](unsigned i) -> Tangent { return tangents.lookup(arg(i)); };
  Tangent &out = tangents[y];

  if (isElementwise(op)) {
    out = {};
    for (auto [i, partial] : llvm::enumerate(elementwisePartials(e, op)))
      if (partial)
        out = plus(out, scaled(tangents.lookup(arg(i)), partial));
    if (out.size() > kMaxTerms)
      out = collapse(out);
    return success();
  }

  LogicalResult result =
      llvm::TypeSwitch<Operation *, LogicalResult>(op)
          .Case([&](BroadcastOp b) -> LogicalResult {
            if (Emitter::rank(b.getOperand()) != 0)
              return failure();
            out = compose(
                t(0), {Factor::Broadcast,
                       {},
                       Emitter::shape(y).empty() ? 1 : Emitter::shape(y)[0]});
            return success();
          })
          .Case([&](SliceOp s) {
            out = compose(t(0), {Factor::Slice,
                                 {},
                                 int64_t(s.getStart()),
                                 int64_t(s.getEnd())});
            return success();
          })
          .Case([&](ExtractOp x) {
            out = compose(t(0), {Factor::Extract, {}, int64_t(x.getIndex())});
            return success();
          })
          .Case([&](ConcatOp c) {
            int64_t total = Emitter::shape(y)[0], offset = 0;
            out = {};
            for (Value v : c.getOperands()) {
              out = plus(out, compose(tangents.lookup(v),
                                      {Factor::Place, {}, offset, total}));
              offset += Emitter::shape(v)[0];
            }
            return success();
          })
          .Case([&](MatmulOp m) -> LogicalResult {
            if (depends(m.getLhs()))
              return failure();
            out = compose(t(1), {Factor::Mat, m.getLhs()});
            return success();
          })
          .Case([&](DotOp) {
            out = plus(compose(t(0), {Factor::Dot, arg(1)}),
                       compose(t(1), {Factor::Dot, arg(0)}));
            return success();
          })
          .Case([&](SumOp) {
            out = compose(t(0), {Factor::Sum});
            return success();
          })
          .Case<ReduceMaxOp, ReduceMinOp>([&](Operation *) {
            Value a = arg(0);
            Value mask =
                e.select(e.cmp(CmpPredicate::eq, a, y),
                         e.ones(Emitter::shape(a)), e.zeros(Emitter::shape(a)));
            out = compose(t(0), {Factor::Dot, mask});
            return success();
          })
          .Case([&](LogSumExpOp) {
            Value softmax = e.unary<ExpOp>(e.sub(arg(0), y));
            out = compose(t(0), {Factor::Dot, softmax});
            return success();
          })
          .Case([&](CmpOp) {
            out = {}; // piecewise constant
            return success();
          })
          .Case([&](GatherOp g) -> LogicalResult {
            if (depends(g.getTable()))
              return failure();
            out = {};
            return success();
          })
          .Default([&](Operation *) {
            return failure(); // the plain forward mode reports it
          });
  if (failed(result))
    return failure();
  if (out.size() > kMaxTerms)
    out = collapse(out);
  return success();
}

//===----------------------------------------------------------------------===//
// Dense Jacobian
//===----------------------------------------------------------------------===//

/// The n x n identity.
Value Differentiator::identity(int64_t n) { return e.diag(e.ones({n})); }

/// The chain applied to the identity: [m, n] for a vector output, [n] (the
/// gradient of the functional) for a scalar output.
Value Differentiator::materialize(int64_t n, ArrayRef<Factor> factors) {
  Partial p = apply(n, factors);
  return form(n, p);
}

/// Forms the matrix `p` stands for, and leaves `p` holding it densely.
Value Differentiator::form(int64_t n, Partial &p) {
  if (p.u) {
    ArrayRef<int64_t> m = Emitter::shape(p.u), k = Emitter::shape(p.g);
    p.x = e.mul(e.broadcast(p.u, {m[0], k[0]}),
                e.transpose(e.broadcast(p.g, {k[0], m[0]})));
  } else if (!p.x) {
    p.x = p.scale ? e.diag(p.scale) : identity(n);
  }
  p.scale = p.u = p.g = {};
  return p.x;
}

Differentiator::Partial Differentiator::apply(int64_t n,
                                              ArrayRef<Factor> factors) {
  Partial p;
  Value &x = p.x, &scale = p.scale, &u = p.u, &g = p.g;
  for (const Factor &f : factors) {
    if (u) { // rank one: act on u, or collapse to a functional
      switch (f.kind) {
      case Factor::Diag:
        u = e.mul(f.value, u);
        continue;
      case Factor::Mat:
        u = e.matmul(f.value, u);
        continue;
      case Factor::Slice:
        u = e.slice(u, f.a, f.b);
        continue;
      case Factor::Place:
        u = e.place(u, f.a, f.b);
        continue;
      case Factor::Extract:
        x = e.mul(e.extract(u, f.a), g);
        u = g = {};
        continue;
      case Factor::Sum:
        x = e.mul(e.sum(u), g);
        u = g = {};
        continue;
      case Factor::Dot:
        x = e.mul(e.dot(f.value, u), g);
        u = g = {};
        continue;
      case Factor::Broadcast:
        break;
      }
    }
    switch (f.kind) {
    case Factor::Diag: {
      Value d = f.value;
      if (!x) {
        Value v = Emitter::rank(d) == 0 ? e.broadcast(d, {n}) : d;
        scale = scale ? e.mul(v, scale) : v;
      } else if (Emitter::rank(d) == 0 || Emitter::rank(x) == 1) {
        x = e.mul(d, x);
      } else {
        x = e.mul(e.broadcast(d, Emitter::shape(x)), x);
      }
      break;
    }
    case Factor::Mat:
      if (x)
        x = e.matmul(f.value, x);
      else if (scale) // M diag(s): scale column j by s[j]
        x = e.mul(f.value, e.transpose(e.broadcast(
                               scale, {n, Emitter::shape(f.value)[0]})));
      else
        x = f.value;
      scale = {};
      break;
    case Factor::Slice:
      x = e.slice(form(n, p), f.a, f.b);
      break;
    case Factor::Extract:
      x = e.extract(form(n, p), f.a);
      break;
    case Factor::Broadcast: // a functional replicated into rows: rank one
      g = Emitter::rank(x) == 1 ? x : form(n, p);
      u = e.ones({f.a});
      x = {};
      break;
    case Factor::Sum:
      if (x)
        x = e.colSum(x);
      else
        x = scale ? scale : e.ones({n});
      scale = {};
      break;
    case Factor::Dot:
      if (x)
        x = e.matmul(e.transpose(x), f.value);
      else
        x = scale ? e.mul(f.value, scale) : f.value;
      scale = {};
      break;
    case Factor::Place:
      x = e.place(form(n, p), f.a, f.b);
      break;
    }
  }
  return p;
}

/// `c`, the Jacobian of a value with respect to n state elements ([m, n],
/// or [n] for a scalar), as the Jacobian with respect to `width` elements of
/// which those are [at, at + n).
Value Differentiator::widenColumns(Value c, int64_t at, int64_t width) {
  if (at == 0 && Emitter::shape(c).back() == width)
    return c;
  if (Emitter::rank(c) == 1)
    return e.place(c, at, width);
  return e.transpose(e.place(e.transpose(c), at, width));
}

/// Sums `pieces`, each covering rows [lo, lo + dim0(value)) of a tensor of
/// `total` rows: pieces that overlap are added, and the rows no piece
/// covers are zero.
Value Differentiator::assemble(SmallVector<Piece> pieces, int64_t total) {
  auto rows = [](const Piece &p) { return Emitter::shape(p.value)[0]; };
  llvm::stable_sort(pieces,
                    [](const Piece &a, const Piece &b) { return a.lo < b.lo; });
  SmallVector<Piece> merged;
  for (Piece p : pieces) {
    if (merged.empty() || p.lo >= merged.back().lo + rows(merged.back())) {
      merged.push_back(p);
      continue;
    }
    Piece &last = merged.back();
    int64_t hi = std::max(last.lo + rows(last), p.lo + rows(p));
    last.value = e.add(e.place(last.value, 0, hi - last.lo),
                       e.place(p.value, p.lo - last.lo, hi - last.lo));
  }
  SmallVector<Value> parts;
  int64_t next = 0;
  auto gap = [&](int64_t n) {
    SmallVector<int64_t> s(Emitter::shape(merged.front().value));
    s[0] = n;
    parts.push_back(e.zeros(s));
  };
  for (const Piece &p : merged) {
    if (p.lo > next)
      gap(p.lo - next);
    parts.push_back(p.value);
    next = p.lo + rows(p);
  }
  if (next < total)
    gap(total - next);
  return parts.size() == 1 ? parts.front() : e.concat(parts);
}

/// The terms' summed Jacobian over all D state columns: [m, D] for a vector
/// value, [D] for a scalar. Each term is formed only over the state elements
/// it selects and, when it ends in a Place, the rows it fills; the blocks are
/// summed where they overlap and laid out once. A model of many small
/// states has a term per state coupling: forming each over all [m, D] made
/// the derivative code quadratic in their number.
Value Differentiator::materializeSum(const Tangent &t) {
  assert(!t.empty() && "a sum of no terms");
  SmallVector<const Term *> order;
  for (const Term &term : t)
    order.push_back(&term);
  llvm::stable_sort(
      order, [](const Term *a, const Term *b) { return a->off < b->off; });
  int64_t m = outputSize(order.front()->n, order.front()->factors);
  bool scalar = m < 0;
  // Groups of terms over overlapping state columns [lo, hi), found first so
  // that every block is widened once, to its group's final width.
  struct Columns {
    int64_t lo, hi;
    SmallVector<Piece> rows;
  };
  SmallVector<Columns> groups;
  SmallVector<unsigned> groupOf;
  for (const Term *term : order) {
    int64_t lo = term->off, hi = term->off + term->n;
    if (groups.empty() || lo >= groups.back().hi)
      groups.push_back({lo, hi, {}});
    else
      groups.back().hi = std::max(groups.back().hi, hi);
    groupOf.push_back(groups.size() - 1);
  }
  for (auto [term, index] : llvm::zip_equal(order, groupOf)) {
    ArrayRef<Factor> factors = term->factors;
    int64_t rowLo = 0;
    if (!factors.empty() && factors.back().kind == Factor::Place) {
      rowLo = factors.back().a;
      factors = factors.drop_back();
    }
    Columns &g = groups[index];
    Value block = widenColumns(materialize(term->n, factors), term->off - g.lo,
                               g.hi - g.lo);
    // A block over the rows of an earlier one is added at once, so that
    // only the running sum stays live (as for the dense terms of a
    // Hessian, which would otherwise all be held until the end).
    auto same = llvm::find_if(g.rows, [&](const Piece &p) {
      return p.lo == rowLo && Emitter::shape(p.value) == Emitter::shape(block);
    });
    if (same != g.rows.end())
      same->value = e.add(same->value, block);
    else
      g.rows.push_back({rowLo, block});
  }
  // Lay the groups' columns out in order as rows of the transpose.
  SmallVector<Piece> columns;
  for (Columns &g : groups) {
    Value sum = scalar ? assemble(g.rows, g.hi - g.lo)
                       : e.transpose(assemble(g.rows, m));
    columns.push_back({g.lo, sum});
  }
  Value all = assemble(columns, stateDim);
  return scalar ? all : e.transpose(all);
}

Value Differentiator::materializeJacobian(const Tangent &t) {
  return t.empty() ? e.zeros({stateDim, stateDim}) : materializeSum(t);
}

//===----------------------------------------------------------------------===//
// Diagonal
//===----------------------------------------------------------------------===//

/// Rows i - shift of `m` for i in [0, rows), zero where out of range.
Value Differentiator::shiftRows(Value m, int64_t shift, int64_t rows) {
  SmallVector<int64_t> s(Emitter::shape(m));
  int64_t have = s[0];
  if (shift < 0) {
    if (-shift >= have) {
      s[0] = rows;
      return e.zeros(s);
    }
    m = e.slice(m, -shift, have);
    have -= -shift;
    shift = 0;
  }
  if (shift > 0) {
    m = e.place(m, shift, shift + have);
    have += shift;
  }
  if (have > rows)
    return e.slice(m, 0, rows);
  if (have < rows)
    return e.place(m, 0, rows);
  return m;
}

/// e[i] = C[i, i - shift] for C the chain applied to an n-vector.
Value Differentiator::offDiagonal(int64_t n, ArrayRef<Factor> factors,
                                  int64_t shift) {
  if (factors.empty()) // the identity: C[i, i - shift] = 1 iff shift = 0
    return shift == 0 ? e.ones({n}) : e.zeros({n});
  const Factor &f = factors.back();
  ArrayRef<Factor> rest = factors.drop_back();
  switch (f.kind) {
  case Factor::Diag:
    return e.mul(f.value, offDiagonal(n, rest, shift));
  case Factor::Slice:
    return e.slice(offDiagonal(n, rest, shift + f.a), f.a, f.b);
  case Factor::Place: {
    Value inner = offDiagonal(n, rest, shift - f.a);
    return e.place(inner, f.a, f.b);
  }
  case Factor::Mat: {
    Value m = f.value;
    int64_t rows = Emitter::shape(m)[0], inner = Emitter::shape(m)[1];
    if (rest.empty()) // the shifted diagonal of M itself
      return e.diagPart(m, shift);
    (void)inner;
    Partial c = apply(n, rest); // [inner, n]
    // Rank one: diag(M u gᵀ)[i] = (M u)[i] g[i - shift], never forming u gᵀ.
    if (c.u)
      return e.mul(e.matmul(m, c.u), shiftRows(c.g, shift, rows));
    // Diagonal: diag(M diag(s))[i] = M[i, i - shift] s[i - shift].
    if (!c.x)
      return e.mul(e.diagPart(m, shift),
                   shiftRows(c.scale ? c.scale : e.ones({n}), shift, rows));
    // diag(M C) as row-wise dot products of M and the shifted rows of Cᵀ.
    return e.rowSum(e.mul(m, shiftRows(e.transpose(c.x), shift, rows)));
  }
  case Factor::Broadcast:
    return shiftRows(materialize(n, rest), shift, f.a);
  case Factor::Extract:
  case Factor::Sum:
  case Factor::Dot:
    break;
  }
  // A scalar-valued chain has no diagonal; such terms never reach the top.
  return e.zeros({outputSize(n, factors)});
}

Value Differentiator::diagonal(const Tangent &t) {
  Value sum;
  for (const Term &term : t) {
    Value d = offDiagonal(term.n, term.factors, term.off);
    sum = sum ? e.add(sum, d) : d;
  }
  return sum ? sum : e.zeros({stateDim});
}

//===----------------------------------------------------------------------===//
// The pass
//===----------------------------------------------------------------------===//

namespace {

struct DeriveJacobianPass
    : public lds::impl::DeriveJacobianBase<DeriveJacobianPass> {
  void runOnOperation() override {
    ModuleOp module = getOperation();
    for (ModelOp model : llvm::to_vector(module.getOps<ModelOp>())) {
      func::FuncOp f = lookupDerived(module, model.getSymName(), kDerivedF);
      if (!f) {
        model.emitOpError("has no step function to differentiate (run "
                          "lds-outline-step first)");
        return signalPassFailure();
      }
      for (StringRef kind : {kDerivedJvp, kDerivedJac, kDerivedJacDiag})
        if (!lookupDerived(module, model.getSymName(), kind) &&
            failed(derive(model, f, kind)))
          return signalPassFailure();
    }
  }

  LogicalResult derive(ModelOp model, func::FuncOp f, StringRef kind) {
    int64_t d = model.getStateDim();
    Type floatType = model.getFloatType();
    bool isJvp = kind == kDerivedJvp;
    SmallVector<int64_t> resultShape{d};
    if (kind == kDerivedJac)
      resultShape.push_back(d);
    func::FuncOp func =
        createDerivedFunction(model, kind, isJvp ? 1 : 0,
                              {RankedTensorType::get(resultShape, floatType)});

    // Clone f's body: x, then (skipping the tangent) inputs and params.
    Block &entry = func.front();
    IRMapping map;
    unsigned skip = isJvp ? 1 : 0;
    for (unsigned i = 0; i < f.getNumArguments(); ++i)
      map.map(f.getArgument(i), entry.getArgument(i == 0 ? 0 : i + skip));
    OpBuilder b = OpBuilder::atBlockEnd(&entry);
    for (Operation &op : f.front())
      b.clone(op, map);

    auto ret = cast<func::ReturnOp>(entry.getTerminator());
    b.setInsertionPoint(ret);
    Emitter e(b, f.getLoc(), floatType);
    Differentiator diff(e, d);
    Value x = entry.getArgument(0), out = ret.getOperand(0);
    FailureOr<Value> result;
    if (isJvp) {
      // A JVP is cheapest as plain forward mode: the cost of f, no matrices.
      result = forwardTangent(e, entry, x, entry.getArgument(1), out);
    } else if (succeeded(diff.run(entry, x))) {
      const Tangent &t = diff.tangentOf(out);
      if (kind == kDerivedJac)
        result = diff.materializeJacobian(t);
      else
        result = diff.diagonal(t);
    } else {
      result = jacobianByColumns(e, entry, x, out, d);
      if (succeeded(result) && kind == kDerivedJacDiag)
        result = e.diagPart(*result, 0);
    }
    if (failed(result)) {
      func.erase();
      return failure();
    }
    ret->setOperand(0, *result);
    return success();
  }

  /// J = [J e_1, ..., J e_D], one plain forward-mode pass per column.
  FailureOr<Value> jacobianByColumns(Emitter &e, Block &body, Value x,
                                     Value out, int64_t d) {
    if (d > kMaxColumnwiseDim)
      return mlir::emitError(out.getLoc())
             << "the Jacobian of this step involves state-dependent matrices "
                "and is formed column by column, which is limited to D <= "
             << kMaxColumnwiseDim << " (D = " << d << ")";
    SmallVector<Value> rows; // rows of J transposed
    for (int64_t j = 0; j < d; ++j) {
      SmallVector<double> seed(d, 0.0);
      seed[j] = 1.0;
      FailureOr<Value> column =
          forwardTangent(e, body, x, e.constant(seed, {d}), out);
      if (failed(column))
        return failure();
      rows.push_back(e.transpose(e.broadcast(*column, {d, 1})));
    }
    return e.transpose(e.concat(rows));
  }
};

} // namespace
