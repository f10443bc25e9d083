# Builds or tests the Go peer from a copy of the module in the build folder, with the stubs
# generated at build time added as package pb (the source tree never holds generated code).
#   cmake -DMODE=build|test -DGO=<go> -DSRC=<peers/go> -DGEN=<generated pb dir>
#         -DWORK=<copy dir> [-DOUT=<binary>] [-DRUN=<go test -run pattern>] -P gobuild.cmake
foreach(var MODE GO SRC GEN WORK)
  if(NOT DEFINED ${var})
    message(FATAL_ERROR "gobuild.cmake: ${var} is not set")
  endif()
endforeach()

# A fresh copy each time, so that files deleted from the source tree do not linger.
file(REMOVE_RECURSE ${WORK})
file(MAKE_DIRECTORY ${WORK})
file(GLOB_RECURSE files RELATIVE ${SRC} ${SRC}/*.go ${SRC}/go.mod ${SRC}/go.sum)
foreach(f IN LISTS files)
  get_filename_component(dir ${WORK}/${f} DIRECTORY)
  file(COPY ${SRC}/${f} DESTINATION ${dir})
endforeach()
file(COPY ${GEN}/ DESTINATION ${WORK}/pb)

if(MODE STREQUAL "build")
  execute_process(COMMAND ${GO} build -trimpath -o ${OUT} .
                  WORKING_DIRECTORY ${WORK} RESULT_VARIABLE rc)
elseif(MODE STREQUAL "test")
  if(NOT DEFINED RUN)
    set(RUN ".")
  endif()
  execute_process(COMMAND ${GO} test -count=1 -run ${RUN} ./...
                  WORKING_DIRECTORY ${WORK} RESULT_VARIABLE rc)
else()
  message(FATAL_ERROR "gobuild.cmake: MODE must be build or test, got '${MODE}'")
endif()
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "gobuild.cmake: go ${MODE} failed (${rc})")
endif()
