/* SPDX-License-Identifier: ISC */
/*
 * Writes the seed corpus of the vote_decode fuzz target: packed
 * marimba.v1.Vote messages, valid ones (plain, UTF-8, longest and
 * shortest fields, an unknown field, fields out of order) and a few the
 * contract refuses (a range, the id, the source, the time). Run by hand
 * when the message changes:
 *	fuzz_seed_votes tests/fuzz/corpus/vote_decode
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "vote.pb-c.h"

#include "vote.h"

#define SEED_ID		"01HF7YAT5Q8M2R3N4P5S6T7V8W"
#define SEED_TIME	INT64_C(1732406400000)

struct seed_dir {
	const char	*path;
	int		 failed;
};

static void
seed_write(struct seed_dir *d, const char *name, const uint8_t *buf,
    size_t len)
{
	char	 path[4096];
	FILE	*fp;

	if ((size_t)snprintf(path, sizeof(path), "%s/%s", d->path, name) >=
	    sizeof(path)) {
		fprintf(stderr, "%s/%s: path too long\n", d->path, name);
		d->failed = 1;
		return;
	}
	if ((fp = fopen(path, "wb")) == NULL) {
		fprintf(stderr, "%s: %s\n", path, strerror(errno));
		d->failed = 1;
		return;
	}
	if (fwrite(buf, 1, len, fp) != len || fclose(fp) != 0) {
		fprintf(stderr, "%s: write error\n", path);
		d->failed = 1;
	}
}

/* Packs msg, then extra bytes after it, into the file name. */
static void
seed_message(struct seed_dir *d, const char *name,
    const Marimba__V1__Vote *msg, const uint8_t *extra, size_t extralen)
{
	uint8_t		buf[2048];
	size_t		len;

	len = marimba__v1__vote__get_packed_size(msg);
	if (len + extralen > sizeof(buf)) {
		fprintf(stderr, "%s: message too big\n", name);
		d->failed = 1;
		return;
	}
	(void)marimba__v1__vote__pack(msg, buf);
	memcpy(buf + len, extra, extralen);
	seed_write(d, name, buf, len + extralen);
}

static void
good_message(Marimba__V1__Vote *msg)
{
	marimba__v1__vote__init(msg);
	msg->id = SEED_ID;
	msg->name = "Malacates Trebol Shop";
	msg->album = "A Quien Corresponda";
	msg->year = 2015;
	msg->rank = 1;
	msg->source = "rest";
	msg->received_at_ms = SEED_TIME;
}

int
main(int argc, char **argv)
{
	Marimba__V1__Vote	msg, part;
	struct seed_dir		d;
	char			longest[VOTE_NAME_MAX + 1];
	uint8_t			buf[1024], unknown[] = { 0x78, 0x01 };
	size_t			len;

	if (argc != 2) {
		fprintf(stderr, "usage: %s dir\n", argv[0]);
		return (2);
	}
	d.path = argv[1];
	d.failed = 0;

	good_message(&msg);
	seed_message(&d, "valid-rest.pb", &msg, NULL, 0);

	good_message(&msg);
	msg.name = "Caf\xc3\xa9 Tacvba \xe2\x80\x94 \xf0\x9f\x8e\xb6";
	msg.album = "Vi\xc3\xa9rnes Verde";
	msg.source = "grpc";
	msg.year = 1994;
	msg.rank = 1000;
	seed_message(&d, "valid-grpc-utf8.pb", &msg, NULL, 0);

	memset(longest, 'x', VOTE_NAME_MAX);
	longest[VOTE_NAME_MAX] = '\0';
	good_message(&msg);
	msg.name = longest;
	msg.album = longest;
	msg.year = VOTE_YEAR_MAX;
	msg.rank = VOTE_RANK_MAX;
	seed_message(&d, "valid-longest.pb", &msg, NULL, 0);

	good_message(&msg);
	msg.name = "A";
	msg.album = "B";
	msg.year = VOTE_YEAR_MIN;
	msg.rank = VOTE_RANK_MIN;
	msg.received_at_ms = 1;
	seed_message(&d, "valid-shortest.pb", &msg, NULL, 0);

	good_message(&msg);
	seed_message(&d, "valid-unknown-field.pb", &msg, unknown,
	    sizeof(unknown));

	/* The stamp first, then the client's fields: a merge of two. */
	marimba__v1__vote__init(&part);
	part.name = "Bohemia Suburbana";
	part.album = "Mi\xc3\xa9rcoles";
	part.year = 1998;
	part.rank = 7;
	len = marimba__v1__vote__get_packed_size(&part);
	(void)marimba__v1__vote__pack(&part, buf);
	marimba__v1__vote__init(&msg);
	msg.id = SEED_ID;
	msg.source = "grpc";
	msg.received_at_ms = SEED_TIME;
	seed_message(&d, "valid-out-of-order.pb", &msg, buf, len);

	good_message(&msg);
	msg.year = 1899;
	seed_message(&d, "refused-year.pb", &msg, NULL, 0);

	good_message(&msg);
	msg.id = "01HF7YAT5Q8M2R3N4P5S6T7V8"; /* 25 characters */
	seed_message(&d, "refused-id.pb", &msg, NULL, 0);

	good_message(&msg);
	msg.source = "kafka";
	seed_message(&d, "refused-source.pb", &msg, NULL, 0);

	good_message(&msg);
	msg.received_at_ms = -1;
	seed_message(&d, "refused-time.pb", &msg, NULL, 0);

	return (d.failed ? 1 : 0);
}
