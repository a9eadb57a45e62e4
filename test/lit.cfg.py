# -*- Python -*-
import os

import lit.formats
from lit.llvm import llvm_config
from lit.llvm.subst import ToolSubst

config.name = "lds"
config.test_format = lit.formats.ShTest(not llvm_config.use_lit_shell)
config.suffixes = [".mlir", ".lds", ".test"]
config.excludes = ["CMakeLists.txt", "lit.cfg.py", "lit.site.cfg.py", "unit",
                   "Inputs"]
config.test_source_root = os.path.dirname(__file__)
config.test_exec_root = os.path.join(config.lds_obj_root, "test")

config.substitutions.append(("%PATH%", config.environment["PATH"]))
config.substitutions.append(("%lds_src_root", config.lds_src_root))
config.substitutions.append(("%examples", os.path.join(config.lds_src_root,
                                                        "examples")))
config.substitutions.append(("%python", config.python_executable))

llvm_config.use_default_substitutions()
llvm_config.with_environment("PATH", config.llvm_tools_dir, append_path=True)

tool_dirs = [config.lds_tools_dir, config.llvm_tools_dir]
tools = ["lds-compile", "lds-opt", "lds-run"]
llvm_config.add_tool_substitutions(tools, tool_dirs)

# The CUDA toolkit, where lds-compile looks for it: libdevice (REQUIRES:
# libdevice) for the PTX of models with math functions, ptxas (REQUIRES:
# ptxas, run as %ptxas) to assemble it.
import shutil

cuda_dirs = [os.environ.get("CUDA_HOME"), "/usr/local/cuda"]
if shutil.which("ptxas"):
    cuda_dirs.append(os.path.dirname(os.path.dirname(shutil.which("ptxas"))))
for d in filter(None, cuda_dirs):
    if os.path.exists(os.path.join(d, "nvvm", "libdevice", "libdevice.10.bc")):
        config.available_features.add("libdevice")
        break
for d in filter(None, cuda_dirs):
    ptxas = os.path.join(d, "bin", "ptxas")
    if os.access(ptxas, os.X_OK):
        config.available_features.add("ptxas")
        config.substitutions.append(("%ptxas", ptxas))
        break

# The GPU: no test reaches a real CUDA driver. LDS_CUDA_DRIVER names a
# library that does not exist (lds-run --device auto then compiles for the
# CPU, as on a machine without a GPU); a test that wants a driver names
# test/gpu's libcuda stand-in (REQUIRES: fake-cuda, %fake_cuda_driver: a
# device sm_90 whose launches fail, docs/runtime.md) or runs the GPU
# emulator (LDS_GPU_EMULATE=1).
config.environment["LDS_CUDA_DRIVER"] = "/nonexistent/libcuda.so.1"
fake_cuda = os.path.join(config.lds_obj_root, "test", "gpu",
                         "libfake_cuda_driver.so")
if os.path.exists(fake_cuda):
    config.available_features.add("fake-cuda")
    config.substitutions.append(("%fake_cuda_driver", fake_cuda))
