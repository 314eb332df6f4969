/* SPDX-License-Identifier: ISC */
/*
 * Server-rendered inline SVG: horizontal bars for the tallies and a
 * sparkline of votes per second. Colours and fonts come from classes in
 * assets/marimba.css (the CSP allows no inline style); every label that
 * came from a client is HTML-escaped. A bar's label is cut to fit its
 * room with an ellipsis (label.c); the bar's <title> has it whole.
 */
#include <stdio.h>
#include <string.h>

#include <sys/param.h>

#include "html.h"
#include "label.h"
#include "svg_chart.h"

#define BAR_ROW		30	/* px per bar */
#define BAR_LABEL_W	200	/* px for the labels */
#define BAR_LABEL_GAP	10	/* px between a label's end and its bar */
#define BAR_LABEL_MARGIN	4	/* px kept free at the chart's left */
#define BAR_LABEL_FONT	13	/* px, .bar-label in assets/marimba.css */
/* What a label may take, in hundredths of an em of its font. */
#define BAR_LABEL_BUDGET	((BAR_LABEL_W - BAR_LABEL_GAP - \
	BAR_LABEL_MARGIN) * LABEL_EM / BAR_LABEL_FONT)
#define BAR_W		200	/* px for the longest bar */
/* Scaled down to a phone's width: small, so the text stays readable. */
#define CHART_W		460
#define SPARK_W		600
#define SPARK_H		70

static void	label_short(struct kore_buf *, const char *);

/*
 * The first max bars of t (sorted by votes). The SVG is one image for
 * assistive technology, named by the heading whose id is labelledby;
 * its numbers follow as a table in <details> (what, e.g. "Band", heads
 * its first column), where every name is whole, for keyboard and touch.
 */
void
svg_bars(struct kore_buf *b, const char *labelledby, const char *what,
    const struct tally *t, size_t n, size_t max)
{
	size_t		i;
	long long	top;
	int		w, y, h;

	n = MIN(n, max);
	h = (int)n * BAR_ROW + 8;
	kore_buf_appendf(b, "<svg class=\"bars\" role=\"img\" viewBox=\"0 0 "
	    "%d %d\" width=\"%d\" height=\"%d\" aria-labelledby=\"%s\">",
	    CHART_W, h < 40 ? 40 : h, CHART_W, h < 40 ? 40 : h, labelledby);
	if (n == 0) {
		kore_buf_appendf(b, "<text class=\"bar-empty\" x=\"0\" "
		    "y=\"24\">no votes yet</text></svg>");
		return;
	}
	top = t[0].n > 0 ? t[0].n : 1;
	for (i = 0; i < n; i++) {
		y = (int)i * BAR_ROW;
		w = (int)((double)t[i].n / (double)top * BAR_W);
		if (w < 2)
			w = 2;
		kore_buf_appendf(b, "<g class=\"bar bar-%zu\"><title>", i % 10);
		if (label_blank(t[i].key))
			kore_buf_appendf(b, "%s", HTML_BLANK_NAME);
		else
			render_esc(b, t[i].key);
		kore_buf_appendf(b, ": %lld</title>", t[i].n);
		kore_buf_appendf(b, "<text class=\"bar-label\" x=\"%d\" "
		    "y=\"%d\" text-anchor=\"end\">",
		    BAR_LABEL_W - BAR_LABEL_GAP, y + 19);
		label_short(b, label_blank(t[i].key) ? HTML_BLANK_NAME :
		    t[i].key);
		kore_buf_appendf(b, "</text><rect x=\"%d\" y=\"%d\" "
		    "width=\"%d\" height=\"%d\" rx=\"4\"></rect>"
		    "<text class=\"bar-value\" x=\"%d\" y=\"%d\">%lld</text>"
		    "</g>", BAR_LABEL_W, y + 5, w, BAR_ROW - 10,
		    BAR_LABEL_W + w + 8, y + 19, t[i].n);
	}
	kore_buf_appendf(b, "</svg><details class=\"data\"><summary>The "
	    "numbers as a table</summary><table class=\"data-table\">"
	    "<thead><tr><th scope=\"col\">%s</th><th scope=\"col\" "
	    "class=\"num\">Votes</th></tr></thead><tbody>", what);
	for (i = 0; i < n; i++) {
		kore_buf_appendf(b, "<tr><th scope=\"row\">");
		render_name(b, t[i].key);
		kore_buf_appendf(b, "</th><td class=\"num\">%lld</td></tr>",
		    t[i].n);
	}
	kore_buf_appendf(b, "</tbody></table></details>");
}

/* Votes per second over the last SERIES_POINTS seconds. */
void
svg_sparkline(struct kore_buf *b, const struct series *s)
{
	size_t		i;
	long long	top, peak, sum;
	double		x, y, step;

	/*
	 * Stretched to the panel's width; the strokes keep their width.
	 * Described by the line of text under it (id spark-desc).
	 */
	kore_buf_appendf(b, "<svg class=\"spark\" role=\"img\" viewBox=\"0 0 "
	    "%d %d\" width=\"100%%\" height=\"%d\" "
	    "preserveAspectRatio=\"none\" aria-label=\"Votes per "
	    "second, last minute\" aria-describedby=\"spark-desc\">", SPARK_W,
	    SPARK_H, SPARK_H);
	peak = 0;
	sum = 0;
	for (i = 0; i < s->n; i++) {
		if (s->total[i] > peak)
			peak = s->total[i];
		sum += s->total[i];
	}
	if (s->n < 2) {
		kore_buf_appendf(b, "</svg><p class=\"spark-max\" "
		    "id=\"spark-desc\">No votes in the last minute.</p>");
		return;
	}
	top = peak > 0 ? peak : 1;
	step = (double)SPARK_W / (double)(SERIES_POINTS - 1);
	kore_buf_appendf(b, "<polygon class=\"spark-area\" points=\"");
	for (i = 0; i < s->n; i++) {
		x = (double)(SERIES_POINTS - s->n + i) * step;
		y = SPARK_H - 4 - (double)s->total[i] / (double)top *
		    (SPARK_H - 14);
		kore_buf_appendf(b, "%.1f,%.1f ", x, y);
	}
	kore_buf_appendf(b, "%.1f,%d %.1f,%d\"></polygon>", (double)SPARK_W,
	    SPARK_H, (double)(SERIES_POINTS - s->n) * step, SPARK_H);
	kore_buf_appendf(b, "<polyline class=\"spark-line\" points=\"");
	for (i = 0; i < s->n; i++) {
		x = (double)(SERIES_POINTS - s->n + i) * step;
		y = SPARK_H - 4 - (double)s->total[i] / (double)top *
		    (SPARK_H - 14);
		kore_buf_appendf(b, "%.1f,%.1f ", x, y);
	}
	kore_buf_appendf(b, "\" vector-effect=\"non-scaling-stroke\">"
	    "</polyline></svg><p class=\"spark-max\" id=\"spark-desc\">");
	if (sum == 0)
		kore_buf_appendf(b, "No votes in the last minute.</p>");
	else
		kore_buf_appendf(b, "%lld votes in the last %zu seconds; now "
		    "%lld a second, peak %lld a second.</p>", sum, s->n,
		    s->total[s->n - 1], peak);
}

/* s escaped, cut with "…" to fit BAR_LABEL_BUDGET. */
static void
label_short(struct kore_buf *b, const char *s)
{
	size_t	n;
	int	cut;

	n = label_fit(s, BAR_LABEL_BUDGET, &cut);
	render_esc_len(b, s, n);
	if (cut)
		kore_buf_appendf(b, "…");
}
