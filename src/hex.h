/*
 * hex - hexadecimal digits both ways, shared by URL percent-decoding, /binary HEX and the hex
 * output format.
 */
#ifndef WSC_HEX_H
#define WSC_HEX_H

/* The value of one hex digit (either case), or -1. */
static inline int hex_value(int c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

/* Lower-case digits for encoding. */
static const char hex_digits[] = "0123456789abcdef";

#endif
