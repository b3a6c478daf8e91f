# Run a command and require: a non-zero exit status, exactly one line
# "camfrac: error: ..." on stderr, and that line matching EXPECT.
# Usage: cmake -DCOMMAND="a|b|c" -DEXPECT=regex -DWORKDIR=dir -P expect_error.cmake
string(REPLACE "|" ";" COMMAND "${COMMAND}")
execute_process(COMMAND ${COMMAND}
  WORKING_DIRECTORY ${WORKDIR}
  RESULT_VARIABLE status OUTPUT_VARIABLE out ERROR_VARIABLE err)
if(status EQUAL 0)
  message(FATAL_ERROR "expected a non-zero exit status, got 0\nstdout: ${out}\nstderr: ${err}")
endif()
string(REGEX MATCHALL "camfrac: error: [^\n]*" lines "${err}")
list(LENGTH lines n)
if(NOT n EQUAL 1)
  message(FATAL_ERROR "expected exactly one 'camfrac: error:' line, got ${n}\nstderr: ${err}")
endif()
if(NOT lines MATCHES "${EXPECT}")
  message(FATAL_ERROR "error line does not match '${EXPECT}':\n${lines}")
endif()
message(STATUS "exit status ${status}: ${lines}")
