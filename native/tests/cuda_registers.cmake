# ctest cuda_path_state_in_registers: compiles the kernels that run the backtest state machine
# (backtest_step.h; cuda/sweep.cu, which the one-call GPU backtests also use) with the build's
# flags and fails when ptxas gives any of them a stack frame. Indexing PathState's arrays by a
# runtime value (a tier number) moves the whole state to local memory, a silent slowdown of
# every sweep; CPU tests can't see it. sm_90 (the H100):
# the arch the figures in bench/RESULTS.md are for.
#   cmake -DNVCC=... -DSOURCE_DIR=... -DWORK_DIR=... "-DFLAGS=..." -P cuda_registers.cmake
foreach(unit sweep)
  execute_process(
    COMMAND ${NVCC} ${FLAGS} -arch=sm_90 -Xptxas -v -I ${SOURCE_DIR}/native
            -c ${SOURCE_DIR}/native/cuda/${unit}.cu -o ${WORK_DIR}/${unit}_registers.o
    RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE log)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "nvcc failed on ${unit}.cu (${rc}):\n${out}${log}")
  endif()
  string(REPLACE "\n" ";" lines "${log}")
  set(kernel "")
  set(kernels 0)
  set(bad "")
  foreach(line IN LISTS lines)
    if(line MATCHES "Compiling entry function '([^']+)'")
      set(kernel "${CMAKE_MATCH_1}")
      math(EXPR kernels "${kernels} + 1")
    elseif(kernel AND line MATCHES "([0-9]+) bytes stack frame")
      if(NOT CMAKE_MATCH_1 EQUAL 0)
        list(APPEND bad "${kernel}: ${CMAKE_MATCH_1} bytes")
      endif()
      set(kernel "")
    endif()
  endforeach()
  if(kernels EQUAL 0)
    message(FATAL_ERROR "ptxas reported no kernel for ${unit}.cu:\n${log}")
  endif()
  if(bad)
    list(JOIN bad "\n  " listed)
    message(FATAL_ERROR "${unit}.cu: kernels with a stack frame (path state in local memory):\n  ${listed}")
  endif()
  message(STATUS "${unit}.cu: ${kernels} kernels, no stack frame")
endforeach()
