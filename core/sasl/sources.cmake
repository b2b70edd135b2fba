# SASL client mechanisms (see sasl/sasl.h).
list(APPEND MAILWIRE_SOURCES
  sasl/sasl.c
  sasl/scram.c
  sasl/scram_nonce.c
)
