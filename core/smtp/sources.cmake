# SMTP client (see include/mailwire/smtp.h, smtp/engine.h).
list(APPEND MAILWIRE_SOURCES
  smtp/reply.c
  smtp/caps.c
  smtp/dot.c
  smtp/engine.c
  smtp/envelope.c
  smtp/body.c
  smtp/batch.c
  smtp/auth.c
  smtp/source.c
  smtp/api.c
  smtp/error_text.c
  smtp/submit.c
)
