# find_package(GTest) in a cross build for Windows: the GoogleTest targets built from source by
# cmake/MailwireWindowsTesting.cmake (the build machine's libgtest is for Linux).
if(TARGET GTest::gtest AND TARGET GTest::gtest_main)
  set(GTest_FOUND TRUE)
  set(GTEST_FOUND TRUE)
else()
  set(GTest_FOUND FALSE)
  if(GTest_FIND_REQUIRED)
    message(FATAL_ERROR "GTest: include cmake/MailwireWindowsTesting.cmake first")
  endif()
endif()
