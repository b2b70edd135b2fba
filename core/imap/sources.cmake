# IMAP client: response reader, argument encoder, modified UTF-7, engine and its ops, public API.
list(APPEND MAILWIRE_SOURCES
  imap/reader.c
  imap/encode.c
  imap/utf7.c
  imap/engine.c
  imap/engine_ops.c
  imap/ops.c
  imap/ops_mailbox.c
  imap/ops_fetch.c
  imap/ops_message.c
  imap/results.c
  imap/response.c
  imap/untagged.c
  imap/fetch.c
  imap/auth.c
  imap/api.c
  imap/api_mailbox.c
  imap/api_message.c
  imap/api_append_mime.c
  imap/api_structure.c
  imap/structure.c
  imap/api_fetch.c
  imap/vanished.c
  imap/sync.c
  imap/api_sync.c
)
