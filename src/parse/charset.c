/* Character sets: bytes in a named encoding to UTF-8 through iconv. Bytes that the
 * encoding cannot decode become U+FFFD and are counted, so invalid input never passes
 * on; the output is always valid UTF-8. */
#include <errno.h>
#include <iconv.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/memory.h"
#include "parse/parse.h"

static const char REPLACEMENT[] = "\xEF\xBF\xBD"; /* U+FFFD */

/* iconv knows most WHATWG labels; a few common ones need the name iconv uses. */
static const char *iconv_name(const char *charset)
{
    static const struct {
        const char *label, *name;
    } aliases[] = {
        {"gb2312", "GB18030"}, /* pages labelled GB2312 routinely use GBK characters */
        {"gbk", "GB18030"},
        {"x-gbk", "GB18030"},
        {"csgb2312", "GB18030"},
        {"big5", "BIG5-HKSCS"},
        {"x-sjis", "SHIFT_JIS"},
        {"shift-jis", "SHIFT_JIS"},
        {"ms_kanji", "SHIFT_JIS"},
        {"windows-31j", "CP932"},
        {"x-euc-jp", "EUC-JP"},
        {"ks_c_5601-1987", "CP949"},
        {"x-mac-roman", "MACINTOSH"},
        {"macintosh", "MACINTOSH"},
        {"utf8", "UTF-8"},
        {"unicode-1-1-utf-8", "UTF-8"},
        {"utf-16", "UTF-16"},
        {"utf16", "UTF-16"},
        {"u16", "UTF-16"},
        {"csunicode", "UTF-16"},
        {"ucs-2", "UTF-16"},
        {"iso-10646-ucs-2", "UTF-16"},
        {"utf-32", "UTF-32"},
        {"utf32", "UTF-32"},
        {"u32", "UTF-32"},
        {"ucs-4", "UTF-32"},
        {"csucs4", "UTF-32"},
        {"iso-10646-ucs-4", "UTF-32"},
        {"maclatin2", "MAC-CENTRALEUROPE"},
        {"maciceland", "MAC-IS"},
        {"winbaltrim", "CP1257"},
    };
    for (size_t i = 0; i < sizeof aliases / sizeof aliases[0]; i++)
        if (strcasecmp(charset, aliases[i].label) == 0)
            return aliases[i].name;
    return charset;
}

/* iconv_open under the label, else with '_' read as '-' ("windows_1252", "utf_8"). */
static iconv_t open_decoder(const char *charset)
{
    iconv_t cd = iconv_open("UTF-8", iconv_name(charset));
    if (cd != (iconv_t)-1 || strlen(charset) >= 64)
        return cd;
    if (strncasecmp(charset, "csibm", 5) == 0) { /* "csibm861": IANA's alias of IBM861 */
        char ibm[64];
        snprintf(ibm, sizeof ibm, "IBM%s", charset + 5);
        return iconv_open("UTF-8", ibm);
    }
    if (!strchr(charset, '_'))
        return cd;
    char dashed[64];
    size_t i = 0;
    for (; charset[i]; i++)
        dashed[i] = charset[i] == '_' ? '-' : charset[i];
    dashed[i] = '\0';
    return iconv_open("UTF-8", iconv_name(dashed));
}

/* Opening a decoder makes glibc load (and later unload) its conversion module, which
 * costs more than decoding a small feed; each thread keeps its last few decoders open and
 * resets their state before reuse. */
#define DECODER_CACHE 160

static _Thread_local struct {
    char name[64];
    iconv_t cd;
} decoders[DECODER_CACHE];
static _Thread_local unsigned decoder_next;

static iconv_t cached_decoder(const char *charset)
{
    if (strlen(charset) >= sizeof decoders[0].name)
        return open_decoder(charset);
    for (size_t i = 0; i < DECODER_CACHE; i++)
        if (decoders[i].name[0] && !strcasecmp(decoders[i].name, charset)) {
            if (decoders[i].cd != (iconv_t)-1)
                iconv(decoders[i].cd, NULL, NULL, NULL, NULL);
            return decoders[i].cd;
        }
    iconv_t cd = open_decoder(charset); /* an unknown charset is remembered as such */
    unsigned slot = decoder_next++ % DECODER_CACHE;
    if (decoders[slot].name[0] && decoders[slot].cd != (iconv_t)-1)
        iconv_close(decoders[slot].cd);
    snprintf(decoders[slot].name, sizeof decoders[slot].name, "%s", charset);
    decoders[slot].cd = cd;
    return cd;
}

static int is_cached(iconv_t cd)
{
    if (cd == (iconv_t)-1)
        return 1;
    for (size_t i = 0; i < DECODER_CACHE; i++)
        if (decoders[i].name[0] && decoders[i].cd == cd)
            return 1;
    return 0;
}

int nb_charset_known(const char *charset)
{
    if (!charset || !*charset)
        return 0;
    return cached_decoder(charset) != (iconv_t)-1;
}

/* Appends n bytes to out at *used, growing it. */
static void put(char **out, size_t *used, size_t *alloc, const char *bytes, size_t n)
{
    if (*used + n + 1 > *alloc) {
        while (*used + n + 1 > *alloc)
            *alloc *= 2;
        *out = nb_xrealloc(*out, *alloc);
    }
    memcpy(*out + *used, bytes, n);
    *used += n;
}

/* Length of the valid UTF-8 sequence at p (at most n bytes), 0 when invalid: no overlong
 * forms, no surrogates, nothing above U+10FFFF (what iconv also rejects). */
static inline size_t utf8_sequence(const unsigned char *p, size_t n)
{
    if (p[0] < 0x80)
        return 1;
    if (p[0] >= 0xC2 && p[0] <= 0xDF)
        return n >= 2 && (p[1] & 0xC0) == 0x80 ? 2 : 0;
    if (p[0] >= 0xE0 && p[0] <= 0xEF) {
        if (n < 3 || (p[1] & 0xC0) != 0x80 || (p[2] & 0xC0) != 0x80)
            return 0;
        if ((p[0] == 0xE0 && p[1] < 0xA0) || (p[0] == 0xED && p[1] > 0x9F))
            return 0;
        return 3;
    }
    if (p[0] >= 0xF0 && p[0] <= 0xF4) {
        if (n < 4 || (p[1] & 0xC0) != 0x80 || (p[2] & 0xC0) != 0x80 || (p[3] & 0xC0) != 0x80)
            return 0;
        if ((p[0] == 0xF0 && p[1] < 0x90) || (p[0] == 0xF4 && p[1] > 0x8F))
            return 0;
        return 4;
    }
    return 0;
}

/* UTF-8 (and its ASCII and Latin-1 relatives) needs no iconv: feeds are mostly UTF-8, and
 * opening an iconv decoder costs more than checking a small feed. NULL when charset is
 * not one of these. */
static char *decode_without_iconv(const char *bytes, size_t len, const char *charset,
                                  size_t *out_len, size_t *invalid)
{
    enum { UTF8, ASCII, LATIN1 } kind;
    if (!strcasecmp(charset, "utf-8") || !strcasecmp(charset, "utf8") ||
        !strcasecmp(charset, "utf_8"))
        kind = UTF8;
    else if (!strcasecmp(charset, "us-ascii") || !strcasecmp(charset, "ascii"))
        kind = ASCII;
    else if (!strcasecmp(charset, "iso-8859-1") || !strcasecmp(charset, "latin1") ||
             !strcasecmp(charset, "iso_8859-1") || !strcasecmp(charset, "l1"))
        kind = LATIN1;
    else
        return NULL;
    if (kind != LATIN1) {
        /* the usual case: nothing to replace, one copy */
        size_t i = 0;
        const unsigned char *u = (const unsigned char *)bytes;
        while (i < len) {
            /* eight ASCII bytes at a time: most of a feed is markup */
            uint64_t word;
            while (i + 8 <= len && (memcpy(&word, u + i, 8), !(word & 0x8080808080808080u)))
                i += 8;
            if (i >= len)
                break;
            size_t n = kind == UTF8 ? utf8_sequence(u + i, len - i) : u[i] < 0x80;
            if (!n)
                break;
            i += n;
        }
        if (i == len) {
            char *copy = nb_xmalloc(len + 1);
            memcpy(copy, bytes, len);
            copy[len] = '\0';
            if (out_len)
                *out_len = len;
            return copy;
        }
    }
    char *out = nb_xmalloc(kind == LATIN1 ? len * 2 + 1 : len + len / 8 + 16);
    size_t alloc = kind == LATIN1 ? len * 2 + 1 : len + len / 8 + 16, used = 0, bad = 0;
    const unsigned char *p = (const unsigned char *)bytes;
    for (size_t i = 0; i < len;) {
        size_t n;
        if (kind == LATIN1) {
            if (p[i] < 0x80) {
                out[used++] = (char)p[i];
            } else {
                out[used++] = (char)(0xC0 | (p[i] >> 6));
                out[used++] = (char)(0x80 | (p[i] & 0x3F));
            }
            i++;
            continue;
        }
        n = kind == UTF8 ? utf8_sequence(p + i, len - i) : p[i] < 0x80;
        if (n) {
            put(&out, &used, &alloc, bytes + i, n);
            i += n;
        } else {
            put(&out, &used, &alloc, REPLACEMENT, 3);
            bad++;
            i++;
        }
    }
    out[used] = '\0';
    if (out_len)
        *out_len = used;
    if (invalid)
        *invalid = bad;
    return out;
}

char *nb_charset_to_utf8(const char *bytes, size_t len, const char *charset, size_t *out_len,
                         size_t *invalid)
{
    if (invalid)
        *invalid = 0;
    char *fast = decode_without_iconv(bytes, len, charset, out_len, invalid);
    if (fast)
        return fast;
    iconv_t cd = cached_decoder(charset);
    if (cd == (iconv_t)-1)
        return NULL;
    size_t alloc = len + len / 2 + 16, used = 0, bad = 0;
    char *out = nb_xmalloc(alloc);
    char *in = (char *)bytes;
    size_t left = len;
    char chunk[4096];
    while (left > 0) {
        char *dst = chunk;
        size_t room = sizeof chunk;
        size_t rc = iconv(cd, &in, &left, &dst, &room);
        put(&out, &used, &alloc, chunk, sizeof chunk - room);
        if (rc != (size_t)-1)
            continue;
        if (errno == E2BIG)
            continue;
        /* EILSEQ or EINVAL (truncated sequence at the end): one byte becomes U+FFFD */
        put(&out, &used, &alloc, REPLACEMENT, 3);
        bad++;
        in++;
        left--;
        iconv(cd, NULL, NULL, NULL, NULL); /* reset the shift state */
    }
    /* flush a stateful encoding's final shift sequence */
    char *dst = chunk;
    size_t room = sizeof chunk;
    iconv(cd, NULL, NULL, &dst, &room);
    put(&out, &used, &alloc, chunk, sizeof chunk - room);
    if (!is_cached(cd))
        iconv_close(cd);
    out[used] = '\0';
    if (out_len)
        *out_len = used;
    if (invalid)
        *invalid = bad;
    return out;
}
