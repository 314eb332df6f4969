/* SPDX-License-Identifier: ISC */
/*
 * The log viewer's HTML: the whole page for GET / (from what is fast:
 * the tallies, the charts, the filter form; the logs panel is loaded by
 * htmx), the two pieces htmx swaps (the logs table, the stats), the logs
 * table when MongoDB failed (the last good one, marked stale with its
 * age), and the logs table as a page of its own for browsers without
 * script. No script or style in the page (the CSP forbids it; the page's
 * behaviour is in assets/marimba.js); every text from a client goes
 * through render_esc() or render_name(), every value in a URL through
 * render_url_component().
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/app.h"
#include "core/assets.h"
#include "html.h"
#include "label.h"
#include "page_render.h"
#include "sink_lag.h"
#include "store_mongo.h"
#include "store_redis.h"
#include "svg_chart.h"
#include "web_job.h"
#include "web_reply.h"
#include "web_time.h"

/* Bands listed in the filter's list of suggestions. */
#define SELECT_BANDS	500
/* Bars in each chart of the page. */
#define CHART_BARS	10
/* Seconds between the script's refreshes of the stats and the logs. */
#define REFRESH_S	3
/* A cached table older than this is shown with its time on the page. */
#define CACHE_FRESH_S	(2 * REFRESH_S)
#define STR(x)		#x
#define XSTR(x)		STR(x)

/*
 * htmx's settings: no <style> of its own (the CSP forbids it), no swap
 * on 204 or 304 (the content is unchanged), no copy of the page in
 * localStorage (a reload asks the server).
 */
#define HTMX_CONFIG	"{&quot;includeIndicatorStyles&quot;:false," \
	"&quot;historyCacheSize&quot;:0,&quot;responseHandling&quot;:[" \
	"{&quot;code&quot;:&quot;204&quot;,&quot;swap&quot;:false}," \
	"{&quot;code&quot;:&quot;304&quot;,&quot;swap&quot;:false}," \
	"{&quot;code&quot;:&quot;[23]..&quot;,&quot;swap&quot;:true}," \
	"{&quot;code&quot;:&quot;[45]..&quot;,&quot;swap&quot;:false," \
	"&quot;error&quot;:true}]}"

static const int	limits[] = { 10, 20, 50, 100 };

static void	render_head(struct kore_buf *, const struct logs_query *);
static void	render_filters(struct kore_buf *, const struct logs_query *,
		    const struct web_job *);
static void	render_query(struct kore_buf *, const struct logs_query *);
static void	render_logs_first(struct kore_buf *,
		    const struct logs_query *, const struct logs_cached *);
static void	render_footer(struct kore_buf *);
static void	render_clock(struct kore_buf *, time_t);
static int	band_cmp(const void *, const void *);

void
render_page(struct kore_buf *b, const struct logs_query *q,
    const struct web_job *job, const struct logs_cached *c)
{
	struct kore_buf	*stats;
	char		 etag[WEB_ETAG_LEN];
	char		 lag[SINK_LAG_WORDS_MAX];

	render_head(b, q);
	kore_buf_appendf(b, "<body><a class=\"skip\" href=\"#logs-panel\">"
	    "Skip to the latest votes</a>"
	    "<header class=\"top\"><div class=\"wrap\"><h1><span "
	    "class=\"logo\" aria-hidden=\"true\">&#9835;</span> marimba</h1>"
	    "<p>Live votes for Guatemalan bands</p></div></header>"
	    "<main class=\"wrap\">");

	/*
	 * The one live region: "updated HH:MM:SS", what came in, and how
	 * far the logs are behind the tallies when they are.
	 */
	kore_buf_appendf(b, "<div class=\"live-bar\"><p id=\"updated\" "
	    "class=\"updated\" role=\"status\">Updated <time>");
	render_clock(b, c->now);
	kore_buf_appendf(b, "</time> UTC");
	if (job->tallies_rc == 0 && sink_lag_words(job->tallies.logs_behind_ms,
	    lag, sizeof(lag)) > 0) {
		kore_buf_appendf(b, " · ");
		render_esc(b, lag);
	}
	kore_buf_appendf(b, "</p><button type=\"button\" "
	    "id=\"live-toggle\" class=\"live-toggle\" aria-pressed=\"false\" "
	    "hidden>Pause live updates</button></div>"
	    "<noscript><p class=\"note\">JavaScript is off, so this page "
	    "does not update by itself: reload it (or press Show) to see "
	    "new votes.</p></noscript>");

	/*
	 * Each part carries the ETag of what it shows, so even the first
	 * refresh of an unchanged part is a 304.
	 */
	stats = kore_buf_alloc(8192);
	render_stats(stats, job);
	web_etag(stats->data, stats->offset, etag);
	kore_buf_appendf(b, "<section id=\"stats\" class=\"stats\" "
	    "aria-label=\"Totals and charts\" hx-get=\"/fragments/stats\" "
	    "hx-trigger=\"marimba:tick\" hx-swap=\"innerHTML\" "
	    "hx-sync=\"this:drop\" data-etag=\"");
	render_esc(b, etag);
	kore_buf_appendf(b, "\">");
	kore_buf_append(b, stats->data, stats->offset);
	kore_buf_free(stats);
	kore_buf_appendf(b, "</section>");

	kore_buf_appendf(b, "<section id=\"logs-panel\" class=\"panel logs\" "
	    "aria-labelledby=\"logs-h\"><div class=\"logs-head\"><h2 "
	    "id=\"logs-h\">Latest votes</h2>");
	render_filters(b, q, job);
	kore_buf_appendf(b, "</div><div id=\"logs\" class=\"logs-body\" "
	    "hx-get=\"/fragments/logs\" hx-include=\"#filters\" "
	    "hx-trigger=\"load, marimba:tick\" hx-swap=\"innerHTML\" "
	    "hx-sync=\"this:drop\"");
	render_logs_first(b, q, c);
	kore_buf_appendf(b, "</div></section></main>");
	render_footer(b);
	kore_buf_appendf(b, "</body></html>\n");
}

/*
 * What the logs panel holds until htmx fills it (the end of its tag,
 * then its content): the filter's kept table (with its ETag when recent,
 * so htmx's first load is a 304; marked with its time when not), or a
 * placeholder and, for a browser without script, a link to the table.
 */
static void
render_logs_first(struct kore_buf *b, const struct logs_query *q,
    const struct logs_cached *c)
{
	char	etag[WEB_ETAG_LEN];

	if (c->html != NULL && c->now - c->at < CACHE_FRESH_S) {
		web_etag(c->html, c->len, etag);
		kore_buf_appendf(b, " data-etag=\"");
		render_esc(b, etag);
		kore_buf_appendf(b, "\">");
		kore_buf_append(b, c->html, c->len);
		return;
	}
	kore_buf_appendf(b, ">");
	if (c->html != NULL) {
		render_logs_stale(b, 0, c);
		return;
	}
	kore_buf_appendf(b, "<p class=\"loading\">Loading the latest "
	    "votes…</p><noscript><p><a href=\"/fragments/logs");
	render_query(b, q);
	kore_buf_appendf(b, "\">The latest votes as a page of their "
	    "own</a></p></noscript>");
}

/* The logs table as a page of its own, for a browser without script. */
void
render_logs_doc(struct kore_buf *b, const struct logs_query *q,
    const struct web_job *job, const struct logs_cached *c)
{
	render_head(b, q);
	kore_buf_appendf(b, "<body><main class=\"wrap\"><h1>Latest "
	    "votes</h1><p><a href=\"/");
	render_query(b, q);
	kore_buf_appendf(b, "\">Back to the live page</a></p>");
	if (job->logs_rc != 0)
		render_logs_stale(b, job->logs_rc, c);
	else
		render_logs(b, q, job);
	kore_buf_appendf(b, "</main></body></html>\n");
}

/* <title> naming the filter, for the page and for htmx's swaps. */
void
render_title(struct kore_buf *b, const struct logs_query *q)
{
	kore_buf_appendf(b, "<title>");
	if (q->band[0] != '\0') {
		render_name(b, q->band);
		kore_buf_appendf(b, " · ");
	}
	if (q->source[0] != '\0') {
		render_esc(b, q->source);
		kore_buf_appendf(b, " · ");
	}
	kore_buf_appendf(b, "marimba · live votes</title>");
}

/* The table of logs, or why there is none. */
void
render_logs(struct kore_buf *b, const struct logs_query *q,
    const struct web_job *job)
{
	const struct log_entry	*e;
	size_t			 i;
	char			 iso[WEB_TIME_ISO_LEN];
	char			 date[WEB_TIME_DATE_LEN];
	char			 clock[WEB_TIME_CLOCK_LEN];

	if (job->logs_rc != 0) {
		kore_buf_appendf(b, "<p class=\"down\">%s</p>",
		    LOGS_DOWN_MSG(job->logs_rc));
		return;
	}
	if (job->nlogs == 0) {
		kore_buf_appendf(b, "<p class=\"empty\">No votes yet");
		if (q->band[0] != '\0') {
			kore_buf_appendf(b, " for ");
			render_name(b, q->band);
		}
		kore_buf_appendf(b, ".</p>");
		return;
	}
	kore_buf_appendf(b, "<table class=\"logs-table\"><caption>The %zu "
	    "newest votes", job->nlogs);
	if (q->band[0] != '\0') {
		kore_buf_appendf(b, " for ");
		render_name(b, q->band);
	}
	if (q->source[0] != '\0') {
		kore_buf_appendf(b, " sent over ");
		render_esc(b, q->source);
	}
	kore_buf_appendf(b, ", newest first</caption><thead><tr>"
	    "<th scope=\"col\">Time (UTC)</th><th scope=\"col\">Band</th>"
	    "<th scope=\"col\">Album</th><th scope=\"col\" class=\"num year\">"
	    "Year</th><th scope=\"col\" class=\"num\">Rank</th>"
	    "<th scope=\"col\">Source</th><th scope=\"col\" class=\"id\">"
	    "Vote id</th></tr></thead><tbody>");
	for (i = 0; i < job->nlogs; i++) {
		e = &job->logs[i];
		/* Both always write a whole string ("?" when out of range). */
		(void)web_time_iso(e->accepted_ms, iso, sizeof(iso));
		(void)web_time_split(e->accepted_ms, date, sizeof(date), clock,
		    sizeof(clock));
		kore_buf_appendf(b, "<tr data-id=\"");
		render_esc(b, e->id);
		kore_buf_appendf(b, "\"><td class=\"time\"><time datetime=\"");
		render_esc(b, iso);
		kore_buf_appendf(b, "\"><span class=\"date\">%s</span> "
		    "<b>%s</b></time></td><td class=\"band\">", date, clock);
		render_name(b, e->name);
		kore_buf_appendf(b, "</td><td class=\"album\">");
		render_name(b, e->album);
		kore_buf_appendf(b, "</td><td class=\"num year\">%d</td>"
		    "<td class=\"num\">%d</td><td><span class=\"src src-",
		    (int)e->year, (int)e->rank);
		render_esc(b, e->source);
		kore_buf_appendf(b, "\">");
		render_esc(b, e->source);
		kore_buf_appendf(b, "</span></td><td class=\"id\">");
		render_esc(b, e->id);
		kore_buf_appendf(b, "</td></tr>");
	}
	kore_buf_appendf(b, "</tbody></table>");
}

/*
 * The logs could not be read (rc: store_logs' error, 0 when only old):
 * the last good table of this filter with its time and age, marked
 * stale, or the reason alone when there is none. Same place, same
 * table: the layout does not jump.
 */
void
render_logs_stale(struct kore_buf *b, int rc, const struct logs_cached *c)
{
	long long	age;

	if (c->html == NULL) {
		kore_buf_appendf(b, "<p class=\"down\">%s</p>",
		    LOGS_DOWN_MSG(rc));
		return;
	}
	age = c->now > c->at ? (long long)(c->now - c->at) : 0;
	kore_buf_appendf(b, "<div class=\"stale\" data-stale=\"%lld\">"
	    "<p class=\"stale-note\"><strong>Not current.</strong> ", age);
	if (rc != 0)
		kore_buf_appendf(b, "%s. ", LOGS_DOWN_MSG(rc));
	kore_buf_appendf(b, "These are the votes as of <time>");
	render_clock(b, c->at);
	kore_buf_appendf(b, "</time> UTC (%lld s ago).</p>", age);
	kore_buf_append(b, c->html, c->len);
	kore_buf_appendf(b, "</div>");
}

/* Totals, the votes-per-second sparkline and the two bar charts. */
void
render_stats(struct kore_buf *b, const struct web_job *job)
{
	const struct tallies	*t = &job->tallies;
	long long		 now;
	char			 lag[SINK_LAG_WORDS_MAX];

	if (job->tallies_rc != 0) {
		kore_buf_appendf(b, "<p class=\"down\">tallies "
		    "unavailable: Redis is down</p>");
		return;
	}
	now = job->series_rc == 0 && job->series.n > 0 ?
	    job->series.total[job->series.n - 1] : 0;
	/* For the status line (marimba.js): the logs behind the tallies. */
	kore_buf_appendf(b, "<div class=\"cards\"");
	if (sink_lag_words(t->logs_behind_ms, lag, sizeof(lag)) > 0) {
		kore_buf_appendf(b, " data-logs-behind=\"");
		render_esc(b, lag);
		kore_buf_appendf(b, "\"");
	}
	kore_buf_appendf(b, "><div class=\"card\">"
	    "<span class=\"k\">Votes</span>"
	    "<span class=\"v\" id=\"total\">%lld</span></div>"
	    "<div class=\"card\"><span class=\"k\">REST</span>"
	    "<span class=\"v\">%lld</span></div>"
	    "<div class=\"card\"><span class=\"k\">gRPC</span>"
	    "<span class=\"v\">%lld</span></div>"
	    "<div class=\"card\"><span class=\"k\">Bands</span>"
	    "<span class=\"v\">%zu</span></div>"
	    "<div class=\"card\"><span class=\"k\">Votes/s</span>"
	    "<span class=\"v\">%lld</span></div></div>",
	    t->total, t->rest, t->grpc, t->nbands, now);

	kore_buf_appendf(b, "<div class=\"panel\"><h2>Votes per second "
	    "<small>last minute</small></h2>");
	if (job->series_rc == 0)
		svg_sparkline(b, &job->series);
	else
		kore_buf_appendf(b, "<p class=\"down\">series unavailable</p>");
	kore_buf_appendf(b, "</div><div class=\"charts\">"
	    "<div class=\"panel\"><h2 id=\"bands-h\">Top bands</h2>");
	svg_bars(b, "bands-h", "Band", t->bands, t->nbands, CHART_BARS);
	kore_buf_appendf(b, "</div><div class=\"panel\"><h2 id=\"albums-h\">"
	    "Top albums</h2>");
	svg_bars(b, "albums-h", "Album", t->albums, t->nalbums, CHART_BARS);
	kore_buf_appendf(b, "</div></div>");
}

static void
render_head(struct kore_buf *b, const struct logs_query *q)
{
	const struct app	*app = app_get();

	kore_buf_appendf(b,
	    "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
	    "<meta name=\"viewport\" content=\"width=device-width, "
	    "initial-scale=1\">"
	    "<meta name=\"htmx-config\" content=\"" HTMX_CONFIG "\">");
	render_title(b, q);
	kore_buf_appendf(b,
	    "<link rel=\"icon\" href=\"/assets/favicon.svg?v=%s\" "
	    "type=\"image/svg+xml\">"
	    "<link rel=\"stylesheet\" href=\"/assets/marimba.css?v=%s\">"
	    "<script src=\"/assets/htmx.min.js?v=%s\" defer></script>"
	    "<script src=\"/assets/marimba.js?v=%s\" defer></script>"
	    "</head>", assets_version(app, ASSET_FAVICON),
	    assets_version(app, ASSET_CSS), assets_version(app, ASSET_HTMX),
	    assets_version(app, ASSET_JS));
}

static void
render_footer(struct kore_buf *b)
{
	const struct app	*app = app_get();

	kore_buf_appendf(b, "<footer class=\"wrap\"><p class=\"js-only\" "
	    "hidden>Updates every " XSTR(REFRESH_S) " seconds while this "
	    "tab is visible and not paused.</p><p>"
	    "<a href=\"/api/logs\">/api/logs</a> · "
	    "<a href=\"/api/votes\">/api/votes</a> · "
	    "<a href=\"/metrics\">/metrics</a>");
	if (app != NULL && app->cfg.grafana_url[0] != '\0') {
		kore_buf_appendf(b, " · <a href=\"");
		render_esc(b, app->cfg.grafana_url);
		kore_buf_appendf(b, "\">Grafana dashboard</a>");
	}
	kore_buf_appendf(b, "</p></footer>");
}

/* HH:MM:SS of t in UTC ("?" if it cannot be told). */
static void
render_clock(struct kore_buf *b, time_t t)
{
	char	date[WEB_TIME_DATE_LEN];
	char	clock[WEB_TIME_CLOCK_LEN];

	(void)web_time_split((int64_t)t * 1000, date, sizeof(date), clock,
	    sizeof(clock));
	/* "HH:MM:SS.mmm": whole seconds only. */
	kore_buf_append(b, clock, strnlen(clock, 8));
}

/*
 * The filter: a band (typed, or picked from the sorted list of known
 * bands: a datalist) and the rows. A plain GET form for a browser
 * without script (Show); with it, htmx applies each change at once
 * (/fragments/logs into #logs), and the server names the page's URL
 * for the address bar (HX-Push-Url, page.c).
 */
static void
render_filters(struct kore_buf *b, const struct logs_query *q,
    const struct web_job *job)
{
	const struct tallies	*t = &job->tallies;
	const struct tally	**sorted;
	size_t			 i, n;
	int			 found;

	kore_buf_appendf(b, "<form id=\"filters\" class=\"filters\" "
	    "method=\"get\" action=\"/\" hx-get=\"/fragments/logs\" "
	    "hx-target=\"#logs\" hx-trigger=\"change, submit, marimba:filter\" "
	    "hx-push-url=\"true\" hx-sync=\"#logs:replace\">"
	    "<span class=\"field\"><label for=\"band\">Band</label>"
	    "<input id=\"band\" name=\"band\" type=\"search\" "
	    "list=\"band-names\" autocomplete=\"off\" spellcheck=\"false\" "
	    "maxlength=\"128\" placeholder=\"All bands\" "
	    "aria-describedby=\"band-hint\" value=\"");
	render_esc(b, q->band);
	kore_buf_appendf(b, "\"><span id=\"band-hint\" class=\"vh\">Empty "
	    "for all bands; suggestions are listed as you type.</span>"
	    "</span><datalist id=\"band-names\">");
	n = job->tallies_rc == 0 ? MIN(t->nbands, SELECT_BANDS) : 0;
	sorted = n > 0 ? calloc(n, sizeof(*sorted)) : NULL;
	if (sorted != NULL) {
		for (i = 0; i < n; i++)
			sorted[i] = &t->bands[i];
		qsort(sorted, n, sizeof(*sorted), band_cmp);
		for (i = 0; i < n; i++) {
			kore_buf_appendf(b, "<option value=\"");
			render_esc(b, sorted[i]->key);
			kore_buf_appendf(b, "\"");
			if (label_blank(sorted[i]->key))
				kore_buf_appendf(b, " label=\"%s\"",
				    HTML_BLANK_NAME);
			kore_buf_appendf(b, "></option>");
		}
		free(sorted);
	}
	kore_buf_appendf(b, "</datalist><span class=\"field\"><label "
	    "for=\"limit\">Rows</label><select id=\"limit\" name=\"limit\">");
	found = 0;
	for (i = 0; i < sizeof(limits) / sizeof(limits[0]); i++) {
		if (!found && q->limit < limits[i]) {
			kore_buf_appendf(b, "<option selected>%d</option>",
			    q->limit);
			found = 1;
		}
		kore_buf_appendf(b, "<option%s>%d</option>",
		    q->limit == limits[i] ? " selected" : "", limits[i]);
		if (q->limit == limits[i])
			found = 1;
	}
	kore_buf_appendf(b, "</select></span>");
	if (q->source[0] != '\0') {
		kore_buf_appendf(b, "<input type=\"hidden\" name=\"source\" "
		    "value=\"");
		render_esc(b, q->source);
		kore_buf_appendf(b, "\">");
	}
	kore_buf_appendf(b, "<button type=\"submit\">Show</button></form>");
}

/* Bands in the order a reader looks for them: case-blind, then bytes. */
static int
band_cmp(const void *a, const void *b)
{
	const struct tally	*x = *(const struct tally *const *)a;
	const struct tally	*y = *(const struct tally *const *)b;
	int			 c;

	if ((c = strcasecmp(x->key, y->key)) != 0)
		return (c);
	return (strcmp(x->key, y->key));
}

/* "?limit=N[&band=...]" for a URL, escaped for an attribute. */
static void
render_query(struct kore_buf *b, const struct logs_query *q)
{
	kore_buf_appendf(b, "?limit=%d", q->limit);
	if (q->band[0] != '\0') {
		kore_buf_appendf(b, "&amp;band=");
		render_url_component(b, q->band);
	}
	if (q->source[0] != '\0') {
		kore_buf_appendf(b, "&amp;source=");
		render_url_component(b, q->source);
	}
}
