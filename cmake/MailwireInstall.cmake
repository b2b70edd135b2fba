# install(): libraries, headers, CMake package (mailwire::mailwire, mailwire::mailwire_static,
# mailwire::cpp) and a pkg-config file.
include(CMakePackageConfigHelpers)

# Either library may be absent (MAILWIRE_SHARED / MAILWIRE_STATIC); mailwire::cpp links the one
# that was built (core/CMakeLists.txt).
set(_mw_install_targets mailwire_cpp)
if(MAILWIRE_SHARED)
  list(APPEND _mw_install_targets mailwire)
endif()
if(MAILWIRE_STATIC)
  list(APPEND _mw_install_targets mailwire_static)
endif()
install(TARGETS ${_mw_install_targets}
  EXPORT mailwireTargets
  LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR}
  ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR}
  RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR}
  INCLUDES DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})

install(DIRECTORY ${PROJECT_SOURCE_DIR}/include/mailwire
  DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}
  FILES_MATCHING PATTERN "*.h")
install(FILES ${PROJECT_BINARY_DIR}/include/mailwire/version.h
  DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}/mailwire)
# The C++ layer, and the event-loop drivers in adapters/ (C headers among them: glib.h,
# libuv.h).
install(DIRECTORY ${PROJECT_SOURCE_DIR}/wrapper/mailwire
  DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}
  FILES_MATCHING PATTERN "*.hpp" PATTERN "*.h")

set(MAILWIRE_CMAKE_DIR ${CMAKE_INSTALL_LIBDIR}/cmake/mailwire)
install(EXPORT mailwireTargets NAMESPACE mailwire:: DESTINATION ${MAILWIRE_CMAKE_DIR})
configure_package_config_file(${PROJECT_SOURCE_DIR}/cmake/mailwireConfig.cmake.in
  ${PROJECT_BINARY_DIR}/mailwireConfig.cmake
  INSTALL_DESTINATION ${MAILWIRE_CMAKE_DIR})
write_basic_package_version_file(${PROJECT_BINARY_DIR}/mailwireConfigVersion.cmake
  COMPATIBILITY SameMajorVersion)
install(FILES ${PROJECT_BINARY_DIR}/mailwireConfig.cmake
              ${PROJECT_BINARY_DIR}/mailwireConfigVersion.cmake
  DESTINATION ${MAILWIRE_CMAKE_DIR})

# pkg-config: with a shared library, -lmailwire finds it and GnuTLS, nettle and the thread
# library are only needed for --static. A static-only install makes them plain requirements
# instead (still linked as shared libraries, as through CMake), so that no --static is needed:
# --static would also ask for GnuTLS's own private libraries, whose development files Debian
# does not install with libgnutls28-dev. It also carries the definition the CMake target has.
if(MAILWIRE_SHARED)
  set(MAILWIRE_PC_REQUIRES "Requires.private")
  set(MAILWIRE_PC_LIBS "")
  set(MAILWIRE_PC_LIBS_PRIVATE "-lpthread")
  set(MAILWIRE_PC_CFLAGS "")
else()
  set(MAILWIRE_PC_REQUIRES "Requires")
  set(MAILWIRE_PC_LIBS " -lpthread")
  set(MAILWIRE_PC_LIBS_PRIVATE "")
  set(MAILWIRE_PC_CFLAGS " -DMAILWIRE_STATIC")
endif()
# zlib (COMPRESS=DEFLATE) is one more such library when the build has it.
set(MAILWIRE_PC_ZLIB "")
if(MAILWIRE_WITH_ZLIB)
  set(MAILWIRE_PC_ZLIB ", zlib")
endif()
file(RELATIVE_PATH MAILWIRE_PC_TO_PREFIX
  ${CMAKE_INSTALL_FULL_LIBDIR}/pkgconfig ${CMAKE_INSTALL_PREFIX})
configure_file(${PROJECT_SOURCE_DIR}/cmake/mailwire.pc.in
  ${PROJECT_BINARY_DIR}/mailwire.pc @ONLY)
install(FILES ${PROJECT_BINARY_DIR}/mailwire.pc
  DESTINATION ${CMAKE_INSTALL_LIBDIR}/pkgconfig)
