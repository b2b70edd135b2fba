# Cross-compiling for 64-bit Windows with Debian's mingw-w64 (gcc-mingw-w64-x86-64,
# g++-mingw-w64-x86-64). scripts/build-windows.sh uses it; by hand:
#
#   cmake -S . -B build-win -DCMAKE_TOOLCHAIN_FILE=cmake/toolchains/mingw-w64-x86_64.cmake \
#         -DMAILWIRE_MINGW_PREFIX=/var/cache/mailwire-mingw/<key>/prefix
#
# MAILWIRE_MINGW_PREFIX (or the environment variable of that name): the Windows prefix that
# holds GnuTLS, nettle and gmp (include/, lib/, lib/pkgconfig/), such as the cache that
# scripts/build-windows.sh fills, or an OUTDIR it installed (which carries them too, so a
# consumer project can point this file at OUTDIR and use find_package(mailwire)).
# pkg-config looks there and nowhere else, with --static: those builds are static
# libraries only, so their private dependencies (crypt32, ncrypt, bcrypt...) must be linked.
set(CMAKE_SYSTEM_NAME Windows)
set(CMAKE_SYSTEM_PROCESSOR AMD64)

set(MAILWIRE_MINGW_TRIPLET x86_64-w64-mingw32)
set(CMAKE_C_COMPILER ${MAILWIRE_MINGW_TRIPLET}-gcc)
set(CMAKE_CXX_COMPILER ${MAILWIRE_MINGW_TRIPLET}-g++)
set(CMAKE_RC_COMPILER ${MAILWIRE_MINGW_TRIPLET}-windres)

# MAILWIRE_MINGW_THREADS=posix (the test build of scripts/test.sh): the compilers of the posix
# thread model (...-gcc-posix, ...-g++-posix), whose libstdc++ has std::thread and std::mutex,
# which the test programs use and gcc 12's default win32 model lacks. C too: a C++ program
# linked with C objects would otherwise get the win32 runtime's directory on its link line.
# Everything then links winpthread and gcc's runtimes statically (-static), so the programs
# and the DLL still import system DLLs only. The default (win32) is what users get.
if(NOT MAILWIRE_MINGW_THREADS AND DEFINED ENV{MAILWIRE_MINGW_THREADS})
  set(MAILWIRE_MINGW_THREADS "$ENV{MAILWIRE_MINGW_THREADS}")
endif()
list(APPEND CMAKE_TRY_COMPILE_PLATFORM_VARIABLES MAILWIRE_MINGW_THREADS)
set(_mw_static "")
if(MAILWIRE_MINGW_THREADS STREQUAL "posix")
  set(CMAKE_C_COMPILER ${MAILWIRE_MINGW_TRIPLET}-gcc-posix)
  set(CMAKE_CXX_COMPILER ${MAILWIRE_MINGW_TRIPLET}-g++-posix)
  set(_mw_static " -static")
elseif(MAILWIRE_MINGW_THREADS AND NOT MAILWIRE_MINGW_THREADS STREQUAL "win32")
  message(FATAL_ERROR "MAILWIRE_MINGW_THREADS: win32 (default) or posix")
endif()

# gcc's runtime linked in, not imported: libmailwire.dll would otherwise need
# libgcc_s_seh-1.dll (for __emutls_get_address, the thread-local last error), and C++
# programs libstdc++-6.dll, beside them.
foreach(kind EXE SHARED MODULE)
  set(CMAKE_${kind}_LINKER_FLAGS_INIT "-static-libgcc -static-libstdc++${_mw_static}")
endforeach()

if(NOT MAILWIRE_MINGW_PREFIX AND DEFINED ENV{MAILWIRE_MINGW_PREFIX})
  set(MAILWIRE_MINGW_PREFIX "$ENV{MAILWIRE_MINGW_PREFIX}")
endif()
# try_compile() projects read this file again: hand them the prefix.
list(APPEND CMAKE_TRY_COMPILE_PLATFORM_VARIABLES MAILWIRE_MINGW_PREFIX)

# Headers, libraries and packages come from the mingw sysroot and the prefix only; programs
# (pkg-config, code generators) from the build machine.
set(CMAKE_FIND_ROOT_PATH /usr/${MAILWIRE_MINGW_TRIPLET} ${MAILWIRE_MINGW_PREFIX})
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_PACKAGE ONLY)

if(MAILWIRE_MINGW_PREFIX)
  set(ENV{PKG_CONFIG_LIBDIR} "${MAILWIRE_MINGW_PREFIX}/lib/pkgconfig")
  set(ENV{PKG_CONFIG_PATH} "")
  set(PKG_CONFIG_ARGN --static CACHE STRING "Arguments to supply to pkg-config")
endif()
