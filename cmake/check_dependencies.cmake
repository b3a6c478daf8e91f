# SPDX-License-Identifier: LGPL-2.1-or-later
#
# check_dependencies.cmake -- enforce the module layering of camfrac
# (docs/architecture.md, Layout: material -> microstructure -> physics ->
# coupling -> simulation -> app, with io beside them all).
#
#   cmake -DROOT=<source dir> -P check_dependencies.cmake
#
# Scans every #include <camfrac/...> / "camfrac/..." in ROOT/include/camfrac
# (*.h), ROOT/src (*.cc, *.h) and ROOT/apps (*.cc). A file may include headers
# of its own module, of a lower layer, and of io; an io file may include only
# io (io knows no scheme and no physics). An include of, or a file in, a module
# not listed below is a violation too, so a new module is added on purpose.
# Prints one `file:line: <module> includes <header> (<target>)` per violation
# and fails if there is any.

set(layers material microstructure physics coupling simulation app) # lowest first

if(NOT ROOT OR NOT IS_DIRECTORY "${ROOT}")
  message(FATAL_ERROR "check_dependencies: pass -DROOT=<source dir> (got '${ROOT}')")
endif()

# Module of a path relative to ROOT, or of an include path "camfrac/...".
# Sets ${out} to the module; a source file directly in src/ other than
# simulation.cc has none (it belongs in src/<module>/).
function(module_of path out)
  if(path MATCHES "^(include/)?camfrac/simulation\\.h$" OR path STREQUAL "src/simulation.cc")
    set(m simulation)
  elseif(path MATCHES "^apps/")
    set(m app)
  elseif(path MATCHES "^(include/camfrac|camfrac|src)/([^/]+)/")
    set(m "${CMAKE_MATCH_2}")
  elseif(path MATCHES "^src/[^/]+\\.h$")
    # Internal headers shared by all of src/ (instantiation.h): like io,
    # usable everywhere, so they may include no scheme.
    set(m io)
  else() # e.g. include/camfrac/foo.h: no module directory
    set(m "<none>")
  endif()
  set(${out} "${m}" PARENT_SCOPE)
endfunction()

file(GLOB_RECURSE files RELATIVE "${ROOT}"
  "${ROOT}/include/camfrac/*.h" "${ROOT}/src/*.cc" "${ROOT}/src/*.h" "${ROOT}/apps/*.cc")
list(SORT files)

set(checked 0)
set(violations 0)
set(include_re "(^|\n)[ \t]*#[ \t]*include[ \t]*[<\"](camfrac/[^>\";\n]+)[>\"]")
foreach(f IN LISTS files)
  module_of("${f}" module)
  math(EXPR checked "${checked} + 1")
  list(FIND layers "${module}" own_layer)
  if(own_layer EQUAL -1 AND NOT module STREQUAL "io")
    message("${f}:1: unknown module '${module}' (not in the layers of check_dependencies.cmake)")
    math(EXPR violations "${violations} + 1")
    continue()
  endif()

  file(READ "${ROOT}/${f}" rest)
  string(REGEX MATCHALL "${include_re}" hits "${rest}")
  set(line 1)
  foreach(hit IN LISTS hits)
    # Line number: count the newlines before this hit (and its leading one).
    string(FIND "${rest}" "${hit}" pos)
    string(SUBSTRING "${rest}" 0 ${pos} before)
    string(LENGTH "${hit}" hit_length)
    math(EXPR after "${pos} + ${hit_length}")
    string(SUBSTRING "${rest}" ${after} -1 rest)
    string(REGEX REPLACE "[^\n]" "" newlines "${before}")
    string(LENGTH "${newlines}" n)
    math(EXPR line "${line} + ${n}")
    if(hit MATCHES "^\n")
      math(EXPR line "${line} + 1")
    endif()

    string(REGEX MATCH "${include_re}" _ "${hit}")
    set(header "${CMAKE_MATCH_2}")
    module_of("${header}" target)
    list(FIND layers "${target}" target_layer)
    if(target STREQUAL "io")
      set(ok TRUE)                                   # everyone may use io
    elseif(module STREQUAL "io" OR target_layer EQUAL -1)
      set(ok FALSE)                                  # io uses only io; unknown target
    elseif(target_layer LESS_EQUAL own_layer)
      set(ok TRUE)
    else()
      set(ok FALSE)
    endif()
    if(NOT ok)
      if(target_layer EQUAL -1 AND NOT target STREQUAL "io")
        set(target "${target}: unknown module")
      endif()
      message("${f}:${line}: ${module} includes ${header} (${target})")
      math(EXPR violations "${violations} + 1")
    endif()
  endforeach()
endforeach()

if(checked EQUAL 0)
  message(FATAL_ERROR "check_dependencies: no file to check under ${ROOT}")
endif()
if(violations GREATER 0)
  message(FATAL_ERROR "check_dependencies: ${checked} files, ${violations} violation(s)")
endif()
message("check_dependencies: ${checked} files, no violation")
