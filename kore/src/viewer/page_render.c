/* SPDX-License-Identifier: ISC */
/*
 * The log viewer's HTML: the whole page for GET /, and the two pieces
 * htmx swaps every few seconds (the logs table, the stats). No script or
 * style in the page (the CSP forbids it); every text from a client goes
 * through render_esc(), every value in a URL through
 * render_url_component().
 */
#include <stdio.h>
#include <string.h>

#include "core/app.h"
#include "core/assets.h"
#include "html.h"
#include "page_render.h"
#include "store_mongo.h"
#include "store_redis.h"
#include "svg_chart.h"
#include "web_job.h"
#include "web_time.h"

/* Bands listed in the filter's select. */
#define SELECT_BANDS	500
/* Bars in each chart of the page. */
#define CHART_BARS	10
/* Seconds between htmx's refreshes of the stats and the logs. */
#define REFRESH_S	3
#define STR(x)		#x
#define XSTR(x)		STR(x)
#define REFRESH		"every " XSTR(REFRESH_S) "s"

static const int	limits[] = { 10, 20, 50, 100 };

static void	render_filters(struct kore_buf *, const struct logs_query *,
		    const struct web_job *);
static void	render_query(struct kore_buf *, const struct logs_query *);

void
render_page(struct kore_buf *b, const struct logs_query *q,
    const struct web_job *job)
{
	const struct app	*app = app_get();

	kore_buf_appendf(b,
	    "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
	    "<meta name=\"viewport\" content=\"width=device-width, "
	    "initial-scale=1\">"
	    "<meta name=\"htmx-config\" "
	    "content='{\"includeIndicatorStyles\":false}'>"
	    "<title>marimba · live votes</title>"
	    "<link rel=\"stylesheet\" href=\"/assets/marimba.css?v=%s\">"
	    "<script src=\"/assets/htmx.min.js?v=%s\" defer></script>"
	    "</head><body>"
	    "<header class=\"top\"><div class=\"wrap\"><h1><span "
	    "class=\"logo\" aria-hidden=\"true\">&#9835;</span> marimba</h1>"
	    "<p>Live votes for Guatemalan bands</p></div></header>"
	    "<main class=\"wrap\">", assets_version(app, ASSET_CSS),
	    assets_version(app, ASSET_HTMX));

	kore_buf_appendf(b, "<section id=\"stats\" class=\"stats\" "
	    "hx-get=\"/fragments/stats\" hx-trigger=\"" REFRESH "\" "
	    "hx-swap=\"innerHTML\">");
	render_stats(b, job);
	kore_buf_appendf(b, "</section>");

	kore_buf_appendf(b, "<section class=\"panel logs\"><div "
	    "class=\"logs-head\"><h2>Latest votes</h2>");
	render_filters(b, q, job);
	kore_buf_appendf(b, "</div><div id=\"logs\" hx-get=\"/fragments/logs");
	render_query(b, q);
	kore_buf_appendf(b, "\" hx-trigger=\"" REFRESH "\" "
	    "hx-swap=\"innerHTML\">");
	render_logs(b, q, job);
	kore_buf_appendf(b, "</div></section></main>"
	    "<footer class=\"wrap\">Refreshes every " XSTR(REFRESH_S)
	    " seconds. "
	    "<a href=\"/api/logs\">/api/logs</a> · "
	    "<a href=\"/api/votes\">/api/votes</a> · "
	    "<a href=\"/metrics\">/metrics</a></footer>"
	    "</body></html>\n");
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
		kore_buf_appendf(b, "<p class=\"down\" role=\"status\">%s</p>",
		    LOGS_DOWN_MSG(job->logs_rc));
		return;
	}
	if (job->nlogs == 0) {
		kore_buf_appendf(b, "<p class=\"empty\">No votes yet");
		if (q->band[0] != '\0') {
			kore_buf_appendf(b, " for ");
			render_esc(b, q->band);
		}
		kore_buf_appendf(b, ".</p>");
		return;
	}
	kore_buf_appendf(b, "<table class=\"logs-table\"><thead><tr>"
	    "<th>Time (UTC)</th><th>Band</th><th>Album</th><th>Year</th>"
	    "<th>Rank</th><th>Source</th><th>Vote id</th></tr></thead><tbody>");
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
		kore_buf_appendf(b, "\">%s <b>%s</b></time></td>"
		    "<td class=\"band\">", date, clock);
		render_esc(b, e->name);
		kore_buf_appendf(b, "</td><td>");
		render_esc(b, e->album);
		kore_buf_appendf(b, "</td><td class=\"num\">%d</td>"
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

/* Totals, the votes-per-second sparkline and the two bar charts. */
void
render_stats(struct kore_buf *b, const struct web_job *job)
{
	const struct tallies	*t = &job->tallies;
	long long		 now;

	if (job->tallies_rc != 0) {
		kore_buf_appendf(b, "<p class=\"down\" role=\"status\">tallies "
		    "unavailable: Redis is down</p>");
		return;
	}
	now = job->series_rc == 0 && job->series.n > 0 ?
	    job->series.total[job->series.n - 1] : 0;
	kore_buf_appendf(b, "<div class=\"cards\">"
	    "<div class=\"card\"><span class=\"k\">Votes</span>"
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
	    "<div class=\"panel\"><h2>Top bands</h2>");
	svg_bars(b, "votes per band", t->bands, t->nbands, CHART_BARS);
	kore_buf_appendf(b, "</div><div class=\"panel\"><h2>Top albums</h2>");
	svg_bars(b, "votes per album", t->albums, t->nalbums, CHART_BARS);
	kore_buf_appendf(b, "</div></div>");
}

/* A plain GET form: the URL says what is shown and can be shared. */
static void
render_filters(struct kore_buf *b, const struct logs_query *q,
    const struct web_job *job)
{
	const struct tallies	*t = &job->tallies;
	size_t			 i, n;
	int			 found;

	kore_buf_appendf(b, "<form class=\"filters\" method=\"get\" "
	    "action=\"/\"><label>Band <select name=\"band\">"
	    "<option value=\"\">All bands</option>");
	found = q->band[0] == '\0';
	n = job->tallies_rc == 0 ? MIN(t->nbands, SELECT_BANDS) : 0;
	for (i = 0; i < n; i++) {
		kore_buf_appendf(b, "<option value=\"");
		render_esc(b, t->bands[i].key);
		kore_buf_appendf(b, "\"");
		if (!found && strcmp(t->bands[i].key, q->band) == 0) {
			kore_buf_appendf(b, " selected");
			found = 1;
		}
		kore_buf_appendf(b, ">");
		render_esc(b, t->bands[i].key);
		kore_buf_appendf(b, "</option>");
	}
	if (!found) {
		kore_buf_appendf(b, "<option selected value=\"");
		render_esc(b, q->band);
		kore_buf_appendf(b, "\">");
		render_esc(b, q->band);
		kore_buf_appendf(b, "</option>");
	}
	kore_buf_appendf(b, "</select></label><label>Rows "
	    "<select name=\"limit\">");
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
	kore_buf_appendf(b, "</select></label><button type=\"submit\">Show"
	    "</button></form>");
}

/* "?limit=N[&band=...]" for the fragment's URL, escaped for an attribute. */
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
