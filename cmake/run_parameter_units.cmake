# SPDX-License-Identifier: LGPL-2.1-or-later
#
# run_parameter_units.cmake -- write `camfrac --print-parameters json` to a
# file and check it with check_parameter_units.cmake (every numeric
# parameter's documentation states its unit, ../shared/DESIGN.md).
#
#   cmake -DCAMFRAC=<camfrac executable> -DJSON=<output file> -P run_parameter_units.cmake

if(NOT CAMFRAC OR NOT JSON)
  message(FATAL_ERROR "run_parameter_units: pass -DCAMFRAC=<executable> -DJSON=<output file>")
endif()
execute_process(COMMAND "${CAMFRAC}" --print-parameters json
  OUTPUT_FILE "${JSON}" ERROR_VARIABLE err RESULT_VARIABLE status)
if(NOT status EQUAL 0)
  message(FATAL_ERROR "run_parameter_units: ${CAMFRAC} --print-parameters json failed (${status}): ${err}")
endif()
include("${CMAKE_CURRENT_LIST_DIR}/check_parameter_units.cmake")
