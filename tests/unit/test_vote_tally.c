/* SPDX-License-Identifier: ISC */
/*
 * Unit tests for lib/vote_tally.c: the album key's exact bytes, the
 * longest name and album fitting VOTE_TALLY_KEY_MAX, and a refused cut.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "vote_tally.h"

static void
test_key_bytes(void **state)
{
	char	key[VOTE_TALLY_KEY_MAX];

	(void)state;
	assert_int_equal(vote_tally_key(key, sizeof(key), "Caifanes",
	    "El Silencio"), 0);
	assert_string_equal(key, "Caifanes \xe2\x80\x94 El Silencio");
}

static void
test_longest_fits(void **state)
{
	char	name[VOTE_NAME_MAX + 1], album[VOTE_ALBUM_MAX + 1];
	char	key[VOTE_TALLY_KEY_MAX];

	(void)state;
	memset(name, 'n', VOTE_NAME_MAX);
	name[VOTE_NAME_MAX] = '\0';
	memset(album, 'a', VOTE_ALBUM_MAX);
	album[VOTE_ALBUM_MAX] = '\0';
	assert_int_equal(vote_tally_key(key, sizeof(key), name, album), 0);
	assert_int_equal(strlen(key), sizeof(key) - 1);
}

static void
test_cut_refused(void **state)
{
	char	key[8];

	(void)state;
	assert_int_equal(vote_tally_key(key, sizeof(key), "Molotov",
	    "Donde Jugaran las Ninas"), -1);
	assert_int_equal(strlen(key), sizeof(key) - 1);
}

int
main(void)
{
	const struct CMUnitTest	tests[] = {
		cmocka_unit_test(test_key_bytes),
		cmocka_unit_test(test_longest_fits),
		cmocka_unit_test(test_cut_refused),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
