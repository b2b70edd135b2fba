# Warning flags for every target of the project (C and C++). -Werror only when asked for
# (CI and scripts/test.sh turn it on), so that a newer compiler never breaks a user's build.
function(mailwire_warnings target)
  if(CMAKE_C_COMPILER_ID MATCHES "GNU|Clang")
    target_compile_options(${target} PRIVATE -Wall -Wextra -Wpedantic
                           $<$<BOOL:${MAILWIRE_WERROR}>:-Werror>)
  elseif(MSVC)
    target_compile_options(${target} PRIVATE /W4 $<$<BOOL:${MAILWIRE_WERROR}>:/WX>)
  endif()
endfunction()
