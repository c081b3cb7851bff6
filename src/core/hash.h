/* SPDX-License-Identifier: MIT */
/* Content hashes: SHA-256 (OpenSSL) as lowercase hex, for cache keys. */
#ifndef NB_CORE_HASH_H
#define NB_CORE_HASH_H

#include <stddef.h>

#define NB_HASH_HEX_SIZE 65 /* 64 hex digits and a NUL */

/* SHA-256 of the concatenation of count parts (each NUL-terminated; NULL counts as ""),
 * each followed by a zero byte so that ("ab","c") and ("a","bc") differ. */
void nb_hash_parts(const char *const *parts, size_t count, char out[NB_HASH_HEX_SIZE]);

#endif
