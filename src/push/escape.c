/* SPDX-License-Identifier: MIT */
/* Source text in each chat dialect: one function per dialect says what each character
 * becomes, after the text was made one line. Escapes where the dialect has them (HTML
 * entities, Slack's three, Discord's backslash); full-width look-alikes where it has none
 * (WeCom, DingTalk and Feishu markdown). "@" never reaches a chat as a mention. Pure. */
#include <stdlib.h>
#include <string.h>

#include "brief/brief.h"
#include "core/buf.h"
#include "core/limits.h"
#include "push/channel.h"
#include "text/text.h"

/* Where the character being escaped stands. */
typedef struct at {
    const char *line; /* the whole (one-line) text */
    const char *p;    /* the character */
    unsigned flags;
    size_t digits;   /* leading digits of line ("1." would start a list) */
    char escaped[4]; /* room for a backslash escape or a full-width look-alike */
} at;

/* "_" between two letters or digits is part of a word (snake_case), never emphasis. */
static int inside_word(const at *a)
{
    return nb_brief_md_in_word(a->line, a->p);
}

/* The first character of a text that starts a line. */
static int line_start(const at *a)
{
    return (a->flags & NB_ESCAPE_LINE_START) && a->p == a->line;
}

/* The "." or ")" after the leading digits of a text that starts a line ("1. " a list). */
static int list_number(const at *a)
{
    return (a->flags & NB_ESCAPE_LINE_START) && a->digits && a->p == a->line + a->digits &&
           (*a->p == '.' || *a->p == ')');
}

static const char *backslash(at *a)
{
    a->escaped[0] = '\\';
    a->escaped[1] = *a->p;
    a->escaped[2] = '\0';
    return a->escaped;
}

/* The full-width look-alike of an ASCII mark (＜ for <, ＠ for @, ＿ for _ ...): U+FF01 to
 * U+FF5E stand 0xFEE0 above '!' to '~'. It reads the same and means nothing to any
 * dialect. */
static const char *full_width(at *a)
{
    unsigned cp = 0xFEE0u + (unsigned char)*a->p;
    a->escaped[0] = (char)(0xE0 | (cp >> 12));
    a->escaped[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
    a->escaped[2] = (char)(0x80 | (cp & 0x3F));
    a->escaped[3] = '\0';
    return a->escaped;
}

/* The entity of a character HTML reads as markup (& < > ", and ' when apostrophe is set),
 * or NULL. */
static const char *html_entity(char c, int apostrophe)
{
    switch (c) {
    case '&':
        return "&amp;";
    case '<':
        return "&lt;";
    case '>':
        return "&gt;";
    case '"':
        return "&quot;";
    case '\'':
        return apostrophe ? "&#39;" : NULL;
    default:
        return NULL;
    }
}

static const char *text_char(at *a)
{
    return *a->p == '@' && (a->flags & NB_ESCAPE_NO_MENTION) ? full_width(a) : NULL;
}

/* Plain text in a chat: a platform may still read "<@id>", "<at ...>" or "<a href>" in it. */
static const char *chat_text_char(at *a)
{
    return strchr("@<>", *a->p) ? full_width(a) : NULL;
}

/* WeCom markdown, DingTalk markdown, Feishu lark_md: no documented escape, and "<" opens
 * <font>, <@userid> and <at id=all>. Every mark becomes its look-alike: links, emphasis and
 * code anywhere, "_" outside words, "&" of an entity, block markers and list numbers at a
 * line's start. */
static const char *chat_markdown_char(at *a)
{
    char c = *a->p;
    if (strchr("<>[]*~`\\@", c) || (c == '_' && !inside_word(a)) ||
        (c == '&' && nb_brief_md_entity(a->p)) || (line_start(a) && strchr("#-+=", c)) ||
        list_number(a))
        return full_width(a);
    return NULL;
}

/* Telegram HTML: its entities; "@name" would mention. */
static const char *telegram_char(at *a)
{
    return *a->p == '@' ? full_width(a) : html_entity(*a->p, 0);
}

/* Slack mrkdwn: &, <, > are its only escapes (so <!channel>, <@U1> and <url|x> cannot
 * form); its emphasis marks have none and become look-alikes; "|" would end a link's
 * text; "&gt;" at a line's start would still quote. */
static const char *slack_char(at *a)
{
    switch (*a->p) {
    case '&':
    case '<':
        return html_entity(*a->p, 0);
    case '>':
        return line_start(a) ? full_width(a) : "&gt;";
    case '*':
    case '~':
    case '`':
    case '@':
        return full_width(a);
    case '_':
        return inside_word(a) ? NULL : full_width(a);
    case '|':
        return a->flags & NB_ESCAPE_LINK_TEXT ? full_width(a) : NULL;
    default:
        return NULL;
    }
}

/* Discord markdown: a backslash before any mark shows the mark; "<@id>", "<#id>" and
 * "<t:...>" need their "<"; "@everyone" and "@here" are neutralized as in every chat. */
static const char *discord_char(at *a)
{
    char c = *a->p;
    if (c == '@')
        return full_width(a);
    if (strchr("\\*~`|[]<>", c) || (c == '_' && !inside_word(a)) ||
        (line_start(a) && strchr("#-+", c)) || list_number(a))
        return backslash(a);
    return NULL;
}

/* HTML text and attribute values. */
static const char *html_char(at *a)
{
    return html_entity(*a->p, 1);
}

char *nb_escape(const char *text, nb_dialect dialect, unsigned flags)
{
    if (dialect == NB_DIALECT_MARKDOWN)
        return nb_brief_markdown_text(text, flags & NB_ESCAPE_LINE_START ? NB_MD_LINE_START : 0);
    const char *(*escape)(at *) = dialect == NB_DIALECT_CHAT_TEXT       ? chat_text_char
                                  : dialect == NB_DIALECT_CHAT_MARKDOWN ? chat_markdown_char
                                  : dialect == NB_DIALECT_TELEGRAM_HTML ? telegram_char
                                  : dialect == NB_DIALECT_SLACK_MRKDWN  ? slack_char
                                  : dialect == NB_DIALECT_DISCORD       ? discord_char
                                  : dialect == NB_DIALECT_HTML          ? html_char
                                                                        : text_char;
    char *line = nb_text_inert_line(text ? text : "");
    at a = {.line = line, .flags = flags, .digits = strspn(line, "0123456789")};
    nb_buf b;
    nb_buf_init(&b, NB_LIMIT_TEXT_BYTES);
    nb_err rc = NB_OK;
    for (a.p = line; *a.p && !rc; a.p++) {
        const char *out = escape(&a);
        rc = out ? nb_buf_puts(&b, out) : nb_buf_putc(&b, *a.p);
    }
    free(line);
    return nb_buf_take(&b);
}
