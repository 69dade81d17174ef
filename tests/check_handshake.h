/* Shared definitions for the handshake unit tests (check_handshake*.c). */
#ifndef WSC_CHECK_HANDSHAKE_H
#define WSC_CHECK_HANDSHAKE_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "check_common.h"
#include "handshake.h"
#include "rand.h"

#ifndef WSC_VERSION
#define WSC_VERSION "0"
#endif

#define NROWS(a) ((int)(sizeof(a) / sizeof((a)[0])))

/* RFC 6455 §1.3 example key and its accept value. */
#define RFC_KEY    "dGhlIHNhbXBsZSBub25jZQ=="
#define RFC_ACCEPT "s3pPLMBiTxaQ9kYGzzhZRbK+xOo="

#endif
