//go:build !purego

#include "textflag.h"

// func asciiAVX2(b []byte) bool
//
// asciiAVX2 reports whether every byte of b is below 0x80. len(b) is a
// multiple of 128.
TEXT ·asciiAVX2(SB), NOSPLIT, $0-25
	MOVQ   b_base+0(FP), SI
	MOVQ   b_len+8(FP), CX
	VPXOR  Y0, Y0, Y0
	VPXOR  Y1, Y1, Y1
	VPXOR  Y2, Y2, Y2
	VPXOR  Y3, Y3, Y3
	TESTQ  CX, CX
	JZ     done

loop:
	VPOR   (SI), Y0, Y0
	VPOR   32(SI), Y1, Y1
	VPOR   64(SI), Y2, Y2
	VPOR   96(SI), Y3, Y3
	ADDQ   $128, SI
	SUBQ   $128, CX
	JNZ    loop

done:
	VPOR      Y1, Y0, Y0
	VPOR      Y3, Y2, Y2
	VPOR      Y2, Y0, Y0
	VPMOVMSKB Y0, AX
	VZEROUPPER
	TESTL     AX, AX
	SETEQ     ret+24(FP)
	RET
