/* Character sets: bytes in a named encoding to UTF-8 through iconv. Bytes that the
 * encoding cannot decode become U+FFFD and are counted, so invalid input never passes
 * on; the output is always valid UTF-8. */
#include <errno.h>
#include <iconv.h>
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

int nb_charset_known(const char *charset)
{
    if (!charset || !*charset)
        return 0;
    iconv_t cd = open_decoder(charset);
    if (cd == (iconv_t)-1)
        return 0;
    iconv_close(cd);
    return 1;
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

char *nb_charset_to_utf8(const char *bytes, size_t len, const char *charset, size_t *out_len,
                         size_t *invalid)
{
    if (invalid)
        *invalid = 0;
    iconv_t cd = open_decoder(charset);
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
    iconv_close(cd);
    out[used] = '\0';
    if (out_len)
        *out_len = used;
    if (invalid)
        *invalid = bad;
    return out;
}
