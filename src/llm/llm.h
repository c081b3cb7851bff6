/* SPDX-License-Identifier: MIT */
/* Summaries from any OpenAI-compatible chat-completions API (DeepSeek, Qwen, Kimi, GLM,
 * OpenAI, Ollama, llama.cpp, vLLM). Requests go through the run's HTTP engine in the LLM
 * class, so its concurrency cap and retry policy (429, 5xx, timeouts; Retry-After) are its
 * own. Replies are cleaned and validated; an off-length reply gets one corrective retry.
 * The prompt and reply functions are pure and public for tests. */
#ifndef NB_LLM_LLM_H
#define NB_LLM_LLM_H

#include <stddef.h>

#include "core/config.h"
#include "core/err.h"
#include "net/http.h"

typedef struct nb_llm nb_llm;

typedef struct nb_llm_article {
    const char *title;
    const char *content; /* the text to summarize (cut to the token budget by the client) */
    const char *source;  /* the source's name, for the {source} placeholder */
} nb_llm_article;

typedef struct nb_llm_outcome {
    nb_err error;        /* NB_OK: summary holds a validated summary */
    const char *message; /* why not, when error != NB_OK */
    const char *summary; /* borrowed during the callback */
    long prompt_tokens;  /* as the API reported them, over every request for the article */
    long completion_tokens;
    int requests; /* HTTP requests made (retries and the corrective one included) */
} nb_llm_outcome;

typedef void (*nb_llm_done_fn)(void *user, const nb_llm_outcome *outcome);

/* A client for config (type llm) on http; both are borrowed and must outlive it. Free with
 * nb_llm_free. */
nb_llm *nb_llm_new(const nb_summarizer_config *config, nb_http *http);
void nb_llm_free(nb_llm *llm); /* NULL-safe */

/* Queues a summary request; done is called once, from nb_http_run. */
void nb_llm_summarize(nb_llm *llm, const nb_llm_article *article, nb_llm_done_fn done, void *user);

/* Asks whether two articles report the same event (the grey zone of story clustering).
 * done gets 1 (same), 0 (different) or -1 (no usable answer). */
typedef void (*nb_llm_same_fn)(void *user, int same);
void nb_llm_same_story(nb_llm *llm, const nb_llm_article *a, const nb_llm_article *b,
                       nb_llm_same_fn done, void *user);
/* A reply to that question: 1 yes (是, yes), 0 no (否, 不是, no), -1 anything else. */
int nb_llm_parse_yes_no(const char *reply);

/* Hex SHA-256 of everything that shapes a summary besides the article: templates, lengths,
 * language, budget. With the model and the content hash it keys the summary cache.
 * Borrowed from llm, valid until nb_llm_free. */
const char *nb_llm_prompt_hash(const nb_llm *llm);

/* --- Pure parts ------------------------------------------------------------------- */

typedef struct nb_prompt_vars {
    const char *title, *content, *source, *language;
    size_t min_chars, max_chars;
} nb_prompt_vars;

/* The built-in templates for a language ("zh" or "en"): static strings, never freed. */
const char *nb_llm_default_system_prompt(const char *language);
const char *nb_llm_default_user_prompt(const char *language);

/* template with {title} {content} {source} {language} {min_chars} {max_chars} replaced;
 * other braces are kept. Caller frees. */
char *nb_llm_render_prompt(const char *template_text, const nb_prompt_vars *vars);

/* text cut at a paragraph end so that its estimated tokens (one per CJK character, one per
 * four other bytes) stay within budget; a first paragraph over budget is cut inside.
 * Caller frees. */
char *nb_llm_cut_to_budget(const char *text, size_t budget);

/* A reply as one clean paragraph: code fences, markdown marks, wrapping quotes and a
 * "摘要：" / "Summary:" prefix removed; brackets and angle brackets made inert. Caller
 * frees. */
char *nb_llm_clean_reply(const char *reply);

/* Checks a cleaned reply: not empty, not a refusal, min..max code points. A reply over max
 * that has a sentence end within range is cut there (*cut receives the shorter text, or
 * NULL). NB_OK, or NB_ERR_PARSE with the reason in why. */
nb_err nb_llm_check_reply(const char *clean, size_t min, size_t max, char **cut,
                          nb_errbuf *why) NB_MUST_CHECK;

#endif
