# install(): libraries, headers, CMake package (mailwire::mailwire, mailwire::mailwire_static,
# mailwire::cpp) and a pkg-config file.
include(CMakePackageConfigHelpers)

install(TARGETS mailwire mailwire_static mailwire_cpp
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
install(DIRECTORY ${PROJECT_SOURCE_DIR}/wrapper/mailwire
  DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}
  FILES_MATCHING PATTERN "*.hpp")

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

file(RELATIVE_PATH MAILWIRE_PC_TO_PREFIX
  ${CMAKE_INSTALL_FULL_LIBDIR}/pkgconfig ${CMAKE_INSTALL_PREFIX})
configure_file(${PROJECT_SOURCE_DIR}/cmake/mailwire.pc.in
  ${PROJECT_BINARY_DIR}/mailwire.pc @ONLY)
install(FILES ${PROJECT_BINARY_DIR}/mailwire.pc
  DESTINATION ${CMAKE_INSTALL_LIBDIR}/pkgconfig)
