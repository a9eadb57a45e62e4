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

bool lds::runPtxas(StringRef ptxas, StringRef ptx, ArrayRef<std::string> archs,
                   std::vector<std::string> &cubins, std::string &error) {
  cubins.assign(archs.size(), std::string());
  SmallString<128> input;
  if (sys::fs::createTemporaryFile("lds", "ptx", input)) {
    error = "cannot create temporary files for ptxas";
    return false;
  }
  FileRemover removeInput(input);
  {
    std::error_code ec;
    raw_fd_ostream os(input, ec);
    if (ec) {
      error = "cannot write " + input.str().str() + ": " + ec.message();
      return false;
    }
    os << ptx;
  }
  // One process per architecture, all running at once: ptxas is
  // single-threaded, and a large model takes it tens of seconds an arch.
  struct Run {
    SmallString<128> output, log;
    FileRemover removeOutput, removeLog;
    sys::ProcessInfo process;
    std::string archFlag, execError;
    bool started = false;
  };
  std::vector<Run> runs(archs.size());
  bool ok = true;
  for (auto [arch, run] : llvm::zip_equal(archs, runs)) {
    if (!sys::fs::createTemporaryFile("lds", "cubin", run.output))
      run.removeOutput.setFile(run.output);
    else
      ok = false;
    if (ok && !sys::fs::createTemporaryFile("lds-ptxas", "log", run.log))
      run.removeLog.setFile(run.log);
    else
      ok = false;
    if (!ok) {
      error = "cannot create temporary files for ptxas";
      break;
    }
    run.archFlag = "-arch=" + arch;
    StringRef args[] = {ptxas, run.archFlag, "-O3", input, "-o", run.output};
    std::optional<StringRef> redirects[] = {std::nullopt, run.log.str(),
                                            run.log.str()};
    bool failed = false;
    run.process =
        sys::ExecuteNoWait(ptxas, args, std::nullopt, redirects,
                           /*MemoryLimit=*/0, &run.execError, &failed);
    run.started = !failed;
  }
  // Wait for every process started, even after a failure.
  for (auto [arch, run, cubin] : llvm::zip_equal(archs, runs, cubins)) {
    int rc = -1;
    if (run.started)
      rc = sys::Wait(run.process, std::nullopt, &run.execError).ReturnCode;
    if (!ok)
      continue;
    if (rc != 0) {
      std::string message = StringRef(readFile(run.log)).trim().str();
      error = "ptxas " + run.archFlag + " failed";
      if (!run.execError.empty())
        error += " (" + run.execError + ")";
      if (!message.empty())
        error += ":\n" + message;
      ok = false;
      continue;
    }
    cubin = readFile(run.output);
    if (cubin.empty()) {
      error = "ptxas " + run.archFlag + " wrote no cubin";
      ok = false;
    }
  }
  return ok;
}
