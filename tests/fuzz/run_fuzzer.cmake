# Run one libFuzzer program for SECONDS on a scratch copy of its seed corpus (the committed
# seeds are never modified). Any crash, leak or sanitizer report fails the test; the crashing
# input is left in WORK for reproduction. A single allocation over 64 MiB also fails it: no parser
# may allocate what the peer merely announces (an IMAP literal size, a SIZE value).
# The seed is fixed: a run explores the same input sequence every time, a slower machine only
# a prefix of it, so CI does not fail at random on what a longer local run already passed.
# Exploring further is a deliberate, longer run (MAILWIRE_FUZZ_SECONDS, another -seed).
file(REMOVE_RECURSE ${WORK})
file(MAKE_DIRECTORY ${WORK}/corpus)
file(GLOB seeds ${CORPUS}/*)
if(seeds)
  file(COPY ${seeds} DESTINATION ${WORK}/corpus)
endif()
# A target's dictionary, when it has one: tests/fuzz/dict/<target>.dict (libFuzzer -dict).
get_filename_component(target ${CORPUS} NAME)
get_filename_component(dict ${CORPUS}/../../dict/${target}.dict ABSOLUTE)
set(dict_arg)
if(EXISTS ${dict})
  set(dict_arg -dict=${dict})
endif()
execute_process(
  COMMAND ${PROGRAM} -seed=1 ${dict_arg} -max_total_time=${SECONDS} -timeout=10 -rss_limit_mb=1024 -malloc_limit_mb=64
          -artifact_prefix=${WORK}/ -print_final_stats=1 ${WORK}/corpus
  RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "fuzzer ${PROGRAM} failed (exit ${rc}); see artifacts in ${WORK}")
endif()
