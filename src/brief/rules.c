/* SPDX-License-Identifier: MIT */
/* Selection rules compiled to PCRE2 patterns: plain words as caseless literals, /regex/ as
 * written; a match limit keeps a hostile pattern from running away. */
#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>
#include <stdlib.h>
#include <string.h>

#include "brief/brief.h"
#include "core/memory.h"

typedef enum rule_kind { RULE_ANY, RULE_REQUIRED, RULE_EXCLUDED } rule_kind;

typedef struct rule {
    rule_kind kind;
    pcre2_code *code;
} rule;

struct nb_rules {
    rule *rules;
    size_t count;
    int has_any;
    pcre2_match_context *context;
};

void nb_rules_free(nb_rules *r)
{
    if (!r)
        return;
    for (size_t i = 0; i < r->count; i++)
        pcre2_code_free(r->rules[i].code);
    free(r->rules);
    pcre2_match_context_free(r->context);
    free(r);
}

nb_err nb_rules_new(char *const *keywords, nb_rules **out, nb_errbuf *err)
{
    nb_rules *r = nb_xcalloc(1, sizeof *r);
    size_t n = 0;
    while (keywords && keywords[n])
        n++;
    r->rules = nb_xcalloc(n ? n : 1, sizeof *r->rules);
    r->context = pcre2_match_context_create(NULL);
    pcre2_set_match_limit(r->context, 100000);
    for (size_t i = 0; i < n; i++) {
        const char *k = keywords[i];
        rule_kind kind = k[0] == '+' ? RULE_REQUIRED : k[0] == '!' ? RULE_EXCLUDED : RULE_ANY;
        const char *body = kind == RULE_ANY ? k : k + 1;
        size_t len = strlen(body);
        uint32_t options = PCRE2_UTF | PCRE2_LITERAL | PCRE2_CASELESS;
        if (len >= 2 && body[0] == '/' && body[len - 1] == '/') {
            body++;
            len -= 2;
            options = PCRE2_UTF | PCRE2_UCP;
        }
        if (len == 0) {
            nb_rules_free(r);
            return nb_errf(err, NB_ERR_CONFIG, "keywords: empty rule \"%s\"", k);
        }
        int code;
        PCRE2_SIZE offset;
        pcre2_code *re = pcre2_compile((PCRE2_SPTR)body, len, options, &code, &offset, NULL);
        if (!re) {
            PCRE2_UCHAR message[256];
            pcre2_get_error_message(code, message, sizeof message);
            nb_rules_free(r);
            return nb_errf(err, NB_ERR_CONFIG, "keywords: \"%s\": %s at offset %zu", k,
                           (const char *)message, (size_t)offset);
        }
        r->rules[r->count++] = (rule){kind, re};
        r->has_any |= kind == RULE_ANY;
    }
    *out = r;
    return NB_OK;
}

static int found(const nb_rules *r, const rule *ru, const char *text)
{
    pcre2_match_data *m = pcre2_match_data_create_from_pattern(ru->code, NULL);
    int rc = pcre2_match(ru->code, (PCRE2_SPTR)text, strlen(text), 0, 0, m, r->context);
    pcre2_match_data_free(m);
    return rc >= 0;
}

int nb_rules_match(const nb_rules *r, const nb_item *item)
{
    if (!r || r->count == 0)
        return 1;
    char *text =
        nb_xasprintf("%s\n%s", item->title ? item->title : "", item->excerpt ? item->excerpt : "");
    int any = 0, ok = 1;
    for (size_t i = 0; i < r->count && ok; i++) {
        int hit = found(r, &r->rules[i], text);
        if (r->rules[i].kind == RULE_REQUIRED && !hit)
            ok = 0;
        else if (r->rules[i].kind == RULE_EXCLUDED && hit)
            ok = 0;
        else if (r->rules[i].kind == RULE_ANY)
            any |= hit;
    }
    free(text);
    return ok && (any || !r->has_any);
}

size_t nb_brief_filter(nb_item *items, size_t count, const nb_rules *rules, size_t per_source,
                       size_t max)
{
    size_t kept = 0;
    for (size_t i = 0; i < count; i++) {
        size_t same_source = 0;
        for (size_t k = 0; k < kept && per_source; k++)
            same_source +=
                items[k].source && items[i].source && !strcmp(items[k].source, items[i].source);
        nb_items_sieve(items, &kept, i,
                       kept < max && nb_rules_match(rules, &items[i]) &&
                           (!per_source || same_source < per_source));
    }
    return kept;
}
