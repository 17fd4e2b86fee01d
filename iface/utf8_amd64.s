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

// func copyASCIIAVX2(dst, src []byte) bool
//
// copyASCIIAVX2 copies src to dst, which do not overlap and are as long,
// and reports whether every byte is below 0x80. len(src) is a multiple of
// 128.
TEXT ·copyASCIIAVX2(SB), NOSPLIT, $0-49
	MOVQ   dst_base+0(FP), DI
	MOVQ   src_base+24(FP), SI
	MOVQ   src_len+32(FP), CX
	VPXOR  Y0, Y0, Y0
	VPXOR  Y1, Y1, Y1
	VPXOR  Y2, Y2, Y2
	VPXOR  Y3, Y3, Y3
	TESTQ  CX, CX
	JZ     copied

copyloop:
	VMOVDQU (SI), Y4
	VMOVDQU 32(SI), Y5
	VMOVDQU 64(SI), Y6
	VMOVDQU 96(SI), Y7
	VMOVDQU Y4, (DI)
	VMOVDQU Y5, 32(DI)
	VMOVDQU Y6, 64(DI)
	VMOVDQU Y7, 96(DI)
	VPOR    Y4, Y0, Y0
	VPOR    Y5, Y1, Y1
	VPOR    Y6, Y2, Y2
	VPOR    Y7, Y3, Y3
	ADDQ    $128, SI
	ADDQ    $128, DI
	SUBQ    $128, CX
	JNZ     copyloop

copied:
	VPOR      Y1, Y0, Y0
	VPOR      Y3, Y2, Y2
	VPOR      Y2, Y0, Y0
	VPMOVMSKB Y0, AX
	VZEROUPPER
	TESTL     AX, AX
	SETEQ     ret+48(FP)
	RET
