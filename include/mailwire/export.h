/**
 * @file export.h
 * @brief Symbol visibility and calling-convention macros for the mailwire ABI.
 *
 * The shared library is built with hidden visibility; only declarations marked
 * MAILWIRE_API are exported. Consumers of the static library on Windows must
 * define MAILWIRE_STATIC (the CMake target `mailwire::mailwire_static` does so)
 * so that declarations are not marked dllimport.
 */
#ifndef MAILWIRE_EXPORT_H
#define MAILWIRE_EXPORT_H

/**
 * @def MAILWIRE_API
 * @brief Marks a declaration of the public C API: exported from the shared library (default
 *        visibility; __declspec(dllexport) while building the DLL, dllimport when using it) and
 *        empty for the static library (MAILWIRE_STATIC).
 */
#if defined(MAILWIRE_STATIC)
#define MAILWIRE_API
#elif defined(_WIN32)
#if defined(MAILWIRE_BUILDING)
#define MAILWIRE_API __declspec(dllexport)
#else
#define MAILWIRE_API __declspec(dllimport)
#endif
#elif defined(__GNUC__) || defined(__clang__)
#define MAILWIRE_API __attribute__((visibility("default")))
#else
#define MAILWIRE_API
#endif

/** Calling convention of callbacks; __stdcall on 32-bit Windows like SocketTools' CALLBACK. */
#if defined(_WIN32) && !defined(_WIN64)
#define MAILWIRE_CALLBACK __stdcall
#else
#define MAILWIRE_CALLBACK
#endif

#endif /* MAILWIRE_EXPORT_H */
