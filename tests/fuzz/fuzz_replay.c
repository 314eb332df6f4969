/* SPDX-License-Identifier: ISC */
/*
 * A main() for builds without libFuzzer (gcc): runs every file named on
 * the command line, or found directly in a directory named there, through
 * LLVMFuzzerTestOneInput() once, in name order, skipping dot files. A
 * broken invariant or sanitizer error aborts, so the ctest test that runs
 * the committed corpus and regressions fails. Prints each file before
 * running it, so the input that crashed is the last one printed.
 */
#include <sys/stat.h>

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_check.h"

struct replay {
	size_t		files;
	size_t		bytes;
};

static int	replay_path(struct replay *, const char *, int);
static int	replay_file(struct replay *, const char *);
static int	replay_dir(struct replay *, const char *);

/* Reads the whole file and runs it; -1 on an I/O error. */
static int
replay_file(struct replay *r, const char *path)
{
	FILE		*fp;
	uint8_t		*buf, *grown;
	size_t		 len, cap, n;

	if ((fp = fopen(path, "rb")) == NULL) {
		fprintf(stderr, "replay: %s: %s\n", path, strerror(errno));
		return (-1);
	}

	buf = NULL;
	len = 0;
	cap = 0;
	for (;;) {
		if (len == cap) {
			cap = cap == 0 ? 4096 : cap * 2;
			if ((grown = realloc(buf, cap)) == NULL) {
				fprintf(stderr, "replay: out of memory\n");
				free(buf);
				fclose(fp);
				return (-1);
			}
			buf = grown;
		}
		n = fread(buf + len, 1, cap - len, fp);
		len += n;
		if (n == 0)
			break;
	}
	if (ferror(fp)) {
		fprintf(stderr, "replay: %s: read error\n", path);
		free(buf);
		fclose(fp);
		return (-1);
	}
	fclose(fp);

	printf("replay: %s (%zu bytes)\n", path, len);
	fflush(stdout);
	/* An exact-size copy, so ASan sees a read past the input. */
	if ((grown = malloc(len > 0 ? len : 1)) == NULL) {
		fprintf(stderr, "replay: out of memory\n");
		free(buf);
		return (-1);
	}
	if (len > 0)
		memcpy(grown, buf, len);
	free(buf);
	(void)LLVMFuzzerTestOneInput(grown, len);
	free(grown);

	r->files++;
	r->bytes += len;
	return (0);
}

static int
name_order(const struct dirent **a, const struct dirent **b)
{
	return (strcmp((*a)->d_name, (*b)->d_name));
}

static int
not_dot_file(const struct dirent *d)
{
	return (d->d_name[0] != '.');
}

/* The files directly in dir; subdirectories are skipped. */
static int
replay_dir(struct replay *r, const char *dir)
{
	struct dirent	**names;
	char		  path[4096];
	int		  i, n, rc;

	if ((n = scandir(dir, &names, not_dot_file, name_order)) == -1) {
		fprintf(stderr, "replay: %s: %s\n", dir, strerror(errno));
		return (-1);
	}

	rc = 0;
	for (i = 0; i < n; i++) {
		if (rc == 0) {
			if ((size_t)snprintf(path, sizeof(path), "%s/%s", dir,
			    names[i]->d_name) >= sizeof(path)) {
				fprintf(stderr,
				    "replay: %s/%s: path too long\n", dir,
				    names[i]->d_name);
				rc = -1;
			} else
				rc = replay_path(r, path, 0);
		}
		free(names[i]);
	}
	free(names);

	return (rc);
}

static int
replay_path(struct replay *r, const char *path, int top)
{
	struct stat	st;

	if (stat(path, &st) == -1) {
		fprintf(stderr, "replay: %s: %s\n", path, strerror(errno));
		return (-1);
	}
	if (S_ISDIR(st.st_mode))
		return (top ? replay_dir(r, path) : 0);
	if (!S_ISREG(st.st_mode))
		return (0);

	return (replay_file(r, path));
}

int
main(int argc, char **argv)
{
	struct replay	r;
	int		i;

	if (argc < 2) {
		fprintf(stderr, "usage: %s file-or-dir ...\n", argv[0]);
		return (2);
	}

	memset(&r, 0, sizeof(r));
	for (i = 1; i < argc; i++) {
		if (replay_path(&r, argv[i], 1) == -1)
			return (1);
	}
	if (r.files == 0) {
		fprintf(stderr, "replay: no input files found\n");
		return (1);
	}

	printf("replay: %zu inputs, %zu bytes, no invariant broken\n",
	    r.files, r.bytes);
	return (0);
}
