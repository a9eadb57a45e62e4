//===- DerivativeTest.cpp - derived Jacobians vs finite differences -------===//
//
// Compiles models (the examples, switched to f64, and Inputs/
// derivative-ops.lds) through the front end and the derivation pipeline,
// JIT-compiles the derived functions and checks, at random points:
//   @M_jac      against central differences of @M_f, column by column;
//   @M_jac_diag against the diagonal of those differences;
//   @M_jvp      against a central difference along a random direction.
// The reference is f itself: no derivative code is involved in it.
//
//===----------------------------------------------------------------------===//

#include "lds/Compiler/Driver.h"
#include "lds/Compiler/Pipeline.h"
#include "lds/Conversion/JIT.h"
#include "lds/Conversion/LowerToLLVM.h"
#include "lds/Dialect/LDSOps.h"

#include "mlir/IR/MLIRContext.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/SourceMgr.h"
#include "llvm/Support/TargetSelect.h"

#include <gtest/gtest.h>

#include <cmath>
#include <fstream>
#include <random>
#include <sstream>

using namespace lds;

namespace {

std::string readFile(const std::string &path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

void replaceAll(std::string &s, const std::string &from,
                const std::string &to) {
  for (size_t pos = 0; (pos = s.find(from, pos)) != std::string::npos;
       pos += to.size())
    s.replace(pos, from.size(), to);
}

/// One model's signature, read from its lds.model.
struct Signature {
  std::string name;
  int64_t d = 0;
  std::vector<int64_t> inputSizes;
  std::vector<bool> inputIsInt;
  std::vector<int64_t> inputRange; // for i32 inputs: the gathered dim
  std::vector<int64_t> paramSizes;
};

struct Compiled {
  mlir::MLIRContext context;
  std::vector<Signature> models;
  std::unique_ptr<JIT> jit;
};

std::unique_ptr<Compiled> compile(const std::string &source,
                                  std::string &errors,
                                  const LowerToLLVMOptions &options) {
  auto c = std::make_unique<Compiled>();
  llvm::SourceMgr sourceMgr;
  sourceMgr.AddNewSourceBuffer(
      llvm::MemoryBuffer::getMemBufferCopy(source, "model.lds"), llvm::SMLoc());
  llvm::raw_string_ostream errStream(errors);
  mlir::SourceMgrDiagnosticHandler handler(sourceMgr, &c->context, errStream);
  mlir::OwningOpRef<mlir::ModuleOp> module;
  if (mlir::failed(compileToDialect(sourceMgr, c->context, module)) ||
      mlir::failed(runModelPipeline(*module, {})))
    return nullptr;
  for (ModelOp m : module->getOps<ModelOp>()) {
    Signature s;
    s.name = m.getSymName().str();
    s.d = m.getStateDim();
    for (InputOp in : getInputs(m)) {
      auto type = llvm::cast<mlir::RankedTensorType>(in.getType());
      s.inputSizes.push_back(type.getNumElements());
      s.inputIsInt.push_back(type.getElementType().isInteger(32));
      s.inputRange.push_back(0);
    }
    for (ParamOp p : getParams(m))
      s.paramSizes.push_back(p.getType().getNumElements());
    // An i32 input indexes a param: its range is that param's first dim.
    for (auto [i, in] : llvm::enumerate(getInputs(m)))
      for (mlir::Operation *user : in->getUsers())
        if (auto g = llvm::dyn_cast<GatherOp>(user))
          s.inputRange[i] = g.getTable().getType().getDimSize(0);
    c->models.push_back(s);
  }
  if (mlir::failed(lowerToLLVMDialect(*module, options)))
    return nullptr;
  auto jit = JIT::create(*module);
  if (!jit) {
    errors += llvm::toString(jit.takeError());
    return nullptr;
  }
  c->jit = std::move(*jit);
  return c;
}

class Evaluator {
public:
  Evaluator(Compiled &c, const Signature &s, unsigned seed)
      : c(c), s(s), rng(seed) {
    std::normal_distribution<double> normal(0.0, 0.6);
    for (size_t i = 0; i < s.inputSizes.size(); ++i) {
      if (s.inputIsInt[i]) {
        intInputs.push_back(std::vector<int32_t>(
            1, int32_t(rng() % std::max<int64_t>(1, s.inputRange[i]))));
        inputs.emplace_back();
      } else {
        std::vector<double> v(s.inputSizes[i]);
        for (double &x : v)
          x = normal(rng);
        inputs.push_back(v);
        intInputs.emplace_back();
      }
    }
    for (int64_t n : s.paramSizes) {
      std::vector<double> v(n);
      for (double &x : v)
        x = normal(rng);
      params.push_back(v);
    }
  }

  std::vector<double> randomVector(double scale = 0.8) {
    std::normal_distribution<double> normal(0.0, scale);
    std::vector<double> v(s.d);
    for (double &x : v)
      x = normal(rng);
    return v;
  }

  /// Calls @M_<kind>(x, [v], inputs..., params..., out).
  std::vector<double> call(const std::string &kind, std::vector<double> x,
                           std::vector<double> *v, size_t outSize) {
    std::vector<void *> args{x.data()};
    if (v)
      args.push_back(v->data());
    for (size_t i = 0; i < inputs.size(); ++i)
      args.push_back(s.inputIsInt[i] ? static_cast<void *>(intInputs[i].data())
                                     : inputs[i].data());
    for (auto &p : params)
      args.push_back(p.data());
    std::vector<double> out(outSize, std::nan(""));
    args.push_back(out.data());
    llvm::Error err = c.jit->invoke(s.name + "_" + kind, args);
    EXPECT_FALSE(static_cast<bool>(err)) << llvm::toString(std::move(err));
    return out;
  }

  std::vector<double> f(const std::vector<double> &x) {
    return call("f", x, nullptr, s.d);
  }

private:
  Compiled &c;
  const Signature &s;
  std::mt19937 rng;
  std::vector<std::vector<double>> inputs, params;
  std::vector<std::vector<int32_t>> intInputs;
};

double maxAbs(const std::vector<double> &v) {
  double m = 0;
  for (double x : v)
    m = std::max(m, std::fabs(x));
  return m;
}

/// max |a - b| / max(1, max |b|).
double relError(const std::vector<double> &a, const std::vector<double> &b) {
  double err = 0;
  for (size_t i = 0; i < a.size(); ++i)
    err = std::max(err, std::fabs(a[i] - b[i]));
  return err / std::max(1.0, maxAbs(b));
}

constexpr double kTolerance = 1e-6;

void checkModel(Compiled &c, const Signature &s, unsigned points) {
  SCOPED_TRACE("model " + s.name);
  for (unsigned point = 0; point < points; ++point) {
    Evaluator ev(c, s, 1234 + point);
    std::vector<double> x = ev.randomVector();
    int64_t d = s.d;

    // Central differences of f, column j = dF/dx_j.
    std::vector<double> fd(d * d);
    for (int64_t j = 0; j < d; ++j) {
      double h = 1e-5 * std::max(1.0, std::fabs(x[j]));
      std::vector<double> xp = x, xm = x;
      xp[j] += h;
      xm[j] -= h;
      std::vector<double> fp = ev.f(xp), fm = ev.f(xm);
      for (int64_t i = 0; i < d; ++i)
        fd[i * d + j] = (fp[i] - fm[i]) / (2 * h);
    }
    std::vector<double> jac = ev.call("jac", x, nullptr, d * d);
    EXPECT_LE(relError(jac, fd), kTolerance)
        << "dense Jacobian, point " << point;

    std::vector<double> fdDiag(d);
    for (int64_t i = 0; i < d; ++i)
      fdDiag[i] = fd[i * d + i];
    std::vector<double> diag = ev.call("jac_diag", x, nullptr, d);
    EXPECT_LE(relError(diag, fdDiag), kTolerance)
        << "diagonal, point " << point;

    std::vector<double> v = ev.randomVector(1.0);
    double h = 1e-5;
    std::vector<double> xp = x, xm = x;
    for (int64_t i = 0; i < d; ++i) {
      xp[i] += h * v[i];
      xm[i] -= h * v[i];
    }
    std::vector<double> fp = ev.f(xp), fm = ev.f(xm), fdJvp(d);
    for (int64_t i = 0; i < d; ++i)
      fdJvp[i] = (fp[i] - fm[i]) / (2 * h);
    std::vector<double> jvp = ev.call("jvp", x, &v, d);
    EXPECT_LE(relError(jvp, fdJvp), kTolerance) << "JVP, point " << point;
  }
}

void checkSource(const std::string &source, unsigned points = 3,
                 const LowerToLLVMOptions &options = {}) {
  std::string errors;
  std::unique_ptr<Compiled> c = compile(source, errors, options);
  ASSERT_TRUE(c) << errors;
  ASSERT_FALSE(c->models.empty());
  for (const Signature &s : c->models)
    checkModel(*c, s, points);
}

/// An example model, in f64, with textual edits applied.
std::string example(const std::string &name,
                    std::vector<std::pair<std::string, std::string>> edits) {
  std::string src =
      readFile(std::string(LDS_SOURCE_DIR) + "/examples/" + name + ".lds");
  EXPECT_FALSE(src.empty()) << "cannot read example " << name;
  replaceAll(src, "f32", "f64");
  for (auto &[from, to] : edits)
    replaceAll(src, from, to);
  return src;
}

/// Langevin with a larger step, so that the Hessian term shows above the
/// identity, and a smaller D, so that the test is fast.
std::string smallLangevin() {
  return example("langevin", {{"const D   = 32", "const D   = 6"},
                              {"const eps = 1e-5", "const eps = 0.1"}});
}

/// A model using every derivative rule.
std::string everyRule() {
  return readFile(std::string(LDS_SOURCE_DIR) +
                  "/test/unit/Inputs/derivative-ops.lds");
}

class DerivativeTest : public ::testing::Test {
protected:
  static void SetUpTestSuite() {
    llvm::InitializeNativeTarget();
    llvm::InitializeNativeTargetAsmPrinter();
  }
};

} // namespace

TEST_F(DerivativeTest, Gru) { checkSource(example("gru", {})); }
TEST_F(DerivativeTest, Lstm) { checkSource(example("lstm", {})); }
TEST_F(DerivativeTest, S5) { checkSource(example("s5", {})); }
TEST_F(DerivativeTest, Elementwise) { checkSource(example("elementwise", {})); }
TEST_F(DerivativeTest, Langevin) { checkSource(smallLangevin()); }
TEST_F(DerivativeTest, EveryExampleWithEveryLoopNestMerged) {
  // lds-lower-to-loops merges loop nests from 32 iterations on the CPU and
  // 64 on the GPU; merging from 1 reaches every derived function of every
  // example and of every derivative rule, whose values are checked as above
  // (finite differences, and J v against the JVP). derivative-ops.lds has
  // mat-vecs of elementwise results: merging a nest that another reads at
  // other indices fails it.
  LowerToLLVMOptions options;
  options.fuseLoopsFrom = 1;
  options.storeResultsInPlace = true;
  for (const char *name : {"gru", "lstm", "s5", "elementwise"}) {
    SCOPED_TRACE(name);
    checkSource(example(name, {}), 3, options);
  }
  checkSource(smallLangevin(), 3, options);
  checkSource(everyRule(), 3, options);
}
TEST_F(DerivativeTest, EveryRule) { checkSource(everyRule()); }
