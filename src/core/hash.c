/* SPDX-License-Identifier: MIT */
/* SHA-256 through OpenSSL's EVP digest interface. */
#include "core/hash.h"

#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void nb_hash_parts(const char *const *parts, size_t count, char out[NB_HASH_HEX_SIZE])
{
    unsigned char digest[EVP_MAX_MD_SIZE];
    unsigned int len = 0;
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    if (!ctx) {
        fputs("newsbrief: out of memory (EVP_MD_CTX_new)\n", stderr);
        abort();
    }
    EVP_DigestInit_ex(ctx, EVP_sha256(), NULL);
    for (size_t i = 0; i < count; i++) {
        const char *p = parts[i] ? parts[i] : "";
        EVP_DigestUpdate(ctx, p, strlen(p) + 1);
    }
    EVP_DigestFinal_ex(ctx, digest, &len);
    EVP_MD_CTX_free(ctx);
    for (unsigned int i = 0; i < len && i < 32; i++)
        snprintf(out + 2 * i, 3, "%02x", digest[i]);
    out[64] = '\0';
}
