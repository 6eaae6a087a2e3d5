/*
 * utf8.h — measuring and checking UTF-8 text: what the lint counts against --max-text, what
 * lines up tables on a terminal, and what may go into a bundle or a report.
 */
#ifndef HF_CLI_UTF8_H
#define HF_CLI_UTF8_H

#include <stddef.h>

/* The code points of a NUL-terminated UTF-8 string: the bytes that do not continue a
 * sequence. A terminal gives each one column, which is what lines tables up. */
size_t cli_utf8_width(const char *s);

/* The offset of the first byte of s[0..n) that does not start a valid UTF-8 sequence (RFC
 * 3629: no overlong forms, no surrogates, nothing past U+10FFFF, no sequence cut short), or
 * -1 if all of it is valid. A NUL byte counts as invalid: JSON text cannot carry it as it is. */
long cli_utf8_bad_at(const char *s, size_t n);

#endif
