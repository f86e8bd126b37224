# vipd_vm_test(NAME COMMAND cmd args... [TIMEOUT s] [LABELS l...])
#   Registers a CTest test (label "vm") that runs cmd inside the IPVS test VM
#   through tests/vm/vm-run.sh. cmd may be a generator expression such as
#   $<TARGET_FILE:my_gtest>. TIMEOUT (default 120 s) bounds the VM run; CTest
#   allows 60 s more for the boot. Tests run serially (RUN_SERIAL): a TCG VM
#   keeps a core busy. VIPD_VM_SCRATCH is <build dir>/vm-scratch/NAME, a
#   directory writable inside the VM and kept on the host (the VM console log
#   lands there as vm-console.log).
# vipd_vm_gtest(NAME SOURCES src... [LIBS lib...] [TIMEOUT s] [LABELS l...])
#   Builds a GoogleTest binary NAME and runs it in the VM as one CTest test.
# The first use also registers vipd_vm_prepare (fixture setup): it downloads
# and unpacks Debian's kernel once into the cache (see vm-prepare.sh).
include_guard(GLOBAL)

set(VIPD_VM_DIR ${CMAKE_CURRENT_LIST_DIR} CACHE INTERNAL "tests/vm of vipd")

function(_vipd_vm_prepare_test)
  get_property(done GLOBAL PROPERTY VIPD_VM_PREPARE_TEST)
  if(done)
    return()
  endif()
  set_property(GLOBAL PROPERTY VIPD_VM_PREPARE_TEST TRUE)
  add_test(NAME vipd_vm_prepare COMMAND ${VIPD_VM_DIR}/vm-prepare.sh)
  set_tests_properties(vipd_vm_prepare PROPERTIES
    LABELS vm TIMEOUT 900 RUN_SERIAL TRUE FIXTURES_SETUP vipd_vm)
endfunction()

function(vipd_vm_test name)
  cmake_parse_arguments(V "" "TIMEOUT;CPUS;MEM" "COMMAND;LABELS" ${ARGN})
  if(NOT V_COMMAND)
    message(FATAL_ERROR "vipd_vm_test(${name}): COMMAND is required")
  endif()
  if(V_UNPARSED_ARGUMENTS)
    message(FATAL_ERROR "vipd_vm_test(${name}): unknown arguments ${V_UNPARSED_ARGUMENTS}")
  endif()
  if(NOT V_TIMEOUT)
    set(V_TIMEOUT 120)
  endif()
  if(NOT V_CPUS)
    set(V_CPUS 1)
  endif()
  if(NOT V_MEM)
    set(V_MEM 512)
  endif()
  math(EXPR ctest_timeout "${V_TIMEOUT} + 60")
  _vipd_vm_prepare_test()
  add_test(NAME ${name}
    COMMAND ${VIPD_VM_DIR}/vm-run.sh --cpus ${V_CPUS} --mem ${V_MEM} --timeout ${V_TIMEOUT} -- ${V_COMMAND})
  set_tests_properties(${name} PROPERTIES
    LABELS "vm;${V_LABELS}"
    TIMEOUT ${ctest_timeout}
    RUN_SERIAL TRUE
    FIXTURES_REQUIRED vipd_vm
    ENVIRONMENT "VIPD_VM_SCRATCH=${CMAKE_CURRENT_BINARY_DIR}/vm-scratch/${name}")
endfunction()

function(vipd_vm_gtest name)
  cmake_parse_arguments(V "" "TIMEOUT" "SOURCES;LIBS;LABELS" ${ARGN})
  add_executable(${name} ${V_SOURCES})
  target_link_libraries(${name} PRIVATE ${V_LIBS} GTest::gtest GTest::gtest_main GTest::gmock)
  set(extra)
  if(V_TIMEOUT)
    list(APPEND extra TIMEOUT ${V_TIMEOUT})
  endif()
  if(V_LABELS)
    list(APPEND extra LABELS ${V_LABELS})
  endif()
  vipd_vm_test(${name} COMMAND $<TARGET_FILE:${name}> --gtest_color=no ${extra})
endfunction()
