# Project-wide warning settings as an INTERFACE target: every gpurun target links it.
add_library(gpurun_warnings INTERFACE)
target_compile_options(gpurun_warnings INTERFACE
  $<$<COMPILE_LANGUAGE:CXX>:-Wall -Wextra -Wpedantic -Wshadow -Wconversion -Wno-sign-conversion>)
if(GPURUN_WERROR)
  target_compile_options(gpurun_warnings INTERFACE $<$<COMPILE_LANGUAGE:CXX>:-Werror>)
endif()
