/*
 * base64 - RFC 4648 §4 base64 encoding, with padding.
 */
#ifndef WSC_BASE64_H
#define WSC_BASE64_H

#include <stddef.h>
#include <stdint.h>

/* Characters needed to encode n bytes, not counting the terminating NUL. */
static inline size_t base64_encoded_len(size_t n)
{
    return (n + 2) / 3 * 4;
}

/* Encode p[0..n) into out, which has room for base64_encoded_len(n) + 1 bytes; NUL-terminates.
 * Returns the encoded length. */
size_t base64_encode(const uint8_t *p, size_t n, char *out);

#endif
