//go:build !purego

#include "textflag.h"

// func copyASCIIAVX2(dst, src []byte) bool
//
// copyASCIIAVX2 copies src to dst, which do not overlap and is at least as
// long, and reports whether every byte is below 0x80.
TEXT ·copyASCIIAVX2(SB), NOSPLIT, $0-49
	MOVQ   dst_base+0(FP), DI
	MOVQ   src_base+24(FP), SI
	MOVQ   src_len+32(FP), CX
	XORL   DX, DX              // the bytes copied one at a time, or'd
	VPXOR  Y0, Y0, Y0
	VPXOR  Y1, Y1, Y1
	VPXOR  Y2, Y2, Y2
	VPXOR  Y3, Y3, Y3
	CMPQ   CX, $128
	JB     blocks32

blocks128:
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
	CMPQ    CX, $128
	JAE     blocks128

blocks32:
	CMPQ    CX, $32
	JB      bytes
	VMOVDQU (SI), Y4
	VMOVDQU Y4, (DI)
	VPOR    Y4, Y0, Y0
	ADDQ    $32, SI
	ADDQ    $32, DI
	SUBQ    $32, CX
	JMP     blocks32

bytes:
	TESTQ   CX, CX
	JZ      done
	MOVBLZX (SI), AX
	MOVB    AX, (DI)
	ORL     AX, DX
	INCQ    SI
	INCQ    DI
	DECQ    CX
	JMP     bytes

done:
	VPOR      Y1, Y0, Y0
	VPOR      Y3, Y2, Y2
	VPOR      Y2, Y0, Y0
	VPMOVMSKB Y0, AX
	VZEROUPPER
	ANDL      $0x80, DX
	ORL       DX, AX
	TESTL     AX, AX
	SETEQ     ret+48(FP)
	RET
