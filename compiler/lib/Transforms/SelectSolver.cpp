//===- SelectSolver.cpp - choose a fixed-point solver per model -----------===//
//
// Estimates, per model, what one iteration of every solver costs per time
// step (flops, bytes moved, bytes resident) and picks a solver with the
// policy table below (documented in docs/solvers.md). The structure
// attributes come from lds-analyze-structure (computed here when missing);
// the cost of f, J and diag(J) is counted from the derived functions @M_f,
// @M_jac and @M_jac_diag when the module holds them, and estimated from the
// model body otherwise.
//
//===----------------------------------------------------------------------===//

#include "lds/Dialect/LDSOps.h"
#include "lds/Transforms/Passes.h"
#include "lds/Transforms/Structure.h"

#include "mlir/IR/Builders.h"
#include "llvm/ADT/SmallPtrSet.h"
#include "llvm/ADT/TypeSwitch.h"
#include "llvm/Support/Format.h"
#include "llvm/Support/FormatVariadic.h"

#include <algorithm>
#include <array>
#include <cmath>

namespace lds {
#define GEN_PASS_DEF_SELECTSOLVER
#include "lds/Transforms/Passes.h.inc"
} // namespace lds

using namespace mlir;
using namespace lds;

//===----------------------------------------------------------------------===//
// Tunables (docs/solvers.md explains each)
//===----------------------------------------------------------------------===//

/// Largest dense Jacobian block (D for a dense J) for which Newton's
/// O(D^3)-per-step scan is chosen: a D x D matrix per step has to fit the
/// registers / shared memory of a GPU thread block, or a CPU core's cache.
constexpr int64_t kMaxNewtonDimCuda = 32;
constexpr int64_t kMaxNewtonDimCpu = 64;
/// Picard is chosen for f = x + c * g(x, u) when |c| is at most this.
constexpr double kPicardMaxScale = 1e-2;
/// Parallel lanes assumed per target when comparing an iteration with the
/// sequential loop: CPU threads, CUDA threads in flight.
constexpr int64_t kLanesCpu = 16;
constexpr int64_t kLanesCuda = 10000;
/// Flops charged for one transcendental function evaluation (tanh, exp, ...).
constexpr int64_t kTranscendentalFlops = 10;
/// Cost of diag(J) relative to f when no @M_jac_diag is there to count.
constexpr int64_t kDiagonalOverF = 2;

namespace {
enum class Target { Cpu, Cuda };
} // namespace

/// Costs saturate here: D^3 overflows int64 from D = 2^21, and the sums and
/// byte counts made of a few capped terms stay well inside it.
constexpr double kCostCap = 4503599627370496.0; // 2^52

static int64_t capped(double v) { return int64_t(std::min(v, kCostCap)); }

static StringRef targetName(Target t) {
  return t == Target::Cpu ? "cpu" : "cuda";
}
static int64_t maxNewtonDim(Target t) {
  return t == Target::Cpu ? kMaxNewtonDimCpu : kMaxNewtonDimCuda;
}
static int64_t lanes(Target t) {
  return t == Target::Cpu ? kLanesCpu : kLanesCuda;
}

//===----------------------------------------------------------------------===//
// Cost model
//===----------------------------------------------------------------------===//

namespace {
enum SolverIndex { kNewton, kQuasiNewton, kPicard, kJacobi, kSequential };
constexpr int kNumSolvers = 5;

struct Cost {
  int64_t flops = 0;  // per step, per iteration
  int64_t bytes = 0;  // moved per step, per iteration
  int64_t memory = 0; // resident per step
};
using SolverCosts = std::array<Cost, kNumSolvers>;
} // namespace

static int64_t numElements(Value v) {
  return cast<ShapedType>(v.getType()).getNumElements();
}

/// Flops of one op, lds.grad not included (see opFlopsWithGrad).
static int64_t opFlops(Operation *op) {
  auto n = [](Value v) { return numElements(v); };
  return llvm::TypeSwitch<Operation *, int64_t>(op)
      .Case<MatmulOp>([&](MatmulOp o) {
        // [m,k] x [k] or [m,k] x [k,n]: one multiply-add per (m, k, n).
        auto lhs = cast<ShapedType>(o.getLhs().getType());
        return 2 * lhs.getNumElements() * n(o.getResult()) / lhs.getDimSize(0);
      })
      .Case<DotOp>([&](DotOp o) { return 2 * n(o.getLhs()); })
      .Case<SumOp, ReduceMaxOp, ReduceMinOp>(
          [&](Operation *o) { return n(o->getOperand(0)); })
      .Case<LogSumExpOp>([&](LogSumExpOp o) {
        // max, subtract, exp, add; one log.
        return n(o.getOperand()) * (kTranscendentalFlops + 3) +
               kTranscendentalFlops;
      })
      .Case<TanhOp, SigmoidOp, ExpOp, LogOp, Log1pOp, SoftplusOp, SqrtOp, SinOp,
            CosOp, PowOp>([&](Operation *o) {
        return kTranscendentalFlops * n(o->getResult(0));
      })
      .Case<AddOp, SubOp, MulOp, DivOp, MaxOp, MinOp, NegOp, AbsOp, ReluOp,
            CmpOp, SelectOp>([&](Operation *o) { return n(o->getResult(0)); })
      // Data movement, constants, declarations and terminators are free.
      .Default([](Operation *) { return int64_t(0); });
}

/// Flops of the ops `value` is computed from (within its block).
static int64_t sliceFlops(Value value);

/// Flops of one op, a reverse-mode gradient counted as twice the cost of
/// the computation it differentiates.
static int64_t opFlopsWithGrad(Operation *op) {
  if (auto grad = dyn_cast<GradOp>(op))
    return 2 * sliceFlops(grad.getValue());
  return opFlops(op);
}

static int64_t sliceFlops(Value value) {
  llvm::SmallPtrSet<Operation *, 32> seen;
  SmallVector<Value> work{value};
  int64_t flops = 0;
  while (!work.empty()) {
    Operation *def = work.pop_back_val().getDefiningOp();
    if (!def || !seen.insert(def).second)
      continue;
    flops += opFlopsWithGrad(def);
    llvm::append_range(work, def->getOperands());
  }
  return flops;
}

static int64_t blockFlops(Block &block) {
  int64_t flops = 0;
  for (Operation &op : block)
    flops += opFlopsWithGrad(&op);
  return flops;
}

/// The derived function of `kind` for `model` (lds.model/lds.derived).
static func::FuncOp findDerived(ModelOp model, StringRef kind) {
  auto module = model->getParentOfType<ModuleOp>();
  if (!module)
    return nullptr;
  for (auto func : module.getOps<func::FuncOp>()) {
    auto of = func->getAttrOfType<FlatSymbolRefAttr>("lds.model");
    auto derived = func->getAttrOfType<StringAttr>("lds.derived");
    if (of && derived && of.getValue() == model.getSymName() &&
        derived.getValue() == kind && !func.isExternal())
      return func;
  }
  return nullptr;
}

namespace {
/// What the policy and the cost model need to know about a model.
struct ModelFacts {
  int64_t stateDim = 0;
  int64_t floatBytes = 4;
  int64_t inputBytes = 0; // u_t, all inputs
  std::string jacobian;   // kJac*
  bool affine = false;
  std::optional<double> scale;
  int64_t maxBlock = 0;     // widest dense block of J
  int64_t blockSquares = 0; // sum of block sizes squared
  int64_t fFlops = 0, jacFlops = 0, diagFlops = 0;
  bool fCounted = false, jacCounted = false, diagCounted = false;
};
} // namespace

static ModelFacts gatherFacts(ModelOp model) {
  ModelFacts m;
  m.stateDim = model.getStateDim();
  m.floatBytes = model.getFloatType().getIntOrFloatBitWidth() / 8;
  for (InputOp in : getInputs(model)) {
    auto t = cast<RankedTensorType>(in.getType());
    m.inputBytes +=
        t.getNumElements() * t.getElementType().getIntOrFloatBitWidth() / 8;
  }

  if (auto jac = model->getAttrOfType<StringAttr>(kJacobianAttr)) {
    m.jacobian = jac.getValue().str();
    m.affine = model->hasAttr(kAffineAttr);
    if (auto c = model->getAttrOfType<FloatAttr>(kIdentityPlusScaledAttr))
      m.scale = c.getValueAsDouble();
  } else {
    ModelStructure s = analyzeModelStructure(model);
    attachModelStructure(model, s);
    m.jacobian = s.jacobian;
    m.affine = s.affine;
    m.scale = s.identityPlusScaled;
  }

  // Dense blocks of J: one per state for a block-diagonal J, D otherwise.
  int64_t d = m.stateDim;
  if (m.jacobian == kJacBlockDiagonal) {
    for (StateOp s : getStates(model)) {
      double n = s.getType().getNumElements();
      m.maxBlock = std::max(m.maxBlock, int64_t(n));
      m.blockSquares = capped(double(m.blockSquares) + n * n);
    }
  } else if (m.jacobian == kJacDense || m.jacobian == kJacGathered) {
    m.maxBlock = d;
    m.blockSquares = capped(double(d) * d);
  }

  // f: the outlined step when there is one, the model body otherwise.
  if (func::FuncOp f = findDerived(model, "f")) {
    m.fFlops = blockFlops(f.front());
    m.fCounted = true;
  } else {
    m.fFlops = blockFlops(model.getBody().front());
  }
  bool trivial = m.jacobian == kJacZero || m.jacobian == kJacIdentity;
  // diag(J): counted, or about kDiagonalOverF times f (read off A for an
  // affine f).
  if (func::FuncOp f = findDerived(model, "jac_diag")) {
    m.diagFlops = blockFlops(f.front());
    m.diagCounted = true;
  } else if (trivial) {
    m.diagFlops = 0;
  } else if (m.affine) {
    m.diagFlops = d;
  } else {
    m.diagFlops = kDiagonalOverF * m.fFlops;
  }
  // Dense J: counted, or forward mode (one JVP, about the cost of f, per
  // column of each dense block); forming A for an affine f; a gather.
  if (func::FuncOp f = findDerived(model, "jac")) {
    m.jacFlops = blockFlops(f.front());
    m.jacCounted = true;
  } else if (trivial || m.jacobian == kJacGathered) {
    m.jacFlops = 0;
  } else if (m.jacobian == kJacDiagonal) {
    m.jacFlops = m.diagFlops;
  } else if (m.affine) {
    m.jacFlops = m.blockSquares;
  } else {
    m.jacFlops = capped(double(m.fFlops) * m.maxBlock);
  }
  return m;
}

/// Per step and iteration. Newton's kernels keep A_t as a dense D x D
/// matrix whatever the structure of J (ScanElement.cpp: AKind::Dense), so
/// its scan's combine (A2, b2) o (A1, b1) = (A2 A1, A2 b1 + b2) costs
/// 2 D^3 + 2 D^2 and b_t = f - A x costs 2 D^2 on every model.
static SolverCosts estimateCosts(const ModelFacts &m) {
  int64_t d = m.stateDim, fb = m.floatBytes, u = m.inputBytes;
  // Newton's A_t, combine and b_t.
  int64_t a = capped(double(d) * double(d));
  int64_t combine = capped(2.0 * double(d) * d * d + 2.0 * double(d) * d);
  int64_t linearise = capped(2.0 * double(d) * d);

  SolverCosts c;
  // Every iteration reads x_{t-1} and x_t of the current iterate and u_t and
  // writes x_t of the next; a scan writes and reads A_t once more. Two
  // iterates stay resident, plus the chunk's A_t.
  auto iterate = [&](int64_t flops, int64_t aElems) {
    return Cost{flops, fb * (3 * d + 2 * aElems) + u,
                fb * (2 * d + aElems) + u};
  };
  c[kNewton] = iterate(m.fFlops + m.jacFlops + linearise + combine, a);
  c[kQuasiNewton] = iterate(m.fFlops + m.diagFlops + 5 * d, d);
  c[kPicard] = iterate(m.fFlops + 2 * d, 0);
  c[kJacobi] = iterate(m.fFlops, 0);
  // One pass: read u_t, write x_t (x_{t-1} stays in registers).
  c[kSequential] = Cost{m.fFlops, fb * d + u, fb * d + u};
  return c;
}

//===----------------------------------------------------------------------===//
// The policy: the first rule that applies picks the solver
//===----------------------------------------------------------------------===//

namespace {
struct PolicyInput {
  const ModelFacts &model;
  Target target;
};

struct PolicyRule {
  bool (*applies)(const PolicyInput &);
  SolverIndex solver;
  /// formatv: {0} D, {1} scale c, {2} Newton's block limit on the target,
  /// {3} target, {4} widest dense block, {5} the Jacobian's structure.
  const char *reason;
};
} // namespace

static bool isJac(const PolicyInput &in, StringRef kind) {
  return in.model.jacobian == kind;
}

static const PolicyRule kPolicy[] = {
    {[](const PolicyInput &in) { return isJac(in, kJacZero); }, kJacobi,
     "no next state depends on the state, so Jacobi (A_t = 0) is exact in "
     "one iteration"},
    {[](const PolicyInput &in) { return isJac(in, kJacIdentity); }, kPicard,
     "f is the state plus terms independent of it (J = I), so Picard "
     "(A_t = I, a prefix sum) is exact in one iteration"},
    {[](const PolicyInput &in) {
       return in.model.affine && isJac(in, kJacDiagonal);
     },
     kQuasiNewton,
     "f is affine in the state with a diagonal Jacobian, so quasi-Newton "
     "(A_t = diag J = J) is exact: one scan at O(D) per step"},
    {[](const PolicyInput &in) {
       return in.model.affine && in.model.stateDim <= maxNewtonDim(in.target);
     },
     kNewton,
     "f is affine in the state and D = {0} <= {2} on {3}, so Newton's "
     "linearisation is exact and one dense scan solves the recursion"},
    {[](const PolicyInput &in) { return isJac(in, kJacDiagonal); },
     kQuasiNewton,
     "the Jacobian is diagonal, so quasi-Newton (A_t = diag J) is Newton at "
     "O(D) per step"},
    {[](const PolicyInput &in) {
       return in.model.scale && std::fabs(*in.model.scale) <= kPicardMaxScale;
     },
     kPicard,
     "f = x + c * g(x, u) with a small constant c = {1}, so J = I + O(c) and "
     "Picard (A_t = I) needs few iterations at O(D) per step"},
    {[](const PolicyInput &in) {
       return isJac(in, kJacBlockDiagonal) &&
              in.model.stateDim <= maxNewtonDim(in.target);
     },
     kNewton,
     "the Jacobian is block-diagonal (blocks of at most {4}) and D = {0} "
     "<= {2} on {3}, so Newton's dense O(D^3) scan is affordable and "
     "converges in few iterations"},
    {[](const PolicyInput &in) {
       return isJac(in, kJacBlockDiagonal) &&
              in.model.maxBlock <= maxNewtonDim(in.target);
     },
     kQuasiNewton,
     "the Jacobian is block-diagonal (blocks of at most {4}), but Newton's "
     "scan is dense and D = {0} > {2} on {3}, so quasi-Newton (A_t = diag "
     "J, O(D) per step) replaces it"},
    {[](const PolicyInput &in) {
       return in.model.stateDim <= maxNewtonDim(in.target);
     },
     kNewton,
     "the Jacobian is dense and D = {0} <= {2} on {3}, so Newton's O(D^3) "
     "scan is affordable and converges in few iterations"},
    {[](const PolicyInput &) { return true; }, kQuasiNewton,
     "the Jacobian is {5} with D = {0} (largest dense block {4} > {2} on "
     "{3}), so quasi-Newton (A_t = diag J, O(D) per step) replaces Newton's "
     "O(D^3) scan"},
};

namespace {
struct Choice {
  SolverIndex solver;
  std::string reason;
};
} // namespace

static std::string formatScale(double c) {
  std::string s;
  llvm::raw_string_ostream(s) << llvm::format("%g", c);
  return s;
}

/// Applies kPolicy, then falls back to the sequential loop when even the
/// cheapest parallel iteration on offer (the chosen solver's, or
/// quasi-Newton's, the runtime's fallback) costs more per step than
/// `lanes` sequential steps: then no number of iterations can win.
static Choice choose(const ModelFacts &m, Target target,
                     const SolverCosts &costs) {
  PolicyInput in{m, target};
  Choice choice{kQuasiNewton, ""};
  std::string humanJacobian = m.jacobian;
  std::replace(humanJacobian.begin(), humanJacobian.end(), '_', '-');
  for (const PolicyRule &rule : kPolicy) {
    if (!rule.applies(in))
      continue;
    choice.solver = rule.solver;
    choice.reason =
        llvm::formatv(rule.reason, m.stateDim, formatScale(m.scale.value_or(0)),
                      maxNewtonDim(target), targetName(target), m.maxBlock,
                      humanJacobian)
            .str();
    break;
  }
  int64_t cheapest =
      std::min(costs[choice.solver].flops, costs[kQuasiNewton].flops);
  int64_t sequential = costs[kSequential].flops;
  if (cheapest > sequential * lanes(target)) {
    choice.reason =
        llvm::formatv("one parallel iteration costs at least {0} flops per "
                      "step, more than {1} lanes running {2}-flop sequential "
                      "steps can recover on {3}, so parallel evaluation cannot "
                      "win",
                      cheapest, lanes(target), sequential, targetName(target))
            .str();
    choice.solver = kSequential;
  }
  return choice;
}

static std::optional<SolverIndex> parseSolver(StringRef name) {
  for (auto [i, s] : llvm::enumerate(kSolverNames))
    if (name == s)
      return SolverIndex(i);
  return std::nullopt;
}

//===----------------------------------------------------------------------===//
// The pass
//===----------------------------------------------------------------------===//

namespace {
struct SelectSolverPass : public lds::impl::SelectSolverBase<SelectSolverPass> {
  using SelectSolverBase::SelectSolverBase;

  void runOnOperation() override {
    ModuleOp module = getOperation();
    std::optional<SolverIndex> requested;
    if (solver != "auto") {
      requested = parseSolver(solver);
      if (!requested) {
        module.emitError() << "lds-select-solver: unknown solver '" << solver
                           << "' (auto, newton, quasi-newton, picard, jacobi "
                              "or sequential)";
        return signalPassFailure();
      }
    }
    SmallVector<Target, 2> targets;
    if (target == "cpu")
      targets = {Target::Cpu};
    else if (target == "cuda")
      targets = {Target::Cuda};
    else if (target == "all")
      targets = {Target::Cuda, Target::Cpu}; // the first is the primary
    else {
      module.emitError() << "lds-select-solver: unknown target '" << target
                         << "' (cpu, cuda or all)";
      return signalPassFailure();
    }

    for (ModelOp model : module.getOps<ModelOp>())
      select(model, targets, requested);
  }

  void select(ModelOp model, ArrayRef<Target> targets,
              std::optional<SolverIndex> requested) {
    Builder b(model.getContext());
    ModelFacts facts = gatherFacts(model);
    SolverCosts costs = estimateCosts(facts);

    SmallVector<Choice, 2> choices;
    SmallVector<NamedAttribute, 2> byTarget;
    for (Target t : targets) {
      choices.push_back(choose(facts, t, costs));
      if (requested)
        choices.back() = {*requested,
                          "requested with --solver (auto would "
                          "choose " +
                              kSolverNames[choices.back().solver].str() + ")"};
      byTarget.push_back(b.getNamedAttr(
          targetName(t), b.getStringAttr(kSolverNames[choices.back().solver])));
    }
    Choice primary = choices.front();
    if (targets.size() > 1 && choices[1].solver != primary.solver)
      primary.reason +=
          llvm::formatv(" (cuda; cpu uses {0}: {1})",
                        kSolverNames[choices[1].solver], choices[1].reason)
              .str();

    model->setAttr(kSolverAttr, b.getStringAttr(kSolverNames[primary.solver]));
    model->setAttr(kSolverReasonAttr, b.getStringAttr(primary.reason));
    model->setAttr(kSolverByTargetAttr, b.getDictionaryAttr(byTarget));

    SmallVector<NamedAttribute> costAttrs;
    for (auto [i, c] : llvm::enumerate(costs)) {
      NamedAttribute fields[] = {
          b.getNamedAttr("flops", b.getI64IntegerAttr(c.flops)),
          b.getNamedAttr("bytes", b.getI64IntegerAttr(c.bytes)),
          b.getNamedAttr("memory", b.getI64IntegerAttr(c.memory))};
      costAttrs.push_back(
          b.getNamedAttr(kSolverNames[i], b.getDictionaryAttr(fields)));
    }
    model->setAttr(kCostsAttr, b.getDictionaryAttr(costAttrs));
  }
};
} // namespace
