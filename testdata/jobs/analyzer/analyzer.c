// analyzer is acme:analyzer 1.0.0, an image analyzer built with Debian's
// clang and wasi-libc: a command that reads PGM images (P2 or P5, 8-bit),
// prints each one's size, range, mean and a histogram of 4 bins to stdout,
// and writes the same report to a file (-o, "histogram.txt" by default)
// in its working directory, its tmp slot mounted at "/".
//
//	analyzer [-o OUT] [-x PKG] [-n HOST:PORT] IMAGE...
//
// An IMAGE "-" is read on stdin.
//
// -x PKG starts the package PKG as a child nanoprocess through
// nano:process/spawn@0.1.0 (bindings below, documented in ../README.md).
// acme:analyzer holds no spawn key, so nano refuses: the err is printed.
//
// -n HOST:PORT connects to HOST:PORT through nano:net/tcp@0.1.0 and sends
// the report there. acme:analyzer holds no net key, so nano refuses: the
// err is printed.
//
// Exit status: 0 done; 1 the report could not be written; 2 bad usage or
// a bad image; 3 the start or the connection was refused (the last of
// these that happened).
//
// It is linked without wasi-libc's crt1-command.o (build.sh: -nostartfiles
// -Wl,--no-entry) and brings its own _start, below: linking a command,
// wasm-ld wraps every other export in a call of __wasm_call_ctors before
// and __wasm_call_dtors after, so nano's call of cabi_realloc from inside
// start would populate the preopens again and flush stdio.
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

// The canonical ABI's string: address and length in this module's memory.
typedef struct {
	const char *ptr;
	size_t len;
} abi_string;

// result<u32, string> in memory: the case in a byte (0 ok, 1 err), then at
// offset 4 the u32, or the string's address and length.
typedef struct {
	uint8_t tag;
	union {
		uint32_t ok;
		abi_string err;
	} val;
} result_u32_string;

// start: func(name: string, opts: options) -> result<u32, string>, lowered
// to 13 flat parameters (name, then the record options field by field: the
// lists args, env and keys as address and length, the enums stdin, stdout
// and stderr as their case numbers, max-memory-pages and timeout-ms), then
// the address of the 12-byte area the result is written to.
__attribute__((import_module("nano:process/spawn@0.1.0"), import_name("start")))
extern void nano_start(const char *name, size_t name_len,
	const abi_string *args, size_t nargs,
	const abi_string *env, size_t nenv, // list<tuple<string, string>>: pairs
	const abi_string *keys, size_t nkeys,
	uint32_t stdin_, uint32_t stdout_, uint32_t stderr_,
	uint32_t max_memory_pages, uint32_t timeout_ms,
	result_u32_string *ret);

// connect: func(host: string, port: u16) -> result<u32, string>, lowered
// to the host's address and length, the port, and the address of the
// 12-byte area the result is written to.
__attribute__((import_module("nano:net/tcp@0.1.0"), import_name("connect")))
extern void nano_connect(const char *host, size_t host_len, uint32_t port, result_u32_string *ret);

// send: func(conn: u32, data: list<u8>) -> result<u32, string>.
__attribute__((import_module("nano:net/tcp@0.1.0"), import_name("send")))
extern void nano_send(uint32_t conn, const char *data, size_t len, result_u32_string *ret);

// close: func(conn: u32).
__attribute__((import_module("nano:net/tcp@0.1.0"), import_name("close")))
extern void nano_close(uint32_t conn);

// cabi_realloc is how nano allocates in this memory the strings it returns
// (start's err). malloc's blocks are aligned to 16, more than the
// canonical ABI ever asks.
__attribute__((export_name("cabi_realloc")))
void *cabi_realloc(void *old, size_t old_size, size_t align, size_t new_size) {
	(void)old_size;
	(void)align;
	void *p = realloc(old, new_size ? new_size : 1);
	if (!p) {
		abort();
	}
	return p;
}

// spawn asks nano to start pkg with no arguments, its edge's keys and null
// streams, and prints what nano answered.
static int spawn(const char *pkg) {
	result_u32_string ret;
	nano_start(pkg, strlen(pkg), NULL, 0, NULL, 0, NULL, 0, 0, 0, 0, 0, 0, &ret);
	if (ret.tag != 0) {
		fprintf(stderr, "analyzer: start %s: err(\"%.*s\")\n", pkg, (int)ret.val.err.len, ret.val.err.ptr);
		free((void *)ret.val.err.ptr);
		return 3;
	}
	printf("started %s as child %u\n", pkg, (unsigned)ret.val.ok);
	return 0;
}

// dial connects to the HOST:PORT of addr and sends it line, or prints
// what nano answered.
static int dial(const char *addr, const char *line) {
	const char *colon = strrchr(addr, ':');
	if (!colon) {
		fprintf(stderr, "analyzer: -n %s: not HOST:PORT\n", addr);
		return 2;
	}
	result_u32_string ret;
	nano_connect(addr, (size_t)(colon - addr), (uint32_t)atoi(colon + 1), &ret);
	if (ret.tag != 0) {
		fprintf(stderr, "analyzer: connect %s: err(\"%.*s\")\n", addr, (int)ret.val.err.len, ret.val.err.ptr);
		free((void *)ret.val.err.ptr);
		return 3;
	}
	uint32_t conn = ret.val.ok;
	nano_send(conn, line, strlen(line), &ret);
	nano_close(conn);
	if (ret.tag != 0) {
		fprintf(stderr, "analyzer: send %s: err(\"%.*s\")\n", addr, (int)ret.val.err.len, ret.val.err.ptr);
		free((void *)ret.val.err.ptr);
		return 3;
	}
	printf("sent %u bytes to %s\n", (unsigned)ret.val.ok, addr);
	return 0;
}

// An image is a grey image of 8-bit pixels.
typedef struct {
	unsigned width, height;
	unsigned char *pix;
} image;

// token reads the next header number of a PGM file, skipping white space
// and comments.
static int token(FILE *f, unsigned *v) {
	int c;
	for (;;) {
		c = getc(f);
		if (c == '#') {
			while (c != '\n' && c != EOF) {
				c = getc(f);
			}
		} else if (c != ' ' && c != '\t' && c != '\r' && c != '\n') {
			break;
		}
	}
	if (c < '0' || c > '9') {
		return -1;
	}
	unsigned n = 0;
	while (c >= '0' && c <= '9') {
		if (n > 100000) {
			return -1;
		}
		n = n * 10 + (unsigned)(c - '0');
		c = getc(f);
	}
	*v = n;
	return 0;
}

// release closes f unless it is stdin.
static void release(FILE *f) {
	if (f != stdin) {
		fclose(f);
	}
}

// load reads the PGM image at path, or on stdin if path is "-", or prints
// why it cannot.
static int load(const char *path, image *img) {
	FILE *f = strcmp(path, "-") == 0 ? stdin : fopen(path, "rb");
	if (!f) {
		fprintf(stderr, "analyzer: %s: %s\n", path, strerror(errno));
		return -1;
	}
	char magic[2];
	unsigned maxval;
	int plain = 0;
	if (fread(magic, 1, 2, f) != 2 || magic[0] != 'P' || (magic[1] != '2' && magic[1] != '5') ||
		token(f, &img->width) || token(f, &img->height) || token(f, &maxval) ||
		maxval == 0 || maxval > 255 || img->width == 0 || img->height == 0 ||
		img->width * img->height > 1 << 20) {
		fprintf(stderr, "analyzer: %s: not an 8-bit PGM image\n", path);
		release(f);
		return -1;
	}
	plain = magic[1] == '2';
	size_t n = (size_t)img->width * img->height;
	img->pix = malloc(n);
	for (size_t i = 0; i < n; i++) {
		unsigned v;
		int c = 0;
		if (plain) {
			c = token(f, &v);
		} else {
			int b = getc(f);
			c = b == EOF ? -1 : 0;
			v = (unsigned)b;
		}
		if (c || v > maxval) {
			fprintf(stderr, "analyzer: %s: truncated at pixel %zu\n", path, i);
			free(img->pix);
			release(f);
			return -1;
		}
		img->pix[i] = (unsigned char)(v * 255 / maxval);
	}
	release(f);
	return 0;
}

// report prints the image's figures to out.
static void report(FILE *out, const char *path, const image *img) {
	size_t n = (size_t)img->width * img->height, bins[4] = {0};
	unsigned lo = 255, hi = 0;
	uint64_t sum = 0;
	for (size_t i = 0; i < n; i++) {
		unsigned v = img->pix[i];
		lo = v < lo ? v : lo;
		hi = v > hi ? v : hi;
		sum += v;
		bins[v / 64]++;
	}
	fprintf(out, "%s: %ux%u, min %u, max %u, mean %.1f\n", path, img->width, img->height, lo, hi, (double)sum / n);
	for (int b = 0; b < 4; b++) {
		fprintf(out, "  %3d-%3d %3zu |", b * 64, b * 64 + 63, bins[b]);
		for (size_t i = 0; i < bins[b] * 40 / n; i++) {
			fputc('#', out);
		}
		fputc('\n', out);
	}
}

extern void __wasm_call_ctors(void);
extern int __main_void(void);

// _start is the command's entry point, as crt1-command.o's: run the
// constructors, then main with the arguments, then exit (which flushes
// stdio).
__attribute__((export_name("_start"))) void start(void) {
	__wasm_call_ctors();
	exit(__main_void());
}

int main(int argc, char **argv) {
	const char *out = "histogram.txt", *pkg = NULL, *addr = NULL;
	int i = 1;
	for (; i + 1 < argc && argv[i][0] == '-'; i += 2) {
		if (strcmp(argv[i], "-o") == 0) {
			out = argv[i + 1];
		} else if (strcmp(argv[i], "-x") == 0) {
			pkg = argv[i + 1];
		} else if (strcmp(argv[i], "-n") == 0) {
			addr = argv[i + 1];
		} else {
			break;
		}
	}
	if (i == argc || (argv[i][0] == '-' && argv[i][1] != 0)) {
		fprintf(stderr, "usage: analyzer [-o OUT] [-x PKG] [-n HOST:PORT] IMAGE...\n");
		return 2;
	}
	// A refused start or connection, or a report it cannot write, is an
	// error it goes on from: the images are analyzed and printed all the
	// same.
	int status = 0;
	if (pkg) {
		status = spawn(pkg);
	}
	if (addr) {
		int s = dial(addr, "analyzer: job report\n");
		status = s ? s : status;
	}
	FILE *f = fopen(out, "w");
	if (!f) {
		// wasi-libc's errno values are WASI's.
		fprintf(stderr, "analyzer: %s: %s (WASI errno %d)\n", out, strerror(errno), errno);
		status = 1;
	}
	for (; i < argc; i++) {
		image img;
		if (load(argv[i], &img)) {
			status = 2;
			continue;
		}
		const char *name = strcmp(argv[i], "-") == 0 ? "stdin" : argv[i];
		report(stdout, name, &img);
		if (f) {
			report(f, name, &img);
		}
		free(img.pix);
	}
	if (f && fclose(f)) {
		fprintf(stderr, "analyzer: %s: %s (WASI errno %d)\n", out, strerror(errno), errno);
		status = 1;
	}
	return status;
}
