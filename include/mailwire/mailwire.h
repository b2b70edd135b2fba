/**
 * @file mailwire.h
 * @brief Umbrella header: include this to use every public mailwire C API.
 */
#ifndef MAILWIRE_MAILWIRE_H
#define MAILWIRE_MAILWIRE_H

#include <mailwire/version.h>
#include <mailwire/export.h>
#include <mailwire/common.h>
#include <mailwire/smtp.h>
#include <mailwire/imap.h>
#include <mailwire/mime.h>

#endif /* MAILWIRE_MAILWIRE_H */
