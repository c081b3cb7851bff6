/* SPDX-License-Identifier: MIT */
/* A feed's character encoding, decided the way RFC 3023 and feedparser decide it: byte
 * order mark, XML declaration and HTTP Content-Type charset, with fallbacks tried in a
 * fixed order. The document comes out as UTF-8, its declaration saying so where it
 * said otherwise; every disagreement or guess is reported (bozo) rather than hidden. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/memory.h"
#include "parse/parse.h"

static int starts(const char *data, size_t len, const char *prefix, size_t n)
{
    return len >= n && memcmp(data, prefix, n) == 0;
}

/* The encoding a byte order mark or the first bytes of "<?xm" announce; *skip is the
 * length of the mark itself. */
static const char *sniff_bom(const char *d, size_t len, size_t *skip)
{
    *skip = 0;
    if (starts(d, len, "\x00\x00\xFE\xFF", 4))
        return *skip = 4, "utf-32be";
    if (starts(d, len, "\xFF\xFE\x00\x00", 4))
        return *skip = 4, "utf-32le";
    if (starts(d, len, "\xFE\xFF", 2) && !starts(d + 2, len - 2, "\x00\x00", 2))
        return *skip = 2, "utf-16be";
    if (starts(d, len, "\xFF\xFE", 2) && !starts(d + 2, len - 2, "\x00\x00", 2))
        return *skip = 2, "utf-16le";
    if (starts(d, len, "\xEF\xBB\xBF", 3))
        return *skip = 3, "utf-8";
    if (starts(d, len, "\x4C\x6F\xA7\x94", 4))
        return "cp037";
    if (starts(d, len, "\x00\x3C\x00\x3F", 4))
        return "utf-16be";
    if (starts(d, len, "\x3C\x00\x3F\x00", 4))
        return "utf-16le";
    if (starts(d, len, "\x00\x00\x00\x3C", 4))
        return "utf-32be";
    if (starts(d, len, "\x3C\x00\x00\x00", 4))
        return "utf-32le";
    return "";
}

/* encoding="..." of an XML declaration on the first line of UTF-8 text, lower-cased. */
static void declared_encoding(const char *text, char *out, size_t n)
{
    out[0] = '\0';
    if (strncmp(text, "<?", 2) != 0)
        return;
    const char *eol = strchr(text, '\n');
    size_t line = eol ? (size_t)(eol - text) : strlen(text);
    const char *end = NULL; /* the last "?>" on the line */
    for (const char *p = text; (p = memchr(p, '?', line - (size_t)(p - text))) != NULL; p++)
        if (p + 1 < text + line && p[1] == '>')
            end = p;
    if (!end)
        return;
    const char *key = NULL;
    for (const char *p = text; p < end; p++)
        if (strncmp(p, "encoding=", 9) == 0 && (p[9] == '"' || p[9] == '\''))
            key = p;
    if (!key)
        return;
    const char *v = key + 10;
    size_t i = 0;
    while (v + i < end && v[i] != '"' && v[i] != '\'' && i + 1 < n) {
        out[i] = (char)(v[i] >= 'A' && v[i] <= 'Z' ? v[i] + 32 : v[i]);
        i++;
    }
    out[i] = '\0';
}

static int is_utf16_or_32_label(const char *e)
{
    static const char *const labels[] = {
        "u16",    "utf-16",          "utf16",           "utf_16", "u32",       "utf-32", "utf32",
        "utf_32", "iso-10646-ucs-2", "iso-10646-ucs-4", "csucs4", "csunicode", "ucs-2",  "ucs-4",
    };
    for (size_t i = 0; i < sizeof labels / sizeof labels[0]; i++)
        if (strcmp(e, labels[i]) == 0)
            return 1;
    return 0;
}

/* Content-Type split into a lower-cased media type and its charset parameter. */
static void parse_content_type(const char *value, char *type, size_t tn, char *charset, size_t cn)
{
    type[0] = charset[0] = '\0';
    if (!value)
        return;
    while (*value == ' ' || *value == '\t')
        value++;
    size_t i = 0;
    const char *p = value;
    for (; *p && *p != ';' && i + 1 < tn; p++)
        type[i++] = (char)(*p >= 'A' && *p <= 'Z' ? *p + 32 : *p);
    while (i > 0 && (type[i - 1] == ' ' || type[i - 1] == '\t'))
        i--;
    type[i] = '\0';
    const char *params = strchr(p, ';');
    if (params && !nb_charset_param(params, strlen(params), charset, cn))
        charset[0] = '\0';
}

/* Decodes data strictly: NULL when the charset is unknown or any byte is invalid. */
static char *decode_strict(const char *data, size_t len, const char *charset, size_t *out_len)
{
    size_t invalid = 0;
    char *text = nb_charset_to_utf8(data, len, charset, out_len, &invalid);
    if (text && invalid) {
        free(text);
        text = NULL;
    }
    return text;
}

/* Replaces an XML declaration that names another encoding than UTF-8 (up to its first
 * '>') with one that says UTF-8: libxml2 rejects some names ("437") even when told to
 * ignore them. A declaration of UTF-8, or none, is left alone. */
static char *redeclare(char *text, size_t len, size_t *out_len)
{
    static const char decl[] = "<?xml version='1.0' encoding='utf-8'?>";
    char named[64];
    declared_encoding(text, named, sizeof named);
    if (!*named || !strcmp(named, "utf-8") || !strcmp(named, "utf8")) {
        *out_len = len;
        return text;
    }
    size_t skip = 0;
    const char *sep = "\n";
    if (strncmp(text, "<?xml", 5) == 0) {
        const char *gt = strchr(text, '>');
        if (gt) {
            skip = (size_t)(gt - text) + 1;
            sep = "";
        }
    }
    size_t n = strlen(decl) + strlen(sep) + (len - skip);
    char *out = nb_xmalloc(n + 1);
    int head = snprintf(out, n + 1, "%s%s", decl, sep);
    memcpy(out + head, text + skip, len - skip);
    out[n] = '\0';
    free(text);
    *out_len = n;
    return out;
}

char *nb_feed_to_utf8(const char *data, size_t len, const char *content_type, nb_feed_encoding *enc,
                      size_t *out_len)
{
    memset(enc, 0, sizeof *enc);
    size_t skip;
    const char *bom = sniff_bom(data, len, &skip);
    data += skip;
    len -= skip;

    char xml_enc[64] = "";
    if (*bom) {
        char *head = nb_charset_to_utf8(data, len < 1024 ? len : 1024, bom, NULL, NULL);
        if (head) {
            declared_encoding(head, xml_enc, sizeof xml_enc);
            free(head);
        }
        if (is_utf16_or_32_label(xml_enc))
            snprintf(xml_enc, sizeof xml_enc, "%s", bom);
    } else {
        char head[1025];
        size_t n = len < 1024 ? len : 1024;
        memcpy(head, data, n);
        head[n] = '\0';
        declared_encoding(head, xml_enc, sizeof xml_enc);
    }

    char type[128], http_enc[64];
    parse_content_type(content_type, type, sizeof type, http_enc, sizeof http_enc);
    size_t tl = strlen(type);
    int plus_xml = tl > 4 && strcmp(type + tl - 4, "+xml") == 0;
    int acceptable = 0;
    const char *rfc3023;
    if (!strcmp(type, "application/xml") || !strcmp(type, "application/xml-dtd") ||
        !strcmp(type, "application/xml-external-parsed-entity") ||
        (!strncmp(type, "application/", 12) && plus_xml)) {
        acceptable = 1;
        rfc3023 = *http_enc ? http_enc : *xml_enc ? xml_enc : "utf-8";
    } else if (!strcmp(type, "text/xml") || !strcmp(type, "text/xml-external-parsed-entity") ||
               (!strncmp(type, "text/", 5) && plus_xml)) {
        acceptable = 1;
        rfc3023 = *http_enc ? http_enc : "us-ascii";
    } else if (!strncmp(type, "text/", 5)) {
        rfc3023 = *http_enc ? http_enc : "us-ascii";
    } else {
        /* no Content-Type (or not fetched over HTTP): the document's own declaration */
        rfc3023 = *xml_enc ? xml_enc : "utf-8";
    }
    char declared[64];
    snprintf(declared, sizeof declared, "%s", strcasecmp(rfc3023, "gb2312") ? rfc3023 : "gb18030");
    if (!strcasecmp(xml_enc, "gb2312"))
        snprintf(xml_enc, sizeof xml_enc, "gb18030");

    if (content_type && !acceptable) {
        enc->bozo = 1;
        enc->exception = "NonXMLContentType";
        snprintf(enc->message, sizeof enc->message, "%s is not an XML media type", content_type);
    }

    /* declared, then a statistical guess (as feedparser does with chardet), then the usual
     * suspects; the guess runs only when it is reached */
    const char *tries[] = {declared, xml_enc, bom, NULL, "utf-8", "windows-1252", "iso-8859-2"};
    const char *used = NULL;
    char *text = NULL;
    size_t text_len = 0;
    for (size_t i = 0; i < sizeof tries / sizeof tries[0] && !text; i++) {
        if (!tries[i]) {
            const char *guess = nb_charset_guess(data, len);
            tries[i] = guess ? guess : "";
        }
        if (!*tries[i])
            continue;
        int tried = 0;
        for (size_t j = 0; j < i; j++)
            tried |= tries[j] && strcasecmp(tries[i], tries[j]) == 0;
        if (tried)
            continue;
        text = decode_strict(data, len, tries[i], &text_len);
        used = tries[i];
    }
    if (!text) {
        enc->bozo = 1;
        enc->exception = "CharacterEncodingUnknown";
        snprintf(enc->message, sizeof enc->message,
                 "document encoding unknown, I tried %s, %s, utf-8, windows-1252, and "
                 "iso-8859-2 but nothing worked",
                 declared, xml_enc);
        text = nb_charset_to_utf8(data, len, "utf-8", &text_len, NULL);
        enc->name[0] = '\0';
    } else {
        if (strcmp(used, declared) != 0) {
            enc->bozo = 1;
            enc->exception = "CharacterEncodingOverride";
            snprintf(enc->message, sizeof enc->message, "document declared as %s, but parsed as %s",
                     declared, used);
        }
        snprintf(enc->name, sizeof enc->name, "%s", used);
    }
    return redeclare(text, text_len, out_len);
}
