// cfs is a WASI command built with Debian's clang and wasi-libc
// (build.sh): it uses the filesystem the way C programs do, with the
// directory functions and *at calls behind nftw, fts and scandir. Each
// mode prints one line per step, "STEP: ok ..." or "STEP: err MESSAGE",
// and exits 0; run_test.go compares the lines.
//
//	cfs at DIR        opendir(DIR), then openat, fstatat, mkdirat, unlinkat
//	                  and renameat on dirfd
//	cfs walk DIR      a recursive walk: opendir, readdir, fstatat on dirfd
//	cfs nftw DIR      the same walk with libc's nftw
//	cfs cat FILE...   fopen each FILE, relative or absolute, and print it
//	cfs up DIR        fstatat(dirfd(opendir(DIR)), ".."), and compare it
//	                  with stat of DIR's parent
#define _XOPEN_SOURCE 700
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static void fail(const char *step) { printf("%s: err %s\n", step, strerror(errno)); }

static const char *kind(mode_t m) {
	if (S_ISDIR(m)) return "dir";
	if (S_ISREG(m)) return "file";
	if (S_ISLNK(m)) return "link";
	return "other";
}

static int at(const char *dir) {
	DIR *d = opendir(dir);
	if (!d) {
		fail("opendir");
		return 0;
	}
	printf("opendir: ok\n");
	int fd = dirfd(d);
	struct stat st;

	int f = openat(fd, "input.txt", O_RDONLY);
	if (f < 0) {
		fail("openat input.txt");
	} else {
		char buf[256];
		ssize_t n = read(f, buf, sizeof buf - 1);
		buf[n < 0 ? 0 : n] = 0;
		printf("openat input.txt: ok %s\n", buf);
		close(f);
	}
	if (fstatat(fd, "input.txt", &st, 0) < 0) fail("fstatat input.txt");
	else printf("fstatat input.txt: ok %s %lld\n", kind(st.st_mode), (long long)st.st_size);
	if (fstatat(fd, ".", &st, 0) < 0) fail("fstatat .");
	else printf("fstatat .: ok %s\n", kind(st.st_mode));

	if (mkdirat(fd, "made", 0755) < 0) fail("mkdirat made");
	else printf("mkdirat made: ok\n");
	f = openat(fd, "made/new.txt", O_WRONLY | O_CREAT | O_TRUNC, 0644);
	if (f < 0) {
		fail("openat made/new.txt");
	} else {
		if (write(f, "written", 7) != 7) fail("write");
		close(f);
		printf("openat made/new.txt: ok\n");
	}
	if (fstatat(fd, "made/new.txt", &st, 0) < 0) fail("fstatat made/new.txt");
	else printf("fstatat made/new.txt: ok %s %lld\n", kind(st.st_mode), (long long)st.st_size);
	if (renameat(fd, "made/new.txt", fd, "made/renamed.txt") < 0) fail("renameat");
	else printf("renameat: ok\n");
	if (unlinkat(fd, "made/renamed.txt", 0) < 0) fail("unlinkat file");
	else printf("unlinkat file: ok\n");
	if (unlinkat(fd, "made", AT_REMOVEDIR) < 0) fail("unlinkat dir");
	else printf("unlinkat dir: ok\n");

	// Out of the directory: refused.
	if (openat(fd, "../escape.txt", O_WRONLY | O_CREAT, 0644) >= 0) printf("openat ../escape.txt: ok\n");
	else fail("openat ../escape.txt");
	if (mkdirat(fd, "../escape", 0755) == 0) printf("mkdirat ../escape: ok\n");
	else fail("mkdirat ../escape");
	closedir(d);
	return 0;
}

static int cmp(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

// walk lists dir's entries sorted, each with fstatat on the directory's fd,
// and descends into directories.
static void walk(const char *path) {
	DIR *d = opendir(path);
	if (!d) {
		printf("%s: err %s\n", path, strerror(errno));
		return;
	}
	char *names[256];
	int n = 0;
	struct dirent *e;
	while ((e = readdir(d)) && n < 256) {
		if (strcmp(e->d_name, ".") && strcmp(e->d_name, "..")) names[n++] = strdup(e->d_name);
	}
	qsort(names, n, sizeof *names, cmp);
	for (int i = 0; i < n; i++) {
		char sub[1024];
		snprintf(sub, sizeof sub, "%s/%s", path, names[i]);
		struct stat st;
		if (fstatat(dirfd(d), names[i], &st, AT_SYMLINK_NOFOLLOW) < 0) {
			printf("%s: err %s\n", sub, strerror(errno));
		} else {
			printf("%s: ok %s", sub, kind(st.st_mode));
			if (S_ISREG(st.st_mode)) printf(" %lld", (long long)st.st_size);
			printf("\n");
			if (S_ISDIR(st.st_mode)) walk(sub);
		}
		free(names[i]);
	}
	closedir(d);
}

static int visit(const char *path, const struct stat *st, int type, struct FTW *ftw) {
	(void)ftw;
	if (type == FTW_NS || type == FTW_DNR) printf("%s: err %s\n", path, strerror(errno));
	else printf("%s: ok %s\n", path, kind(st->st_mode));
	return 0;
}

static int cat(const char *file) {
	FILE *f = fopen(file, "r");
	if (!f) {
		fail(file);
		return 0;
	}
	char buf[256];
	size_t n = fread(buf, 1, sizeof buf - 1, f);
	buf[n] = 0;
	printf("%s: ok %s\n", file, buf);
	fclose(f);
	return 0;
}

static int up(const char *dir) {
	DIR *d = opendir(dir);
	if (!d) {
		fail("opendir");
		return 0;
	}
	struct stat st, parent;
	if (fstatat(dirfd(d), "..", &st, 0) < 0) {
		fail("fstatat ..");
	} else {
		char p[1024];
		snprintf(p, sizeof p, "%s/..", dir);
		if (stat(p, &parent) < 0) printf("fstatat ..: ok %s, but stat %s: err %s\n", kind(st.st_mode), p, strerror(errno));
		else printf("fstatat ..: ok %s, %s inode\n", kind(st.st_mode), st.st_ino == parent.st_ino ? "same" : "another");
	}
	if (fstatat(dirfd(d), "../input.txt", &st, 0) < 0) fail("fstatat ../input.txt");
	else printf("fstatat ../input.txt: ok %s %lld\n", kind(st.st_mode), (long long)st.st_size);
	closedir(d);
	return 0;
}

int main(int argc, char **argv) {
	if (argc < 3) {
		fprintf(stderr, "usage: cfs at|walk|nftw|cat|up ARG...\n");
		return 2;
	}
	const char *mode = argv[1];
	if (!strcmp(mode, "at")) return at(argv[2]);
	if (!strcmp(mode, "walk")) {
		walk(argv[2]);
		return 0;
	}
	if (!strcmp(mode, "nftw")) {
		if (nftw(argv[2], visit, 16, FTW_PHYS) < 0) fail("nftw");
		return 0;
	}
	if (!strcmp(mode, "cat")) {
		for (int i = 2; i < argc; i++) cat(argv[i]);
		return 0;
	}
	if (!strcmp(mode, "up")) return up(argv[2]);
	fprintf(stderr, "cfs: unknown mode %s\n", mode);
	return 2;
}
