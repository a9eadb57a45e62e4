//===- Ptxas.cpp - PTX to cubin with the CUDA toolkit's ptxas -------------===//
//
// ptxas runs as a subprocess on temporary files; its stderr becomes the
// error message when it fails.
//
//===----------------------------------------------------------------------===//

#include "lds/Target/GPUTarget.h"

#include "llvm/ADT/SmallString.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/FileUtilities.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Program.h"
#include "llvm/Support/raw_ostream.h"

using namespace lds;
using namespace llvm;

static std::string readFile(StringRef path) {
  ErrorOr<std::unique_ptr<MemoryBuffer>> buffer =
      MemoryBuffer::getFile(path, /*IsText=*/false,
                            /*RequiresNullTerminator=*/false);
  return buffer ? (*buffer)->getBuffer().str() : std::string();
}

bool lds::runPtxas(StringRef ptxas, StringRef ptx, StringRef arch,
                   std::string &cubin, std::string &error) {
  SmallString<128> input, output, log;
  if (sys::fs::createTemporaryFile("lds", "ptx", input) ||
      sys::fs::createTemporaryFile("lds", "cubin", output) ||
      sys::fs::createTemporaryFile("lds-ptxas", "log", log)) {
    error = "cannot create temporary files for ptxas";
    return false;
  }
  FileRemover removeInput(input), removeOutput(output), removeLog(log);
  {
    std::error_code ec;
    raw_fd_ostream os(input, ec);
    if (ec) {
      error = "cannot write " + input.str().str() + ": " + ec.message();
      return false;
    }
    os << ptx;
  }
  std::string archFlag = ("-arch=" + arch).str();
  StringRef args[] = {ptxas, archFlag, "-O3", input, "-o", output};
  std::optional<StringRef> redirects[] = {std::nullopt, log.str(), log.str()};
  std::string execError;
  int rc =
      sys::ExecuteAndWait(ptxas, args, std::nullopt, redirects,
                          /*SecondsToWait=*/0, /*MemoryLimit=*/0, &execError);
  if (rc != 0) {
    std::string message = StringRef(readFile(log)).trim().str();
    error = ("ptxas -arch=" + arch + " failed").str();
    if (!execError.empty())
      error += " (" + execError + ")";
    if (!message.empty())
      error += ":\n" + message;
    return false;
  }
  cubin = readFile(output);
  if (cubin.empty()) {
    error = ("ptxas -arch=" + arch + " wrote no cubin").str();
    return false;
  }
  return true;
}
