/* SPDX-License-Identifier: MIT */
/* Character sets: bytes in a named encoding to UTF-8 through iconv. Bytes that the
 * encoding cannot decode become U+FFFD and are counted, so invalid input never passes
 * on; the output is always valid UTF-8. A page's charset comes from what it declares
 * (BOM, HTTP header, <meta>) before any guess (valid UTF-8, then uchardet). */
#include <ctype.h>
#include <errno.h>
#include <iconv.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <uchardet.h>

#include "core/buf.h"
#include "core/limits.h"
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

/* Hands out the decoded text, or NULL (freeing it) when it passed its cap. */
static char *finish(nb_buf *out, nb_err rc, size_t bad, size_t *out_len, size_t *invalid)
{
    if (rc) {
        nb_buf_free(out);
        return NULL;
    }
    if (out_len)
        *out_len = out->len;
    if (invalid)
        *invalid = bad;
    return nb_buf_take(out);
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
    if (kind == LATIN1) { /* two bytes at most per byte: sized once */
        char *out = nb_xmalloc(len * 2 + 1);
        size_t used = 0;
        for (size_t i = 0; i < len; i++) {
            unsigned char c = (unsigned char)bytes[i];
            if (c < 0x80) {
                out[used++] = (char)c;
            } else {
                out[used++] = (char)(0xC0 | (c >> 6));
                out[used++] = (char)(0x80 | (c & 0x3F));
            }
        }
        out[used] = '\0';
        if (out_len)
            *out_len = used;
        return out;
    }
    /* runs of valid sequences are copied whole; each invalid byte becomes U+FFFD */
    nb_buf out;
    nb_buf_init(&out, NB_LIMIT_TEXT_BYTES);
    const unsigned char *p = (const unsigned char *)bytes;
    size_t bad = 0, run = 0;
    nb_err rc = NB_OK;
    for (size_t i = 0; i < len && !rc;) {
        size_t n = kind == UTF8 ? utf8_sequence(p + i, len - i) : p[i] < 0x80;
        if (n) {
            i += n;
            continue;
        }
        rc = nb_buf_append(&out, bytes + run, i - run);
        if (!rc)
            rc = nb_buf_append(&out, REPLACEMENT, 3);
        bad++;
        run = ++i;
    }
    if (!rc)
        rc = nb_buf_append(&out, bytes + run, len - run);
    return finish(&out, rc, bad, out_len, invalid);
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
    nb_buf out;
    nb_buf_init(&out, NB_LIMIT_TEXT_BYTES);
    size_t bad = 0;
    nb_err rc = NB_OK;
    char *in = (char *)bytes;
    size_t left = len;
    char chunk[4096];
    while (left > 0 && !rc) {
        char *dst = chunk;
        size_t room = sizeof chunk;
        size_t done = iconv(cd, &in, &left, &dst, &room);
        int why = errno;
        rc = nb_buf_append(&out, chunk, sizeof chunk - room);
        if (done != (size_t)-1 || rc || why == E2BIG)
            continue;
        /* EILSEQ or EINVAL (truncated sequence at the end): one byte becomes U+FFFD */
        rc = nb_buf_append(&out, REPLACEMENT, 3);
        bad++;
        in++;
        left--;
        iconv(cd, NULL, NULL, NULL, NULL); /* reset the shift state */
    }
    if (!rc) { /* flush a stateful encoding's final shift sequence */
        char *dst = chunk;
        size_t room = sizeof chunk;
        iconv(cd, NULL, NULL, &dst, &room);
        rc = nb_buf_append(&out, chunk, sizeof chunk - room);
    } else {
        iconv(cd, NULL, NULL, NULL, NULL); /* a cached decoder starts the next text afresh */
    }
    if (!is_cached(cd))
        iconv_close(cd);
    return finish(&out, rc, bad, out_len, invalid);
}

int nb_charset_param(const char *s, size_t len, char *out, size_t cap)
{
    for (size_t i = 0; i + 8 <= len; i++) {
        if (strncasecmp(s + i, "charset", 7) != 0)
            continue;
        size_t j = i + 7;
        while (j < len && (s[j] == ' ' || s[j] == '\t'))
            j++;
        if (j >= len || s[j] != '=')
            continue;
        j++;
        while (j < len && (s[j] == ' ' || s[j] == '"' || s[j] == '\''))
            j++;
        size_t n = 0;
        while (j < len && n + 1 < cap &&
               (isalnum((unsigned char)s[j]) || strchr("-_.:", s[j]) != NULL))
            out[n++] = s[j++];
        out[n] = '\0';
        return n > 0;
    }
    return 0;
}

/* A <meta> with charset= (either form) in the first 1024 bytes. */
static int meta_charset(const char *bytes, size_t len, char *out, size_t cap)
{
    size_t scan = len < 1024 ? len : 1024;
    for (size_t i = 0; i + 5 < scan; i++) {
        if (bytes[i] != '<' || strncasecmp(bytes + i + 1, "meta", 4) != 0)
            continue;
        const char *end = memchr(bytes + i, '>', len - i);
        if (!end)
            return 0;
        if (nb_charset_param(bytes + i, (size_t)(end - bytes - i), out, cap))
            return 1;
    }
    return 0;
}

/* 1 when s is well-formed UTF-8 (a sequence cut off at the very end is allowed: s may be
 * a prefix). */
static int valid_utf8(const unsigned char *s, size_t len)
{
    size_t i = 0;
    while (i < len) {
        unsigned char c = s[i];
        size_t n;
        if (c < 0x80) {
            i++;
            continue;
        }
        if (c >= 0xC2 && c <= 0xDF)
            n = 1;
        else if (c >= 0xE0 && c <= 0xEF)
            n = 2;
        else if (c >= 0xF0 && c <= 0xF4)
            n = 3;
        else
            return 0;
        for (size_t k = 1; k <= n; k++) {
            if (i + k >= len)
                return 1;
            if ((s[i + k] & 0xC0) != 0x80)
                return 0;
        }
        i += n + 1;
    }
    return 1;
}

static int has_high(const unsigned char *s, size_t len)
{
    for (size_t i = 0; i < len; i++)
        if (s[i] >= 0x80)
            return 1;
    return 0;
}

int nb_charset_is_utf8(const char *bytes, size_t len)
{
    const unsigned char *u = (const unsigned char *)bytes;
    if (!valid_utf8(u, len))
        return 0;
    /* valid_utf8 lets a prefix end mid-sequence; a whole text may not */
    size_t back = 0;
    while (back < 4 && back < len && (u[len - 1 - back] & 0xC0) == 0x80)
        back++;
    if (back < len && u[len - 1 - back] >= 0xC0) {
        unsigned char lead = u[len - 1 - back];
        size_t need = lead >= 0xF0 ? 3 : lead >= 0xE0 ? 2 : 1;
        return back == need;
    }
    return back == 0;
}

/* A name from a page or header, mapped to a static string iconv takes. */
static const char *known_name(const char *label)
{
    static const char *names[] = {
        "UTF-8",        "GB18030",      "BIG5-HKSCS",   "SHIFT_JIS",    "EUC-JP",
        "EUC-KR",       "ISO-2022-JP",  "WINDOWS-1252", "ISO-8859-1",   "ISO-8859-2",
        "ISO-8859-5",   "ISO-8859-7",   "ISO-8859-15",  "WINDOWS-1250", "WINDOWS-1251",
        "WINDOWS-1253", "WINDOWS-1254", "WINDOWS-1255", "WINDOWS-1256", "WINDOWS-1257",
        "KOI8-R",       "KOI8-U",       "CP932",        "CP949",        "UTF-16LE",
        "UTF-16BE",     "TIS-620",      "WINDOWS-874",  "MACINTOSH",
    };
    const char *name = iconv_name(label);
    if (strcasecmp(name, "utf8") == 0 || strcasecmp(name, "utf-16") == 0)
        name = strcasecmp(name, "utf8") == 0 ? "UTF-8" : "UTF-16LE";
    if (strcasecmp(name, "iso-8859-1") == 0 || strcasecmp(name, "us-ascii") == 0 ||
        strcasecmp(name, "ascii") == 0 || strcasecmp(name, "latin1") == 0)
        name = "WINDOWS-1252"; /* as browsers read them */
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        if (strcasecmp(name, names[i]) == 0)
            return names[i];
    return NULL;
}

/* One detector per thread, reset before each use (making one builds all its models). */
static _Thread_local uchardet_t detector;

static const char *detect(const char *bytes, size_t len)
{
    const char *found = NULL;
    if (!detector)
        detector = uchardet_new();
    if (!detector)
        return NULL;
    uchardet_reset(detector);
    if (uchardet_handle_data(detector, bytes, len < (1u << 20) ? len : (1u << 20)) == 0) {
        uchardet_data_end(detector);
        const char *name = uchardet_get_charset(detector);
        if (name && *name)
            found = known_name(name);
    }
    return found;
}

const char *nb_charset_guess(const char *bytes, size_t len)
{
    return detect(bytes, len);
}

const char *nb_charset_detect(const char *bytes, size_t len, const char *content_type)
{
    const unsigned char *u = (const unsigned char *)bytes;
    char label[64];
    const char *name = NULL;
    if (len >= 3 && u[0] == 0xEF && u[1] == 0xBB && u[2] == 0xBF)
        return "UTF-8";
    if (len >= 2 && u[0] == 0xFF && u[1] == 0xFE)
        return "UTF-16LE";
    if (len >= 2 && u[0] == 0xFE && u[1] == 0xFF)
        return "UTF-16BE";
    const char *header = NULL, *meta = NULL;
    if (content_type && nb_charset_param(content_type, strlen(content_type), label, sizeof label))
        header = known_name(label);
    if (meta_charset(bytes, len, label, sizeof label))
        meta = known_name(label);
    name = header ? header : meta;
    /* a page that says UTF-16 in ASCII bytes is not UTF-16 */
    if (name && strncmp(name, "UTF-16", 6) == 0)
        name = NULL;
    int utf8 = valid_utf8(u, len);
    if (name && strcmp(name, "UTF-8") != 0 && has_high(u, len) && utf8)
        name = NULL; /* non-ASCII text that is valid UTF-8 is UTF-8, whatever the label */
    if (name && strcmp(name, "UTF-8") == 0 && !utf8) {
        /* labelled UTF-8 but it is not: the page's own label, else a guess */
        if (meta && strcmp(meta, "UTF-8") != 0 && strncmp(meta, "UTF-16", 6) != 0) {
            name = meta;
        } else {
            const char *guess = detect(bytes, len);
            if (guess && strcmp(guess, "UTF-8") != 0)
                name = guess;
        }
    }
    if (name)
        return name;
    if (utf8)
        return "UTF-8";
    name = detect(bytes, len);
    return name ? name : "WINDOWS-1252";
}

char *nb_charset_page_to_utf8(const char *bytes, size_t len, const char *content_type,
                              size_t *out_len, const char **charset)
{
    const char *name = nb_charset_detect(bytes, len, content_type);
    const unsigned char *u = (const unsigned char *)bytes;
    size_t skip = 0;
    if (strcmp(name, "UTF-8") == 0 && len >= 3 && u[0] == 0xEF && u[1] == 0xBB && u[2] == 0xBF)
        skip = 3;
    else if (strncmp(name, "UTF-16", 6) == 0 && len >= 2 &&
             ((u[0] == 0xFF && u[1] == 0xFE) || (u[0] == 0xFE && u[1] == 0xFF)))
        skip = 2;
    char *out;
    if (strcmp(name, "UTF-8") == 0 && nb_charset_is_utf8(bytes + skip, len - skip)) {
        out = nb_xmalloc(len - skip + 1);
        memcpy(out, bytes + skip, len - skip);
        out[len - skip] = '\0';
        if (out_len)
            *out_len = len - skip;
    } else {
        out = nb_charset_to_utf8(bytes + skip, len - skip, name, out_len, NULL);
    }
    if (!out) {
        name = "UTF-8";
        out = nb_charset_to_utf8(bytes + skip, len - skip, name, out_len, NULL);
    }
    if (charset)
        *charset = name;
    return out;
}
