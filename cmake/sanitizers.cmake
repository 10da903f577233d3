# Sanitizer and fuzzing builds. Both apply to every C++ target defined after this file is included,
# so the libraries, the binary, the unit tests and the fuzz targets are instrumented alike.
#
#   -DGPURUN_SANITIZE=address,undefined   AddressSanitizer and UndefinedBehaviorSanitizer; any report
#                                          ends the process with an error (no recovery)
#   -DGPURUN_FUZZ=ON                       libFuzzer's coverage instrumentation, and the fuzz targets
#                                          of tests/fuzz (needs clang: CMAKE_CXX_COMPILER=clang++-14)
#
# scripts/test makes one such build (clang, both options, CUDA off) next to the ordinary one.
set(GPURUN_SANITIZE "" CACHE STRING "Sanitizers to build with, as for -fsanitize= (for example address,undefined)")
option(GPURUN_FUZZ "Build the libFuzzer targets of tests/fuzz (needs clang)" OFF)

if(GPURUN_SANITIZE)
  add_compile_options($<$<COMPILE_LANGUAGE:CXX>:-fsanitize=${GPURUN_SANITIZE}>
                      $<$<COMPILE_LANGUAGE:CXX>:-fno-sanitize-recover=all>
                      $<$<COMPILE_LANGUAGE:CXX>:-fno-omit-frame-pointer>)
  add_link_options(-fsanitize=${GPURUN_SANITIZE})
endif()

if(GPURUN_FUZZ)
  if(NOT CMAKE_CXX_COMPILER_ID STREQUAL "Clang")
    message(FATAL_ERROR "GPURUN_FUZZ needs clang with libFuzzer (for example -DCMAKE_CXX_COMPILER=clang++-14)")
  endif()
  # Coverage feedback for the fuzzer in every library; only the fuzz targets link libFuzzer's
  # main (-fsanitize=fuzzer), so the binary and the unit tests keep their own.
  add_compile_options($<$<COMPILE_LANGUAGE:CXX>:-fsanitize=fuzzer-no-link>)
endif()
