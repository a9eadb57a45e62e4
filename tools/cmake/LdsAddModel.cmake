#===- LdsAddModel.cmake - lds_add_model() ---------------------*- cmake -*-===//
#
#   lds_add_model(<target> <model.lds>
#                 [SOLVER auto|newton|quasi-newton|picard|jacobi|sequential]
#                 [TARGETS cpu [cuda]]
#                 [STATIC_RUNTIME]
#                 [OPTIONS <more lds-compile arguments>...])
#
# Compiles <model.lds> with lds-compile at build time (as protobuf_generate
# does for .proto files) into
#   ${CMAKE_CURRENT_BINARY_DIR}/lds/<model>.o   linked into <target>
#   ${CMAKE_CURRENT_BINARY_DIR}/lds/<model>.h   `#include "<model>.h"`
# where <model> is the file name without its extension. The header declares
# `const lds_model *lds_model_<name>(void);` for the `model <name>` of the
# file. <target> gets the object among its sources, the header's folder on its
# include path and lds::runtime (lds::runtime_static with STATIC_RUNTIME)
# among its link libraries. The model is recompiled when the .lds file or
# lds-compile changes. <target> is an executable or a shared, static or
# module library; call lds_add_model() in the directory that creates it.
#
# SOLVER is lds-compile's --solver (the default solver of the compiled model;
# lds_options.solver still overrides it at run time). TARGETS picks the
# kernels: cpu (the default), cuda, or both (lds-compile --target=cpu, cuda
# or all; a cuda object's host-emulation kernels call the runtime's GPU
# emulator, so it links with the runtime only).
#===----------------------------------------------------------------------===//

function(lds_add_model target model)
  cmake_parse_arguments(PARSE_ARGV 2 ARG "STATIC_RUNTIME" "SOLVER"
                        "TARGETS;OPTIONS")
  set(where "lds_add_model(${target} ${model})")
  if(ARG_UNPARSED_ARGUMENTS)
    message(FATAL_ERROR "${where}: unexpected arguments: ${ARG_UNPARSED_ARGUMENTS}")
  endif()
  if(NOT TARGET ${target})
    message(FATAL_ERROR "${where}: no target named '${target}'")
  endif()
  if(NOT TARGET lds::lds-compile)
    message(FATAL_ERROR "${where}: lds::lds-compile is not defined here: "
                        "call find_package(lds) in this directory or above")
  endif()

  get_filename_component(model_path "${model}" ABSOLUTE
                         BASE_DIR "${CMAKE_CURRENT_SOURCE_DIR}")
  if(NOT EXISTS "${model_path}")
    message(FATAL_ERROR "${where}: model file not found: ${model_path}")
  endif()
  get_filename_component(model_stem "${model_path}" NAME_WLE)

  set(compile_args)
  if(DEFINED ARG_SOLVER)
    set(solvers auto newton quasi-newton picard jacobi sequential)
    if(NOT ARG_SOLVER IN_LIST solvers)
      message(FATAL_ERROR "${where}: unknown SOLVER '${ARG_SOLVER}' "
                          "(expected one of: ${solvers})")
    endif()
    list(APPEND compile_args "--solver=${ARG_SOLVER}")
  endif()

  if(NOT ARG_TARGETS)
    set(ARG_TARGETS cpu)
  endif()
  list(REMOVE_DUPLICATES ARG_TARGETS)
  foreach(t IN LISTS ARG_TARGETS)
    if(NOT t MATCHES "^(cpu|cuda)$")
      message(FATAL_ERROR "${where}: unknown TARGETS entry '${t}' "
                          "(expected cpu and/or cuda)")
    endif()
  endforeach()
  if("cuda" IN_LIST ARG_TARGETS AND NOT LDS_CUDA_TARGETS_SUPPORTED)
    message(FATAL_ERROR "${where}: CUDA targets are not supported yet: "
                        "this lds-compile generates CPU kernels only "
                        "(use TARGETS cpu)")
  endif()
  list(LENGTH ARG_TARGETS num_targets)
  if(num_targets EQUAL 2)
    list(APPEND compile_args "--target=all")
  else()
    list(APPEND compile_args "--target=${ARG_TARGETS}")
  endif()
  list(APPEND compile_args ${ARG_OPTIONS})

  set(out_dir "${CMAKE_CURRENT_BINARY_DIR}/lds")
  set(object "${out_dir}/${model_stem}.o")
  set(header "${out_dir}/${model_stem}.h")

  # One build rule per model and directory, driven by a custom target, so
  # several targets can use the same model (each target depends on the
  # custom target, so no generator runs the rule twice at once). The same file
  # name with other options would write the same outputs: an error.
  string(MD5 dir_hash "${out_dir}")
  string(SUBSTRING "${dir_hash}" 0 8 dir_hash)
  string(MAKE_C_IDENTIFIER "lds_model_${model_stem}_${dir_hash}" rule_target)
  set(rule "${model_path};${compile_args}")
  get_property(known DIRECTORY PROPERTY "LDS_MODEL_RULE_${model_stem}")
  if(NOT known)
    set_property(DIRECTORY PROPERTY "LDS_MODEL_RULE_${model_stem}" "${rule}")
    get_target_property(compiler lds::lds-compile IMPORTED_LOCATION)
    add_custom_command(
      OUTPUT "${object}" "${header}"
      COMMAND "${CMAKE_COMMAND}" -E make_directory "${out_dir}"
      COMMAND lds::lds-compile "${model_path}" -o "${object}"
              --header "${header}" ${compile_args}
      DEPENDS "${model_path}" "${compiler}"
      COMMENT "Compiling lds model ${model_stem}"
      VERBATIM)
    add_custom_target(${rule_target} DEPENDS "${object}" "${header}")
  elseif(NOT known STREQUAL rule)
    message(FATAL_ERROR "${where}: ${object} is already produced in this "
                        "directory from other arguments (${known})")
  endif()
  add_dependencies(${target} ${rule_target})
  set_source_files_properties("${object}" PROPERTIES
    EXTERNAL_OBJECT TRUE GENERATED TRUE)
  set_source_files_properties("${header}" PROPERTIES GENERATED TRUE)
  target_sources(${target} PRIVATE "${object}" "${header}")
  target_include_directories(${target} PRIVATE "${out_dir}")

  if(ARG_STATIC_RUNTIME)
    set(runtime lds::runtime_static)
  else()
    set(runtime lds::runtime)
  endif()
  # Appended to the link properties rather than through
  # target_link_libraries(), which would fail on a target whose other calls
  # use the other (plain or keyword) signature. This is what PRIVATE does.
  set_property(TARGET ${target} APPEND PROPERTY LINK_LIBRARIES ${runtime})
  get_target_property(type ${target} TYPE)
  if(type STREQUAL "STATIC_LIBRARY")
    set_property(TARGET ${target} APPEND PROPERTY
                 INTERFACE_LINK_LIBRARIES "$<LINK_ONLY:${runtime}>")
  endif()
endfunction()
