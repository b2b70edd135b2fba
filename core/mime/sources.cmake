# MIME layer: address lists, the message object (HMESSAGE, include/mailwire/mime.h), its
# composer, writer and parser, and the SMTPMESSAGE adapter behind SmtpSubmitMessage().
list(APPEND MAILWIRE_SOURCES
  mime/utf8.c
  mime/address.c
  mime/addrread.c
  mime/sbuf.c
  mime/hdrenc.c
  mime/hdrdec.c
  mime/hdrout.c
  mime/params.c
  mime/date.c
  mime/qp.c
  mime/mimetypes.c
  mime/charset.c
  mime/store.c
  mime/msg.c
  mime/build.c
  mime/parse.c
  mime/content.c
  mime/writer.c
  mime/writer_plan.c
  mime/api_msg.c
  mime/api_parts.c
  mime/api_io.c
  mime/envelope.c
  mime/compose.c
  mime/compose_fields.c
  mime/random.c
)
# Charset conversion: iconv from the C library when there is one, else the built-in back end
# (UTF-8, US-ASCII, ISO-8859-1 and Windows-1252 only; see core/mime/charset.h).
include(CheckSymbolExists)
check_symbol_exists(iconv_open "iconv.h" MAILWIRE_HAVE_ICONV)
if(MAILWIRE_HAVE_ICONV)
  list(APPEND MAILWIRE_SOURCES mime/charset_iconv.c)
else()
  list(APPEND MAILWIRE_SOURCES mime/charset_builtin.c)
endif()
