/* SPDX-License-Identifier: ISC */
/*
 * Idempotency keys (see idem_key.h): parsing a ULID or UUIDv7 key and
 * its time window, and the vote ids derived from it with SHA-256
 * (OpenSSL's libcrypto).
 */
#include <stdio.h>
#include <string.h>

#include <openssl/evp.h>

#include "hex.h"
#include "idem_key.h"
#include "vote_id.h"

/* Tells this derivation apart from any other use of SHA-256. */
#define IDEM_DOMAIN	"marimba vote id v1"

static int	idem_parse_ulid(const char *, struct idem_key *);
static int	idem_parse_uuid7(const char *, struct idem_key *);
static int	idem_crockford(char);
static void	idem_put32(uint8_t *, uint32_t);

enum idem_status
idem_key_parse(const char *s, size_t len, int64_t now_ms, int64_t window_ms,
    struct idem_key *k, char *err, size_t errlen)
{
	int	ok;

	memset(k, 0, sizeof(*k));
	if (len == IDEM_KEY_ULID_LEN)
		ok = idem_parse_ulid(s, k);
	else if (len == IDEM_KEY_UUID_LEN)
		ok = idem_parse_uuid7(s, k);
	else
		ok = 0;
	if (!ok) {
		(void)snprintf(err, errlen, "the idempotency key must be a "
		    "ULID (26 characters) or a UUIDv7 (36 characters)");
		return (IDEM_EFORMAT);
	}
	if (k->ms > now_ms + IDEM_KEY_SKEW_MS) {
		(void)snprintf(err, errlen, "the idempotency key was made "
		    "%lld s in the future; check the client's clock",
		    (long long)((k->ms - now_ms) / 1000));
		return (IDEM_EFUTURE);
	}
	if (k->ms < now_ms - window_ms) {
		(void)snprintf(err, errlen, "the idempotency key is older than "
		    "%lld s; retry with a new key only if the first attempt "
		    "surely failed", (long long)(window_ms / 1000));
		return (IDEM_EEXPIRED);
	}
	return (IDEM_OK);
}

int
idem_key_new(char out[IDEM_KEY_ULID_LEN + 1], int64_t ms)
{
	/* A key is shaped like a vote id: a ULID of its creation time. */
	return (vote_id_new(out, ms));
}

int
idem_vote_accept(struct vote *v, const char *source, const struct idem_key *k,
    uint32_t index, int64_t now_ms)
{
	EVP_MD_CTX	*md;
	uint8_t		 hash[EVP_MAX_MD_SIZE], num[8];
	unsigned int	 hlen;
	int		 ok;

	if (source == NULL ||
	    (strcmp(source, "rest") != 0 && strcmp(source, "grpc") != 0))
		return (-1);

	/* Strings go in with their NUL, so no two field splits collide. */
	idem_put32(num, index);
	idem_put32(num + 4, v->year);
	if ((md = EVP_MD_CTX_new()) == NULL)
		return (-1);
	ok = EVP_DigestInit_ex(md, EVP_sha256(), NULL) == 1 &&
	    EVP_DigestUpdate(md, IDEM_DOMAIN, sizeof(IDEM_DOMAIN)) == 1 &&
	    EVP_DigestUpdate(md, k->bytes, sizeof(k->bytes)) == 1 &&
	    EVP_DigestUpdate(md, num, sizeof(num)) == 1 &&
	    EVP_DigestUpdate(md, v->name, strlen(v->name) + 1) == 1 &&
	    EVP_DigestUpdate(md, v->album, strlen(v->album) + 1) == 1;
	idem_put32(num, v->rank);
	ok = ok && EVP_DigestUpdate(md, num, 4) == 1 &&
	    EVP_DigestFinal_ex(md, hash, &hlen) == 1 &&
	    hlen >= VOTE_ID_RANDOM_BYTES;
	EVP_MD_CTX_free(md);
	if (!ok)
		return (-1);

	if (vote_id_make(v->id, k->ms, hash) == -1)
		return (-1);
	(void)snprintf(v->source, sizeof(v->source), "%s", source);
	v->received_at_ms = now_ms;
	return (0);
}

int
idem_votes_accept(struct vote *votes, size_t n, const char *source,
    const struct idem_key *k)
{
	int64_t	now;
	size_t	i;

	now = marimba_now_ms();
	for (i = 0; i < n; i++) {
		if (k == NULL ? vote_accept(&votes[i], source) :
		    idem_vote_accept(&votes[i], source, k, (uint32_t)i, now))
			return (-1);
	}
	return (0);
}

/* 26 Crockford digits, 2 bits of padding on top: 128 bits. */
static int
idem_parse_ulid(const char *s, struct idem_key *k)
{
	int	i, d, b, bit;

	for (i = 0; i < IDEM_KEY_ULID_LEN; i++) {
		if ((d = idem_crockford(s[i])) == -1)
			return (0);
		if (i == 0 && d > 7)
			return (0);
		for (b = 4; b >= 0; b--) {
			bit = i * 5 + (4 - b) - 2;
			if (bit < 0 || !((d >> b) & 1))
				continue;
			k->bytes[bit / 8] |= (uint8_t)(0x80 >> (bit % 8));
		}
	}
	for (i = 0; i < 6; i++)
		k->ms = (k->ms << 8) | k->bytes[i];
	return (1);
}

/* xxxxxxxx-xxxx-7xxx-Vxxx-xxxxxxxxxxxx with V one of 8, 9, a, b. */
static int
idem_parse_uuid7(const char *s, struct idem_key *k)
{
	int	i, n, d;

	n = 0;
	for (i = 0; i < IDEM_KEY_UUID_LEN; i++) {
		if (i == 8 || i == 13 || i == 18 || i == 23) {
			if (s[i] != '-')
				return (0);
			continue;
		}
		if ((d = hex_digit_value(s[i])) == -1)
			return (0);
		k->bytes[n / 2] |= (uint8_t)(n % 2 == 0 ? d << 4 : d);
		n++;
	}
	if ((k->bytes[6] >> 4) != 7 || (k->bytes[8] >> 6) != 2)
		return (0);
	for (i = 0; i < 6; i++)
		k->ms = (k->ms << 8) | k->bytes[i];
	return (1);
}

/* The value of a Crockford base32 digit (either case), -1 if none. */
static int
idem_crockford(char c)
{
	static const char	digits[] = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";
	const char		*p;

	if (c >= 'a' && c <= 'z')
		c = (char)(c - 'a' + 'A');
	if (c == '\0' || (p = strchr(digits, c)) == NULL)
		return (-1);
	return ((int)(p - digits));
}

static void
idem_put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}
