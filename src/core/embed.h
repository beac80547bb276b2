/*
 * Files linked into the binary with the assembler's .incbin, so the program
 * needs nothing beside it at run time and the data cannot drift from its
 * source file. EMBED_FILE(sym, "path") defines sym[] (followed by a NUL
 * byte) and sym_len, computed by the assembler, so no C code subtracts
 * unrelated pointers. Declare them with EMBED_DECLARE(sym). The Makefile
 * passes absolute paths and the dependencies.
 */
#ifndef CORE_EMBED_H
#define CORE_EMBED_H

#include <stdint.h>

#define EMBED_FILE(sym, file)                           \
	__asm__(".section .rodata\n"                    \
	        ".balign 16\n"                          \
	        ".global " #sym "\n" #sym ":\n"         \
	        ".incbin \"" file "\"\n"                \
	        "1:\n"                                  \
	        ".byte 0\n"                             \
	        ".balign 4\n"                           \
	        ".global " #sym "_len\n" #sym "_len:\n" \
	        ".4byte 1b - " #sym "\n"                \
	        ".previous\n")

/* sym is the name being declared: it cannot take parentheses. */
/* NOLINTBEGIN(bugprone-macro-parentheses) */
#define EMBED_DECLARE(sym)           \
	extern const char     sym[]; \
	extern const uint32_t sym##_len
/* NOLINTEND(bugprone-macro-parentheses) */

#endif
