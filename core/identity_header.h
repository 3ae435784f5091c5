/*
 * identity_header.h: how the user name travels in the identity header
 * (SocketIOAuthHeader, X-Socketio-User) to the backend.
 *
 * HTTP header values are bytes that most backends read as Latin-1 (Node
 * does), so a name outside plain ASCII would arrive garbled.  A name made
 * only of printable ASCII (0x20-0x7E), without a space at either end and
 * not starting with the flag below, is sent as it is, so that the usual
 * names stay readable in logs and tcpdump.  Any other name is sent as an
 * RFC 8187 ext-value:
 *
 *     UTF-8''<the name's bytes, percent-encoded>
 *
 * every byte except the RFC 8187 attr-chars (A-Z a-z 0-9 ! # $ & + - . ^
 * _ ` | ~) written as %XX, upper-case hex.  A backend in any language
 * decodes it: a value starting with "UTF-8''" is percent-decoded (Node:
 * decodeURIComponent; Python: urllib.parse.unquote with errors="strict";
 * Go: url.PathUnescape) and read as UTF-8; any other value is the name.
 * Names that begin with "utf-8'" in any case are always encoded, so that
 * a decoder that is lenient about the flag's case or its RFC 8187
 * language field never mistakes a plain name for an encoded one.
 *
 * The encoding is deterministic: one name, one header value, so a backend
 * may compare values byte for byte.  The bytes are the name as the login
 * got it: browsers post UTF-8, and a decoder should refuse a value that
 * does not decode as UTF-8.
 *
 * Plain C, no httpd: mod_socketio_auth sets the header with these, the
 * unit test and the fuzzer check them as they ship.
 */
#ifndef IDENTITY_HEADER_H
#define IDENTITY_HEADER_H

#include <stddef.h>

/* What marks an encoded value. */
#define IH_FLAG "UTF-8''"

/* 1 if name goes as it is, 0 if it is encoded. */
int ih_is_plain(const char *name);

/* Bytes ih_encode writes for name, its final NUL included. */
size_t ih_encoded_size(const char *name);

/* Write the header value for name into out, which holds at least
 * ih_encoded_size(name) bytes.  Returns out. */
char *ih_encode(const char *name, char *out);

#endif
