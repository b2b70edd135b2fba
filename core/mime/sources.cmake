# MIME layer: address lists and the streaming composer for SmtpSubmitMessage().
list(APPEND MAILWIRE_SOURCES
  mime/utf8.c
  mime/address.c
  mime/sbuf.c
  mime/hdrenc.c
  mime/qp.c
  mime/mimetypes.c
  mime/compose.c
  mime/compose_fields.c
  mime/compose_plan.c
  mime/random.c
)
