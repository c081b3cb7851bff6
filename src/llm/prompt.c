/* SPDX-License-Identifier: MIT */
/* Prompt templates and the article's token budget. */
#include <stdlib.h>
#include <string.h>
#include <utf8proc.h>

#include "core/buf.h"
#include "core/limits.h"
#include "core/memory.h"
#include "llm/llm.h"
#include "text/text.h"

static const char system_zh[] =
    "你是一名资深科技新闻编辑，为中文工作群撰写 AI 新闻简报。你只根据提供的文章写摘要，"
    "不编造文章中没有的事实。";
static const char user_zh[] =
    "请用{language}为下面这篇来自{source}的文章写一段摘要，长度在{min_chars}到{max_chars}个字之间。"
    "要求：一段话；写清楚谁、做了什么、结果或影响；不要标题、列表、引号或“摘要：”之类的前缀；"
    "只输出摘要正文。\n\n标题：{title}\n\n正文：\n{content}";
static const char system_en[] =
    "You are a senior technology news editor writing an AI news briefing for a team chat. "
    "You summarize only the article given and never add facts it does not contain.";
static const char user_en[] =
    "Summarize the following article from {source} in {language}, in one paragraph of "
    "{min_chars} to {max_chars} characters: who did what, and the result or impact. No title, "
    "no list, no quotes, no \"Summary:\" prefix; output only the summary.\n\n"
    "Title: {title}\n\nArticle:\n{content}";

const char *nb_llm_default_system_prompt(const char *language)
{
    return language && !strcmp(language, "en") ? system_en : system_zh;
}

const char *nb_llm_default_user_prompt(const char *language)
{
    return language && !strcmp(language, "en") ? user_en : user_zh;
}

char *nb_llm_render_prompt(const char *template_text, const nb_prompt_vars *v)
{
    char min[24], max[24];
    snprintf(min, sizeof min, "%zu", v->min_chars);
    snprintf(max, sizeof max, "%zu", v->max_chars);
    const char *language = v->language && !strcmp(v->language, "en") ? "English" : "简体中文";
    const struct {
        const char *name, *value;
    } vars[] = {{"{title}", v->title},    {"{content}", v->content}, {"{source}", v->source},
                {"{language}", language}, {"{min_chars}", min},      {"{max_chars}", max}};
    nb_buf b;
    nb_buf_init(&b, NB_LIMIT_TEXT_BYTES);
    size_t n = sizeof vars / sizeof vars[0];
    for (const char *p = template_text; *p;) {
        const char *value = NULL;
        size_t skip = 1;
        for (size_t i = 0; i < n && !value; i++) {
            if (!strncmp(p, vars[i].name, strlen(vars[i].name))) {
                value = vars[i].value ? vars[i].value : "";
                skip = strlen(vars[i].name);
            }
        }
        nb_err rc = value ? nb_buf_puts(&b, value) : nb_buf_putc(&b, *p);
        p += skip;
        if (rc)
            break;
    }
    return nb_buf_take(&b);
}

/* One token per CJK character, one per four bytes of anything else. */
static size_t estimate_tokens(const char *p, size_t len)
{
    size_t cjk = 0, other = 0;
    const char *end = p + len;
    while (p < end) {
        utf8proc_int32_t cp;
        utf8proc_ssize_t step = utf8proc_iterate((const utf8proc_uint8_t *)p, end - p, &cp);
        if (step <= 0)
            step = 1;
        if (nb_utf8_cjk(cp))
            cjk++;
        else
            other += (size_t)step;
        p += step;
    }
    return cjk + (other + 3) / 4;
}

char *nb_llm_cut_to_budget(const char *text, size_t budget)
{
    size_t len = strlen(text);
    if (estimate_tokens(text, len) <= budget)
        return nb_xstrdup(text);
    size_t keep = 0;
    const char *p = text;
    while (*p) {
        const char *end = strstr(p, "\n\n");
        size_t upto = end ? (size_t)(end - text) : len;
        if (estimate_tokens(text, upto) > budget)
            break;
        keep = upto;
        if (!end)
            break;
        p = end + 2;
    }
    if (keep)
        return nb_xstrndup(text, keep);
    /* The first paragraph alone is over budget: keep as many code points as fit. */
    char *line = nb_xstrndup(text, strcspn(text, "\n"));
    char *cut = nb_text_cut(line, budget);
    free(line);
    return cut;
}
