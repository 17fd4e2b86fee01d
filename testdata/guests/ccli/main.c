// ccli is a command-line guest built with Debian's clang and wasi-libc. It
// prints its arguments, flag-like ones included, then reads stdin to end of
// file in small reads and prints how many bytes it read and their hash.
#include <stdint.h>
#include <stdio.h>

int main(int argc, char **argv) {
	for (int i = 1; i < argc; i++) {
		printf("arg %d: \"%s\"\n", i, argv[i]);
	}
	// FNV-1a, 32 bits.
	uint32_t hash = 0x811c9dc5u;
	size_t total = 0;
	char buf[1000];
	size_t n;
	while ((n = fread(buf, 1, sizeof buf, stdin)) > 0) {
		for (size_t i = 0; i < n; i++) {
			hash = (hash ^ (unsigned char)buf[i]) * 0x01000193u;
		}
		total += n;
	}
	if (ferror(stdin)) {
		perror("ccli: stdin");
		return 1;
	}
	printf("stdin: %zu bytes, fnv1a %08x\n", total, (unsigned)hash);
	return 0;
}
