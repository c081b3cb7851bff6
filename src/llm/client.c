/* SPDX-License-Identifier: MIT */
/* The chat-completions client: one job per article, a request (and at most one corrective
 * request) through the engine, the reply validated before it is handed back. */
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "core/hash.h"
#include "core/json.h"
#include "core/log.h"
#include "core/memory.h"
#include "core/time.h"
#include "llm/llm.h"

struct nb_llm {
    const nb_summarizer_config *config;
    nb_http *http;
    char *url;      /* {api_base}/chat/completions */
    char **headers; /* NULL-terminated */
    const char *system_template, *user_template;
    char prompt_hash[NB_HASH_HEX_SIZE];
    long spacing_ms;       /* 60000 / rpm, or 0 */
    int64_t next_start_ms; /* for rpm */
};

typedef struct job {
    nb_llm *llm;
    char *system, *user; /* rendered prompts */
    char *rejected;      /* the first reply, when a corrective request was sent */
    char reason[NB_ERRBUF_SIZE];
    nb_llm_outcome outcome;
    nb_llm_done_fn done;
    void *done_user;
} job;

/* The LLM caller's policy: rate limits, server errors and timeouts are worth a retry. */
static int llm_should_retry(const nb_http_response *r)
{
    return r->error == NB_ERR_NETWORK || r->status == 429 || r->status >= 500;
}

nb_llm *nb_llm_new(const nb_summarizer_config *config, nb_http *http)
{
    nb_llm *llm = nb_xcalloc(1, sizeof *llm);
    llm->config = config;
    llm->http = http;
    size_t base_len = strlen(config->api_base);
    while (base_len && config->api_base[base_len - 1] == '/')
        base_len--;
    llm->url = nb_xasprintf("%.*s/chat/completions", (int)base_len, config->api_base);
    size_t extra = 0;
    while (config->headers && config->headers[extra])
        extra++;
    llm->headers = nb_xcalloc(extra + 4, sizeof(char *));
    size_t h = 0;
    llm->headers[h++] = nb_xstrdup("Content-Type: application/json");
    llm->headers[h++] = nb_xstrdup("Accept: application/json");
    if (config->api_key && *config->api_key)
        llm->headers[h++] = nb_xasprintf("Authorization: Bearer %s", config->api_key);
    for (size_t i = 0; i < extra; i++)
        llm->headers[h++] = nb_xstrdup(config->headers[i]);
    llm->system_template = config->system_prompt ? config->system_prompt
                                                 : nb_llm_default_system_prompt(config->language);
    llm->user_template =
        config->user_prompt ? config->user_prompt : nb_llm_default_user_prompt(config->language);
    char min[24], max[24], budget[24];
    snprintf(min, sizeof min, "%lld", (long long)config->min_chars);
    snprintf(max, sizeof max, "%lld", (long long)config->max_chars);
    snprintf(budget, sizeof budget, "%lld", (long long)config->max_input_tokens);
    const char *parts[] = {
        llm->system_template, llm->user_template, min, max, config->language, budget};
    nb_hash_parts(parts, sizeof parts / sizeof parts[0], llm->prompt_hash);
    llm->spacing_ms = config->rpm > 0 ? (long)(60000 / config->rpm) : 0;
    return llm;
}

void nb_llm_free(nb_llm *llm)
{
    if (!llm)
        return;
    for (char **h = llm->headers; *h; h++)
        free(*h);
    free(llm->headers);
    free(llm->url);
    free(llm);
}

const char *nb_llm_prompt_hash(const nb_llm *llm)
{
    return llm->prompt_hash;
}

static void job_finish(job *j, nb_err error, const char *message, const char *summary)
{
    j->outcome.error = error;
    j->outcome.message = message;
    j->outcome.summary = summary;
    j->done(j->done_user, &j->outcome);
    free(j->system);
    free(j->user);
    free(j->rejected);
    free(j);
}

static void on_reply(void *user, const nb_http_response *r);

/* Posts a chat-completions body (taken) within the rpm spacing, with the LLM's policy. */
static void submit(nb_llm *llm, json_t *body, nb_http_done_fn done, void *user)
{
    const nb_summarizer_config *c = llm->config;
    char *text = json_dumps(body, JSON_COMPACT);
    json_decref(body);
    int64_t now = nb_clock_monotonic_ms();
    int64_t start = llm->next_start_ms > now ? llm->next_start_ms : now;
    llm->next_start_ms = start + llm->spacing_ms;
    nb_http_request req = {
        .url = llm->url,
        .method = "POST",
        .body = text,
        .body_len = strlen(text),
        .headers = (const char *const *)llm->headers,
        .caller = NB_HTTP_LLM,
        .timeout_ms = (long)c->timeout * 1000,
        .proxy = c->proxy,
        .reach = NB_HTTP_TRUSTED, /* api_base is configuration; no redirect is followed */
        .not_before_ms = start,
        .retry = {.max_retries = (int)c->max_retries,
                  .base_delay_ms = 1000,
                  .max_delay_ms = 60000,
                  .should_retry = llm_should_retry},
        .done = done,
        .user = user,
    };
    nb_http_submit(llm->http, &req);
    free(text);
}

/* Sends the conversation: system, user, and after a rejected reply that reply and a
 * request to correct it. */
static void send_request(job *j)
{
    nb_llm *llm = j->llm;
    const nb_summarizer_config *c = llm->config;
    json_t *messages = json_pack("[{s:s, s:s}, {s:s, s:s}]", "role", "system", "content", j->system,
                                 "role", "user", "content", j->user);
    if (j->rejected) {
        int en = !strcmp(c->language, "en");
        char *fix = en ? nb_xasprintf("That answer does not fit: %s. Reply again with only one "
                                      "paragraph of %lld to %lld characters.",
                                      j->reason, (long long)c->min_chars, (long long)c->max_chars)
                       : nb_xasprintf("上面的回答不符合要求（%s）。请重新输出一段%lld到%lld字的摘要"
                                      "正文，不要任何前缀或说明。",
                                      j->reason, (long long)c->min_chars, (long long)c->max_chars);
        json_array_append_new(messages,
                              json_pack("{s:s, s:s}", "role", "assistant", "content", j->rejected));
        json_array_append_new(messages, json_pack("{s:s, s:s}", "role", "user", "content", fix));
        free(fix);
    }
    json_t *body = json_pack("{s:s, s:o, s:f, s:I, s:b}", "model", c->model, "messages", messages,
                             "temperature", c->temperature, "max_tokens", (json_int_t)c->max_tokens,
                             "stream", 0);
    submit(llm, body, on_reply, j);
}

/* The API's own error text ({"error":{"message":...}}), when there is one. */
static const char *api_error(json_t *root)
{
    json_t *e = json_object_get(root, "error");
    const char *m = json_string_value(json_object_get(e, "message"));
    return m ? m : json_string_value(e);
}

static void on_reply(void *user, const nb_http_response *r)
{
    job *j = user;
    const nb_summarizer_config *c = j->llm->config;
    char msg[NB_ERRBUF_SIZE];
    j->outcome.requests += r->attempts;
    if (r->error) {
        job_finish(j, r->error, r->error_message, NULL);
        return;
    }
    if (r->status >= 300 && r->status <= 399) {
        /* Followed, a redirect would carry the prompt and the key elsewhere (307, 308) or
         * turn the POST into a GET (301, 302, 303): the configuration must name the API. */
        snprintf(msg, sizeof msg,
                 "summarizer: %s: HTTP %ld redirect to %s: requests to the LLM API follow no "
                 "redirects; set summarizer.api_base to the address that answers",
                 r->url, r->status, r->location ? r->location : "(no Location)");
        job_finish(j, NB_ERR_CONFIG, msg, NULL);
        return;
    }
    json_t *root = NULL;
    nb_errbuf err;
    nb_err parsed = nb_json_parse(r->body, r->body_len, &root, &err);
    if (r->status != 200) {
        const char *why = parsed == NB_OK ? api_error(root) : NULL;
        snprintf(msg, sizeof msg, "%s: HTTP %ld%s%.200s", r->url, r->status, why ? ": " : "",
                 why ? why : "");
        json_decref(root);
        job_finish(j, NB_ERR_HTTP, msg, NULL);
        return;
    }
    if (parsed != NB_OK) {
        snprintf(msg, sizeof msg, "%.200s: %.300s", r->url, err.msg);
        job_finish(j, NB_ERR_PARSE, msg, NULL);
        return;
    }
    json_t *usage = json_object_get(root, "usage");
    j->outcome.prompt_tokens += (long)json_integer_value(json_object_get(usage, "prompt_tokens"));
    j->outcome.completion_tokens +=
        (long)json_integer_value(json_object_get(usage, "completion_tokens"));
    json_t *message =
        json_object_get(json_array_get(json_object_get(root, "choices"), 0), "message");
    const char *content = json_string_value(json_object_get(message, "content"));
    if (!content) {
        snprintf(msg, sizeof msg, "%s: choices[0].message.content: missing", r->url);
        json_decref(root);
        job_finish(j, NB_ERR_SCHEMA, msg, NULL);
        return;
    }
    char *clean = nb_llm_clean_reply(content);
    char *cut = NULL;
    nb_errbuf why;
    if (nb_llm_check_reply(clean, (size_t)c->min_chars, (size_t)c->max_chars, &cut, &why) ==
        NB_OK) {
        json_decref(root);
        job_finish(j, NB_OK, NULL, cut ? cut : clean);
        free(cut);
        free(clean);
        return;
    }
    free(clean);
    if (!j->rejected) {
        nb_log(NB_LOG_INFO, "llm", "corrective_retry reason=\"%s\"", why.msg);
        j->rejected = nb_xstrdup(content);
        snprintf(j->reason, sizeof j->reason, "%s", why.msg);
        json_decref(root);
        send_request(j);
        return;
    }
    json_decref(root);
    snprintf(msg, sizeof msg, "rejected after a corrective retry: %.400s", why.msg);
    job_finish(j, NB_ERR_PARSE, msg, NULL);
}

void nb_llm_summarize(nb_llm *llm, const nb_llm_article *a, nb_llm_done_fn done, void *user)
{
    const nb_summarizer_config *c = llm->config;
    job *j = nb_xcalloc(1, sizeof *j);
    j->llm = llm;
    j->done = done;
    j->done_user = user;
    char *content = nb_llm_cut_to_budget(a->content ? a->content : "", (size_t)c->max_input_tokens);
    nb_prompt_vars vars = {
        .title = a->title,
        .content = content,
        .source = a->source,
        .language = c->language,
        .min_chars = (size_t)c->min_chars,
        .max_chars = (size_t)c->max_chars,
    };
    j->system = nb_llm_render_prompt(llm->system_template, &vars);
    j->user = nb_llm_render_prompt(llm->user_template, &vars);
    free(content);
    send_request(j);
}

typedef struct question {
    nb_llm_same_fn done;
    void *user;
} question;

static void on_answer(void *user, const nb_http_response *r)
{
    question *q = user;
    int same = -1;
    json_t *root = NULL;
    if (r->error == NB_OK && r->status == 200 &&
        nb_json_parse(r->body, r->body_len, &root, NULL) == NB_OK) {
        json_t *message =
            json_object_get(json_array_get(json_object_get(root, "choices"), 0), "message");
        const char *content = json_string_value(json_object_get(message, "content"));
        if (content)
            same = nb_llm_parse_yes_no(content);
    }
    json_decref(root);
    q->done(q->user, same);
    free(q);
}

void nb_llm_same_story(nb_llm *llm, const nb_llm_article *a, const nb_llm_article *b,
                       nb_llm_same_fn done, void *user)
{
    const nb_summarizer_config *c = llm->config;
    char *lead_a = nb_llm_cut_to_budget(a->content ? a->content : "", 300);
    char *lead_b = nb_llm_cut_to_budget(b->content ? b->content : "", 300);
    char *prompt = nb_xasprintf("新闻A\n标题：%s\n内容：%s\n\n新闻B\n标题：%s\n内容：%s\n\n"
                                "这两条新闻报道的是同一件事吗？只回答“是”或“否”。",
                                a->title, lead_a, b->title, lead_b);
    json_t *body =
        json_pack("{s:s, s:[{s:s, s:s}, {s:s, s:s}], s:f, s:i, s:b}", "model", c->model, "messages",
                  "role", "system", "content", "你判断两条新闻是否报道同一事件。", "role", "user",
                  "content", prompt, "temperature", 0.0, "max_tokens", 8, "stream", 0);
    question *q = nb_xcalloc(1, sizeof *q);
    *q = (question){done, user};
    submit(llm, body, on_answer, q);
    free(prompt);
    free(lead_a);
    free(lead_b);
}
