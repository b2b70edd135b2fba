# The test suite of a cross build for Windows (cmake/toolchains/mingw-w64-x86_64.cmake), run
# under Wine on the build machine. Included by tests/CMakeLists.txt before any test target
# exists:
#   - GoogleTest is built from Debian's source package (libgtest-dev ships /usr/src/googletest;
#     no package has it for mingw) with the project's compilers, as GTest::gtest & co.;
#     cmake/windows/FindGTest.cmake then makes find_package(GTest) take those targets;
#   - CMAKE_CROSSCOMPILING_EMULATOR runs every test program (and gtest's test discovery)
#     through tests/windows/wine-run.sh, with a Wine prefix of this build tree
#     (<build>/wineprefix, created on first use).
# Tests that need the Linux host (scripts, the fixture's servers) stay host commands.

set(MAILWIRE_GTEST_SOURCE "/usr/src/googletest" CACHE PATH
    "GoogleTest source tree for cross builds (Debian: libgtest-dev)")
if(NOT TARGET GTest::gtest)
  if(NOT EXISTS "${MAILWIRE_GTEST_SOURCE}/CMakeLists.txt")
    message(FATAL_ERROR "no GoogleTest source at ${MAILWIRE_GTEST_SOURCE} (MAILWIRE_GTEST_SOURCE; "
                        "Debian: apt-get install libgtest-dev libgmock-dev)")
  endif()
  set(INSTALL_GTEST OFF CACHE BOOL "" FORCE)
  set(BUILD_GMOCK ON CACHE BOOL "" FORCE)
  add_subdirectory("${MAILWIRE_GTEST_SOURCE}" "${CMAKE_BINARY_DIR}/googletest" EXCLUDE_FROM_ALL)
  # GoogleTest 1.11 and later name their targets GTest::... themselves.
  foreach(lib gtest gtest_main gmock gmock_main)
    if(NOT TARGET GTest::${lib})
      add_library(GTest::${lib} ALIAS ${lib})
    endif()
  endforeach()
endif()
list(PREPEND CMAKE_MODULE_PATH "${CMAKE_CURRENT_LIST_DIR}/windows")

# A Windows build's tests cannot run without Wine: an error, not a silent skip.
find_program(MAILWIRE_WINE NAMES wine64 wine)
if(NOT MAILWIRE_WINE)
  message(FATAL_ERROR "the tests of a Windows build run under Wine, which is not installed "
                      "(scripts/install-deps.sh windows), or configure with "
                      "-DMAILWIRE_BUILD_TESTS=OFF")
endif()
set(MAILWIRE_WINEPREFIX "${CMAKE_BINARY_DIR}/wineprefix")
set(CMAKE_CROSSCOMPILING_EMULATOR
    "${PROJECT_SOURCE_DIR}/tests/windows/wine-run.sh;${MAILWIRE_WINE};${MAILWIRE_WINEPREFIX}")
