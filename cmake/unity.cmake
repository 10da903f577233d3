# Unity builds: a library's sources compile eight to a translation unit. Most files include
# nlohmann/json, fmt or CLI11, whose parsing and template code each unit compiles again (CLI11
# alone costs a unit ~10 s at -O2); grouping them takes a full build on two cores from 511 s to
# 352 s (the clang sanitizer build: 331 s to 216 s). Turn it off
# (-DGPURUN_UNITY=OFF) when editing one file of a library over and over: then only that file
# compiles again.
option(GPURUN_UNITY "Compile each library's sources a few to a unit (faster full builds)" ON)

function(gpurun_unity_build target)
  set_target_properties(${target} PROPERTIES UNITY_BUILD ${GPURUN_UNITY} UNITY_BUILD_BATCH_SIZE 8)
endfunction()
