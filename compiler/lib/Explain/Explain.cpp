//===- Explain.cpp - human-readable model report --------------------------===//

#include "lds/Compiler/Explain.h"
#include "lds/Dialect/LDSOps.h"

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

void lds::explainModels(mlir::ModuleOp module, llvm::raw_ostream &os) {
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
  }
}
