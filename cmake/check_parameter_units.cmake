# SPDX-License-Identifier: LGPL-2.1-or-later
#
# check_parameter_units.cmake -- every numeric parameter states its unit
# (../shared/DESIGN.md: "Every parameter's documentation string states its
# unit"; docs/architecture.md, Parameters).
#
#   cmake -DJSON=<file> -P check_parameter_units.cmake
#
# <file> is the output of `camfrac --print-parameters json` (deal.II
# ParameterHandler JSON: one object per subsection, each entry an object with
# "value", "documentation", "pattern_description", ...). An entry is numeric
# if its pattern_description starts with "[Integer" or "[Double"; its
# documentation must then contain a unit in square brackets, e.g. [s], [-],
# [mol/m^3]. Prints one line per entry without a unit and fails if there is any.
# Also included by run_parameter_units.cmake, which writes the file first.

if(NOT JSON OR NOT EXISTS "${JSON}")
  message(FATAL_ERROR "check_parameter_units: pass -DJSON=<file> (got '${JSON}')")
endif()
file(READ "${JSON}" json_text)
string(JSON root_type ERROR_VARIABLE json_error TYPE "${json_text}")
if(json_error)
  message(FATAL_ERROR "check_parameter_units: ${JSON}: ${json_error}")
elseif(NOT root_type STREQUAL "OBJECT")
  message(FATAL_ERROR "check_parameter_units: ${JSON} is not a JSON object")
endif()

set_property(GLOBAL PROPERTY camfrac_numeric 0)
set_property(GLOBAL PROPERTY camfrac_unitless 0)

function(increment property)
  get_property(n GLOBAL PROPERTY ${property})
  math(EXPR n "${n} + 1")
  set_property(GLOBAL PROPERTY ${property} ${n})
endfunction()

# Walk one subsection object; prefix is its path ("" or "Transport/").
function(check_section object prefix)
  string(JSON n LENGTH "${object}")
  if(n EQUAL 0)
    return()
  endif()
  math(EXPR last "${n} - 1")
  foreach(i RANGE ${last})
    string(JSON key MEMBER "${object}" ${i})
    string(JSON type TYPE "${object}" "${key}")
    if(NOT type STREQUAL "OBJECT")
      continue()
    endif()
    string(JSON child GET "${object}" "${key}")
    string(JSON pattern ERROR_VARIABLE not_an_entry GET "${child}" "pattern_description")
    if(not_an_entry)                               # a subsection
      check_section("${child}" "${prefix}${key}/")
    elseif(pattern MATCHES "^\\[(Integer|Double)")
      increment(camfrac_numeric)
      string(JSON doc ERROR_VARIABLE no_doc GET "${child}" "documentation")
      if(no_doc OR NOT doc MATCHES "\\[[^]]+\\]")
        increment(camfrac_unitless)
        message("${prefix}${key}: no [unit] in \"${doc}\"")
      endif()
    endif()
  endforeach()
endfunction()

check_section("${json_text}" "")

get_property(numeric GLOBAL PROPERTY camfrac_numeric)
get_property(unitless GLOBAL PROPERTY camfrac_unitless)
if(numeric EQUAL 0)
  message(FATAL_ERROR "check_parameter_units: no numeric entry in ${JSON}")
endif()
if(unitless GREATER 0)
  message(FATAL_ERROR "check_parameter_units: ${unitless} of ${numeric} numeric entries without a unit")
endif()
message("check_parameter_units: ${numeric} numeric entries, all with a unit")
