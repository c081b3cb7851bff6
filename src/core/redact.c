/* SPDX-License-Identifier: MIT */
/* Redaction of secrets: the registered set is kept sorted by a hash of each secret's first
 * four bytes (every secret has at least four), longest first within a bucket, with an index
 * of where each bucket starts, so a text is scanned once and each position is compared only
 * with the secrets that start with the same four bytes, however many are registered.
 * Patterns (query parameters, user:password@, chat webhook paths) are checked at the bytes
 * that can start them. */
#include "core/limits.h"
#include "core/redact.h"

#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/buf.h"
#include "core/memory.h"

#define MIN_SECRET 4
#define BUCKET_BITS 12
#define BUCKETS (1u << BUCKET_BITS)

typedef struct secret {
    char *text;
    size_t len;
    unsigned bucket;
} secret;

static pthread_rwlock_t lock = PTHREAD_RWLOCK_INITIALIZER;
static secret *secrets;
static size_t secret_count, secret_alloc;
static uint32_t first[BUCKETS + 1]; /* bucket b's secrets: first[b] .. first[b + 1] - 1 */

/* The bucket of the four bytes at p (which has at least four). */
static unsigned bucket_of(const char *p)
{
    const unsigned char *u = (const unsigned char *)p;
    uint32_t v = (uint32_t)u[0] | (uint32_t)u[1] << 8 | (uint32_t)u[2] << 16 | (uint32_t)u[3] << 24;
    return (unsigned)((v * 2654435761u) >> (32 - BUCKET_BITS));
}

static int by_bucket_then_longest(const void *a, const void *b)
{
    const secret *x = a, *y = b;
    if (x->bucket != y->bucket)
        return x->bucket < y->bucket ? -1 : 1;
    if (x->len != y->len)
        return x->len > y->len ? -1 : 1;
    return strcmp(x->text, y->text);
}

static void index_secrets(void)
{
    size_t at = 0;
    for (unsigned b = 0; b < BUCKETS; b++) {
        first[b] = (uint32_t)at;
        while (at < secret_count && secrets[at].bucket == b)
            at++;
    }
    first[BUCKETS] = (uint32_t)secret_count;
}

void nb_redact_add(const char *text)
{
    if (!text || strlen(text) < MIN_SECRET)
        return;
    pthread_rwlock_wrlock(&lock);
    int known = 0;
    unsigned b = bucket_of(text);
    for (size_t i = first[b]; i < first[b + 1] && !known; i++)
        known = strcmp(secrets[i].text, text) == 0;
    if (!known) {
        secrets = nb_xgrow(secrets, &secret_alloc, secret_count + 1, sizeof *secrets);
        secrets[secret_count++] = (secret){nb_xstrdup(text), strlen(text), b};
        qsort(secrets, secret_count, sizeof *secrets, by_bucket_then_longest);
        index_secrets();
    }
    pthread_rwlock_unlock(&lock);
}

void nb_redact_clear(void)
{
    pthread_rwlock_wrlock(&lock);
    for (size_t i = 0; i < secret_count; i++)
        free(secrets[i].text);
    free(secrets);
    secrets = NULL;
    secret_count = secret_alloc = 0;
    index_secrets();
    pthread_rwlock_unlock(&lock);
}

size_t nb_redact_count(void)
{
    pthread_rwlock_rdlock(&lock);
    size_t n = secret_count;
    pthread_rwlock_unlock(&lock);
    return n;
}

/* Whether p has the four bytes a secret starts with. */
static int four_bytes(const char *p)
{
    return p[0] && p[1] && p[2] && p[3];
}

/* The longest registered secret at p, or 0. Called under the read lock. */
static size_t registered_at(const char *p)
{
    if (!four_bytes(p))
        return 0;
    unsigned b = bucket_of(p);
    for (size_t i = first[b]; i < first[b + 1]; i++)
        if (strncmp(p, secrets[i].text, secrets[i].len) == 0)
            return secrets[i].len;
    return 0;
}

/* Whether some registered secret may start at p. */
static int may_start(const char *p)
{
    if (!four_bytes(p))
        return 0;
    unsigned b = bucket_of(p);
    return first[b] != first[b + 1];
}

/* Query parameters whose values are credentials on the platforms we talk to. */
static const char *const secret_params[] = {
    "key",           "token",  "access_token", "secret",   "sign",   "signature",
    "api_key",       "apikey", "api-key",      "password", "passwd", "client_secret",
    "refresh_token", "auth",   "auth_key",     NULL};

static int is_secret_param(const char *name, size_t len)
{
    for (size_t i = 0; secret_params[i]; i++)
        if (strlen(secret_params[i]) == len && strncasecmp(name, secret_params[i], len) == 0)
            return 1;
    return 0;
}

/* Where a URL or a parameter value ends inside text. */
static const char url_end[] = " \t\r\n\"'<>\\";
static const char value_end[] = "&# \t\r\n\"'<>\\";

/* Webhook paths whose remainder is the credential: the prefix is kept, the rest masked. */
static const char *const token_paths[] = {"hooks.slack.com/services/", "/api/webhooks/",
                                          "/open-apis/bot/v2/hook/", NULL};

static size_t path_rest(const char *p)
{
    size_t n = 0;
    while (p[n] && !strchr(url_end, p[n]) && p[n] != '?' && p[n] != '#')
        n++;
    return n;
}

/* A pattern secret at p: sets *keep (bytes copied as they are) and *mask (bytes after them
 * replaced by the mask); 0 when none starts here. */
static int pattern_at(const char *p, size_t *keep, size_t *mask)
{
    /* "?key=VALUE" or "&token=VALUE": keep the name, mask the value */
    if ((*p == '?' || *p == '&') && p[1]) {
        const char *name = p + 1;
        size_t len = strcspn(name, "=&# \t\r\n\"'");
        if (name[len] == '=' && is_secret_param(name, len)) {
            *keep = len + 2;
            *mask = strcspn(p + *keep, value_end);
            return 1;
        }
    }
    /* "scheme://user:password@host" */
    if (p[0] == ':' && p[1] == '/' && p[2] == '/') {
        size_t n = strcspn(p + 3, "/?#@ \t\r\n\"'<>\\");
        if (p[3 + n] == '@' && memchr(p + 3, ':', n)) {
            *keep = 3;
            *mask = n;
            return 1;
        }
    }
    /* Telegram "/bot123456:TOKEN" */
    if (p[0] == '/' && strncmp(p, "/bot", 4) == 0) {
        size_t digits = strspn(p + 4, "0123456789");
        if (digits && p[4 + digits] == ':') {
            *keep = 4;
            *mask = digits + 1 +
                    strspn(p + 5 + digits, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
                                           "0123456789_-");
            return 1;
        }
    }
    for (size_t i = 0; token_paths[i]; i++) {
        size_t len = strlen(token_paths[i]);
        if (*p == token_paths[i][0] && strncmp(p, token_paths[i], len) == 0 && path_rest(p + len)) {
            *keep = len;
            *mask = path_rest(p + len);
            return 1;
        }
    }
    return 0;
}

static void put(nb_buf *b, const char *data, size_t len)
{
    if (nb_buf_append(b, data, len)) {
        /* capped above what capped input makes: cannot fail */
    }
}

char *nb_redact(const char *text)
{
    if (!text)
        return NULL;
    nb_buf b;
    nb_buf_init(&b, NB_LIMIT_OUTPUT_BYTES);
    pthread_rwlock_rdlock(&lock);
    const char *p = text;
    while (*p) {
        size_t keep = 0, mask = 0, plain = 0;
        size_t len = registered_at(p);
        if (len) {
            put(&b, NB_REDACT_MASK, strlen(NB_REDACT_MASK));
            p += len;
        } else if (pattern_at(p, &keep, &mask)) {
            put(&b, p, keep);
            put(&b, NB_REDACT_MASK, strlen(NB_REDACT_MASK));
            p += keep + mask;
        } else {
            /* copy up to the next byte that may start a secret or a pattern */
            do
                plain++;
            while (p[plain] && !strchr("?&:/h", p[plain]) && !may_start(p + plain));
            put(&b, p, plain);
            p += plain;
        }
    }
    pthread_rwlock_unlock(&lock);
    return nb_buf_take(&b);
}

void nb_redact_copy(const char *text, char *out, size_t n)
{
    if (n == 0)
        return;
    char *clean = nb_redact(text ? text : "");
    size_t len = strlen(clean);
    if (len >= n) {
        len = n - 1;
        while (len && ((unsigned char)clean[len] & 0xC0) == 0x80)
            len--; /* do not cut a character */
    }
    memcpy(out, clean, len);
    out[len] = '\0';
    free(clean);
}

void nb_redact_json(json_t *value)
{
    if (json_is_string(value)) {
        char *clean = nb_redact(json_string_value(value));
        if (strcmp(clean, json_string_value(value)) != 0)
            json_string_set(value, clean);
        free(clean);
    } else if (json_is_array(value)) {
        for (size_t i = 0; i < json_array_size(value); i++)
            nb_redact_json(json_array_get(value, i));
    } else if (json_is_object(value)) {
        void *it = json_object_iter(value);
        while (it) {
            const char *key = json_object_iter_key(it);
            json_t *item = json_object_iter_value(it);
            void *next = json_object_iter_next(value, it);
            nb_redact_json(item);
            char *clean = nb_redact(key);
            if (strcmp(clean, key) != 0) {
                /* a key quoting a secret: moved under its masked name */
                json_object_set(value, clean, item);
                json_object_del(value, key);
            }
            free(clean);
            it = next;
        }
    }
}
