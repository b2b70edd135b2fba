# MIME layer: address lists and the streaming composer for SmtpSubmitMessage().
list(APPEND MAILWIRE_SOURCES
  mime/utf8.c
  mime/address.c
)
