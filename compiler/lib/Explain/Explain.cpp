//===- Explain.cpp - human-readable model report --------------------------===//

#include "lds/Compiler/Explain.h"
#include "lds/Dialect/LDSOps.h"
#include "lds/Transforms/SliceChannels.h"
#include "lds/Transforms/Structure.h"

#include "mlir/IR/BuiltinAttributes.h"
#include "llvm/Support/Format.h"
#include "llvm/Support/FormatVariadic.h"

using namespace lds;

/// `f32[24, 8]`, the language's spelling of a declared type.
static std::string spell(mlir::RankedTensorType t) {
  std::string s;
  llvm::raw_string_ostream os(s);
  os << t.getElementType();
  if (t.getRank() != 0) {
    os << "[";
    llvm::interleave(t.getShape(), os, ", ");
    os << "]";
  }
  return s;
}

static std::string where(mlir::Location loc) {
  if (auto flc = mlir::dyn_cast<mlir::FileLineColLoc>(loc))
    return llvm::formatv("{0}:{1}:{2}", flc.getFilename().getValue(),
                         flc.getLine(), flc.getColumn())
        .str();
  return "";
}

template <typename DeclOp>
static int64_t printDecls(llvm::ArrayRef<DeclOp> decls, llvm::StringRef kind,
                          llvm::raw_ostream &os, bool showOffsets) {
  int64_t offset = 0;
  for (DeclOp d : decls) {
    auto type = mlir::cast<mlir::RankedTensorType>(d.getType());
    os << llvm::formatv("    {0,-6} {1,-10} ", kind, d.getName());
    if (showOffsets)
      os << llvm::formatv("{0,-14}  x[{1}:{2}]", spell(type), offset,
                          offset + type.getNumElements());
    else
      os << spell(type);
    os << "\n";
    offset += type.getNumElements();
  }
  return offset;
}

/// `  label:       ` with the label column of the signature lines.
static llvm::raw_ostream &label(llvm::raw_ostream &os, llvm::StringRef text) {
  return os << llvm::formatv("  {0,-13}", text);
}

static int64_t costField(mlir::DictionaryAttr solver, llvm::StringRef field) {
  if (auto i = solver.getAs<mlir::IntegerAttr>(field))
    return i.getInt();
  return -1;
}

/// The Jacobian structure (lds-analyze-structure) and the solver choice and
/// cost estimates (lds-select-solver), when the model carries them.
static void explainSolver(ModelOp model, llvm::ArrayRef<StateOp> states,
                          llvm::raw_ostream &os) {
  auto jacobian = model->getAttrOfType<mlir::StringAttr>(kJacobianAttr);
  if (!jacobian) {
    label(os, "jacobian:") << "not analysed\n";
    return;
  }
  bool analysed = model.getStateDim() <= kMaxAnalyzedStateDim;
  label(os, "jacobian:") << jacobian.getValue();
  if (!analysed)
    os << " (assumed: the structure is not analysed above D = "
       << kMaxAnalyzedStateDim << ")";
  os << "\n";

  // Per-piece dependencies: rows are next states, columns states.
  auto deps = model->getAttrOfType<mlir::ArrayAttr>(kStateDepsAttr);
  if (analysed && deps && states.size() > 1 && deps.size() == states.size()) {
    size_t width = 9; // "identity" and a space
    for (StateOp s : states)
      width = std::max(width, s.getName().size() + 2);
    label(os, "state deps:") << "rows: next state, columns: state\n";
    // Left-aligned columns, no trailing blanks.
    auto cells = [&](llvm::ArrayRef<std::string> texts) {
      for (auto [i, text] : llvm::enumerate(texts)) {
        if (i + 1 == texts.size())
          os << text;
        else
          os << llvm::left_justify(text, i == 0 ? width + 1 : width);
      }
      os << "\n";
    };
    llvm::SmallVector<std::string> header{""};
    for (StateOp s : states)
      header.push_back(s.getName().str());
    os << "    ";
    cells(header);
    for (auto [k, row] : llvm::enumerate(deps)) {
      StateOp s = states[k];
      llvm::SmallVector<std::string> line{(s.getName() + "'").str()};
      for (mlir::Attribute cell : llvm::cast<mlir::ArrayAttr>(row))
        line.push_back(llvm::cast<mlir::StringAttr>(cell).getValue().str());
      os << "    ";
      cells(line);
    }
  }

  label(os, "affine:") << (!analysed                     ? "not analysed"
                           : model->hasAttr(kAffineAttr) ? "yes"
                                                         : "no")
                       << "\n";
  label(os, "x + c*g(x):");
  if (auto c = model->getAttrOfType<mlir::FloatAttr>(kIdentityPlusScaledAttr))
    os << llvm::format("yes, c = %g\n", c.getValueAsDouble());
  else
    os << (analysed ? "no" : "not analysed") << "\n";

  auto solver = model->getAttrOfType<mlir::StringAttr>(kSolverAttr);
  auto costs = model->getAttrOfType<mlir::DictionaryAttr>(kCostsAttr);
  if (costs) {
    os << "  solver costs (per time step; per iteration except memory):\n";
    os << llvm::formatv("    {0,-14}{1,12} {2,11} {3,13}\n", "solver", "flops",
                        "bytes", "memory bytes");
    for (llvm::StringRef name : kSolverNames) {
      auto c = costs.getAs<mlir::DictionaryAttr>(name);
      if (!c)
        continue;
      bool chosen = solver && solver.getValue() == name;
      os << llvm::formatv("    {0,-14}{1,12} {2,11} {3,13}{4}\n", name,
                          costField(c, "flops"), costField(c, "bytes"),
                          costField(c, "memory"), chosen ? "   <- chosen" : "");
    }
  }
  if (!solver) {
    label(os, "solver:") << "not selected\n";
    return;
  }
  label(os, "solver:") << solver.getValue();
  if (auto byTarget =
          model->getAttrOfType<mlir::DictionaryAttr>(kSolverByTargetAttr)) {
    os << "  (";
    llvm::interleave(
        byTarget, os,
        [&](mlir::NamedAttribute a) {
          os << a.getName().getValue() << ": "
             << llvm::cast<mlir::StringAttr>(a.getValue()).getValue();
        },
        ", ");
    os << ")";
  }
  os << "\n";
  if (auto reason = model->getAttrOfType<mlir::StringAttr>(kSolverReasonAttr))
    label(os, "reason:") << reason.getValue() << "\n";
}

/// How the GPU kernels of `model` lay out their threads: what
/// lds-slice-channels (run on a copy of the module by the caller) recorded
/// in `channels` and `strides`.
static void explainGPULayout(mlir::Attribute channels, mlir::Attribute strides,
                             llvm::raw_ostream &os) {
  if (auto solvers = mlir::dyn_cast_or_null<mlir::ArrayAttr>(channels)) {
    label(os, "GPU layout:") << "a thread per state channel (";
    llvm::interleave(
        solvers, os,
        [&](mlir::Attribute a) {
          os << mlir::cast<mlir::StringAttr>(a).getValue();
        },
        ", ");
    os << ")\n";
    // The inputs and params a channel reads whole, and a row of.
    llvm::SmallVector<llvm::StringRef> whole, rows;
    if (auto dict = mlir::dyn_cast_or_null<mlir::DictionaryAttr>(strides))
      for (mlir::NamedAttribute a : dict) {
        int64_t stride = mlir::cast<mlir::IntegerAttr>(a.getValue()).getInt();
        llvm::StringRef name = a.getName().getValue().split(':').second;
        if (stride == 0)
          whole.push_back(name);
        else if (stride > 1)
          rows.push_back(name);
      }
    auto list = [&](llvm::StringRef what,
                    llvm::ArrayRef<llvm::StringRef> names) {
      if (names.empty())
        return;
      label(os, "") << what;
      llvm::interleave(names, os, ", ");
      os << "\n";
    };
    list("each channel reads whole: ", whole);
    list("each channel reads a row of: ", rows);
  } else if (auto why = mlir::dyn_cast_or_null<mlir::StringAttr>(channels)) {
    label(os, "GPU layout:")
        << "a thread per chunk of rows; not channel-wise: " << why.getValue()
        << "\n";
  }
}

void lds::explainModels(mlir::ModuleOp module, llvm::raw_ostream &os) {
  // What the GPU build's lds-slice-channels would make of each model.
  mlir::OwningOpRef<mlir::ModuleOp> sliced = module.clone();
  sliceChannels(*sliced);
  llvm::StringMap<mlir::Attribute> channels, strides;
  for (ModelOp model : sliced->getOps<ModelOp>()) {
    channels[model.getSymName()] = model->getAttr("lds.channels");
    strides[model.getSymName()] = model->getAttr("lds.channel_strides");
  }
  for (ModelOp model : module.getOps<ModelOp>()) {
    llvm::SmallVector<StateOp> states = getStates(model);
    llvm::SmallVector<InputOp> inputs = getInputs(model);
    llvm::SmallVector<ParamOp> params = getParams(model);
    os << "model " << model.getSymName() << "  (" << where(model.getLoc())
       << ")\n";
    os << "  float type:  " << model.getFloatType() << "\n";
    int64_t d = printDecls<StateOp>(states, "", llvm::nulls(), false);
    os << "  state:       D = " << d << "\n";
    printDecls<StateOp>(states, "state", os, true);
    int64_t inputSize = printDecls<InputOp>(inputs, "", llvm::nulls(), false);
    os << "  inputs:      " << inputs.size() << " (" << inputSize
       << " values per step)\n";
    printDecls<InputOp>(inputs, "input", os, false);
    int64_t paramSize = printDecls<ParamOp>(params, "", llvm::nulls(), false);
    os << "  params:      " << params.size() << " (" << paramSize
       << " values)\n";
    printDecls<ParamOp>(params, "param", os, false);
    explainSolver(model, states, os);
    explainGPULayout(channels.lookup(model.getSymName()),
                     strides.lookup(model.getSymName()), os);
  }
}
