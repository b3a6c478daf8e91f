# Run a command and require: exit status 0, exactly one line
# "camfrac: warning: ..." on stdout matching EXPECT, and no error.
# Usage: cmake -DCOMMAND="a|b|c" -DEXPECT=regex -DWORKDIR=dir -P expect_warning.cmake
string(REPLACE "|" ";" COMMAND "${COMMAND}")
execute_process(COMMAND ${COMMAND}
  WORKING_DIRECTORY ${WORKDIR}
  RESULT_VARIABLE status OUTPUT_VARIABLE out ERROR_VARIABLE err)
if(NOT status EQUAL 0 OR err MATCHES "camfrac: error")
  message(FATAL_ERROR "expected a successful run, got status ${status}\nstdout: ${out}\nstderr: ${err}")
endif()
string(REGEX MATCHALL "camfrac: warning: [^\n]*" lines "${out}${err}")
list(LENGTH lines n)
if(NOT n EQUAL 1)
  message(FATAL_ERROR "expected exactly one 'camfrac: warning:' line, got ${n}\nstdout: ${out}\nstderr: ${err}")
endif()
if(NOT lines MATCHES "${EXPECT}")
  message(FATAL_ERROR "warning line does not match '${EXPECT}':\n${lines}")
endif()
message(STATUS "${lines}")
