# Run a command and require exactly one line "camfrac: KIND: ..." matching
# EXPECT. KIND = error (the default): a non-zero exit status, the line on
# stderr. KIND = warning: exit status 0 and no error, the line on stdout or
# stderr.
# Usage: cmake -DCOMMAND="a|b|c" -DEXPECT=regex -DWORKDIR=dir [-DKIND=warning] -P expect_error.cmake
# (messages hold no ';', which would split the CMake list of matches)
if(NOT KIND)
  set(KIND error)
endif()
string(REPLACE "|" ";" COMMAND "${COMMAND}")
execute_process(COMMAND ${COMMAND}
  WORKING_DIRECTORY ${WORKDIR}
  RESULT_VARIABLE status OUTPUT_VARIABLE out ERROR_VARIABLE err)
if(KIND STREQUAL "error")
  set(stream "${err}")
  if(status EQUAL 0)
    message(FATAL_ERROR "expected a non-zero exit status, got 0\nstdout: ${out}\nstderr: ${err}")
  endif()
else()
  set(stream "${out}${err}")
  if(NOT status EQUAL 0 OR err MATCHES "camfrac: error")
    message(FATAL_ERROR "expected a successful run, got status ${status}\nstdout: ${out}\nstderr: ${err}")
  endif()
endif()
string(REGEX MATCHALL "camfrac: ${KIND}: [^\n]*" lines "${stream}")
list(LENGTH lines n)
if(NOT n EQUAL 1)
  message(FATAL_ERROR "expected exactly one 'camfrac: ${KIND}:' line, got ${n}\nstdout: ${out}\nstderr: ${err}")
endif()
if(NOT lines MATCHES "${EXPECT}")
  message(FATAL_ERROR "${KIND} line does not match '${EXPECT}':\n${lines}")
endif()
message(STATUS "exit status ${status}: ${lines}")
